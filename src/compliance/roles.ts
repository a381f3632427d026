/**
 * Host roles: declared in the site profile, or inferred from the traffic with evidence.
 *
 * Inference (pure, over flow records), in two passes:
 * 1. managers: a host that answers (or is tried by clients) on a manager-only SEP port — client HTTP
 *    (row 10), server HTTPS (row 7), web console (row 9), reporting console (row 15), web services
 *    (row 16) — is a `sepm`; a host answering the GUP port (row 3) is a `gup`. TCP 443 alone is not
 *    used: any web server answers it.
 * 2. peers of the managers: initiators to a manager's client ports are `client`s, initiators to its
 *    8443 that are not managers are `console`s; hosts a manager reaches on the SQL port are `sql`, on
 *    the Windows push ports `client`, on SSH `mac_client`, on syslog `syslog`.
 * Each inferred role carries the flows it rests on and a confidence: `high` (answered for two or more
 * peers), `medium` (answered once), `low` (only attempts were seen, never an answer).
 */
import type { Role } from '../../catalogue/index.js';
import type { FlowRecord } from '../flow/record.js';
import { declaredHosts, declaredRoles, type SiteProfile } from './profile.js';
import { countTcpSides, type TcpSides } from './evidence.js';
import { blockedCode } from './facts.js';
import type { Service, ServiceIndex } from './services.js';

export type Confidence = 'high' | 'medium' | 'low';

export interface InferredRole {
  role: Role;
  confidence: Confidence;
  /** one sentence: what the role was inferred from */
  basis: string;
  /** uids of the flows it rests on */
  flows: string[];
}

export interface HostInfo {
  address: string;
  /** host name from the capture's name resolution (pcapng NRB), or null */
  name: string | null;
  /** roles the site profile declares for it */
  declared: Role[];
  /** roles inferred from the traffic (also computed for declared hosts, to spot contradictions later) */
  inferred: InferredRole[];
  /** the roles the rules use: the declared ones when there are any, else the inferred ones */
  roles: Role[];
  /** packets and bytes (frame lengths) sent and received in all flows */
  pktsOut: number;
  pktsIn: number;
  bytesOut: number;
  bytesIn: number;
  firstTs: number;
  lastTs: number;
}

/** Did the responder answer this flow at all (any packet back that is not a refusal)? */
export function answered(r: FlowRecord): boolean {
  if (r.proto === 'udp') return r.respPkts > 0;
  return r.respPkts > 0 && r.connState !== 'REJ' && r.connState !== 'S0';
}

const MANAGER_SERVICES = ['client-http', 'sepm-https', 'web-console-http', 'reporting-console', 'web-services-api'];

/** What a flow on one SEP service is evidence of (pass 1: the responder's role; pass 2: a manager's peer's). */
const enum Kind {
  Sepm, Gup, // pass 1, responder
  Client, Console, Reporting, Rmm, // pass 2, originator, when the responder is a manager
  Sql, PushWindows, PushMac, Syslog, ContentAnalysis, // pass 2, responder, when the originator is a manager
}
const KIND_ROLE: readonly Role[] = ['sepm', 'gup', 'client', 'console', 'reporting_console', 'rmm', 'sql', 'client', 'mac_client', 'syslog', 'content_analysis'];

/** pass-2 kind of a service id, or -1 */
function peerKind(id: string): number {
  switch (id) {
    case 'client-http': case 'client-https': return Kind.Client;
    case 'sepm-https': case 'web-console-http': return Kind.Console;
    case 'reporting-console': return Kind.Reporting;
    case 'web-services-api': return Kind.Rmm;
    case 'remote-sql': return Kind.Sql;
    case 'push-windows-tcp': case 'push-windows-udp': return Kind.PushWindows;
    case 'push-mac-ssh': return Kind.PushMac;
    case 'syslog': return Kind.Syslog;
    case 'content-analysis-http': case 'content-analysis-https': return Kind.ContentAnalysis;
    default: return -1;
  }
}

/** The sentence an inferred role rests on, for a flow `r` on service `id`. */
function basisText(kind: number, r: FlowRecord, id: string, ans: boolean): string {
  const P = `${r.proto.toUpperCase()} ${r.respP}`;
  switch (kind) {
    case Kind.Sepm: return `${ans ? 'answers' : 'was tried on'} ${P} (${id})`;
    case Kind.Gup: return `${ans ? 'answers' : 'was tried on'} TCP ${r.respP} (GUP proxy)`;
    case Kind.Client: return `talks to manager ${r.respH} on ${P} (${id})`;
    case Kind.Console: return `opens the console port ${P} of manager ${r.respH} (${id})`;
    case Kind.Reporting: return `opens the reporting console port ${P} of manager ${r.respH}`;
    case Kind.Rmm: return `uses the web services API ${P} of manager ${r.respH}`;
    case Kind.Sql: return `manager ${r.origH} reaches it on ${P} (SQL Server)`;
    case Kind.PushWindows: return `manager ${r.origH} reaches it on ${P} (Windows push deployment)`;
    case Kind.PushMac: return `manager ${r.origH} reaches it on ${P} (Mac push deployment)`;
    case Kind.Syslog: return `manager ${r.origH} sends it syslog on ${P}`;
    default: return `manager ${r.origH} reaches it on ${P} (Content Analysis)`;
  }
}

/** Evidence for one role of one host. */
interface RoleEvidence {
  /** uids in record order (a record adds its uid once) */
  flows: string[];
  /** index of the record that added the last uid */
  last: number;
  /** the first peer (host number), and whether another peer was seen (confidence needs two) */
  peer: number;
  manyPeers: boolean;
  answered: boolean;
  /** what the basis sentence is made of (basisText): the first answered flow's, else the first flow's */
  basisKind: number;
  basisFlow: number;
  basisId: string;
}

/** A host being built, with its evidence. */
interface Slot {
  /** position in the host list */
  idx: number;
  info: HostInfo;
  declaredSepm: boolean;
  /** evidence by role, in the order it was first seen; NO_EVIDENCE while none */
  ev: Map<Role, RoleEvidence>;
  /** manager for pass 2: declared one, or undeclared with sepm evidence */
  manager: boolean;
}

/** Slot.ev of a host without evidence (shared, never added to). */
const NO_EVIDENCE: ReadonlyMap<Role, RoleEvidence> = new Map();

function addEvidence(s: Slot, kind: number, i: number, r: FlowRecord, id: string, peer: number, ans: boolean): void {
  const role = KIND_ROLE[kind];
  let m = s.ev;
  if (m === NO_EVIDENCE) s.ev = m = new Map<Role, RoleEvidence>();
  let e = m.get(role);
  if (e === undefined) m.set(role, (e = { flows: [], last: -1, peer, manyPeers: false, answered: false, basisKind: kind, basisFlow: i, basisId: id }));
  // one record may add the same role twice (two services on its port): the uid is listed once
  if (e.last !== i) {
    e.flows.push(r.uid);
    e.last = i;
  }
  if (!e.manyPeers && peer !== e.peer) e.manyPeers = true;
  if (ans && !e.answered) {
    e.answered = true;
    e.basisKind = kind;
    e.basisFlow = i;
    e.basisId = id;
  }
}

/** The host table, its hosts numbered, and each flow's two ends by number. */
export interface HostTable {
  hosts: Map<string, HostInfo>;
  /** the hosts in table order: a host's number is its position here */
  list: HostInfo[];
  /** index-aligned with the records: the number of the originator's / responder's host */
  orig: Int32Array;
  resp: Int32Array;
  /**
   * index-aligned with the records: the number of the flow's candidate services (`candidates[n]`: the SEP
   * services on its transport and responder port, ServiceIndex.byPort), -1 when it has none
   */
  port: Int32Array;
  candidates: (readonly Service[])[];
  /** index-aligned with the records: 1 when answered(record) */
  answered: Uint8Array;
  /**
   * index-aligned with the records: blockedStatus(record) as a code (facts.ts: NOT_BLOCKED, DROPPED, REFUSED,
   * HALF_OPEN), for flows with a candidate service (NOT_BLOCKED for the others)
   */
  blocked: Uint8Array;
  /** assessEvidence's counts over the records */
  tcpSides: TcpSides;
}

/**
 * Builds the host table: every address seen in a flow, with declared and inferred roles.
 * @returns hosts keyed by address text, in first-seen order
 */
export function buildHosts(
  records: readonly FlowRecord[],
  services: ServiceIndex,
  profile: SiteProfile,
  names: ReadonlyMap<string, string> = new Map(),
): Map<string, HostInfo> {
  return buildHostTable(records, services, profile, names).hosts;
}

/** What the passes of buildHostTable share. */
interface Build extends HostTable {
  records: readonly FlowRecord[];
  slots: Slot[];
  /** per candidate list: its services' ids and what each is evidence of in pass 1 / pass 2 (Kind or -1) */
  plans: { ids: string[]; pass1: number[]; pass2: number[] }[];
  /** hosts being built, by address */
  slotOf: Map<string, Slot>;
}

/** buildHosts, also numbering the hosts and each flow's ends and candidate services. Uids must be unique. */
export function buildHostTable(
  records: readonly FlowRecord[],
  services: ServiceIndex,
  profile: SiteProfile,
  names: ReadonlyMap<string, string> = new Map(),
): HostTable {
  const n = records.length;
  const b: Build = {
    records,
    hosts: new Map(),
    list: [],
    slots: [],
    orig: new Int32Array(n),
    resp: new Int32Array(n),
    port: new Int32Array(n),
    candidates: [],
    answered: new Uint8Array(n),
    blocked: new Uint8Array(n),
    tcpSides: { tcpFlows: 0, twoWay: 0, oneWayAcked: 0 },
    plans: [],
    slotOf: new Map(),
  };
  const slotOf = b.slotOf;
  const host = (a: string, ts: number): Slot => {
    let s = slotOf.get(a);
    if (!s) {
      const name = names.get(a) ?? null;
      const declared = declaredRoles(profile, a, name);
      const h: HostInfo = { address: a, name, declared, inferred: [], roles: declared, pktsOut: 0, pktsIn: 0, bytesOut: 0, bytesIn: 0, firstTs: ts, lastTs: ts };
      b.hosts.set(a, h);
      slotOf.set(a, (s = { idx: b.list.length, info: h, declaredSepm: declared.includes('sepm'), ev: NO_EVIDENCE as Map<Role, RoleEvidence>, manager: false }));
      b.list.push(h);
      b.slots.push(s);
    }
    return s;
  };
  // one pass: hosts and totals, candidate services, and pass 1 of the inference (which needs nothing more)
  firstPass(b, host, services);

  // declared single hosts the capture never saw still get a row (their expected flows are then absent)
  for (const role of profile.roles.keys()) {
    for (const a of declaredHosts(profile, role)) if (!b.hosts.has(a)) host(a, 0);
  }

  for (const s of b.slots) s.manager = s.declaredSepm || (s.info.declared.length === 0 && s.ev.has('sepm'));
  passTwo(b);
  finish(b.slots, records);
  return { hosts: b.hosts, list: b.list, orig: b.orig, resp: b.resp, port: b.port, candidates: b.candidates, answered: b.answered, blocked: b.blocked, tcpSides: b.tcpSides };
}

/**
 * Every flow's two hosts (created on first sight) and their packet, byte and time totals; whether it was
 * answered; its candidate services, numbered (one list per transport and port) with a plan of what they are
 * evidence of; and pass 1 of the inference: managers and GUPs, from what they answer (a flow a declared
 * manager opened is no evidence: that is the manager talking in the wrong direction, not its peer being a
 * manager).
 */
function firstPass(b: Build, host: (a: string, ts: number) => Slot, services: ServiceIndex): void {
  const step = new FirstPass(b, host, services);
  // the loop only calls: a small step is optimised after a few hundred flows, a big loop much later
  for (let i = 0; i < b.records.length; i++) step.visit(i);
}

/** firstPass's step and what its steps share. */
class FirstPass {
  private readonly numberOf = new Map<readonly Service[], number>();
  /** candidate list number + 1 by transport (0 TCP, 65536 UDP) + port: 0 not looked up yet, -1 none */
  private readonly portNo = new Int32Array(131072);

  constructor(
    private readonly b: Build,
    private readonly host: (a: string, ts: number) => Slot,
    private readonly services: ServiceIndex,
  ) {}

  visit(i: number): void {
    const b = this.b;
    const r = b.records[i];
    // (the lookup inline, the first-seen time passed only to create a host)
    const os = b.slotOf.get(r.origH) ?? this.host(r.origH, r.ts);
    const ss = b.slotOf.get(r.respH) ?? this.host(r.respH, r.ts);
    b.orig[i] = os.idx;
    b.resp[i] = ss.idx;
    const o = os.info;
    const s = ss.info;
    o.pktsOut += r.origPkts; o.pktsIn += r.respPkts; o.bytesOut += r.origFrameBytes; o.bytesIn += r.respFrameBytes;
    s.pktsOut += r.respPkts; s.pktsIn += r.origPkts; s.bytesOut += r.respFrameBytes; s.bytesIn += r.origFrameBytes;
    // (Math.min/max without a new number each time: times are never NaN or -0)
    const ts = r.ts;
    const last = r.lastTs;
    if (ts < o.firstTs) o.firstTs = ts;
    if (last > o.lastTs) o.lastTs = last;
    if (ts < s.firstTs) s.firstTs = ts;
    if (last > s.lastTs) s.lastTs = last;
    const ans = answered(r);
    b.answered[i] = ans ? 1 : 0;
    countTcpSides(b.tcpSides, r);
    const k = this.portNumber(r);
    if (k < 0) {
      b.port[i] = -1;
      return;
    }
    b.blocked[i] = blockedCode(r, ans);
    b.port[i] = k;
    if (os.declaredSepm) return;
    const p = b.plans[k];
    for (let j = 0; j < p.ids.length; j++) {
      const kind = p.pass1[j];
      if (kind >= 0) addEvidence(ss, kind, i, r, p.ids[j], os.idx, ans);
    }
  }

  /** The number of the flow's candidate list, -1 when it has none (looked up once per transport and port). */
  private portNumber(r: FlowRecord): number {
    const tp = (r.proto === 'tcp' ? 0 : 65536) + r.respP;
    let k = this.portNo[tp] - 1;
    if (k !== -1) return k === -2 ? -1 : k;
    const b = this.b;
    const c = this.services.byPort(r.proto === 'tcp' ? 6 : 17, r.respP);
    if (c.length === 0) k = -1;
    else {
      const known = this.numberOf.get(c);
      if (known !== undefined) k = known;
      else {
        this.numberOf.set(c, (k = b.candidates.length));
        b.candidates.push(c);
        const ids = c.map((x) => x.entry.id);
        b.plans.push({ ids, pass1: ids.map((id) => (MANAGER_SERVICES.includes(id) ? Kind.Sepm : id === 'gup-proxy' ? Kind.Gup : -1)), pass2: ids.map(peerKind) });
      }
    }
    this.portNo[tp] = k === -1 ? -1 : k + 1;
    return k;
  }
}

/** Pass 2: peers of the managers. */
function passTwo(b: Build): void {
  const { records, port, plans, slots, orig, resp } = b;
  // managers by host number, and which candidate lists are evidence of anything in pass 2
  const manager = new Uint8Array(slots.length);
  for (let k = 0; k < slots.length; k++) manager[k] = slots[k].manager ? 1 : 0;
  const useful = new Uint8Array(plans.length);
  for (let k = 0; k < plans.length; k++) useful[k] = plans[k].pass2.some((x) => x >= 0) ? 1 : 0;
  for (let i = 0; i < records.length; i++) {
    const pn = port[i];
    if (pn < 0 || useful[pn] === 0) continue;
    const toManager = manager[resp[i]] === 1;
    const fromManager = manager[orig[i]] === 1;
    if (!toManager && !fromManager) continue;
    const os = slots[orig[i]];
    const ss = slots[resp[i]];
    const r = records[i];
    const p = plans[pn];
    const ans = b.answered[i] === 1;
    for (let k = 0; k < p.ids.length; k++) {
      const kind = p.pass2[k];
      if (kind < 0) continue;
      if (kind <= Kind.Rmm) {
        if (!toManager || (kind === Kind.Console && fromManager)) continue;
        addEvidence(os, kind, i, r, p.ids[k], ss.idx, ans);
      } else if (fromManager) {
        addEvidence(ss, kind, i, r, p.ids[k], os.idx, kind === Kind.Syslog ? true : ans);
      }
    }
  }
}

/** Turns the evidence into inferred roles; undeclared hosts take them as their roles. */
function finish(slots: readonly Slot[], records: readonly FlowRecord[]): void {
  for (let k = 0; k < slots.length; k++) {
    const s = slots[k];
    if (s.ev === NO_EVIDENCE) continue;
    const h = s.info;
    s.ev.forEach((x, role) => {
      const confidence: Confidence = !x.answered ? 'low' : x.manyPeers ? 'high' : 'medium';
      h.inferred.push({ role, confidence, basis: basisText(x.basisKind, records[x.basisFlow], x.basisId, x.answered), flows: x.flows });
    });
    if (h.declared.length === 0) h.roles = h.inferred.map((i) => i.role);
  }
}

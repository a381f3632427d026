/**
 * Expected flows: which SEP flows should exist, derived from the hosts' roles, the SEP version and the site
 * policy, and what the capture shows for each (ok, blocked, absent, inconclusive).
 *
 * Expectations (vendor table rows in brackets):
 * - every client → some manager on the client port(s) the policy allows [10, 11];
 * - when GUPs are declared: clients in a GUP's subnet (policy.gup_client_prefix) → that GUP on 2967 [3];
 * - every console → some manager on 8443 [7];
 * - some manager → every remote SQL server on 1433 [6];
 * - when syslog forwarding is required: some manager → every syslog server on UDP 514 [20];
 * - replication partners → each other on 8443, either side opening [7];
 * - when a push deployment is under way: some manager → every Windows client on TCP 445 or 139 [1] and
 *   → every Mac on TCP 22 [2].
 * Pure functions over flow records, classifications and hosts.
 */
import ipaddr from 'ipaddr.js';
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import type { EvidenceQuality } from './evidence.js';
import { isReplicationPartner, type SiteProfile } from './profile.js';
import { answered, type HostInfo } from './roles.js';
import { flowFacts, statusOfFlows, type FlowFacts } from './facts.js';
import type { ServiceIndex } from './services.js';

/** What the capture shows for one expected flow. */
export type ExpectationStatus = 'ok' | 'blocked-dropped' | 'blocked-refused' | 'blocked-half-open' | 'absent' | 'inconclusive';

export interface Expectation {
  /** the host the expectation is about */
  host: string;
  /** `out`: the host should open the flow; `in`: the host should be reached */
  direction: 'out' | 'in';
  /** acceptable services (catalogue ids); any one of them satisfies the expectation */
  services: string[];
  /** the peers that qualify (e.g. every manager), by address */
  peers: string[];
  /** vendor table row */
  seedRow: number;
  /** short text, e.g. "client -> manager on TCP 8014/443" */
  what: string;
  status: ExpectationStatus;
  /** flows that satisfy or attempted it */
  flows: string[];
  /** why the status is inconclusive, when it is */
  reason?: string;
}

/** Conn states that mean "the SYN was never answered". */
export const DROPPED_STATES = ['S0', 'RSTOS0', 'SH'];
/** Conn states that mean "refused". */
export const REFUSED_STATES = ['REJ'];

/** Half-open: the responder answered the SYN, the originator never acknowledged (history has no A/D/F from it). */
export function isHalfOpen(r: FlowRecord): boolean {
  return r.proto === 'tcp' && /^\^?S[^ADF]*h[^ADF]*$/.test(r.history);
}

/** An ICMP error's type and code as on the wire (ICMPv4 for IPv4 flows, ICMPv6 for IPv6 flows). */
interface IcmpEvidence {
  type: number;
  code: number;
}

/**
 * Is an ICMP error a refusal? Destination unreachable with port unreachable (RFC 792 type 3 code 3;
 * RFC 4443 type 1 code 4) or administratively prohibited (RFC 1812 codes 9, 10, 13; RFC 4443 code 1).
 */
export function icmpRefuses(ipVersion: number, e: IcmpEvidence): boolean {
  return icmpPortUnreachable(ipVersion, e) || icmpProhibited(ipVersion, e);
}
/** Port unreachable: nothing listens (RFC 792 type 3 code 3; RFC 4443 type 1 code 4). */
export function icmpPortUnreachable(ipVersion: number, e: IcmpEvidence): boolean {
  return ipVersion === 4 ? e.type === 3 && e.code === 3 : e.type === 1 && e.code === 4;
}
/** Administratively prohibited: a filter refused it (RFC 1812 codes 9, 10, 13; RFC 4443 type 1 code 1). */
export function icmpProhibited(ipVersion: number, e: IcmpEvidence): boolean {
  return ipVersion === 4 ? e.type === 3 && [9, 10, 13].includes(e.code) : e.type === 1 && e.code === 1;
}

/** Blocked status of one flow, or null when it is not blocked. */
export function blockedStatus(r: FlowRecord): 'blocked-dropped' | 'blocked-refused' | 'blocked-half-open' | null {
  const refusedByIcmp = (r.icmpErrors ?? []).some((e) => icmpRefuses(r.ipVersion, e));
  if (r.proto === 'udp') return refusedByIcmp && r.respPkts === 0 ? 'blocked-refused' : null;
  if (REFUSED_STATES.includes(r.connState)) return 'blocked-refused';
  if (refusedByIcmp && !answered(r)) return 'blocked-refused';
  if (DROPPED_STATES.includes(r.connState)) return 'blocked-dropped';
  if (isHalfOpen(r)) return 'blocked-half-open';
  return null;
}

/** Status of a set of flows for one expectation: ok beats blocked; refused beats dropped; none = absent. */
export function statusOf(flows: readonly FlowRecord[]): ExpectationStatus {
  if (flows.length === 0) return 'absent';
  if (flows.some((r) => answered(r) && blockedStatus(r) === null)) return 'ok';
  const b = flows.map(blockedStatus);
  if (b.includes('blocked-refused')) return 'blocked-refused';
  if (b.includes('blocked-half-open')) return 'blocked-half-open';
  if (b.includes('blocked-dropped')) return 'blocked-dropped';
  // UDP one way (syslog) counts as ok: the datagrams were sent and nothing refused them
  return 'ok';
}

/** samePrefix with each address parsed once per expectations run. */
function prefixMatcher(v4prefix: number): (a: string, b: string) => boolean {
  const parsed = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();
  const parse = (a: string) => {
    let x = parsed.get(a);
    if (x === undefined) {
      try {
        x = ipaddr.parse(a);
      } catch {
        x = null;
      }
      parsed.set(a, x);
    }
    return x;
  };
  return (a, b) => {
    const x = parse(a);
    const y = parse(b);
    if (x === null || y === null) return false;
    if (x.kind() !== y.kind()) return false;
    return x.match(y as never, x.kind() === 'ipv4' ? v4prefix : 64);
  };
}

export interface ExpectationContext {
  records: readonly FlowRecord[];
  classes: ReadonlyMap<string, Classification>;
  hosts: ReadonlyMap<string, HostInfo>;
  profile: SiteProfile;
  services: ServiceIndex;
  /** what the capture can prove (absent flows are inconclusive under any caveat; unanswered ones when one-sided) */
  evidence: EvidenceQuality;
  /** per-flow facts of these records and classes, when the caller has them (judge); built when absent */
  facts?: FlowFacts;
}

/**
 * The SEP flows (with a candidate service) of each host at one end, as record indices in record order:
 * host k's are `flows[start[k]]` up to `flows[start[k + 1]]`.
 * @param end facts.orig or facts.resp
 */
function flowsByHost(facts: FlowFacts, end: Int32Array): { start: Int32Array; flows: Int32Array } {
  const start = new Int32Array(facts.hosts.length + 1);
  const port = facts.port; // >= 0: the flow has a candidate service
  for (let i = 0; i < end.length; i++) if (end[i] >= 0 && port[i] >= 0) start[end[i] + 1]++;
  for (let k = 0; k < facts.hosts.length; k++) start[k + 1] += start[k];
  const flows = new Int32Array(start[facts.hosts.length]);
  const fill = start.slice(0, facts.hosts.length);
  for (let i = 0; i < end.length; i++) if (end[i] >= 0 && port[i] >= 0) flows[fill[end[i]]++] = i;
  return { start, flows };
}

/**
 * Derives every expectation and its status.
 * Only hosts whose roles are declared, or inferred with at least medium confidence, get expectations.
 */
export function expectations(ctx: ExpectationContext): Expectation[] {
  return expectationsWithFlows(ctx).expectations;
}

/** expectations(ctx), with each expectation's flows also as record indices (`flowsOf[k]` for expectation k). */
export function expectationsWithFlows(ctx: ExpectationContext): { expectations: Expectation[]; flowsOf: number[][] } {
  const out: Expectation[] = [];
  const outFlows: number[][] = [];
  const records = ctx.records;
  const facts = ctx.facts ?? flowFacts(records, ctx.classes, ctx.hosts);
  const cls = facts.cls;
  const hosts = [...ctx.hosts.values()];
  const trusted = (h: HostInfo, role: string) =>
    h.declared.includes(role as never) || (h.declared.length === 0 && h.inferred.some((i) => i.role === role && i.confidence !== 'low'));
  const withRoleMemo = new Map<string, string[]>();
  const withRole = (role: string) => {
    let l = withRoleMemo.get(role);
    if (!l) {
      l = [];
      for (const h of hosts) if (trusted(h, role)) l.push(h.address);
      withRoleMemo.set(role, l);
    }
    return l;
  };
  const managers: string[] = [];
  for (const h of hosts) if (h.roles.includes('sepm')) managers.push(h.address);
  // a host's number (facts.hosts) is only defined for addresses of the table; others have no flows
  const manager = new Uint8Array(facts.hosts.length);
  for (const a of managers) {
    const k = facts.hostNo.get(a);
    if (k !== undefined) manager[k] = 1;
  }
  const svc = (id: string) => ctx.services.byId(id)!;
  const portsText = (ids: string[]) => ids.map((id) => `${svc(id).entry.transport.toUpperCase()} ${svc(id).ports.join('/')}`).join(' or ');
  // index SEP flows (record indices) by originator and by responder (host numbers) once: expectations are
  // per host, flows are many
  const { orig, resp } = facts;
  const byOrig = flowsByHost(facts, orig);
  const byResp = flowsByHost(facts, resp);
  // does a candidate list (by number) hold one of `ids`? (per ids text)
  const hasIdMemo = new Map<string, Uint8Array>();
  /**
   * SEP flows on one of `ids` (whatever roles the classifier settled on) opened by / reaching `host`, whose
   * other end (host number, -1 when not in the table) passes `peerOk`
   */
  const flowsOf = (ids: string[], host: string, side: 'orig' | 'resp', peerOk: (peer: number) => boolean): number[] => {
    const idsKey = ids.join(' ');
    let has = hasIdMemo.get(idsKey);
    if (!has) {
      has = new Uint8Array(facts.candidates.length);
      for (let p = 0; p < has.length; p++) has[p] = facts.candidates[p].some((s) => ids.includes(s.entry.id)) ? 1 : 0;
      hasIdMemo.set(idsKey, has);
    }
    const port = facts.port;
    const res: number[] = [];
    const h = facts.hostNo.get(host);
    if (h === undefined) return res;
    const by = side === 'orig' ? byOrig : byResp;
    const peers = side === 'orig' ? resp : orig;
    for (let k = by.start[h]; k < by.start[h + 1]; k++) {
      const i = by.flows[k];
      if (has[port[i]] === 1 && peerOk(peers[i])) res.push(i);
    }
    return res;
  };
  const managerSet = new Set(managers);
  const isManager = (a: string) => managerSet.has(a);
  const isManagerNo = (k: number) => k >= 0 && manager[k] === 1;
  const addressOf = (k: number) => facts.hosts[k].address;

  const push = (host: string, direction: 'out' | 'in', ids: string[], peers: string[], what: string, matching: number[]) => {
    let status = statusOfFlows(facts, matching);
    let reason: string | undefined;
    const ev = ctx.evidence;
    if (status === 'absent' && ev.caveats.length) {
      reason = ev.caveats.join('; ');
      status = 'inconclusive';
    } else if (status === 'blocked-dropped' && ev.sidedness === 'one-sided') {
      reason = ev.caveats[0];
      status = 'inconclusive';
    }
    if (status === 'absent' && peers.length === 0) {
      status = 'inconclusive';
      reason = 'no peer with the needed role is declared or could be inferred';
    }
    const flows = new Array<string>(matching.length);
    if (facts.uidsInCls) for (let k = 0; k < matching.length; k++) flows[k] = cls[matching[k]]!.uid;
    else for (let k = 0; k < matching.length; k++) flows[k] = records[matching[k]].uid;
    out.push({ host, direction, services: ids, peers, seedRow: svc(ids[0]).entry.seedRow, what, status, flows, reason });
    outFlows.push(matching);
  };

  const tr = ctx.profile.policy.clientTransport;
  const clientIds = tr === 'http' ? ['client-http'] : tr === 'https' ? ['client-https'] : ['client-http', 'client-https'];
  const clientWhat = `client -> manager on ${portsText(clientIds)}`;
  for (const c of withRole('client')) {
    if (isManager(c)) continue;
    push(c, 'out', clientIds, managers, clientWhat, flowsOf(clientIds, c, 'orig', isManagerNo));
  }
  const gups = hosts.filter((h) => h.declared.includes('gup')).map((h) => h.address);
  if (gups.length) {
    const samePrefix = prefixMatcher(ctx.profile.policy.gupClientPrefix);
    const gupWhat = `client -> its GUP on ${portsText(['gup-proxy'])}`;
    for (const c of withRole('client')) {
      const mine = gups.filter((g) => g !== c && samePrefix(c, g));
      if (mine.length === 0) continue;
      push(c, 'out', ['gup-proxy'], mine, gupWhat, flowsOf(['gup-proxy'], c, 'orig', (p) => p >= 0 && mine.includes(addressOf(p))));
    }
  }
  const consoleWhat = `console -> manager on ${portsText(['sepm-https'])}`;
  for (const c of withRole('console')) {
    push(c, 'out', ['sepm-https'], managers, consoleWhat, flowsOf(['sepm-https'], c, 'orig', isManagerNo));
  }
  const sqlWhat = `manager -> SQL Server on ${portsText(['remote-sql'])}`;
  for (const s of withRole('sql')) {
    push(s, 'in', ['remote-sql'], managers, sqlWhat, flowsOf(['remote-sql'], s, 'resp', isManagerNo));
  }
  if (ctx.profile.policy.syslogRequired) {
    const syslogWhat = `manager -> syslog server on ${portsText(['syslog'])}`;
    for (const s of withRole('syslog')) {
      push(s, 'in', ['syslog'], managers, syslogWhat, flowsOf(['syslog'], s, 'resp', isManagerNo));
    }
  }
  const partners = ctx.profile.replicationPartners.length === 0 ? [] : hosts.filter((h) => isReplicationPartner(ctx.profile, h.address, h.name)).map((h) => h.address);
  for (let i = 0; i < partners.length; i++) {
    for (let j = i + 1; j < partners.length; j++) {
      const [a, b] = [partners[i], partners[j]];
      push(a, 'out', ['sepm-https'], [b], `replication partners ${a} <-> ${b} on ${portsText(['sepm-https'])}`, [...flowsOf(['sepm-https'], a, 'orig', (p) => p >= 0 && addressOf(p) === b), ...flowsOf(['sepm-https'], b, 'orig', (p) => p >= 0 && addressOf(p) === a)]);
    }
  }
  if (ctx.profile.policy.pushDeployment) {
    const winWhat = `push deployment manager -> Windows client on ${portsText(['push-windows-tcp'])}`;
    for (const c of withRole('client')) {
      if (isManager(c)) continue;
      push(c, 'in', ['push-windows-tcp'], managers, winWhat, flowsOf(['push-windows-tcp'], c, 'resp', isManagerNo));
    }
    const macWhat = `push deployment manager -> Mac on ${portsText(['push-mac-ssh'])}`;
    for (const m of withRole('mac_client')) {
      push(m, 'in', ['push-mac-ssh'], managers, macWhat, flowsOf(['push-mac-ssh'], m, 'resp', isManagerNo));
    }
  }
  return { expectations: out, flowsOf: outFlows };
}

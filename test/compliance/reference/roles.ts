// Reference copy of src/compliance/roles.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
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
import type { Role } from '../../../catalogue/index.js';
import type { FlowRecord } from '../../../src/flow/record.js';
import { declaredHosts, declaredRoles, type SiteProfile } from '../../../src/compliance/profile.js';
import type { ServiceIndex } from '../../../src/compliance/services.js';

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

class Evidence {
  readonly byRole = new Map<Role, { flows: Set<string>; peers: Set<string>; answered: boolean; basis: string }>();
  add(role: Role, uid: string, peer: string, wasAnswered: boolean, basis: string): void {
    let e = this.byRole.get(role);
    if (!e) this.byRole.set(role, (e = { flows: new Set(), peers: new Set(), answered: false, basis }));
    e.flows.add(uid);
    e.peers.add(peer);
    if (wasAnswered && !e.answered) {
      e.answered = true;
      e.basis = basis;
    }
  }
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
  const hosts = new Map<string, HostInfo>();
  const host = (a: string, ts: number): HostInfo => {
    let h = hosts.get(a);
    if (!h) {
      const name = names.get(a) ?? null;
      const declared = declaredRoles(profile, a, name);
      hosts.set(a, (h = { address: a, name, declared, inferred: [], roles: declared, pktsOut: 0, pktsIn: 0, bytesOut: 0, bytesIn: 0, firstTs: ts, lastTs: ts }));
    }
    return h;
  };
  for (const r of records) {
    const o = host(r.origH, r.ts);
    const s = host(r.respH, r.ts);
    o.pktsOut += r.origPkts; o.pktsIn += r.respPkts; o.bytesOut += r.origFrameBytes; o.bytesIn += r.respFrameBytes;
    s.pktsOut += r.respPkts; s.pktsIn += r.origPkts; s.bytesOut += r.respFrameBytes; s.bytesIn += r.origFrameBytes;
    for (const h of [o, s]) { h.firstTs = Math.min(h.firstTs, r.ts); h.lastTs = Math.max(h.lastTs, r.lastTs); }
  }

  // declared single hosts the capture never saw still get a row (their expected flows are then absent)
  for (const role of profile.roles.keys()) {
    for (const a of declaredHosts(profile, role)) if (!hosts.has(a)) host(a, 0);
  }

  const ev = new Map<string, Evidence>();
  const evOf = (a: string) => {
    let e = ev.get(a);
    if (!e) ev.set(a, (e = new Evidence()));
    return e;
  };
  const svcIds = (r: FlowRecord) => services.byPort(r.proto === 'tcp' ? 6 : 17, r.respP).map((s) => s.entry.id);

  // pass 1: managers and GUPs, from what they answer (a flow a declared manager opened is no evidence:
  // that is the manager talking in the wrong direction, not its peer being a manager)
  for (const r of records) {
    if (hosts.get(r.origH)!.declared.includes('sepm')) continue;
    const ids = svcIds(r);
    const ans = answered(r);
    for (const id of ids) {
      if (MANAGER_SERVICES.includes(id)) {
        evOf(r.respH).add('sepm', r.uid, r.origH, ans, `${ans ? 'answers' : 'was tried on'} ${r.proto.toUpperCase()} ${r.respP} (${id})`);
      } else if (id === 'gup-proxy') {
        evOf(r.respH).add('gup', r.uid, r.origH, ans, `${ans ? 'answers' : 'was tried on'} TCP ${r.respP} (GUP proxy)`);
      }
    }
  }
  const isManager = (a: string): boolean => {
    const h = hosts.get(a)!;
    return h.declared.includes('sepm') || (h.declared.length === 0 && (ev.get(a)?.byRole.has('sepm') ?? false));
  };

  // pass 2: peers of the managers
  for (const r of records) {
    const ids = svcIds(r);
    const ans = answered(r);
    const toManager = isManager(r.respH);
    const fromManager = isManager(r.origH);
    const P = `${r.proto.toUpperCase()} ${r.respP}`;
    for (const id of ids) {
      if (toManager && (id === 'client-http' || id === 'client-https')) {
        evOf(r.origH).add('client', r.uid, r.respH, ans, `talks to manager ${r.respH} on ${P} (${id})`);
      } else if (toManager && (id === 'sepm-https' || id === 'web-console-http')) {
        if (!isManager(r.origH)) evOf(r.origH).add('console', r.uid, r.respH, ans, `opens the console port ${P} of manager ${r.respH} (${id})`);
      } else if (toManager && id === 'reporting-console') {
        evOf(r.origH).add('reporting_console', r.uid, r.respH, ans, `opens the reporting console port ${P} of manager ${r.respH}`);
      } else if (toManager && id === 'web-services-api') {
        evOf(r.origH).add('rmm', r.uid, r.respH, ans, `uses the web services API ${P} of manager ${r.respH}`);
      } else if (fromManager && id === 'remote-sql') {
        evOf(r.respH).add('sql', r.uid, r.origH, ans, `manager ${r.origH} reaches it on ${P} (SQL Server)`);
      } else if (fromManager && (id === 'push-windows-tcp' || id === 'push-windows-udp')) {
        evOf(r.respH).add('client', r.uid, r.origH, ans, `manager ${r.origH} reaches it on ${P} (Windows push deployment)`);
      } else if (fromManager && id === 'push-mac-ssh') {
        evOf(r.respH).add('mac_client', r.uid, r.origH, ans, `manager ${r.origH} reaches it on ${P} (Mac push deployment)`);
      } else if (fromManager && id === 'syslog') {
        evOf(r.respH).add('syslog', r.uid, r.origH, true, `manager ${r.origH} sends it syslog on ${P}`);
      } else if (fromManager && (id === 'content-analysis-http' || id === 'content-analysis-https')) {
        evOf(r.respH).add('content_analysis', r.uid, r.origH, ans, `manager ${r.origH} reaches it on ${P} (Content Analysis)`);
      }
    }
  }

  for (const [a, e] of ev) {
    const h = hosts.get(a)!;
    for (const [role, x] of e.byRole) {
      const confidence: Confidence = !x.answered ? 'low' : x.peers.size >= 2 ? 'high' : 'medium';
      h.inferred.push({ role, confidence, basis: x.basis, flows: [...x.flows] });
    }
    if (h.declared.length === 0) h.roles = h.inferred.map((i) => i.role);
  }
  return hosts;
}

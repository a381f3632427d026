// Reference copy of src/compliance/expected.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
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
import type { FlowRecord } from '../../../src/flow/record.js';
import type { Classification } from './classify.js';
import type { EvidenceQuality } from './evidence.js';
import { isReplicationPartner, type SiteProfile } from '../../../src/compliance/profile.js';
import { answered, type HostInfo } from './roles.js';
import type { ServiceIndex } from '../../../src/compliance/services.js';

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

function samePrefix(a: string, b: string, v4prefix: number): boolean {
  try {
    const x = ipaddr.parse(a);
    const y = ipaddr.parse(b);
    if (x.kind() !== y.kind()) return false;
    return x.match(y, x.kind() === 'ipv4' ? v4prefix : 64);
  } catch {
    return false;
  }
}

export interface ExpectationContext {
  records: readonly FlowRecord[];
  classes: ReadonlyMap<string, Classification>;
  hosts: ReadonlyMap<string, HostInfo>;
  profile: SiteProfile;
  services: ServiceIndex;
  /** what the capture can prove (absent flows are inconclusive under any caveat; unanswered ones when one-sided) */
  evidence: EvidenceQuality;
}

/**
 * Derives every expectation and its status.
 * Only hosts whose roles are declared, or inferred with at least medium confidence, get expectations.
 */
export function expectations(ctx: ExpectationContext): Expectation[] {
  const out: Expectation[] = [];
  const hosts = [...ctx.hosts.values()];
  const trusted = (h: HostInfo, role: string) =>
    h.declared.includes(role as never) || (h.declared.length === 0 && h.inferred.some((i) => i.role === role && i.confidence !== 'low'));
  const withRole = (role: string) => hosts.filter((h) => trusted(h, role)).map((h) => h.address);
  const managers = hosts.filter((h) => h.roles.includes('sepm')).map((h) => h.address);
  const svc = (id: string) => ctx.services.byId(id)!;
  const portsText = (ids: string[]) => ids.map((id) => `${svc(id).entry.transport.toUpperCase()} ${svc(id).ports.join('/')}`).join(' or ');
  // index SEP flows by originator and by responder once: expectations are per host, flows are many
  const byOrig = new Map<string, FlowRecord[]>();
  const byResp = new Map<string, FlowRecord[]>();
  for (const r of ctx.records) {
    if (!ctx.classes.get(r.uid)?.candidates.length) continue;
    for (const [m, k] of [[byOrig, r.origH], [byResp, r.respH]] as const) {
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(r);
    }
  }
  /** SEP flows on one of `ids` (whatever roles the classifier settled on) opened by / reaching `host` */
  const flowsOf = (ids: string[], host: string, side: 'orig' | 'resp', peerOk: (peer: string) => boolean) =>
    ((side === 'orig' ? byOrig : byResp).get(host) ?? []).filter(
      (r) => ctx.classes.get(r.uid)!.candidates.some((s) => ids.includes(s.entry.id)) && peerOk(side === 'orig' ? r.respH : r.origH),
    );
  const managerSet = new Set(managers);
  const isManager = (a: string) => managerSet.has(a);

  const push = (host: string, direction: 'out' | 'in', ids: string[], peers: string[], what: string, matching: FlowRecord[]) => {
    let status = statusOf(matching);
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
    out.push({ host, direction, services: ids, peers, seedRow: svc(ids[0]).entry.seedRow, what, status, flows: matching.map((r) => r.uid), reason });
  };

  const tr = ctx.profile.policy.clientTransport;
  const clientIds = tr === 'http' ? ['client-http'] : tr === 'https' ? ['client-https'] : ['client-http', 'client-https'];
  for (const c of withRole('client')) {
    if (isManager(c)) continue;
    push(c, 'out', clientIds, managers, `client -> manager on ${portsText(clientIds)}`, flowsOf(clientIds, c, 'orig', isManager));
  }
  const gups = hosts.filter((h) => h.declared.includes('gup')).map((h) => h.address);
  if (gups.length) {
    for (const c of withRole('client')) {
      const mine = gups.filter((g) => g !== c && samePrefix(c, g, ctx.profile.policy.gupClientPrefix));
      if (mine.length === 0) continue;
      push(c, 'out', ['gup-proxy'], mine, `client -> its GUP on ${portsText(['gup-proxy'])}`, flowsOf(['gup-proxy'], c, 'orig', (p) => mine.includes(p)));
    }
  }
  for (const c of withRole('console')) {
    push(c, 'out', ['sepm-https'], managers, `console -> manager on ${portsText(['sepm-https'])}`, flowsOf(['sepm-https'], c, 'orig', isManager));
  }
  for (const s of withRole('sql')) {
    push(s, 'in', ['remote-sql'], managers, `manager -> SQL Server on ${portsText(['remote-sql'])}`, flowsOf(['remote-sql'], s, 'resp', isManager));
  }
  if (ctx.profile.policy.syslogRequired) {
    for (const s of withRole('syslog')) {
      push(s, 'in', ['syslog'], managers, `manager -> syslog server on ${portsText(['syslog'])}`, flowsOf(['syslog'], s, 'resp', isManager));
    }
  }
  const partners = hosts.filter((h) => isReplicationPartner(ctx.profile, h.address, h.name)).map((h) => h.address);
  for (let i = 0; i < partners.length; i++) {
    for (let j = i + 1; j < partners.length; j++) {
      const [a, b] = [partners[i], partners[j]];
      push(a, 'out', ['sepm-https'], [b], `replication partners ${a} <-> ${b} on ${portsText(['sepm-https'])}`, [...flowsOf(['sepm-https'], a, 'orig', (p) => p === b), ...flowsOf(['sepm-https'], b, 'orig', (p) => p === a)]);
    }
  }
  if (ctx.profile.policy.pushDeployment) {
    for (const c of withRole('client')) {
      if (isManager(c)) continue;
      push(c, 'in', ['push-windows-tcp'], managers, `push deployment manager -> Windows client on ${portsText(['push-windows-tcp'])}`, flowsOf(['push-windows-tcp'], c, 'resp', isManager));
    }
    for (const m of withRole('mac_client')) {
      push(m, 'in', ['push-mac-ssh'], managers, `push deployment manager -> Mac on ${portsText(['push-mac-ssh'])}`, flowsOf(['push-mac-ssh'], m, 'resp', isManager));
    }
  }
  return out;
}

// Reference copy of src/compliance/rules.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
/**
 * Compliance rules: pure functions from (flow records, classifications, hosts, site profile, evidence
 * quality, expectations) to findings.
 *
 * Every rule has a stable id, a severity, a one-sentence explanation per finding, the vendor-table row it
 * rests on (`seedRow`, rows of ../shared/reference/sep-ports.md) and the flows it rests on (uids).
 * Findings about the same thing (one service on one host) are merged: their `hosts` list the peers, and a
 * blocked service gets one remediation line for all its sources (summarised to the site's declared
 * networks where they cover them).
 * A finding that the capture cannot prove (one-sided span, capture shorter than the heartbeat, drops)
 * carries `inconclusive` with the reason, has severity `info`, and never fails a run (`--fail-on`).
 */
import ipaddr from 'ipaddr.js';
import type { FlowRecord } from '../../../src/flow/record.js';
import type { Classification } from './classify.js';
import type { EvidenceQuality } from './evidence.js';
import { blockedStatus, icmpPortUnreachable, icmpProhibited, type Expectation } from './expected.js';
import { isIgnored, specMatches, type SiteProfile } from '../../../src/compliance/profile.js';
import { answered, type HostInfo } from './roles.js';
import type { Service, ServiceIndex } from '../../../src/compliance/services.js';
import { versionInRange } from '../../../src/compliance/version.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Orders severities: info < low < medium < high. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface Finding {
  /** stable rule id, e.g. `blocked-dropped` */
  rule: string;
  severity: Severity;
  /** one sentence for a person */
  message: string;
  /** vendor table row (1-20) the judgement rests on; null when it rests on no single row */
  seedRow: number | null;
  /** catalogue id of the service concerned, or null */
  service: string | null;
  /** uids of the evidence flows */
  flows: string[];
  /** the addresses concerned: for merged findings, the initiators (sources) first, then the responder */
  hosts: string[];
  /** firewall-style line that would allow (or block) the traffic */
  remediation?: string;
  /** first / last attempt time (seconds since the epoch) for blocked services */
  firstTs?: number;
  lastTs?: number;
  /** connection attempts seen (SYNs without ACK, counting retries) for blocked services */
  attempts?: number;
  /** why the capture cannot prove this finding; set only on inconclusive findings (severity info) */
  inconclusive?: string;
}

/** Everything a rule may look at. */
export interface RuleContext {
  records: readonly FlowRecord[];
  classes: ReadonlyMap<string, Classification>;
  hosts: ReadonlyMap<string, HostInfo>;
  profile: SiteProfile;
  services: ServiceIndex;
  evidence: EvidenceQuality;
  expectations: readonly Expectation[];
}

/** A rule: a stable id and a pure function. */
export interface Rule {
  id: string;
  /** what it checks, for the README */
  description: string;
  run(ctx: RuleContext): Finding[];
}

const tp = (r: FlowRecord) => r.proto.toUpperCase();
const uniq = (xs: string[]) => [...new Set(xs)];
const svcText = (s: Service) => s.entry.id;

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1';
}

/** Flows the rules may look at: not ignored by the site policy, not a host talking to itself. */
function considered(ctx: RuleContext): FlowRecord[] {
  return ctx.records.filter((r) => r.origH !== r.respH && !isIgnored(ctx.profile, r.respP, r.origH, r.respH));
}

/** Groups flows by a key and builds one merged finding per group. */
function grouped(flows: FlowRecord[], key: (r: FlowRecord) => string, build: (group: FlowRecord[]) => Finding): Finding[] {
  const groups = new Map<string, FlowRecord[]>();
  for (const r of flows) {
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return [...groups.values()].map(build);
}

/**
 * Summarises source addresses for a firewall rule: a declared network (of any role) stands for its
 * addresses when two or more of the sources fall in it (one source stays one address: the evidence does
 * not show the rest of the network needs it); other addresses are listed.
 * @returns e.g. "10.1.2.0/24, 10.9.9.9"
 */
export function summariseSources(addresses: string[], profile: SiteProfile): string {
  const nets: string[] = [];
  const loose: string[] = [];
  const netOf = new Map<string, string>();
  for (const a of addresses) {
    let covered: string | null = null;
    for (const specs of profile.roles.values()) {
      for (const s of specs) {
        if (s.range && s.range[1] < (s.range[0].kind() === 'ipv4' ? 32 : 128) && specMatches(s, a)) {
          covered = s.text;
          break;
        }
      }
      if (covered) break;
    }
    if (covered) netOf.set(a, covered);
    else loose.push(a);
  }
  const count = new Map<string, number>();
  for (const n of netOf.values()) count.set(n, (count.get(n) ?? 0) + 1);
  for (const [a, n] of netOf) {
    if (count.get(n)! >= 2) nets.push(n);
    else loose.push(a);
  }
  return [...uniq(nets), ...uniq(loose).sort(compareAddresses)].join(', ');
}

function compareAddresses(a: string, b: string): number {
  try {
    const x = ipaddr.parse(a).toByteArray();
    const y = ipaddr.parse(b).toByteArray();
    if (x.length !== y.length) return x.length - y.length;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  } catch {
    return a.localeCompare(b);
  }
}

const BLOCKED_TEXT: Record<string, { description: string; verb: (many: boolean) => string; why: string }> = {
  'blocked-dropped': {
    description: 'connection attempts to a SEP service that were never answered (conn_state S0/RSTOS0/SH: SYNs dropped by a firewall, or the host is down)',
    verb: () => 'could not reach',
    why: 'no answer to the SYNs',
  },
  'blocked-refused': {
    description: 'connection attempts to a SEP service refused with a RST (conn_state REJ) or an ICMP port-unreachable / administratively-prohibited error',
    verb: (many) => (many ? 'were refused by' : 'was refused by'),
    why: 'refused', // refined per finding: RST, ICMP port unreachable or administratively prohibited
  },
  'blocked-half-open': {
    description: "connections to a SEP service whose SYN was answered but the originator's ACK never seen (asymmetric routing, or a firewall dropping the return path)",
    verb: () => 'never completed the handshake with',
    why: 'the SYN-ACK was never acknowledged',
  },
};

/**
 * The blocked flows of one evaluation by blocked status, computed once for the three blocked-* rules: SEP
 * candidate flows the rules consider, whose blockedStatus is not null, except a source that also has a working
 * flow to the same service (a transient retry, not blocked). Each list in record order.
 */
function blockedFlows(ctx: RuleContext): Map<string, FlowRecord[]> {
  let m = blockedCache.get(ctx);
  if (m !== undefined) return m;
  const flows = considered(ctx).filter((r) => (ctx.classes.get(r.uid)?.candidates.length ?? 0) > 0);
  const status = flows.map(blockedStatus);
  const ok = new Set<string>();
  for (let i = 0; i < flows.length; i++) {
    const r = flows[i];
    if (status[i] === null && answered(r)) ok.add(`${r.origH}|${r.respH}|${r.proto}|${r.respP}`);
  }
  m = new Map();
  for (let i = 0; i < flows.length; i++) {
    const st = status[i];
    const r = flows[i];
    if (st === null || ok.has(`${r.origH}|${r.respH}|${r.proto}|${r.respP}`)) continue;
    let l = m.get(st);
    if (!l) m.set(st, (l = []));
    l.push(r);
  }
  blockedCache.set(ctx, m);
  return m;
}
const blockedCache = new WeakMap<RuleContext, Map<string, FlowRecord[]>>();

function blockedRule(id: 'blocked-dropped' | 'blocked-refused' | 'blocked-half-open'): Rule {
  const text = BLOCKED_TEXT[id];
  return {
    id,
    description: text.description,
    run(ctx) {
      const hits = blockedFlows(ctx).get(id) ?? [];
      return grouped(hits, (r) => `${r.respH}|${r.proto}|${r.respP}`, (g) => {
        const c = ctx.classes.get(g[0].uid)!;
        const s = c.service ?? c.candidates[0];
        const sources = uniq(g.map((r) => r.origH)).sort(compareAddresses);
        // attempts: SYNs (counting retries) for TCP, datagrams for UDP
        const attempts = g.reduce((n, r) => n + Math.max(1, r.proto === 'tcp' ? r.origSyns : r.origPkts), 0);
        const icmp = g.flatMap((r) => (r.icmpErrors ?? []).map((e) => ({ e, v: r.ipVersion })));
        const portUnreachable = icmp.filter((x) => icmpPortUnreachable(x.v, x.e));
        const prohibited = icmp.filter((x) => icmpProhibited(x.v, x.e));
        const why =
          id !== 'blocked-refused'
            ? text.why
            : prohibited.length
              ? `ICMP administratively prohibited from ${uniq(prohibited.map((x) => x.e.from)).join(', ')} (a filter refused it)`
              : portUnreachable.length
                ? `ICMP port unreachable from ${uniq(portUnreachable.map((x) => x.e.from)).join(', ')} (nothing listens there)`
                : 'refused with a RST (port closed, or a firewall rejecting)';
        const first = Math.min(...g.map((r) => r.ts));
        const last = Math.max(...g.map((r) => r.lastTs));
        const inconclusive = id === 'blocked-dropped' && ctx.evidence.sidedness === 'one-sided' ? ctx.evidence.caveats[0] : undefined;
        const f: Finding = {
          rule: id,
          severity: inconclusive ? 'info' : id === 'blocked-half-open' ? 'medium' : 'high',
          message:
            `${sources.join(', ')} ${text.verb(sources.length > 1)} ${g[0].respH} on ${tp(g[0])} ${g[0].respP} (${svcText(s)}): ` +
            `${attempts} attempt${attempts === 1 ? '' : 's'} in ${g.length} flow${g.length === 1 ? '' : 's'}, ${why}`,
          seedRow: s.entry.seedRow,
          service: s.entry.id,
          flows: g.map((r) => r.uid),
          hosts: [...sources, g[0].respH],
          remediation:
            id === 'blocked-half-open'
              ? `check the return path: ${g[0].respH} answered the SYN but no ACK from ${sources.join(', ')} arrived (asymmetric routing, or a firewall dropping packets after the SYN)`
              : portUnreachable.length && !prohibited.length && id === 'blocked-refused'
                ? `start or fix the service on ${g[0].respH} ${tp(g[0])} ${g[0].respP} (it answered port unreachable), then allow ${summariseSources(sources, ctx.profile)} -> ${g[0].respH} ${tp(g[0])} ${g[0].respP} if a firewall sits between`
                : `allow ${summariseSources(sources, ctx.profile)} -> ${g[0].respH} ${tp(g[0])} ${g[0].respP}`,
          firstTs: first,
          lastTs: last,
          attempts,
        };
        if (inconclusive) f.inconclusive = inconclusive;
        return f;
      });
    },
  };
}

const localhostOnly: Rule = {
  id: 'localhost-only-port-exposed',
  description: 'a service that only the manager itself may use (process launcher 8447, server control 8765, RMI registry 1100, embedded database 2638) seen between two hosts on the wire',
  run(ctx) {
    const hits = considered(ctx).filter((r) => {
      const c = ctx.classes.get(r.uid);
      return c?.candidates.some((s) => s.entry.sameHostOnly) && !isLoopback(r.origH) && !isLoopback(r.respH);
    });
    return grouped(hits, (r) => `${r.respH}|${r.respP}|${r.proto}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.candidates.find((x) => x.entry.sameHostOnly)!;
      const ans = g.some(answered);
      const sources = uniq(g.map((r) => r.origH)).sort(compareAddresses);
      return {
        rule: 'localhost-only-port-exposed',
        severity: ans ? 'high' : 'medium',
        message: `${g[0].respH} ${ans ? 'answered' : 'was sent'} ${tp(g[0])} ${g[0].respP} (${svcText(s)}) from ${sources.join(', ')}, but only the manager itself may use it (vendor table row ${s.entry.seedRow})`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((r) => r.uid),
        hosts: [...sources, g[0].respH],
        remediation: `block ${tp(g[0])} ${g[0].respP} to ${g[0].respH} from other hosts`,
      };
    });
  },
};

const rolesText = (h: HostInfo | undefined) =>
  h && h.roles.length ? `${h.roles.join('/')} (${h.declared.length ? 'declared' : 'inferred'})` : 'undeclared host';

const reversedDirection: Rule = {
  id: 'reversed-direction',
  description: 'a SEP service opened in the wrong direction (its listener side initiated, e.g. a manager connecting to a client on the client port)',
  run(ctx) {
    const hits = considered(ctx).filter((r) => ctx.classes.get(r.uid)?.fit === 'reversed');
    return grouped(hits, (r) => `${r.origH}|${r.respH}|${r.respP}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const r = g[0];
      return {
        rule: 'reversed-direction',
        severity: 'medium',
        message: `${r.origH} [${rolesText(ctx.hosts.get(r.origH))}] opened ${tp(r)} ${r.respP} to ${r.respH} [${rolesText(ctx.hosts.get(r.respH))}], but ${svcText(s)} is opened by ${s.entry.initiators.join('/')} towards ${s.entry.responder}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((x) => x.uid),
        hosts: [r.origH, r.respH],
      };
    });
  },
};

/** Services whose initiator must be a specific, declared role (administrative access). */
const RESTRICTED = new Set(['sepm-https', 'web-console-http', 'reporting-console', 'web-services-api', 'remote-sql', 'spc-web-services']);

const wrongRole: Rule = {
  id: 'wrong-role',
  description: 'a SEP service used between hosts whose roles do not fit it (client to client on SEP ports, a non-console to 8443, a non-manager to SQL 1433)',
  run(ctx) {
    const declaring = ctx.profile.roles.size > 0;
    const v = ctx.profile.sepVersion;
    const hits = considered(ctx).filter((r) => {
      const c = ctx.classes.get(r.uid);
      if (!c?.service) return false;
      if (c.candidates.some((s) => s.entry.sameHostOnly)) return false; // reported by localhost-only-port-exposed
      if (v && !c.candidates.some((s) => versionInRange(v, s.entry.versions.from, s.entry.versions.until))) return false; // reported by version-inapplicable-port
      if (c.fit === 'wrong-role') return true;
      // an undeclared initiator reaching a declared responder on an administrative service
      const o = ctx.hosts.get(r.origH);
      const s = ctx.hosts.get(r.respH);
      return declaring && c.fit === 'expected' && RESTRICTED.has(c.service.entry.id) && !!o && o.declared.length === 0 && !!s && s.declared.includes(c.service.entry.responder);
    });
    return grouped(hits, (r) => `${r.origH}|${r.respH}|${r.respP}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const r = g[0];
      return {
        rule: 'wrong-role',
        severity: 'medium',
        message: `${r.origH} [${rolesText(ctx.hosts.get(r.origH))}] -> ${r.respH} [${rolesText(ctx.hosts.get(r.respH))}] on ${tp(r)} ${r.respP}: ${svcText(s)} runs from ${s.entry.initiators.join('/')} to ${s.entry.responder}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((x) => x.uid),
        hosts: [r.origH, r.respH],
      };
    });
  },
};

/** Roles inferred from what a host answers: a declared host without them contradicts its declaration. */
const SERVER_ROLES = new Set(['sepm', 'gup', 'sql']);

const roleContradiction: Rule = {
  id: 'role-contradiction',
  description: "a declared host whose traffic says, with high confidence (answering two or more peers), that it has another role: a declared client that answers the manager's client port for others, an undeclared GUP, SQL Server or manager",
  run(ctx) {
    const out: Finding[] = [];
    for (const h of ctx.hosts.values()) {
      if (h.declared.length === 0 || isIgnored(ctx.profile, -1, h.address, h.address)) continue;
      for (const i of h.inferred) {
        // one stray flow is not enough to contradict a declaration: the host must answer two or more peers
        if (!SERVER_ROLES.has(i.role) || h.declared.includes(i.role) || i.confidence !== 'high') continue;
        // a GUP is a client that also caches content: declared client + answers 2967 is an undeclared GUP
        const severity = i.role === 'gup' && h.declared.includes('client') ? 'low' : 'medium';
        out.push({
          rule: 'role-contradiction',
          severity,
          message: `${h.address} is declared ${h.declared.join('/')} but ${i.basis}, which makes it a ${i.role} (${i.confidence} confidence)`,
          seedRow: null,
          service: null,
          flows: i.flows,
          hosts: [h.address],
        });
      }
    }
    return out;
  },
};

const versionInapplicable: Rule = {
  id: 'version-inapplicable-port',
  description: "a SEP port in use that the site's SEP version does not use (8444 on 14.x; 2968, 8081/8082 and mobile/cloud 443 before their versions)",
  run(ctx) {
    const v = ctx.profile.sepVersion;
    if (!v) return [];
    const inRange = (s: Service) => versionInRange(v, s.entry.versions.from, s.entry.versions.until);
    const hits = considered(ctx).filter((r) => {
      const c = ctx.classes.get(r.uid);
      if (!c || c.candidates.length === 0) return false;
      // when the roles pin the service down, judge that one; else flag only if no candidate applies
      if (c.service && c.fit === 'expected' && ctx.hosts.get(r.origH)?.roles.length && ctx.hosts.get(r.respH)?.roles.length) return !inRange(c.service);
      return !c.candidates.some(inRange);
    });
    return grouped(hits, (r) => `${r.respH}|${r.respP}|${r.proto}`, (g) => {
      const c = ctx.classes.get(g[0].uid)!;
      const s = c.service && !inRange(c.service) ? c.service : c.candidates.find((x) => !inRange(x))!;
      const sources = uniq(g.map((r) => r.origH)).sort(compareAddresses);
      return {
        rule: 'version-inapplicable-port',
        severity: 'medium',
        message: `${sources.join(', ')} -> ${g[0].respH} on ${tp(g[0])} ${g[0].respP} (${svcText(s)}): the service exists in ${s.entry.versions.text}, but the site runs SEP ${ctx.profile.sepVersionText}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((r) => r.uid),
        hosts: [...sources, g[0].respH],
      };
    });
  },
};

const plaintext: Rule = {
  id: 'plaintext-where-https-required',
  description: 'client to manager traffic over plain HTTP (8014) where the site policy requires HTTPS',
  run(ctx) {
    if (ctx.profile.policy.clientTransport !== 'https') return [];
    // only flows that are client -> manager traffic (reversed or wrong-role flows are reported as such)
    const hits = considered(ctx).filter((r) => {
      const c = ctx.classes.get(r.uid);
      return c?.service?.entry.id === 'client-http' && c.fit === 'expected';
    });
    return grouped(hits, (r) => `${r.respH}|${r.respP}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const sources = uniq(g.map((r) => r.origH)).sort(compareAddresses);
      return {
        rule: 'plaintext-where-https-required',
        severity: 'medium',
        message: `${sources.join(', ')} reached manager ${g[0].respH} over plain HTTP on TCP ${g[0].respP}, but the site policy requires HTTPS (client_transport: https)`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((r) => r.uid),
        hosts: [...sources, g[0].respH],
        remediation: `move clients to HTTPS (TCP ${ctx.services.byId('client-https')!.ports.join('/')}) and block TCP ${g[0].respP} to ${g[0].respH}`,
      };
    });
  },
};

const unlisted: Rule = {
  id: 'unlisted-port',
  description: 'a SEP manager (declared or inferred) or other declared SEP host answering on a port outside the SEP catalogue (medium), or a declared SEP host opening one (low); ephemeral initiator ports are never judged',
  run(ctx) {
    const sepHost = (a: string) => {
      const h = ctx.hosts.get(a);
      return !!h && (h.declared.length > 0 || h.roles.includes('sepm'));
    };
    const hits = considered(ctx).filter((r) => !ctx.classes.get(r.uid)?.candidates.length && (sepHost(r.respH) || sepHost(r.origH)));
    // only flows whose direction was seen (a SYN) are judged by their responder port: a mid-stream flow's
    // "responder port" may be an ephemeral port
    const asResponder = hits.filter((r) => sepHost(r.respH) && answered(r) && !r.initiatorInferred);
    const asInitiator = hits.filter((r) => !asResponder.includes(r) && ctx.hosts.get(r.origH)?.declared.length && !r.initiatorInferred);
    const mk = (g: FlowRecord[], side: 'resp' | 'orig'): Finding => {
      const r = g[0];
      const host = side === 'resp' ? r.respH : r.origH;
      const peers = uniq(g.map((x) => (side === 'resp' ? x.origH : x.respH))).sort(compareAddresses);
      const f: Finding = {
        rule: 'unlisted-port',
        severity: side === 'resp' ? 'medium' : 'low',
        message:
          side === 'resp'
            ? `${host} [${rolesText(ctx.hosts.get(host))}] answers ${tp(r)} ${r.respP} for ${peers.join(', ')}: the port is not in the SEP port table`
            : `${host} [${rolesText(ctx.hosts.get(host))}] opens ${tp(r)} ${r.respP} to ${peers.join(', ')}: the port is not in the SEP port table`,
        seedRow: null,
        service: null,
        flows: g.map((x) => x.uid),
        hosts: side === 'resp' ? [...peers, host] : [host, ...peers],
      };
      if (side === 'resp') f.remediation = `close or firewall ${tp(r)} ${r.respP} on ${host} unless the site needs it (then list it in policy.ignore.ports)`;
      return f;
    };
    return [
      ...grouped(asResponder, (r) => `${r.respH}|${r.proto}|${r.respP}`, (g) => mk(g, 'resp')),
      ...grouped(asInitiator, (r) => `${r.origH}|${r.proto}|${r.respP}`, (g) => mk(g, 'orig')),
    ];
  },
};

const expectedAbsent: Rule = {
  id: 'expected-flow-absent',
  description: 'an expected SEP flow (from roles, version and policy: client to manager, console to manager, manager to SQL/syslog, GUP, replication, push deployment) with no attempt at all in the capture; inconclusive when the capture could not have seen it',
  run(ctx) {
    return ctx.expectations
      .filter((e) => e.status === 'absent' || (e.status === 'inconclusive' && e.flows.length === 0))
      .filter((e) => !isIgnored(ctx.profile, -1, e.host, e.host))
      .map((e) => {
        const f: Finding = {
          rule: 'expected-flow-absent',
          severity: e.status === 'absent' ? 'medium' : 'info',
          message: `${e.host}: no ${e.what}${e.peers.length ? ` (${e.direction === 'out' ? 'to' : 'from'} ${e.peers.join(', ')})` : ''}${e.reason ? `; inconclusive: ${e.reason}` : ''}`,
          seedRow: e.seedRow,
          service: e.services[0],
          flows: [],
          hosts: [e.host],
        };
        if (e.status === 'inconclusive') f.inconclusive = e.reason ?? 'the capture could not have seen it';
        return f;
      });
  },
};

/** All rules, in report order. */
export const RULES: readonly Rule[] = [
  blockedRule('blocked-dropped'),
  blockedRule('blocked-refused'),
  blockedRule('blocked-half-open'),
  localhostOnly,
  reversedDirection,
  wrongRole,
  roleContradiction,
  versionInapplicable,
  plaintext,
  unlisted,
  expectedAbsent,
];

/** Runs every rule; findings sorted by severity (high first), then rule order. */
export function evaluate(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const rule of RULES) out.push(...rule.run(ctx));
  const order = new Map(RULES.map((r, i) => [r.id, i]));
  return out.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || order.get(a.rule)! - order.get(b.rule)!);
}

/**
 * Compliance rules: pure functions from (flow records, classifications, hosts, site profile) to findings.
 *
 * Every rule has a stable id, a severity, a one-sentence explanation per finding, the vendor-table row it
 * rests on (`seedRow`, rows of ../shared/reference/sep-ports.md) and the flows it rests on (uids).
 * Findings about the same thing (one service on one host) are merged: their `hosts` list the peers, so a
 * remediation line covers every client at once.
 */
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import { declaredHosts, type SiteProfile } from './profile.js';
import { answered, type HostInfo } from './roles.js';
import type { Service, ServiceIndex } from './services.js';
import { versionInRange } from './version.js';

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
  /** firewall-style line that would allow the traffic, for blocked services */
  remediation?: string;
  /** first / last attempt time (seconds since the epoch) for blocked services */
  firstTs?: number;
  lastTs?: number;
  /** connection attempts seen (SYNs without ACK, counting retries) for blocked services */
  attempts?: number;
}

/** Everything a rule may look at. */
export interface RuleContext {
  records: readonly FlowRecord[];
  classes: ReadonlyMap<string, Classification>;
  hosts: ReadonlyMap<string, HostInfo>;
  profile: SiteProfile;
  services: ServiceIndex;
  /** capture span in seconds (last packet − first packet) */
  captureSeconds: number;
}

/** A rule: a stable id and a pure function. */
export interface Rule {
  id: string;
  /** what it checks, for `--help` and the README */
  description: string;
  run(ctx: RuleContext): Finding[];
}

/** Default heartbeat interval of SEP clients in seconds (vendor knowledge base: 5 minutes; likely, not certain). */
export const DEFAULT_HEARTBEAT_SECONDS = 300;

const tp = (r: FlowRecord) => r.proto.toUpperCase();

function isLoopback(a: string): boolean {
  return a.startsWith('127.') || a === '::1';
}

/** Groups flows by a key and builds one merged finding per group. */
function grouped(
  flows: FlowRecord[],
  key: (r: FlowRecord) => string,
  build: (group: FlowRecord[]) => Finding,
): Finding[] {
  const groups = new Map<string, FlowRecord[]>();
  for (const r of flows) {
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  return [...groups.values()].map(build);
}

const uniq = (xs: string[]) => [...new Set(xs)];
const svcText = (s: Service) => s.entry.id;

function blockedRule(id: 'blocked-dropped' | 'blocked-refused', states: string[], verb: (many: boolean) => string): Rule {
  return {
    id,
    description:
      id === 'blocked-dropped'
        ? 'connection attempts to a SEP service that were never answered (conn_state S0/RSTOS0: SYNs dropped by a firewall, or host down)'
        : 'connection attempts to a SEP service refused with a RST (conn_state REJ: port closed or firewall reject)',
    run(ctx) {
      const anyAnswered = ctx.records.some((r) => r.respPkts > 0);
      const hits = ctx.records.filter(
        (r) => r.proto === 'tcp' && states.includes(r.connState) && ctx.classes.get(r.uid)?.service && r.origH !== r.respH,
      );
      return grouped(hits, (r) => `${r.respH}|${r.respP}`, (g) => {
        const s = ctx.classes.get(g[0].uid)!.service!;
        const sources = uniq(g.map((r) => r.origH));
        const attempts = g.reduce((n, r) => n + Math.max(1, r.origSyns), 0);
        const first = Math.min(...g.map((r) => r.ts));
        const last = Math.max(...g.map((r) => r.lastTs));
        const inconclusive = id === 'blocked-dropped' && !anyAnswered;
        return {
          rule: id,
          severity: inconclusive ? 'info' : 'high',
          message:
            `${sources.join(', ')} ${verb(sources.length > 1)} ${g[0].respH} on ${tp(g[0])} ${g[0].respP} (${svcText(s)}): ` +
            `${attempts} attempt${attempts === 1 ? '' : 's'} in ${g.length} flow${g.length === 1 ? '' : 's'}` +
            (inconclusive ? '; inconclusive: the capture holds no packet in any answering direction, so the span port may see one direction only' : ''),
          seedRow: s.entry.seedRow,
          service: s.entry.id,
          flows: g.map((r) => r.uid),
          hosts: [...sources, g[0].respH],
          remediation: `allow ${sources.join(', ')} -> ${g[0].respH} ${tp(g[0])} ${g[0].respP}`,
          firstTs: first,
          lastTs: last,
          attempts,
        };
      });
    },
  };
}

const localhostOnly: Rule = {
  id: 'localhost-only-port-exposed',
  description: 'a service that only the manager itself may use (process launcher 8447, server control 8765, RMI registry 1100, embedded database 2638) seen between two hosts on the wire',
  run(ctx) {
    const hits = ctx.records.filter((r) => {
      const c = ctx.classes.get(r.uid);
      return c?.candidates.some((s) => s.entry.sameHostOnly) && r.origH !== r.respH && !isLoopback(r.origH) && !isLoopback(r.respH);
    });
    return grouped(hits, (r) => `${r.respH}|${r.respP}|${r.proto}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.candidates.find((x) => x.entry.sameHostOnly)!;
      const ans = g.some(answered);
      const sources = uniq(g.map((r) => r.origH));
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
    const hits = ctx.records.filter((r) => ctx.classes.get(r.uid)?.fit === 'reversed');
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
    const hits = ctx.records.filter((r) => {
      const c = ctx.classes.get(r.uid);
      if (!c?.service || r.origH === r.respH) return false;
      if (c.candidates.some((s) => s.entry.sameHostOnly)) return false; // reported by localhost-only-port-exposed
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

const versionInapplicable: Rule = {
  id: 'version-inapplicable-port',
  description: "a SEP port in use that the site's SEP version does not use (e.g. 8444 on 14.x, 2968 before 14.2)",
  run(ctx) {
    const v = ctx.profile.sepVersion;
    if (!v) return [];
    const hits = ctx.records.filter((r) => {
      const c = ctx.classes.get(r.uid);
      return !!c && c.candidates.length > 0 && !c.candidates.some((s) => versionInRange(v, s.entry.versions.from, s.entry.versions.until));
    });
    return grouped(hits, (r) => `${r.respH}|${r.respP}|${r.proto}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.candidates[0];
      const sources = uniq(g.map((r) => r.origH));
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
    const hits = ctx.records.filter((r) => ctx.classes.get(r.uid)?.service?.entry.id === 'client-http');
    return grouped(hits, (r) => `${r.respH}|${r.respP}`, (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const sources = uniq(g.map((r) => r.origH));
      return {
        rule: 'plaintext-where-https-required',
        severity: 'medium',
        message: `${sources.join(', ')} reached manager ${g[0].respH} over plain HTTP on TCP ${g[0].respP}, but the site policy requires HTTPS (client_transport: https)`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: g.map((r) => r.uid),
        hosts: [...sources, g[0].respH],
      };
    });
  },
};

const unlisted: Rule = {
  id: 'unlisted-port',
  description: 'a declared SEP host answering on a port outside the SEP catalogue (medium), or opening one (low)',
  run(ctx) {
    const declared = (a: string) => (ctx.hosts.get(a)?.declared.length ?? 0) > 0;
    const hits = ctx.records.filter((r) => !ctx.classes.get(r.uid)?.service && r.origH !== r.respH && (declared(r.respH) || declared(r.origH)));
    const asResponder = hits.filter((r) => declared(r.respH) && answered(r) && !r.initiatorInferred);
    const asInitiator = hits.filter((r) => declared(r.origH) && !asResponder.includes(r));
    const mk = (g: FlowRecord[], side: 'resp' | 'orig'): Finding => {
      const r = g[0];
      const host = side === 'resp' ? r.respH : r.origH;
      const peers = uniq(g.map((x) => (side === 'resp' ? x.origH : x.respH)));
      return {
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
    };
    return [
      ...grouped(asResponder, (r) => `${r.respH}|${r.proto}|${r.respP}`, (g) => mk(g, 'resp')),
      ...grouped(asInitiator, (r) => `${r.origH}|${r.proto}|${r.respP}`, (g) => mk(g, 'orig')),
    ];
  },
};

const expectedAbsent: Rule = {
  id: 'expected-flow-absent',
  description: 'a declared client with no flow to any manager client port, a declared console with none to 8443, a declared remote SQL server the manager never reached',
  run(ctx) {
    const out: Finding[] = [];
    const short = ctx.captureSeconds < DEFAULT_HEARTBEAT_SECONDS;
    const managers = [...ctx.hosts.values()].filter((h) => h.roles.includes('sepm')).map((h) => h.address);
    const seenIn = (role: 'client' | 'console' | 'sql') => {
      // declared single addresses, plus addresses seen in the capture that fall in a declared network
      const hosts = new Set(declaredHosts(ctx.profile, role));
      for (const h of ctx.hosts.values()) if (h.declared.includes(role)) hosts.add(h.address);
      return [...hosts];
    };
    const svcBy = (id: string) => ctx.services.byId(id)!;
    const clientIds =
      ctx.profile.policy.clientTransport === 'http' ? ['client-http'] : ctx.profile.policy.clientTransport === 'https' ? ['client-https'] : ['client-http', 'client-https'];
    const check = (role: 'client' | 'console' | 'sql', ids: string[], fromRole: boolean) => {
      for (const a of seenIn(role)) {
        const has = ctx.records.some((r) => {
          const id = ctx.classes.get(r.uid)?.service?.entry.id;
          if (!id || !ids.includes(id)) return false;
          return fromRole ? r.origH === a && managers.includes(r.respH) : r.respH === a && managers.includes(r.origH);
        });
        if (has) continue;
        const s = svcBy(ids[0]);
        const ports = ids.map((id) => `TCP ${svcBy(id).ports.join('/')}`).join(' or ');
        const what =
          role === 'client'
            ? `declared client ${a} has no flow to a manager on ${ports}`
            : role === 'console'
              ? `declared console ${a} has no flow to a manager on ${ports}`
              : `no manager reached declared SQL server ${a} on ${ports}`;
        out.push({
          rule: 'expected-flow-absent',
          severity: short || managers.length === 0 ? 'info' : 'medium',
          message:
            what +
            (managers.length === 0
              ? '; inconclusive: no manager is declared or could be inferred'
              : short
                ? `; inconclusive: the capture spans ${ctx.captureSeconds.toFixed(0)} s, shorter than the ${DEFAULT_HEARTBEAT_SECONDS / 60}-minute heartbeat`
                : ''),
          seedRow: s.entry.seedRow,
          service: s.entry.id,
          flows: [],
          hosts: [a],
        });
      }
    };
    check('client', clientIds, true);
    check('console', ['sepm-https'], true);
    check('sql', ['remote-sql'], false);
    return out;
  },
};

/** All rules, in report order. */
export const RULES: readonly Rule[] = [
  blockedRule('blocked-dropped', ['S0', 'RSTOS0'], () => 'could not reach'),
  blockedRule('blocked-refused', ['REJ'], (many) => (many ? 'were' : 'was') + ' refused by'),
  localhostOnly,
  reversedDirection,
  wrongRole,
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

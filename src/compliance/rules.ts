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
import type { FlowRecord } from '../flow/record.js';
import { icmpPortUnreachable, icmpProhibited, type Expectation, type ExpectationContext } from './expected.js';
import { BLOCKED_NAMES, flowFacts, NOT_BLOCKED, worked, type FlowFacts } from './facts.js';
import { hostMatcher, type SiteProfile } from './profile.js';
import { answered, type HostInfo } from './roles.js';
import type { Service } from './services.js';
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

/** Everything a rule may look at: what the expectations were derived from, and the expectations. */
export interface RuleContext extends ExpectationContext {
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

/** What every rule of one evaluation shares, computed once per context. */
interface Prep {
  facts: FlowFacts;
  /**
   * Flows the rules may look at (not ignored by the site policy, not a host talking to itself), as record
   * indices in record order: `sep` those with a SEP candidate, `other` the rest
   */
  sep: Int32Array;
  other: Int32Array;
  /**
   * Subsets of `sep` in record order, so that the rules need not scan every SEP flow: `blocked` those with a
   * blocked status; `localOnly` those with a local-only candidate service; `reversed` those classified
   * reversed; `wrongRole` those classified wrong-role, or expected on an administrative (RESTRICTED) service
   */
  blocked: number[];
  localOnly: number[];
  reversed: number[];
  wrongRole: number[];
  /** whether a candidate list holds a local-only service */
  hasLocalOnly: (c: readonly Service[]) => boolean;
  /** isIgnored(ctx.profile, port, a, b), each host's spec matching done once */
  ignored: (port: number, a: string, b: string) => boolean;
  /** rolesText by address, filled as findings are written */
  rolesText: Map<string, string>;
  /** compareAddresses-sorted copy, each address parsed once */
  sortAddresses: (xs: string[]) => string[];
  /** summariseSources with each address's covering network looked up once */
  summarise: (xs: string[]) => string;
}
const prepCache = new WeakMap<RuleContext, Prep>();

function prep(ctx: RuleContext): Prep {
  let p = prepCache.get(ctx);
  if (p !== undefined) return p;
  const facts = ctx.facts ?? flowFacts(ctx.records, ctx.classes, ctx.hosts);
  const pol = ctx.profile.policy;
  const hostIgnored = new Map<string, boolean>();
  const hostIgn = (a: string): boolean => {
    let x = hostIgnored.get(a);
    if (x === undefined) hostIgnored.set(a, (x = pol.ignoreHosts.some(hostMatcher(a))));
    return x;
  };
  const noHosts = pol.ignoreHosts.length === 0;
  const ignored = (port: number, a: string, b: string) => pol.ignorePorts.includes(port) || (!noHosts && (hostIgn(a) || hostIgn(b)));
  const records = ctx.records;
  const cls = facts.cls;
  const noPorts = pol.ignorePorts.length === 0;
  const { orig, resp } = facts;
  // hostIgn by host number (0: not asked yet, 1: no, 2: yes), by address for hosts not in the table
  const ignoredHost = new Uint8Array(facts.hosts.length);
  const ignoredNo = (k: number, a: string): boolean => {
    if (k < 0) return hostIgn(a);
    if (ignoredHost[k] === 0) ignoredHost[k] = hostIgn(a) ? 2 : 1;
    return ignoredHost[k] === 2;
  };
  const hasLocalOnly = perCandidates((c) => c.some((s) => s.entry.sameHostOnly));
  const localPort = new Uint8Array(facts.candidates.length);
  for (let k = 0; k < localPort.length; k++) localPort[k] = hasLocalOnly(facts.candidates[k]) ? 1 : 0;
  const port = facts.port;
  const blocked: number[] = [];
  const localOnly: number[] = [];
  const reversed: number[] = [];
  const wrongRole: number[] = [];
  // SEP flows fill the buffer from the front, the others from the back (then reversed into record order)
  const buf = new Int32Array(records.length);
  let nSep = 0;
  let nOther = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    // a host talking to itself (hosts in the table have one number per address)
    if (orig[i] >= 0 ? orig[i] === resp[i] : r.origH === r.respH) continue;
    if (!(noPorts && noHosts) && (pol.ignorePorts.includes(r.respP) || (!noHosts && (ignoredNo(orig[i], r.origH) || ignoredNo(resp[i], r.respH))))) continue;
    const pn = port[i];
    if (pn < 0) {
      buf[records.length - 1 - nOther++] = i;
      continue;
    }
    const c = cls[i]!;
    buf[nSep++] = i;
    if (facts.blocked[i] !== NOT_BLOCKED) blocked.push(i);
    if (localPort[pn] === 1) localOnly.push(i);
    if (c.fit === 'reversed') reversed.push(i);
    else if (c.service && (c.fit === 'wrong-role' || (c.fit === 'expected' && RESTRICTED.has(c.service.entry.id)))) wrongRole.push(i);
  }
  const sep = buf.subarray(0, nSep);
  const other = buf.slice(records.length - nOther).reverse();
  const addrKeys = new Map<string, number[] | null>();
  const addrKey = (a: string) => {
    let k = addrKeys.get(a);
    if (k === undefined) {
      try {
        k = dottedQuad(a) ?? ipaddr.parse(a).toByteArray();
      } catch {
        k = null;
      }
      addrKeys.set(a, k);
    }
    return k;
  };
  const sortAddresses = (xs: string[]) => {
    const keyed = xs.map((a) => ({ a, k: addrKey(a) }));
    keyed.sort((x, y) => (x.k !== null && y.k !== null ? compareBytes(x.k, y.k) : x.a.localeCompare(y.a)));
    return keyed.map((x) => x.a);
  };
  const covering = new Map<string, string | null>();
  const summarise = (xs: string[]) => summarise0(xs, ctx.profile, covering, sortAddresses);
  p = { facts, sep, other, blocked, localOnly, reversed, wrongRole, hasLocalOnly, rolesText: new Map(), ignored, sortAddresses, summarise };
  prepCache.set(ctx, p);
  return p;
}

/** The host numbered `k` in the facts, undefined for -1 (an address not in the host table). */
const hostAt = (f: FlowFacts, k: number): HostInfo | undefined => (k >= 0 ? f.hosts[k] : undefined);

/** The record indices at `idx` for which `keep` holds. */
function pick(ctx: RuleContext, idx: Int32Array | readonly number[], keep: (i: number, r: FlowRecord) => boolean): number[] {
  const out: number[] = [];
  const records = ctx.records;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (keep(i, records[i])) out.push(i);
  }
  return out;
}

/**
 * What flows are grouped by (the key text was e.g. `respH|proto|respP`; none of its parts holds a `|`):
 * `resp`/`orig`: that host, transport and responder port; `pair`: originator, responder and responder port
 * (any transport); `resp-port`: responder and responder port (any transport).
 */
type GroupBy = 'resp' | 'orig' | 'pair' | 'resp-port';

/**
 * Groups flows (record indices) and builds one merged finding per group, in the order the groups were
 * first seen. Keys are numbers (hosts by number) except for hosts not in the table (by address).
 */
function grouped(ctx: RuleContext, idx: readonly number[], by: GroupBy, build: (group: FlowRecord[]) => Finding): Finding[] {
  const { facts } = prep(ctx);
  const { orig, resp } = facts;
  const records = ctx.records;
  const H = Math.max(1, facts.hosts.length);
  // one key per group: a number when the host part is one (host part × 2^17 + port part), else text
  const groups = new Map<number | string, FlowRecord[]>();
  const order: FlowRecord[][] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const r = records[i];
    let ka: number | string;
    if (by === 'resp' || by === 'resp-port') ka = resp[i] >= 0 ? resp[i] : r.respH;
    else if (by === 'orig') ka = orig[i] >= 0 ? orig[i] : r.origH;
    else ka = orig[i] >= 0 && resp[i] >= 0 ? orig[i] * H + resp[i] : `${r.origH}|${r.respH}`;
    const kb = by === 'resp' || by === 'orig' ? (r.proto === 'tcp' ? 0 : 65536) + r.respP : r.respP;
    const key = typeof ka === 'number' ? ka * 131072 + kb : `${ka}|${kb}`;
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = []));
      order.push(g);
    }
    g.push(r);
  }
  return order.map(build);
}

const uids = (g: readonly FlowRecord[]) => {
  const out = new Array<string>(g.length);
  for (let i = 0; i < g.length; i++) out[i] = g[i].uid;
  return out;
};

/** Memoised predicate over candidate lists (one per transport and port). */
function perCandidates(f: (c: readonly Service[]) => boolean): (c: readonly Service[]) => boolean {
  const m = new Map<readonly Service[], boolean>();
  return (c) => {
    let x = m.get(c);
    if (x === undefined) m.set(c, (x = f(c)));
    return x;
  };
}

/**
 * Summarises source addresses for a firewall rule: a declared network (of any role) stands for its
 * addresses when two or more of the sources fall in it (one source stays one address: the evidence does
 * not show the rest of the network needs it); other addresses are listed.
 * @returns e.g. "10.1.2.0/24, 10.9.9.9"
 */
export function summariseSources(addresses: string[], profile: SiteProfile): string {
  return summarise0(addresses, profile, new Map(), (xs) => xs.sort(compareAddresses));
}

/** summariseSources with a cache of each address's covering network (text, or null) and a sort. */
function summarise0(addresses: string[], profile: SiteProfile, covering: Map<string, string | null>, sort: (xs: string[]) => string[]): string {
  const nets: string[] = [];
  const loose: string[] = [];
  const netOf = new Map<string, string>();
  for (const a of addresses) {
    let covered = covering.get(a);
    if (covered === undefined) {
      covered = null;
      const matches = hostMatcher(a);
      for (const specs of profile.roles.values()) {
        for (const s of specs) {
          if (s.range && s.range[1] < (s.range[0].kind() === 'ipv4' ? 32 : 128) && matches(s)) {
            covered = s.text;
            break;
          }
        }
        if (covered) break;
      }
      covering.set(a, covered);
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
  return [...uniq(nets), ...sort(uniq(loose))].join(', ');
}

/**
 * The four bytes of a plain dotted-decimal IPv4 address (four numbers 0-255 without leading zeros, as flow
 * records write them), as ipaddr.parse(a).toByteArray() gives them; null for any other text (left to ipaddr,
 * which also reads octal, hex and shortened forms).
 */
function dottedQuad(a: string): number[] | null {
  const out = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= a.length; i++) {
    const ch = i < a.length ? a.charCodeAt(i) : 46; // end of text closes the last number like a dot
    if (ch === 46) {
      if (digits === 0 || part > 3) return null;
      out[part++] = value;
      digits = 0;
      value = 0;
    } else if (ch >= 48 && ch <= 57) {
      if (digits > 0 && value === 0) return null; // leading zero: octal to ipaddr
      value = value * 10 + (ch - 48);
      if (++digits > 3 || value > 255) return null;
    } else return null;
  }
  return part === 4 ? out : null;
}

function compareBytes(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
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
function blockedFlows(ctx: RuleContext): Map<string, number[]> {
  let m = blockedCache.get(ctx);
  if (m !== undefined) return m;
  const P = prep(ctx);
  const { facts, sep } = P;
  const records = ctx.records;
  const { orig, resp } = facts;
  // hosts by number; addresses not in the host table get numbers after the table's
  const H = facts.hosts.length;
  const extra = new Map<string, number>();
  const numberOf = (k: number, a: string): number => {
    if (k >= 0) return k;
    let x = extra.get(a);
    if (x === undefined) extra.set(a, (x = H + extra.size));
    return x;
  };
  // (responder, transport, port) as one number
  const toKey = (i: number): number => {
    const r = records[i];
    return numberOf(resp[i], r.respH) * 131072 + (r.proto === 'tcp' ? 0 : 65536) + r.respP;
  };
  // per originator with a blocked flow: the distinct (responder, transport, port) it was blocked on, and
  // whether it also reached each of them with a working flow (a source that did is not blocked there)
  type Targets = { keys: number[]; reached: boolean[]; index: Map<number, number> | null };
  const targets: (Targets | undefined)[] = new Array(H);
  const find = (t: Targets, k: number): number => (t.index === null ? t.keys.indexOf(k) : (t.index.get(k) ?? -1));
  const blockedAt: number[] = []; // per blocked flow (P.blocked order): its position in its originator's list
  for (const i of P.blocked) {
    const o = numberOf(orig[i], records[i].origH);
    const t = (targets[o] ??= { keys: [], reached: [], index: null });
    const k = toKey(i);
    let at = find(t, k);
    if (at < 0) {
      at = t.keys.push(k) - 1;
      t.reached.push(false);
      if (t.index !== null) t.index.set(k, at);
      else if (t.keys.length > 16) t.index = new Map(t.keys.map((x, y) => [x, y])); // many: look up, not scan
    }
    blockedAt.push(at);
  }
  if (P.blocked.length) {
    for (let j = 0; j < sep.length; j++) {
      const i = sep[j];
      const o = orig[i] >= 0 ? orig[i] : extra.get(records[i].origH);
      if (o === undefined) continue;
      const t = targets[o];
      if (t === undefined || !worked(facts, i)) continue;
      const at = find(t, toKey(i));
      if (at >= 0) t.reached[at] = true;
    }
  }
  m = new Map();
  for (let j = 0; j < P.blocked.length; j++) {
    const i = P.blocked[j];
    if (targets[numberOf(orig[i], records[i].origH)]!.reached[blockedAt[j]]) continue;
    const st = BLOCKED_NAMES[facts.blocked[i]]!;
    let l = m.get(st);
    if (!l) m.set(st, (l = []));
    l.push(i);
  }
  blockedCache.set(ctx, m);
  return m;
}
const blockedCache = new WeakMap<RuleContext, Map<string, number[]>>();

function blockedRule(id: 'blocked-dropped' | 'blocked-refused' | 'blocked-half-open'): Rule {
  const text = BLOCKED_TEXT[id];
  return {
    id,
    description: text.description,
    run(ctx) {
      const hits = blockedFlows(ctx).get(id) ?? [];
      const P = prep(ctx);
      return grouped(ctx, hits, 'resp', (g) => {
        const c = ctx.classes.get(g[0].uid)!;
        const s = c.service ?? c.candidates[0];
        const sources = P.sortAddresses(uniq(g.map((r) => r.origH)));
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
        let first = Infinity;
        let last = -Infinity;
        for (const r of g) {
          first = Math.min(first, r.ts);
          last = Math.max(last, r.lastTs);
        }
        const inconclusive = id === 'blocked-dropped' && ctx.evidence.sidedness === 'one-sided' ? ctx.evidence.caveats[0] : undefined;
        const f: Finding = {
          rule: id,
          severity: inconclusive ? 'info' : id === 'blocked-half-open' ? 'medium' : 'high',
          message:
            `${sources.join(', ')} ${text.verb(sources.length > 1)} ${g[0].respH} on ${tp(g[0])} ${g[0].respP} (${svcText(s)}): ` +
            `${attempts} attempt${attempts === 1 ? '' : 's'} in ${g.length} flow${g.length === 1 ? '' : 's'}, ${why}`,
          seedRow: s.entry.seedRow,
          service: s.entry.id,
          flows: uids(g),
          hosts: [...sources, g[0].respH],
          remediation:
            id === 'blocked-half-open'
              ? `check the return path: ${g[0].respH} answered the SYN but no ACK from ${sources.join(', ')} arrived (asymmetric routing, or a firewall dropping packets after the SYN)`
              : portUnreachable.length && !prohibited.length && id === 'blocked-refused'
                ? `start or fix the service on ${g[0].respH} ${tp(g[0])} ${g[0].respP} (it answered port unreachable), then allow ${P.summarise(sources)} -> ${g[0].respH} ${tp(g[0])} ${g[0].respP} if a firewall sits between`
                : `allow ${P.summarise(sources)} -> ${g[0].respH} ${tp(g[0])} ${g[0].respP}`,
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
    const P = prep(ctx);
    const cls = P.facts.cls;
    const hits = pick(ctx, P.localOnly, (i, r) => P.hasLocalOnly(cls[i]!.candidates) && !isLoopback(r.origH) && !isLoopback(r.respH));
    return grouped(ctx, hits, 'resp', (g) => {
      const s = ctx.classes.get(g[0].uid)!.candidates.find((x) => x.entry.sameHostOnly)!;
      const ans = g.some(answered);
      const sources = P.sortAddresses(uniq(g.map((r) => r.origH)));
      return {
        rule: 'localhost-only-port-exposed',
        severity: ans ? 'high' : 'medium',
        message: `${g[0].respH} ${ans ? 'answered' : 'was sent'} ${tp(g[0])} ${g[0].respP} (${svcText(s)}) from ${sources.join(', ')}, but only the manager itself may use it (vendor table row ${s.entry.seedRow})`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: uids(g),
        hosts: [...sources, g[0].respH],
        remediation: `block ${tp(g[0])} ${g[0].respP} to ${g[0].respH} from other hosts`,
      };
    });
  },
};

const rolesText0 = (h: HostInfo | undefined) =>
  h && h.roles.length ? `${h.roles.join('/')} (${h.declared.length ? 'declared' : 'inferred'})` : 'undeclared host';
/** rolesText of the host at `address`, memoised for one evaluation (thousands of findings name the same hosts) */
const rolesText = (ctx: RuleContext, address: string): string => {
  const memo = prep(ctx).rolesText;
  let t = memo.get(address);
  if (t === undefined) memo.set(address, (t = rolesText0(ctx.hosts.get(address))));
  return t;
};

const reversedDirection: Rule = {
  id: 'reversed-direction',
  description: 'a SEP service opened in the wrong direction (its listener side initiated, e.g. a manager connecting to a client on the client port)',
  run(ctx) {
    const P = prep(ctx);
    const cls = P.facts.cls;
    const hits = pick(ctx, P.reversed, (i) => cls[i]!.fit === 'reversed');
    return grouped(ctx, hits, 'pair', (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const r = g[0];
      return {
        rule: 'reversed-direction',
        severity: 'medium',
        message: `${r.origH} [${rolesText(ctx, r.origH)}] opened ${tp(r)} ${r.respP} to ${r.respH} [${rolesText(ctx, r.respH)}], but ${svcText(s)} is opened by ${s.entry.initiators.join('/')} towards ${s.entry.responder}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: uids(g),
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
    const P = prep(ctx);
    const cls = P.facts.cls;
    const noneInRange = perCandidates((c) => !!v && !c.some((s) => versionInRange(v, s.entry.versions.from, s.entry.versions.until)));
    const hits = pick(ctx, P.wrongRole, (i) => {
      const c = cls[i]!;
      if (!c.service) return false;
      if (P.hasLocalOnly(c.candidates)) return false; // reported by localhost-only-port-exposed
      if (noneInRange(c.candidates)) return false; // reported by version-inapplicable-port
      if (c.fit === 'wrong-role') return true;
      // an undeclared initiator reaching a declared responder on an administrative service
      if (!declaring || c.fit !== 'expected' || !RESTRICTED.has(c.service.entry.id)) return false;
      const o = hostAt(P.facts, P.facts.orig[i]);
      const s = hostAt(P.facts, P.facts.resp[i]);
      return declaring && c.fit === 'expected' && RESTRICTED.has(c.service.entry.id) && !!o && o.declared.length === 0 && !!s && s.declared.includes(c.service.entry.responder);
    });
    return grouped(ctx, hits, 'pair', (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const r = g[0];
      return {
        rule: 'wrong-role',
        severity: 'medium',
        message: `${r.origH} [${rolesText(ctx, r.origH)}] -> ${r.respH} [${rolesText(ctx, r.respH)}] on ${tp(r)} ${r.respP}: ${svcText(s)} runs from ${s.entry.initiators.join('/')} to ${s.entry.responder}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: uids(g),
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
    const P = prep(ctx);
    for (const h of ctx.hosts.values()) {
      if (h.declared.length === 0 || P.ignored(-1, h.address, h.address)) continue;
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
    const inRangeMemo = new Map<Service, boolean>();
    const inRange = (s: Service) => {
      let x = inRangeMemo.get(s);
      if (x === undefined) inRangeMemo.set(s, (x = versionInRange(v, s.entry.versions.from, s.entry.versions.until)));
      return x;
    };
    const noneInRange = perCandidates((c) => !c.some(inRange));
    const allInRange = perCandidates((c) => c.every(inRange));
    const P = prep(ctx);
    const cls = P.facts.cls;
    const hits = pick(ctx, P.sep, (i) => {
      const c = cls[i]!;
      // when the roles pin the service down, judge that one; else flag only if no candidate applies
      if (c.service && c.fit === 'expected' && !(allInRange(c.candidates) && inRange(c.service)) && hostAt(P.facts, P.facts.orig[i])?.roles.length && hostAt(P.facts, P.facts.resp[i])?.roles.length) return !inRange(c.service);
      return noneInRange(c.candidates);
    });
    return grouped(ctx, hits, 'resp', (g) => {
      const c = ctx.classes.get(g[0].uid)!;
      const s = c.service && !inRange(c.service) ? c.service : c.candidates.find((x) => !inRange(x))!;
      const sources = P.sortAddresses(uniq(g.map((r) => r.origH)));
      return {
        rule: 'version-inapplicable-port',
        severity: 'medium',
        message: `${sources.join(', ')} -> ${g[0].respH} on ${tp(g[0])} ${g[0].respP} (${svcText(s)}): the service exists in ${s.entry.versions.text}, but the site runs SEP ${ctx.profile.sepVersionText}`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: uids(g),
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
    const P = prep(ctx);
    const cls = P.facts.cls;
    const hits = pick(ctx, P.sep, (i) => {
      const c = cls[i]!;
      return c.service?.entry.id === 'client-http' && c.fit === 'expected';
    });
    return grouped(ctx, hits, 'resp-port', (g) => {
      const s = ctx.classes.get(g[0].uid)!.service!;
      const sources = P.sortAddresses(uniq(g.map((r) => r.origH)));
      return {
        rule: 'plaintext-where-https-required',
        severity: 'medium',
        message: `${sources.join(', ')} reached manager ${g[0].respH} over plain HTTP on TCP ${g[0].respP}, but the site policy requires HTTPS (client_transport: https)`,
        seedRow: s.entry.seedRow,
        service: s.entry.id,
        flows: uids(g),
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
    const P = prep(ctx);
    const sepHosts = new Uint8Array(P.facts.hosts.length);
    for (let k = 0; k < sepHosts.length; k++) {
      const h = P.facts.hosts[k];
      sepHosts[k] = h.declared.length > 0 || h.roles.includes('sepm') ? 1 : 0;
    }
    const sepHost = (k: number) => k >= 0 && sepHosts[k] === 1;
    // only flows whose direction was seen (a SYN) are judged by their responder port: a mid-stream flow's
    // "responder port" may be an ephemeral port
    const asResponder: number[] = [];
    const asInitiator: number[] = [];
    const other = P.other;
    for (let k = 0; k < other.length; k++) {
      const i = other[k];
      const r = ctx.records[i];
      const respSep = sepHost(P.facts.resp[i]);
      if (!respSep && !sepHost(P.facts.orig[i])) continue;
      if (respSep && P.facts.answered[i] === 1 && !r.initiatorInferred) asResponder.push(i);
      else if (hostAt(P.facts, P.facts.orig[i])?.declared.length && !r.initiatorInferred) asInitiator.push(i);
    }
    const mk = (g: FlowRecord[], side: 'resp' | 'orig'): Finding => {
      const r = g[0];
      const host = side === 'resp' ? r.respH : r.origH;
      const peers = P.sortAddresses(uniq(g.map((x) => (side === 'resp' ? x.origH : x.respH))));
      const f: Finding = {
        rule: 'unlisted-port',
        severity: side === 'resp' ? 'medium' : 'low',
        message:
          side === 'resp'
            ? `${host} [${rolesText(ctx, host)}] answers ${tp(r)} ${r.respP} for ${peers.join(', ')}: the port is not in the SEP port table`
            : `${host} [${rolesText(ctx, host)}] opens ${tp(r)} ${r.respP} to ${peers.join(', ')}: the port is not in the SEP port table`,
        seedRow: null,
        service: null,
        flows: uids(g),
        hosts: side === 'resp' ? [...peers, host] : [host, ...peers],
      };
      if (side === 'resp') f.remediation = `close or firewall ${tp(r)} ${r.respP} on ${host} unless the site needs it (then list it in policy.ignore.ports)`;
      return f;
    };
    return [
      ...grouped(ctx, asResponder, 'resp', (g) => mk(g, 'resp')),
      ...grouped(ctx, asInitiator, 'orig', (g) => mk(g, 'orig')),
    ];
  },
};

const expectedAbsent: Rule = {
  id: 'expected-flow-absent',
  description: 'an expected SEP flow (from roles, version and policy: client to manager, console to manager, manager to SQL/syslog, GUP, replication, push deployment) with no attempt at all in the capture; inconclusive when the capture could not have seen it',
  run(ctx) {
    return ctx.expectations
      .filter((e) => e.status === 'absent' || (e.status === 'inconclusive' && e.flows.length === 0))
      .filter((e) => !prep(ctx).ignored(-1, e.host, e.host))
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
  // a stable sort by (severity, rule order) of findings collected in rule order: one bucket per severity
  const bySeverity: Finding[][] = SEVERITIES.map(() => []);
  for (const rule of RULES) {
    const fs = rule.run(ctx);
    for (let k = 0; k < fs.length; k++) bySeverity[severityRank(fs[k].severity)].push(fs[k]);
  }

  const out: Finding[] = [];
  for (let s = bySeverity.length - 1; s >= 0; s--) {
    const fs = bySeverity[s];
    for (let k = 0; k < fs.length; k++) out.push(fs[k]);
  }
  return out;
}

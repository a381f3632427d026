/**
 * Per-flow facts of one compliance pass, computed once and shared by expectations, rules and the matrix
 * (each used to re-derive them per record: a map lookup of the classification by uid, `blockedStatus`
 * with its regular expression, `answered`). Index-aligned with the records. Internal to the compliance
 * pass: `judge` builds it; the exported stage functions build it themselves when not given one.
 */
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import { DROPPED_STATES, icmpRefuses, isHalfOpen, REFUSED_STATES, type ExpectationStatus } from './expected.js';
import { answered, type HostInfo, type HostTable } from './roles.js';
import type { Service } from './services.js';

/** Blocked status codes of `FlowFacts.blocked`: 0 = not blocked (`blockedStatus` null). */
export const NOT_BLOCKED = 0;
export const DROPPED = 1;
export const REFUSED = 2;
export const HALF_OPEN = 3;
export const BLOCKED_NAMES = [null, 'blocked-dropped', 'blocked-refused', 'blocked-half-open'] as const;

export interface FlowFacts {
  records: readonly FlowRecord[];
  /** classification of records[i]; undefined when the classes map has none for its uid */
  cls: readonly (Classification | undefined)[];
  /**
   * blockedStatus(records[i]) as a code (NOT_BLOCKED, DROPPED, REFUSED, HALF_OPEN); computed only for flows
   * with a SEP candidate (every reader looks at those only), NOT_BLOCKED for the others
   */
  blocked: Uint8Array;
  /** 1 when answered(records[i]) */
  answered: Uint8Array;
  /** the host table's hosts in table order: a host's number is its position */
  hosts: readonly HostInfo[];
  /** a host's number by address */
  hostNo: ReadonlyMap<string, number>;
  /** index-aligned with the records: number of the originator's / responder's host, -1 when not in the table */
  orig: Int32Array;
  resp: Int32Array;
  /**
   * true when every classification carries its record's uid (judge's own): `cls[i].uid` may then be read
   * instead of `records[i].uid` (the classifications lie together in memory, the records do not)
   */
  uidsInCls: boolean;
  /** index-aligned with the records: the number of the flow's candidate list in `candidates`, -1 when it has none */
  port: Int32Array;
  /** the distinct candidate lists (one per transport and responder port) */
  candidates: readonly (readonly Service[])[];
}

/**
 * Builds the facts.
 * @param known what the caller already has (judge): the classifications index-aligned with `records`, and
 *   the host table with each record's ends by number (from buildHostTable over the same records); when
 *   absent they are looked up by uid and address
 */
export function flowFacts(
  records: readonly FlowRecord[],
  classes: ReadonlyMap<string, Classification>,
  hostMap: ReadonlyMap<string, HostInfo>,
  known?: { cls: readonly Classification[]; table: HostTable },
): FlowFacts {
  const n = records.length;
  const cls = known?.cls;
  let hosts: readonly HostInfo[];
  let orig: Int32Array;
  let resp: Int32Array;
  const hostNo = new Map<string, number>();
  if (known) {
    ({ list: hosts, orig, resp } = known.table);
    for (let k = 0; k < hosts.length; k++) hostNo.set(hosts[k].address, k);
  } else {
    hosts = [...hostMap.values()];
    let k = 0;
    for (const a of hostMap.keys()) hostNo.set(a, k++);
    orig = new Int32Array(n);
    resp = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      orig[i] = hostNo.get(records[i].origH) ?? -1;
      resp[i] = hostNo.get(records[i].respH) ?? -1;
    }
  }
  let c: readonly (Classification | undefined)[];
  if (cls) c = cls;
  else {
    const a = new Array<Classification | undefined>(n);
    for (let i = 0; i < n; i++) a[i] = classes.get(records[i].uid);
    c = a;
  }
  let blocked: Uint8Array;
  let ans: Uint8Array;
  if (known) {
    ans = known.table.answered;
    blocked = known.table.blocked;
  } else {
    ans = new Uint8Array(n);
    blocked = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = records[i];
      const a = answered(r);
      ans[i] = a ? 1 : 0;
      if (c[i]?.candidates.length) blocked[i] = blockedCode(r, a);
    }
  }
  let port: Int32Array;
  let candidates: (readonly Service[])[];
  if (known) ({ port, candidates } = known.table);
  else {
    port = new Int32Array(n);
    candidates = [];
    const numberOf = new Map<readonly Service[], number>();
    for (let i = 0; i < n; i++) {
      const cands = c[i]?.candidates;
      if (!cands?.length) {
        port[i] = -1;
        continue;
      }
      let k = numberOf.get(cands);
      if (k === undefined) {
        numberOf.set(cands, (k = candidates.length));
        candidates.push(cands);
      }
      port[i] = k;
    }
  }
  return { records, cls: c, blocked, answered: ans, hosts, hostNo, orig, resp, uidsInCls: known !== undefined, port, candidates };
}

/** blockedStatus(r) as a code (the same tests in the same order, without allocating); `ans`: answered(r). */
export function blockedCode(r: FlowRecord, ans: boolean): number {
  let refusedByIcmp = false;
  const errors = r.icmpErrors;
  if (errors !== undefined) {
    for (let k = 0; k < errors.length; k++) {
      if (icmpRefuses(r.ipVersion, errors[k])) {
        refusedByIcmp = true;
        break;
      }
    }
  }
  if (r.proto === 'udp') return refusedByIcmp && r.respPkts === 0 ? REFUSED : NOT_BLOCKED;
  const st = r.connState;
  if (REFUSED_STATES.includes(st)) return REFUSED;
  if (refusedByIcmp && !ans) return REFUSED;
  if (DROPPED_STATES.includes(st)) return DROPPED;
  if (isHalfOpen(r)) return HALF_OPEN;
  return NOT_BLOCKED;
}

/** A flow that worked: answered and not blocked. */
export function worked(f: FlowFacts, i: number): boolean {
  return f.answered[i] === 1 && f.blocked[i] === NOT_BLOCKED;
}

/**
 * statusOf (expected.ts) of the flows at `idx`: ok beats blocked; refused beats half-open beats dropped;
 * none = absent; flows neither working nor blocked (UDP one way) count as ok.
 */
export function statusOfFlows(f: FlowFacts, idx: readonly number[]): ExpectationStatus {
  if (idx.length === 0) return 'absent';
  let seen = 0; // bit per blocked code
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (worked(f, i)) return 'ok';
    seen |= 1 << f.blocked[i];
  }
  if (seen & (1 << REFUSED)) return 'blocked-refused';
  if (seen & (1 << HALF_OPEN)) return 'blocked-half-open';
  if (seen & (1 << DROPPED)) return 'blocked-dropped';
  return 'ok';
}

/** statusOf([records[i]]). */
export function statusOfFlow(f: FlowFacts, i: number): ExpectationStatus {
  if (worked(f, i)) return 'ok';
  const b = f.blocked[i];
  return b === NOT_BLOCKED ? 'ok' : BLOCKED_NAMES[b]!;
}

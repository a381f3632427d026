/**
 * Per-flow facts of one compliance pass, computed once and shared by expectations, rules and the matrix
 * (each used to re-derive them per record: a map lookup of the classification by uid, `blockedStatus`
 * with its regular expression, `answered`). Index-aligned with the records. Internal to the compliance
 * pass: `judge` builds it; the exported stage functions build it themselves when not given one.
 */
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import { blockedStatus, type ExpectationStatus } from './expected.js';
import { answered } from './roles.js';

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
}

/**
 * Builds the facts.
 * @param cls classifications index-aligned with `records` when the caller has them, else looked up by uid
 */
export function flowFacts(
  records: readonly FlowRecord[],
  classes: ReadonlyMap<string, Classification>,
  cls?: readonly (Classification | undefined)[],
): FlowFacts {
  const n = records.length;
  const blocked = new Uint8Array(n);
  const ans = new Uint8Array(n);
  let c = cls;
  if (!c) {
    const a = new Array<Classification | undefined>(n);
    for (let i = 0; i < n; i++) a[i] = classes.get(records[i].uid);
    c = a;
  }
  for (let i = 0; i < n; i++) {
    const r = records[i];
    ans[i] = answered(r) ? 1 : 0;
    if (!c[i]?.candidates.length) continue;
    const b = blockedStatus(r);
    blocked[i] = b === null ? NOT_BLOCKED : b === 'blocked-dropped' ? DROPPED : b === 'blocked-refused' ? REFUSED : HALF_OPEN;
  }
  return { records, cls: c, blocked, answered: ans };
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
  for (const i of idx) {
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

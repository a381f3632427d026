/**
 * mergePartials: the per-input results of separate analyses combined into the result of one analysis of all
 * inputs together (`sepflow analyse --jobs N`; later the merge of several sensors' results).
 *
 * Exact — equal to feeding every input's frames, in timestamp order, to one Engine (src/source/merge.ts, the
 * default of `sepflow analyse a b`) — when no flow spans inputs (no TCP/UDP 5-tuple + VLAN, and no fragmented
 * datagram, occurs in two inputs) and each input is in time order. Then every flow is the same, and what
 * remains is bookkeeping, all done here:
 * - flows: one timeline — the per-input record lists (each in its flows' start order) are merged by start time,
 *   ties to the earlier input (as mergeFrames orders frames), and the uids renumbered in that order (`flowUid`);
 * - counters summed, per-kind maps summed by key; first/last time = min/max over inputs that had packets;
 * - files in input order; host names merged in input order (a later input's name wins, as in one engine).
 * Pure: the inputs are not modified; the records are copied (with their new uid).
 */
import type { DecodeCounters, PartialResult } from './engine.js';
import type { FlowRecord } from './flow/record.js';
import { flowUid } from './flow/table.js';

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Σ of the packet counters of several analyses. */
export function sumCounters(all: readonly DecodeCounters[]): DecodeCounters {
  const c: DecodeCounters = { packets: 0, inFlows: 0, ipOther: 0, notIp: 0, unsupportedLinkTypes: {}, malformed: {}, weird: {}, truncated: 0, duplicates: 0 };
  for (const x of all) {
    c.packets += x.packets;
    c.inFlows += x.inFlows;
    c.ipOther += x.ipOther;
    c.notIp += x.notIp;
    c.truncated += x.truncated;
    c.duplicates += x.duplicates ?? 0;
    addInto(c.unsupportedLinkTypes, x.unsupportedLinkTypes);
    addInto(c.malformed, x.malformed);
    addInto(c.weird, x.weird);
  }
  return c;
}

/**
 * Combines the partial results of separately analysed inputs, given in input order (see the module comment
 * for when this is exact). One part is returned as an equal copy.
 */
export function mergePartials(parts: readonly PartialResult[]): PartialResult {
  let firstTs = 0;
  let lastTs = 0;
  for (const p of parts) {
    if (p.counters.packets === 0) continue;
    if (firstTs === 0 || p.firstTs < firstTs) firstTs = p.firstTs;
    if (p.lastTs > lastTs) lastTs = p.lastTs;
  }
  const names = new Map<string, string>();
  for (const p of parts) for (const [a, n] of p.names) names.set(a, n);

  // k-way merge of the record lists by start time (ties: earlier input), as mergeFrames interleaves frames
  const total = parts.reduce((n, p) => n + p.records.length, 0);
  const records: FlowRecord[] = new Array<FlowRecord>(total);
  const next = parts.map(() => 0);
  for (let out = 0; out < total; out++) {
    let k = -1;
    for (let i = 0; i < parts.length; i++) {
      const r = parts[i].records[next[i]];
      if (r !== undefined && (k < 0 || r.ts < parts[k].records[next[k]].ts)) k = i;
    }
    records[out] = { ...parts[k].records[next[k]++], uid: flowUid(out + 1) };
  }

  return {
    files: parts.flatMap((p) => p.files),
    counters: sumCounters(parts.map((p) => p.counters)),
    firstTs,
    lastTs,
    records,
    names,
  };
}

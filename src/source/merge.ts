/**
 * Several captures read as one: frames of all sources in timestamp order, as `mergecap` merges them
 * (chronologically; a frame whose time equals another's comes from the source given first).
 *
 * A k-way merge that pulls one frame ahead per source: each source's next frame waits as its "head"; the
 * earliest head is yielded, and only after the consumer asks for the following frame is THAT source advanced.
 * A head stays valid while it waits because its own reader has not been asked for anything since (a pcapng
 * frame's `data` points into its reader's reused buffer, valid until that reader reads again; see
 * `Frame.data`): nothing is copied. The consumer must be done with a yielded frame when it asks for the next
 * one, the contract of every FrameSource.
 *
 * Cost per frame: one scan over the k heads (k = number of inputs; a handful in practice) and no allocation.
 * Each source keeps its own statistics and fault (`FrameSource.stats`); a source that ends on damage simply
 * stops contributing frames. Every source is closed when the merge ends, by exhaustion, `break` or an error.
 */
import type { Frame, FrameSource } from './frame.js';

/** `a` is strictly earlier than `b` (seconds, then nanoseconds). */
function earlier(a: Frame, b: Frame): boolean {
  return a.tsSec < b.tsSec || (a.tsSec === b.tsSec && a.tsNsec < b.tsNsec);
}

/**
 * Yields the frames of `sources` in timestamp order (ties: the earlier source in the array first). Each
 * source is iterated once; `Frame.index` stays the frame's number within its own file.
 * @param onFrame optional, called with the index in `sources` of each frame just before it is yielded
 */
export async function* mergeFrames(sources: readonly FrameSource[], onFrame?: (source: number) => void): AsyncGenerator<Frame, void, undefined> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: (Frame | null)[] = new Array<Frame | null>(its.length).fill(null);
  try {
    for (let i = 0; i < its.length; i++) {
      const r = await its[i].next();
      heads[i] = r.done ? null : r.value;
    }
    for (;;) {
      let k = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== null && (k < 0 || earlier(h, heads[k]!))) k = i;
      }
      if (k < 0) return;
      onFrame?.(k);
      yield heads[k]!;
      // the consumer is done with that frame: only now may its source read on
      const r = await its[k].next();
      heads[k] = r.done ? null : r.value;
    }
  } finally {
    for (const it of its) await it.return?.();
    for (const s of sources) await s.close();
  }
}

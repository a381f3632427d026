/**
 * Worker-thread task of `sepflow analyse --jobs N` (run by src/parallel/pool.ts through piscina): analyses one
 * capture file on its own and returns its partial result (packed flows, counters, file summary, names) as
 * structured-clonable data, for `mergePartials`.
 */
import { Engine, type PackedPartial } from '../engine.js';
import { EMPTY_PROFILE, loadProfile } from '../compliance/profile.js';
import { openCapture } from '../source/open.js';

/** One task: the capture file, and the site profile file (YAML) or null. */
export interface AnalyseTask {
  file: string;
  site: string | null;
  /** Engine's `dedupe` option (default true) */
  dedupe?: boolean;
}

/**
 * Analyses `task.file` and returns its flows packed (typed arrays: structured clone copies them as memory
 * blocks, where 100,000 record objects cost ~0.25 s to clone); the pool unpacks them.
 */
export default async function analyseFile(task: AnalyseTask): Promise<PackedPartial> {
  const engine = new Engine(task.site ? loadProfile(task.site) : EMPTY_PROFILE, { dedupe: task.dedupe ?? true });
  await engine.consume(await openCapture(task.file));
  return engine.packedPartial();
}

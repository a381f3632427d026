/**
 * Worker-thread task of `sepflow analyse --jobs N` (run by src/parallel/pool.ts through piscina): analyses one
 * capture file on its own and returns its partial result (flow records, counters, file summary, names) as
 * structured-clonable data, for `mergePartials`.
 */
import { Engine, type PartialResult } from '../engine.js';
import { EMPTY_PROFILE, loadProfile } from '../compliance/profile.js';
import { openCapture } from '../source/open.js';

/** One task: the capture file, and the site profile file (YAML) or null. */
export interface AnalyseTask {
  file: string;
  site: string | null;
}

/** Analyses `task.file`; the flow state is released before the records are sent back. */
export default async function analyseFile(task: AnalyseTask): Promise<PartialResult> {
  const engine = new Engine(task.site ? loadProfile(task.site) : EMPTY_PROFILE);
  await engine.consume(await openCapture(task.file));
  return engine.partial(true);
}

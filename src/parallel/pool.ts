/**
 * Several capture files analysed at once — the first on the calling thread, the others on a piscina pool of
 * `jobs` − 1 worker threads — and their partial results merged exactly (src/merge-results.ts):
 * `sepflow analyse --jobs N A B …`.
 *
 * Correct when no flow spans files and each file is in time order (see mergePartials); the default of
 * `sepflow analyse A B` (one engine over the timestamp-ordered merge of all files) makes no such assumption.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { unpackPartial, type PackedPartial, type PartialResult } from '../engine.js';
import { mergePartials } from '../merge-results.js';
import analyseFile, { type AnalyseTask } from './analyse-worker.js';

/**
 * The compiled worker module. Run from TypeScript sources (tests), the compiled one in dist/ is used: a worker
 * thread of Node 20 cannot load .ts files.
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return path.resolve(path.dirname(here), '../../dist/src/parallel/analyse-worker.js');
  return path.join(path.dirname(here), 'analyse-worker.js');
}

/** Default number of threads: the machine's parallelism. */
export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism());
}

/**
 * Analyses `files`, `jobs` at a time, and merges the per-file results in the order of `files`: the first file on
 * the calling thread (it would only wait for the workers otherwise; its result needs no packing), the others on
 * up to `jobs` − 1 worker threads (at least one).
 * @param site the site profile file (YAML) each thread loads, or null
 * @param options `dedupe` (default true): as Engine's option of that name
 * @throws the first error (e.g. a file that cannot be opened), from this thread or a worker
 */
export async function analyseInParallel(files: readonly string[], site: string | null, jobs: number, options: { dedupe?: boolean } = {}): Promise<PartialResult> {
  const dedupe = options.dedupe ?? true;
  const rest = files.slice(1);
  const pool =
    rest.length > 0
      ? new Piscina<AnalyseTask, PackedPartial>({
          filename: workerFile(),
          minThreads: 1,
          maxThreads: Math.max(1, Math.min(jobs - 1, rest.length)),
          idleTimeout: 100,
        })
      : null;
  try {
    const remote = pool ? rest.map((file) => pool.run({ file, site, dedupe })) : [];
    // (a rejection of a worker's task is observed by Promise.all below, also when the local file fails first)
    for (const r of remote) r.catch(() => undefined);
    const local = await analyseFile({ file: files[0], site, dedupe });
    const parts = [local, ...(await Promise.all(remote))];
    return mergePartials(parts.map(unpackPartial));
  } finally {
    await pool?.destroy();
  }
}

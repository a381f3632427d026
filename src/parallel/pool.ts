/**
 * Several capture files analysed at once, one per worker thread (piscina pool of `jobs` threads), their
 * partial results merged exactly (src/merge-results.ts) — `sepflow analyse --jobs N A B …`.
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
import type { AnalyseTask } from './analyse-worker.js';

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
 * Analyses `files` on up to `jobs` worker threads and merges the per-file results, in the order of `files`.
 * @param site the site profile file (YAML) each worker loads, or null
 * @param options `dedupe` (default true): as Engine's option of that name
 * @throws the first worker's error (e.g. a file that cannot be opened)
 */
export async function analyseInParallel(files: readonly string[], site: string | null, jobs: number, options: { dedupe?: boolean } = {}): Promise<PartialResult> {
  const pool = new Piscina<AnalyseTask, PackedPartial>({
    filename: workerFile(),
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(jobs, files.length)),
    idleTimeout: 100,
  });
  try {
    const dedupe = options.dedupe ?? true;
    const parts = await Promise.all(files.map((file) => pool.run({ file, site, dedupe })));
    return mergePartials(parts.map(unpackPartial));
  } finally {
    await pool.destroy();
  }
}

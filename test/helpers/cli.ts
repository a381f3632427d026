/** Runs the real executable (bin/sepflow.js → dist/) and captures its output and exit status. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.js';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function sepflow(args: string[], opts: { input?: Buffer | string; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'sepflow.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

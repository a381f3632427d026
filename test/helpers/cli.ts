/** Runs the real executable (bin/sepflow.js → dist/) and captures its output and exit status. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './shared.js';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * @param opts.uid, opts.gid run as this user / group (only possible when the test runs as root; used to
 *   check permission errors, which root itself never gets)
 */
export function sepflow(args: string[], opts: { input?: Buffer | string; cwd?: string; uid?: number; gid?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'sepflow.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input,
    uid: opts.uid,
    gid: opts.gid,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

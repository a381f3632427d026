/** Runs the real executable (bin/sepflow.js → dist/) and captures its output and exit status. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
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

/**
 * Asserts the CLI's error contract: exactly one stderr line, `sepflow: ` first, no stack trace, containing
 * every fragment (a string as a substring, a RegExp as a match). @returns that line
 */
export function expectOneLineError(stderr: string, ...fragments: (string | RegExp)[]): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^sepflow: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  for (const f of fragments) {
    if (typeof f === 'string') expect(lines[0]).toContain(f);
    else expect(lines[0]).toMatch(f);
  }
  return lines[0];
}

/**
 * Locating the public captures in ../shared (beside the repository) and tshark, the oracle.
 *
 * Tests that need them call `describeShared` / `describeTshark`: when the piece is missing they are
 * skipped AND a loud line is printed, so a user's clone without ../shared still runs the core tests.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = process.env.SEPFLOW_SHARED ?? path.resolve(repoRoot, '..', 'shared');
export const publicCapturesDir = path.join(sharedDir, 'captures-public');
export const hasShared = existsSync(path.join(publicCapturesDir, 'SOURCES.md'));

function probe(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
export const hasTshark = probe('tshark');

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  process.stderr.write(`\n!!! SKIPPED: ${msg}\n`);
}

/** describe() that runs only when ../shared/captures-public exists; otherwise skipped with a loud warning. */
export function describeShared(name: string, fn: () => void): void {
  if (!hasShared) warnOnce(`${name}: ${publicCapturesDir} is absent (public captures live beside the repository, not in it)`);
  describe.skipIf(!hasShared)(name, fn);
}

/** describe() that runs only when tshark is installed; otherwise skipped with a loud warning. */
export function describeTshark(name: string, fn: () => void): void {
  if (!hasTshark) warnOnce(`${name}: tshark is not installed (run .ci/setup or apt-get install tshark)`);
  describe.skipIf(!hasTshark)(name, fn);
}

/** describe() needing both ../shared and tshark. */
export function describeSharedTshark(name: string, fn: () => void): void {
  if (!hasShared) warnOnce(`${name}: ${publicCapturesDir} is absent`);
  if (!hasTshark) warnOnce(`${name}: tshark is not installed`);
  describe.skipIf(!hasShared || !hasTshark)(name, fn);
}

/** Absolute path of a public capture, e.g. `pub('app/tcpdump-ssh.pcap')`. */
export function pub(rel: string): string {
  return path.join(publicCapturesDir, rel);
}

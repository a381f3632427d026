/**
 * A reader that goes away (`sepflow analyse f.pcap | head -c 10`) ends sepflow quietly with status 141 (128 +
 * SIGPIPE, as a shell reports it for other tools), not with a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateCapture } from '../../src/bench/generate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-epipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stdout closed early: no stack trace, status 141', () => {
  // ~2 MB of JSON: far more than a pipe holds, so the writes after `head` has gone fail with EPIPE
  const cap = path.join(dir, 'g.pcapng');
  generateCapture({ out: cap, packets: 20000, flows: 2000, hosts: 100, seed: 3, format: 'pcapng' });
  const r = spawnSync('bash', ['-c', `node bin/sepflow.js analyse '${cap}' -f json | head -c 10; echo " $\{PIPESTATUS[0]}"`], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stdout).toBe('{\n  "tool"' + ' 141\n');
  expect(r.stderr).toBe('');
});

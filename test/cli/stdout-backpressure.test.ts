/**
 * JSON on standard output is written synchronously with backpressure (src/cli/stdout.ts): a reader slower than
 * sepflow gets the whole report, byte for byte what `-o FILE` writes, while the pipe is full most of the time
 * (the non-blocking pipe's EAGAIN path is taken and retried).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateCapture } from '../../src/bench/generate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-stdout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a slow reader gets the same bytes as -o writes', async () => {
  const cap = path.join(dir, 'g.pcapng');
  generateCapture({ out: cap, packets: 20000, flows: 2000, hosts: 100, seed: 4, format: 'pcapng' });
  const file = path.join(dir, 'r.json');
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'sepflow.js'), 'analyse', cap, '-f', 'json', '-o', file]);
  const want = readFileSync(file);
  expect(want.length).toBeGreaterThan(1_000_000);
  const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'sepflow.js'), 'analyse', cap, '-f', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  // pause 2 ms after every chunk read: the writer finds the pipe full again and again
  p.stdout.on('data', (d: Buffer) => {
    chunks.push(d);
    p.stdout.pause();
    setTimeout(() => p.stdout.resume(), 2);
  });
  const status = await new Promise<number | null>((resolve) => p.on('close', resolve));
  expect(stderr).toBe('');
  expect(status).toBe(1);
  expect(Buffer.concat(chunks).equals(want)).toBe(true);
});

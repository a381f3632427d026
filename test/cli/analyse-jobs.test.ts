/**
 * `sepflow analyse --jobs N` (files on worker threads, results merged) and the progress bar (src/cli/progress.ts).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine, startProgress } from '../../src/cli/progress.js';
import type { FrameSource } from '../../src/source/frame.js';
import { sepflow } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';

const cap = (f: string) => path.join(repoRoot, 'captures', f);

describe('analyse --jobs', () => {
  it('two files on two threads: the same JSON report as one timeline (no flow spans the files)', () => {
    const files = [cap('sep-lab.pcap'), cap('sep-icmp.pcapng')];
    const site = ['--site', cap('sep-lab.site.yaml')];
    const one = sepflow(['analyse', ...files, ...site, '-f', 'json']);
    const two = sepflow(['analyse', ...files, ...site, '-f', 'json', '--jobs', '2']);
    expect(two.stderr).toBe('');
    expect(two.status).toBe(one.status);
    expect(two.stdout).toBe(one.stdout);
  });

  it('rejects a job count that is not a positive integer', () => {
    const r = sepflow(['analyse', cap('sep-lab.pcap'), '--jobs', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--jobs/);
  });

  it('prints no progress on a pipe', () => {
    const r = sepflow(['analyse', cap('sep-lab.pcap'), '-f', 'json', '-o', '/dev/null']);
    expect(r.stderr).toBe('');
  });
});

describe('progress bar', () => {
  it('formats bytes, percent and rate; unknown size shows bytes only', () => {
    expect(progressLine(50e6, 200e6, 123456.4, 10)).toBe('[###-------]  25%  50.0 / 200.0 MB  123,456 packets/s');
    expect(progressLine(250e6, 200e6, 1, 4)).toBe('[####] 100%  250.0 / 200.0 MB  1 packets/s');
    expect(progressLine(1.5e6, null, 10)).toBe('1.5 MB read  10 packets/s');
  });

  it('draws on a terminal while reading and erases itself; nothing when not a terminal', async () => {
    const src = { path: cap('sep-lab.pcap'), stats: { bytesRead: 1000 } } as unknown as FrameSource;
    const written: string[] = [];
    const stop = startProgress([src], () => 42, { isTTY: true, columns: 100, write: (t: string) => written.push(t) }, 10);
    await new Promise((r) => setTimeout(r, 60));
    stop();
    expect(written.length).toBeGreaterThan(1);
    expect(written[0]).toMatch(/^\r\[.*\] +\d+%  0\.0 \/ \d+\.\d MB  [\d,]+ packets\/s\x1b\[K$/);
    expect(written.at(-1)).toBe('\r\x1b[K');
    const quiet: string[] = [];
    startProgress([src], () => 0, { isTTY: false, write: (t: string) => quiet.push(t) }, 10)();
    expect(quiet).toEqual([]);
  });
});

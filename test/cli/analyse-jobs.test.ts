/**
 * `sepflow analyse --jobs N` (files on worker threads, results merged) and the progress bar (src/cli/progress.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { progressLine, startProgress } from '../../src/cli/progress.js';
import type { FrameSource } from '../../src/source/frame.js';
import { expectOneLineError, sepflow } from '../helpers/cli.js';
import { describeTshark, repoRoot } from '../helpers/shared.js';

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

  it('with a pipe among the inputs (process substitution), the files are read as one timeline (a worker cannot reopen a pipe)', () => {
    const files = [cap('sep-lab.pcap'), cap('sep-icmp.pcapng')];
    const one = sepflow(['analyse', ...files, '-f', 'json']);
    const r = spawnSync('bash', ['-c', `node bin/sepflow.js analyse '${files[0]}' <(cat '${files[1]}') -f json --jobs 2`], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(one.status);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(r.stdout);
    expect(b.flows).toEqual(a.flows);
    expect(b.findings).toEqual(a.findings);
    expect(b.capture.files[1].path).toMatch(/^\/dev\/fd\/\d+$/);
  });

  it('standard input given twice is a usage error', () => {
    const r = sepflow(['analyse', '-', '-'], { input: readFileSync(cap('sep-lab.pcap')) });
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'standard input (-) is given more than once');
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

describeTshark('analyse --jobs --no-dedupe', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-jobsdup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('the workers count span-port duplicates in their flows too, as one timeline does', () => {
    // a capture merged with itself: every packet twice (mergecap, as a SPAN session of both ports makes it)
    const dup = path.join(dir, 'dup.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', dup, cap('sep-lab.pcap'), cap('sep-lab.pcap')]);
    const files = [dup, cap('sep-icmp.pcapng')];
    for (const flag of [[], ['--no-dedupe']]) {
      const one = JSON.parse(sepflow(['analyse', ...files, '-f', 'json', ...flag]).stdout);
      const two = JSON.parse(sepflow(['analyse', ...files, '-f', 'json', '--jobs', '2', ...flag]).stdout);
      expect(two.capture.packets_in_flows, flag.join(' ') || 'dedupe').toBe(one.capture.packets_in_flows);
      expect(two.flows).toEqual(one.flows);
    }
  });
});

describe('analyse -o is checked before anything is read', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-out-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a missing directory: exit 2 naming it', () => {
    const r = sepflow(['analyse', cap('sep-lab.pcap'), '-o', path.join(dir, 'nope', 'r.json')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'cannot write the report', 'does not exist');
  });
  it('the report would overwrite an input: exit 2, the capture untouched', () => {
    const copy = path.join(dir, 'lab.pcap');
    copyFileSync(cap('sep-lab.pcap'), copy);
    const size = statSync(copy).size;
    const r = sepflow(['analyse', copy, '-o', copy]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'would overwrite the input capture');
    expect(statSync(copy).size).toBe(size);
  });
});

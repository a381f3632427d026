/**
 * `sepflow replay` without a terminal, as a script or CI runs it: one line per state change (or JSON lines),
 * then the report — byte for byte what `sepflow analyse` writes for the same capture — capture-time pacing,
 * SIGINT writing the report of what was read, a damaged input, a reader that goes away, and usage errors as
 * one line with exit status 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, sepflow } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';

const lab = path.join(repoRoot, 'captures', 'sep-lab.pcap');
const site = path.join(repoRoot, 'captures', 'sep-lab.site.yaml');
const bin = path.join(repoRoot, 'bin', 'sepflow.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-replay-'));

describe('sepflow replay, no terminal', () => {
  it('prints state changes as lines, then the same report as analyse; exit 1 for the high findings', () => {
    const r = sepflow(['replay', lab, '--site', site, '--speed', 'max']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const at = r.stdout.indexOf('sepflow 0.1.0 - SEP traffic-compliance report');
    expect(at).toBeGreaterThan(0);
    const events = r.stdout.slice(0, at).trimEnd().split('\n');
    expect(events[0]).toMatch(/^-\s+replaying \S*sep-lab\.pcap at maximum speed$/);
    expect(events).toContainEqual(expect.stringMatching(/ status {3}10\.10\.1\.23 out client-http\|client-https 8014: inconclusive -> blocked-dropped \(4 SYNs to 10\.10\.0\.10:8014, no answer\)$/));
    expect(events).toContainEqual(expect.stringMatching(/ status {3}10\.10\.1\.24 out client-http\|client-https 8014: inconclusive -> blocked-refused/));
    expect(events).toContainEqual(expect.stringMatching(/ finding {2}HIGH blocked-dropped: 10\.10\.1\.23 could not reach 10\.10\.0\.10 on TCP 8014/));
    expect(events).toContainEqual(expect.stringMatching(/ host {5}10\.10\.9\.9 \(no SEP role\)$/));
    expect(events.at(-1)).toMatch(/ ended {4}end-of-input$/);
    for (const l of events) expect(l).not.toMatch(/\x1b/);
    const analysed = sepflow(['analyse', lab, '--site', site]);
    expect(r.stdout.slice(at)).toBe(analysed.stdout);
  });

  it('--json-lines: every line is JSON, the report comes last and equals analyse --format json', () => {
    const r = sepflow(['replay', lab, '--site', site, '--speed', 'max', '--json-lines']);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['state', 'host', 'status', 'finding', 'finding-gone', 'summary', 'report']) expect(types, t).toContain(t);
    expect(lines.at(-1).type).toBe('report');
    expect(lines.filter((l) => l.type === 'status' && l.address === '10.10.1.24' && l.direction === 'out').at(-1)).toMatchObject({ from: 'inconclusive', to: 'blocked-refused', ports: [8014] });
    const analysed = JSON.parse(sepflow(['analyse', lab, '--site', site, '-f', 'json']).stdout);
    expect(lines.at(-1).report).toEqual(analysed);
  });

  it('--report FILE --format json writes the report there; standard output has only the events', () => {
    const out = path.join(tmp, 'report.json');
    const r = sepflow(['replay', lab, '--speed', 'max', '--report', out, '--format', 'json']);
    expect([0, 1]).toContain(r.status);
    expect(r.stdout).not.toContain('SEP traffic-compliance report');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(sepflow(['analyse', lab, '-f', 'json']).stdout));
  });

  it('paces in capture time: the 9.2 s capture at --speed 4 takes about 2.3 s', () => {
    const t0 = Date.now();
    const r = sepflow(['replay', lab, '--speed', '4']);
    const s = (Date.now() - t0) / 1000;
    expect(r.status).toBe(1);
    expect(s).toBeGreaterThan(2.2);
    expect(s).toBeLessThan(8);
  });

  it('SIGINT stops the replay and writes the report of what was read', async () => {
    const child = spawn(process.execPath, [bin, 'replay', lab, '--site', site, '--speed', '1'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(stderr).toBe('');
    expect([0, 1]).toContain(code);
    expect(stdout).toMatch(/ ended {4}stopped\n/);
    const m = /Capture {3}\S+ \(pcap, (\d+) packets\)/.exec(stdout);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(171);
  });

  it('a damaged capture: the report is written, one line names the damage, exit 3 (as analyse)', () => {
    const cut = path.join(tmp, 'cut.pcap');
    const bytes = readFileSync(lab);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    const r = sepflow(['replay', cut, '--speed', 'max']);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('SEP traffic-compliance report');
    expectOneLineError(r.stderr, 'cut.pcap', 'read stopped at byte');
    expect(r.stderr).toBe(sepflow(['analyse', cut]).stderr);
  });

  it('a reader that goes away ends the replay quietly, during the replay or before the report', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" replay "${lab}" --speed 20 | head -1`], { encoding: 'utf8', cwd: repoRoot });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('');
    const e = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" replay "${lab}" --speed max | grep -m1 ' ended '`], { encoding: 'utf8', cwd: repoRoot });
    expect(e.stdout).toMatch(/ ended {4}end-of-input\n$/);
    expect(e.stderr).toBe('');
  });
});

describe('sepflow replay: usage errors (one line, exit 2)', () => {
  it('--speed that is not a positive number or max', () => {
    for (const sp of ['0', '-2', 'fast']) {
      const r = sepflow(['replay', lab, '--speed', sp]);
      expect(r.status, sp).toBe(2);
      expect(r.stderr).toContain('--speed');
      expect(r.stderr).toContain('positive multiplier');
    }
  });
  it('a missing file stops before anything is replayed', () => {
    const r = sepflow(['replay', path.join(tmp, 'nope.pcap')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr, 'nope.pcap');
  });
  it('a bad site profile names the file', () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, 'roles:\n  nosuchrole: [10.0.0.1]\n');
    const r = sepflow(['replay', lab, '--site', bad]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'bad.yaml');
  });
  it('--help documents the exit statuses, including 4', () => {
    const r = sepflow(['replay', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--speed <speed>/);
    expect(r.stdout).toMatch(/Exit status:[\s\S]* 4 {3}live: the report was written, but the capture ended early/);
  });
});

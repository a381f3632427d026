/**
 * End to end in a real pseudo-terminal: the built `sepflow replay` runs inside tmux at 80×24, keys are typed
 * with `send-keys` and the screen is read with `capture-pane -p` — what a person sees. A new user watches the
 * shipped capture replay, pauses it, finds the blocked client with the keyboard, reads why, quits and gets
 * the report on the normal screen with the documented exit status.
 *
 * Needs tmux (.ci/setup installs it); without it the tests are skipped with a loud line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) process.stderr.write('\n!!! SKIPPED: replay in tmux: tmux is not installed (run .ci/setup or apt-get install tmux)\n');

// a private server on a socket in a temporary directory, removed afterwards
const sockDir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-e2e-'));
const socket = path.join(sockDir, 'tmux');
const tmux = (...args: string[]) => execFileSync('tmux', ['-u', '-S', socket, ...args], { encoding: 'utf8' });
const screen = (s: string) => tmux('capture-pane', '-p', '-t', s);
const keys = (s: string, ...k: string[]) => tmux('send-keys', '-t', s, ...k);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the pane until `pred` holds (or `ms` pass). @returns the last screen */
async function waitFor(s: string, pred: (text: string) => boolean, ms = 20_000): Promise<string> {
  const t0 = Date.now();
  let text = screen(s);
  while (!pred(text) && Date.now() - t0 < ms) {
    await sleep(100);
    text = screen(s);
  }
  return text;
}

/** Starts `sepflow replay …` in a detached 80×24 session; the shell prints EXIT=<status> after it. */
function start(name: string, args: string): void {
  const cmd = `cd '${repoRoot}' && '${process.execPath}' bin/sepflow.js replay ${args}; echo "EXIT=$?"; sleep 120`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', '-e', 'LANG=C.UTF-8', '-e', 'CI=false', 'sh', '-c', cmd); // CI=false: Ink (is-in-ci) renders only the last frame when CI is set, as it is on CI
}

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(sockDir, { recursive: true, force: true });
});

const lab = `${path.join('captures', 'sep-lab.pcap')} --site ${path.join('captures', 'sep-lab.site.yaml')}`;

describe.skipIf(!hasTmux)('sepflow replay in a terminal (tmux, 80×24)', () => {
  it('shows the map, finds the blocked client with the keyboard, and writes the report on q', async () => {
    start('map', `${lab} --speed 20`);
    const done = await waitFor('map', (t) => t.includes('■ finished'));
    const lines = done.split('\n');
    expect(lines[0]).toMatch(/^sepflow replay captures\/sep-lab\.pcap {2}■ finished\s+01:40:52 UTC$/);
    expect(lines[1]).toMatch(/^171 pkts .* 14 flows {2}10 hosts {2}findings 3 high 0 med 0 low 0 info$/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(done).toMatch(/^── managers \(sepm\) · 1 ─+$/m);
    expect(done).toMatch(/^› ✗ 10\.10\.0\.10\s+decl in ✗8014 ⊘8014 !8447 8014 443 8443 9090/m);
    expect(done).toMatch(/^ {2}✗ 10\.10\.1\.23\s+decl out ✗8014 {2}dropped: 4 SYNs, no answer\s+4p$/m);
    expect(done).toMatch(/^ {2}⊘ 10\.10\.1\.24\s+decl out ⊘8014 {2}refused \(RST\)\s+2p$/m);
    expect(done).toMatch(/↑↓ move {2}⏎ detail {2}f problems {2}\/ search {2}\? help {2}q quit \(writes the report\)/);

    // only the hosts with problems, then down to the blocked client
    keys('map', 'f');
    let t = await waitFor('map', (x) => x.includes('f all hosts'));
    expect(t).not.toContain('10.10.1.21');
    keys('map', 'j');
    t = await waitFor('map', (x) => /^› ✗ 10\.10\.1\.23/m.test(x));
    expect(t).toMatch(/^10\.10\.1\.23 client: dropped: 4 SYNs to 10\.10\.0\.10:8014, no answer$/m);

    // why: its detail
    keys('map', 'Enter');
    t = await waitFor('map', (x) => x.includes('Findings (1)'));
    expect(t).toMatch(/^10\.10\.1\.23 {2}client declared in the site profile {2}✗ blocked-dropped$/m);
    expect(t).toMatch(/HIGH blocked-dropped {2}\(vendor table row 10\)/);
    expect(t).toContain('10.10.1.23 could not reach 10.10.0.10 on TCP 8014 (client-http): 4 attempts');
    expect(t).toContain('remediation: allow 10.10.1.23 -> 10.10.0.10 TCP 8014');
    expect(t).toMatch(/C00000c\s+tcp → 10\.10\.0\.10\s+8014\s+client-http\s+S0\s+S\s+4\/0/);

    // back, search for the refused one
    keys('map', 'Escape');
    await waitFor('map', (x) => x.includes('── managers'));
    keys('map', '/', '1', '.', '2', '4', 'Enter');
    t = await waitFor('map', (x) => x.includes('search "1.24"'));
    expect(t.split('\n').filter((l) => /^[› ] \S 10\./.test(l))).toEqual([expect.stringMatching(/^› ⊘ 10\.10\.1\.24/)]);

    // quit: the map goes, the report is printed on the normal screen, exit 1 (high findings)
    keys('map', 'q');
    t = await waitFor('map', (x) => x.includes('EXIT='));
    expect(t).toMatch(/^EXIT=1$/m);
    expect(t).not.toContain('■ finished');
    expect(t).toMatch(/C00000e\s+tcp\s+10\.10\.9\.9:49751 -> 10\.10\.0\.10:8447/);
  });

  it('space pauses and resumes the replay', async () => {
    start('pause', `${lab} --speed 1`);
    await waitFor('pause', (x) => /^\d+ pkts/m.test(x) && !x.startsWith('sepflow  starting'));
    await sleep(1500);
    keys('pause', 'Space');
    const paused = await waitFor('pause', (x) => x.includes('❚❚ paused'));
    expect(paused.split('\n')[0]).toContain('❚❚ paused');
    const count = (x: string) => Number(/^(\d+) pkts/m.exec(x)![1]);
    const held = count(paused);
    await sleep(2500);
    expect(count(screen('pause'))).toBe(held);
    expect(held).toBeLessThan(171);
    keys('pause', 'Space');
    const resumed = await waitFor('pause', (x) => x.includes('▶ ×1'));
    expect(resumed.split('\n')[0]).toContain('▶ ×1');
    keys('pause', 'q');
    const t = await waitFor('pause', (x) => x.includes('EXIT='));
    expect(t).toMatch(/EXIT=[01]/);
  });
});

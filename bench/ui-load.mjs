#!/usr/bin/env node
/**
 * Load test of the live map (issue 5): replays a large capture at `--speed max` with and without the Ink
 * map and states packets per second for both, against `sepflow analyse` on the same file.
 *
 *   node bench/ui-load.mjs [--packets N=1000000] [--runs K=3] [--file CAPTURE] [--keep]
 *
 * 1. Builds with tsc when dist/ is missing.
 * 2. The capture: --file, or a synthetic one from `node dist/src/bench/generate-cli.js` (N packets, N/20
 *    flows, 2000 hosts, seed 1) in bench/out/ (git-ignored; reused when present, deleted afterwards without
 *    --keep). Without the generator: the shipped captures/sep-lab.pcap merged with itself by mergecap until it
 *    has about N packets.
 * 3. Reads the file once (so every run reads from the page cache), then times K runs each of
 *      analyse   node bin/sepflow.js analyse FILE -f json -o /dev/null             (whole process)
 *      no map    node bin/sepflow.js replay FILE --speed max --no-ui | grep ' ended '   in tmux at 80×24,
 *                until that line is on the screen
 *      map       node bin/sepflow.js replay FILE --speed max                         in tmux at 80×24, the map
 *                drawn, until "■ finished" is on the screen
 *    (both replays run in tmux and are timed the same way — the pane read every 50 ms — so they differ only
 *    by the map), and the same two replays of the 171-packet shipped capture, whose difference is the map's
 *    one-time start-up (loading Ink/React/yoga, the first frame). Prints the median seconds and packets/s of
 *    each, the map's cost relative to the replay without it — in all and without the start-up — and the
 *    final screen of the map.
 * For both replays the CPU seconds (user + system, all threads) the process has used when it is done
 * (/proc/PID/stat, read right after the pane shows it; for a process that already exited, the last reading,
 * at most one poll earlier) are reported too: on a busy machine wall time varies with the other load, CPU
 * time less. The map may cost at most 10% (issue
 * 5): exit status 0 when its CPU cost, start-up excluded, is within that, 1 when not, 2 on a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'out');
const SEPFLOW = path.join(ROOT, 'bin', 'sepflow.js');
const GEN = path.join(ROOT, 'dist', 'src', 'bench', 'generate-cli.js');
const log = (m) => process.stderr.write(`ui-load: ${m}\n`);

const { values } = parseArgs({
  options: { packets: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, file: { type: 'string' }, keep: { type: 'boolean', default: false } },
});
const N = Number(values.packets);
const RUNS = Number(values.runs);

function build() {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    log('building (tsc)');
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  }
}

/** @returns {{ file: string, made: boolean, how: string }} */
function capture() {
  if (values.file) return { file: path.resolve(values.file), made: false, how: `given: ${values.file}` };
  mkdirSync(OUT, { recursive: true });
  if (existsSync(GEN)) {
    const file = path.join(OUT, `ui-load-p${N}-f${Math.floor(N / 20)}-h2000-s1.pcap`);
    const how = `node dist/src/bench/generate-cli.js --packets ${N} --flows ${Math.floor(N / 20)} --hosts 2000 --seed 1 --format pcap`;
    if (existsSync(file)) return { file, made: false, how };
    log(`generating ${file}`);
    execFileSync(process.execPath, [GEN, '--packets', String(N), '--flows', String(Math.floor(N / 20)), '--hosts', '2000', '--seed', '1', '--format', 'pcap', '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    return { file, made: true, how };
  }
  // fallback: the shipped capture merged with itself (mergecap keeps every copy; flows repeat)
  const lab = path.join(ROOT, 'captures', 'sep-lab.pcap');
  const per = 171;
  const file = path.join(OUT, `ui-load-lab-x${Math.ceil(N / per)}.pcap`);
  const how = `mergecap -a -F pcap of captures/sep-lab.pcap ×${Math.ceil(N / per)}`;
  if (existsSync(file)) return { file, made: false, how };
  log(`merging ${file}`);
  let cur = lab;
  let copies = 1;
  while (copies * per < N) {
    const next = path.join(OUT, `ui-load-lab-x${copies * 2}.pcap`);
    execFileSync('mergecap', ['-a', '-F', 'pcap', '-w', next, cur, cur]);
    if (cur !== lab) rmSync(cur);
    cur = next;
    copies *= 2;
  }
  return { file: cur, made: true, how: `mergecap -a -F pcap of captures/sep-lab.pcap ×${copies}` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e9;

function analyse(file) {
  const t0 = now();
  const r = spawnSync(process.execPath, [SEPFLOW, 'analyse', file, '-f', 'json', '-o', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const s = now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`analyse exited ${r.status}: ${r.stderr}`);
  return { s };
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/PID/stat. */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / hz; // utime, stime (fields 14, 15 of stat)
}

/**
 * One replay in a tmux pseudo-terminal at 80×24: wall seconds from the start of the session until `done`
 * holds for the pane (read every 50 ms), and the CPU seconds (user + system, all threads) the sepflow
 * process has used at that moment — so neither run counts writing the report. Both replays pay the same for
 * tmux and the polling, so their difference is the map's; CPU time is what other load on the machine
 * disturbs least.
 */
async function inTmux(args, tail, done) {
  const sock = path.join(OUT, `ui-load-tmux-${process.pid}`);
  const tmux = (...a) => execFileSync('tmux', ['-u', '-S', sock, ...a], { encoding: 'utf8' });
  spawnSync('tmux', ['-S', sock, 'kill-server'], { stdio: 'ignore' });
  const cmd = `${q(process.execPath)} ${q(SEPFLOW)} replay ${args.map(q).join(' ')}${tail}`;
  const t0 = now();
  tmux('new-session', '-d', '-s', 'm', '-x', '80', '-y', '24', '-e', 'LANG=C.UTF-8', '-e', 'CI=false', `${cmd}; echo SEPFLOW-EXITED; sleep 600`);
  try {
    const shell = tmux('list-panes', '-t', 'm', '-F', '#{pane_pid}').trim();
    let pid = '';
    let screen = '';
    let cpu = NaN;
    const sample = () => {
      try {
        if (pid) cpu = cpuOf(pid);
      } catch {
        // exited (a tiny capture): keep the last sample, taken at most one poll earlier
      }
    };
    for (;;) {
      pid ||= spawnSync('pgrep', ['-P', shell, '-x', 'node'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      sample();
      screen = tmux('capture-pane', '-p', '-t', 'm');
      if (done(screen)) break;
      if (screen.includes('SEPFLOW-EXITED')) throw new Error(`sepflow ended before it was done:\n${screen}`);
      if (now() - t0 > 1800) throw new Error(`not done within 30 minutes: ${cmd}\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const s = now() - t0;
    sample();
    if (Number.isNaN(cpu)) throw new Error('could not read the sepflow process’s CPU time');
    return { s, cpu, screen };
  } finally {
    spawnSync('tmux', ['-S', sock, 'kill-server']);
    rmSync(sock, { force: true });
  }
}

const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/** Replay without the map (--no-ui): until its `ended` line shows (grep passes only that line). */
function noMap(file) {
  return inTmux([file, '--speed', 'max', '--no-ui'], " | grep --line-buffered ' ended '", (x) => / ended {4}end-of-input/.test(x));
}

/** Replay with the map: until the header says finished. */
function withMap(file) {
  return inTmux([file, '--speed', 'max'], '', (x) => x.includes('■ finished'));
}

async function main() {
  build();
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is needed for the run with the map (apt-get install tmux)');
  const { file, made, how } = capture();
  const size = statSync(file).size;
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
  const counted = spawnSync(process.execPath, [SEPFLOW, 'analyse', file, '-f', 'json'], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const packets = JSON.parse(counted.stdout).capture.packets;
  log(`capture: ${file} (${(size / 1e6).toFixed(1)} MB, ${packets} packets; ${how})`);
  const res = { analyse: [], noMap: [], map: [], startNoMap: [], startMap: [], cpuNoMap: [], cpuMap: [], cpuStartNoMap: [], cpuStartMap: [] };
  const small = path.join(ROOT, 'captures', 'sep-lab.pcap');
  let lastScreen = '';
  for (let i = 0; i < RUNS; i++) {
    res.analyse.push(analyse(file).s);
    const a = await noMap(file);
    res.noMap.push(a.s);
    res.cpuNoMap.push(a.cpu);
    const b = await withMap(file);
    res.map.push(b.s);
    res.cpuMap.push(b.cpu);
    lastScreen = b.screen;
    // the one-time start-up: the same two replays of the 171-packet shipped capture
    const c = await noMap(small);
    const d = await withMap(small);
    res.startNoMap.push(c.s);
    res.startMap.push(d.s);
    res.cpuStartNoMap.push(c.cpu);
    res.cpuStartMap.push(d.cpu);
    log(
      `run ${i + 1}/${RUNS}: analyse ${res.analyse[i].toFixed(2)} s; replay without map ${a.s.toFixed(2)} s (CPU ${a.cpu.toFixed(2)} s), ` +
        `with map ${b.s.toFixed(2)} s (CPU ${b.cpu.toFixed(2)} s); start-up ${c.s.toFixed(2)} / ${d.s.toFixed(2)} s (CPU ${c.cpu.toFixed(2)} / ${d.cpu.toFixed(2)} s)`,
    );
  }
  const m = Object.fromEntries(Object.entries(res).map(([k, xs]) => [k, median(xs)]));
  const row = (name, cmd, t, cpu) => `| ${name} | ${t.toFixed(2)} | ${Math.round(packets / t).toLocaleString('en-US')} | ${cpu === null ? '-' : cpu.toFixed(2)} | ${cmd} |`;
  const cost = m.map / m.noMap - 1;
  const startup = Math.max(0, m.startMap - m.startNoMap);
  const steady = (m.map - startup) / m.noMap - 1;
  const cpuStartup = Math.max(0, m.cpuStartMap - m.cpuStartNoMap);
  const cpuSteady = (m.cpuMap - cpuStartup) / m.cpuNoMap - 1;
  const cpu = os.cpus()[0]?.model ?? '?';
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `Capture: ${packets.toLocaleString('en-US')} packets, ${(size / 1e6).toFixed(1)} MB (${how}); median of ${RUNS} runs; ${cpu}, ${os.cpus().length} CPUs, Node ${process.version}; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    '',
    '| run | wall s | packets/s (wall) | CPU s | command |',
    '|---|---:|---:|---:|---|',
    row('analyse (reference)', '`sepflow analyse FILE -f json -o /dev/null`', m.analyse, null),
    row('replay --speed max, no map', '`sepflow replay FILE --speed max --no-ui` in tmux, until its `ended` line shows', m.noMap, m.cpuNoMap),
    row('replay --speed max, map at 80×24', '`sepflow replay FILE --speed max` in tmux, until "■ finished" shows', m.map, m.cpuMap),
    '',
    `With the map the replay took ${pct(cost)} more wall time and ${pct(m.cpuMap / m.cpuNoMap - 1)} more CPU time. Start-up, paid once (loading Ink,`,
    `React and yoga, the first frame; measured as map minus no map on the 171-packet shipped capture): ${startup.toFixed(2)} s wall, ${cpuStartup.toFixed(2)} s CPU.`,
    `Without it the map costs ${pct(steady)} of wall-clock throughput (${Math.round(packets / (m.map - startup)).toLocaleString('en-US')} vs ${Math.round(packets / m.noMap).toLocaleString('en-US')} packets/s) and ${pct(cpuSteady)} of CPU time (limit 10%).`,
    '',
    'Final screen of the last run with the map:',
    '',
    '```',
    lastScreen.trimEnd(),
    '```',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (made && !values.keep) rmSync(file);
  return cpuSteady <= 0.1 ? 0 : 1;
}

main().then(
  (c) => (process.exitCode = c),
  (e) => {
    log(`failed: ${e.message}`);
    process.exitCode = 2;
  },
);

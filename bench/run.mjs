#!/usr/bin/env node
/**
 * sepflow throughput benchmark (`npm run bench`).
 *
 *   node bench/run.mjs [--packets N=2000000] [--runs K=3] [--keep] [--flows N=packets/20] [--hosts N=2000]
 *                      [--seed N=1] [--profile] [--no-results]
 *
 * 1. Builds with `npx tsc -p .` when the compiled generator or CLI is missing from dist/.
 * 2. Generates one synthetic capture per format (pcap, pcapng) with src/bench/generate.ts into bench/out/
 *    (git-ignored). Files are named after their parameters and a hash of the compiled generator, and reused
 *    when present; without --keep they are deleted at the end.
 * 3. Reads each file once (warm-up: every measured run reads from the page cache), then times K runs each of
 *      cat FILE > /dev/null                                           (plain sequential read)
 *      node bin/sepflow.js analyse FILE --format json -o /dev/null    (exit 0, 1 = findings, 3 = damaged input: success)
 *      tshark -n -q -r FILE -z conv,tcp -z conv,udp                   (stdout to a file; its conversations are counted)
 *    under `/usr/bin/time -f '%e %M'` (peak RSS); wall time is taken with a monotonic clock around the spawn.
 *    and, for the throughput on two cores, two more pcapng captures of N/2 packets each (seeds +1, +2; a few
 *    NBNS 137 <-> 137 flows recur in both, so --jobs reports slightly more flows than one timeline would) timed as `sepflow analyse A` (one file) and `sepflow analyse --jobs 2 A B` (two files, two
 *    worker threads).
 * 4. Prints a table (median seconds, packets/s, MB/s, peak RSS, time relative to tshark) and writes it, with a
 *    machine description, between the markers of bench/RESULTS.md (the rest of that file is kept).
 * --profile: afterwards runs sepflow once more on the pcap under `node --cpu-prof` and prints the 10 functions
 *    with the most self time (profile kept in bench/out/prof/).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench', 'out');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
const GEN = path.join(ROOT, 'dist', 'src', 'bench', 'generate.js');
const CLI_MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SEPFLOW = path.join(ROOT, 'bin', 'sepflow.js');
const TIME = '/usr/bin/time';
const BEGIN = '<!-- bench:table:begin (written by bench/run.mjs; edit outside the markers) -->';
const END = '<!-- bench:table:end -->';

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

function die(msg, code = 2) {
  log(msg);
  process.exit(code);
}

function intArg(name, v, dflt) {
  if (v === undefined) return dflt;
  const n = Number(String(v).replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) die(`--${name} must be a positive integer, got ${v}`);
  return n;
}

const { values: argv } = parseArgs({
  options: {
    packets: { type: 'string' },
    runs: { type: 'string' },
    flows: { type: 'string' },
    hosts: { type: 'string' },
    seed: { type: 'string' },
    keep: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-results': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (argv.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n?/, '').replace(/^ \* ?/gm, '') + '\n');
  process.exit(0);
}
const PACKETS = intArg('packets', argv.packets, 2_000_000);
const RUNS = intArg('runs', argv.runs, 3);
const FLOWS = intArg('flows', argv.flows, Math.max(1, Math.floor(PACKETS / 20)));
const HOSTS = intArg('hosts', argv.hosts, 2000);
const SEED = argv.seed === undefined ? 1 : Number(argv.seed);

// ---- prerequisites -------------------------------------------------------------------------------

function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return r.error ? null : (r.stdout || '') + (r.stderr || '');
}

if (!existsSync(TIME) || probe(TIME, ['-f', '%e %M', 'true']) === null) {
  die(`${TIME} (GNU time) is required to measure peak memory: install it with \`apt-get install time\``);
}
const tsharkVersion = probe('tshark', ['--version']);
const hasTshark = tsharkVersion !== null;
if (!hasTshark) log('tshark not found: its rows and the ratio column are left out (apt-get install tshark)');

if (!existsSync(GEN) || !existsSync(CLI_MAIN)) {
  log('dist/ is incomplete: building with `npx tsc -p .`');
  const r = spawnSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'inherit' });
  if (!existsSync(GEN) || !existsSync(CLI_MAIN)) die(`build failed (tsc exit ${r.status})`);
  if (r.status !== 0) log(`tsc exited with ${r.status} but emitted what the benchmark needs; continuing`);
}

// ---- captures ------------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
const genHash = createHash('sha256').update(readFileSync(GEN)).digest('hex').slice(0, 8);
const { generateCapture } = await import(GEN);

/** Generates (or reuses) the capture of one format; returns its summary. */
function capture(format) {
  const base = path.join(OUT, `synth-p${PACKETS}-f${FLOWS}-h${HOSTS}-s${SEED}-g${genHash}`);
  const file = `${base}.${format}`;
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const s = JSON.parse(readFileSync(meta, 'utf8'));
    if (s.fileBytes === statSync(file).size) {
      log(`reusing ${path.relative(ROOT, file)}`);
      return s;
    }
  }
  log(`generating ${path.relative(ROOT, file)} (${PACKETS} packets, ${FLOWS} flows, ${HOSTS} hosts, seed ${SEED})`);
  const t0 = process.hrtime.bigint();
  const s = generateCapture({ out: file, packets: PACKETS, flows: FLOWS, hosts: HOSTS, seed: SEED, format });
  s.generateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  writeFileSync(meta, JSON.stringify(s, null, 2) + '\n');
  log(`  ${(s.fileBytes / 1e6).toFixed(1)} MB in ${s.generateSeconds.toFixed(1)} s`);
  return s;
}

const formats = ['pcap', 'pcapng'];
const caps = Object.fromEntries(formats.map((f) => [f, capture(f)]));

/** The two half-size pcapng captures of the two-core case (different seeds). */
function halfCapture(k) {
  const packets = Math.max(1, Math.floor(PACKETS / 2));
  const flows = Math.max(1, Math.floor(FLOWS / 2));
  const seed = SEED + k;
  const file = path.join(OUT, `synth-p${packets}-f${flows}-h${HOSTS}-s${seed}-g${genHash}.pcapng`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) {
    const s = JSON.parse(readFileSync(meta, 'utf8'));
    if (s.fileBytes === statSync(file).size) return s;
  }
  log(`generating ${path.relative(ROOT, file)} (${packets} packets, ${flows} flows, seed ${seed})`);
  const s = generateCapture({ out: file, packets, flows, hosts: HOSTS, seed, format: 'pcapng' });
  writeFileSync(meta, JSON.stringify(s, null, 2) + '\n');
  return s;
}
const halves = [halfCapture(1), halfCapture(2)];

// ---- measurement ---------------------------------------------------------------------------------

const timeFile = path.join(OUT, `.time-${process.pid}`);

/**
 * Runs cmd under /usr/bin/time; stdout goes to `stdoutPath` (default /dev/null).
 * @returns {{ seconds: number, timeSeconds: number, rssKiB: number, status: number | null, stderr: string }}
 */
function measure(cmd, args, stdoutPath = '/dev/null') {
  const fd = openSync(stdoutPath, 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args], {
      cwd: ROOT,
      stdio: ['ignore', fd, 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [e, m] = lines[lines.length - 1].split(' ').map(Number);
    // /usr/bin/time exits with the command's status (128 + signal when it was killed)
    return { seconds, timeSeconds: e, rssKiB: m, status: r.status, stderr: r.stderr ?? '', note: lines.length > 1 ? lines[0] : '' };
  } finally {
    closeSync(fd);
  }
}

const cases = [];
for (const f of formats) cases.push({ tool: 'cat', format: f, cmd: 'cat', args: [caps[f].file], ok: [0] });
for (const f of formats) {
  cases.push({ tool: 'sepflow', format: f, cmd: process.execPath, args: [SEPFLOW, 'analyse', caps[f].file, '--format', 'json', '-o', '/dev/null'], ok: [0, 1, 3] });
}
// two cores: one half-size file alone, then both halves on two worker threads
cases.push({ tool: 'sepflow', format: 'pcapng', label: '1 file (N/2)', half: 1, cmd: process.execPath, args: [SEPFLOW, 'analyse', halves[0].file, '--format', 'json', '-o', '/dev/null'], ok: [0, 1, 3] });
cases.push({ tool: 'sepflow', format: 'pcapng', label: '2 files --jobs 2', half: 2, cmd: process.execPath, args: [SEPFLOW, 'analyse', '--jobs', '2', halves[0].file, halves[1].file, '--format', 'json', '-o', '/dev/null'], ok: [0, 1, 3] });
if (hasTshark) {
  for (const f of formats) cases.push({ tool: 'tshark', format: f, cmd: 'tshark', args: ['-n', '-q', '-r', caps[f].file, '-z', 'conv,tcp', '-z', 'conv,udp'], ok: [0], tshark: true });
}

log('warm-up: reading each capture once, and one untimed sepflow run per format to check its flow count');
for (const h of halves) measure('cat', [h.file]);
for (const f of formats) {
  measure('cat', [caps[f].file]);
  const report = path.join(OUT, `sepflow-report.${f}.json`);
  const r = measure(process.execPath, [SEPFLOW, 'analyse', caps[f].file, '--format', 'json', '-o', report]);
  if (![0, 1, 3].includes(r.status)) log(`  warning: sepflow exited with ${r.status} on the ${f}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  else {
    try {
      const rep = JSON.parse(readFileSync(report, 'utf8'));
      const ok = rep.summary?.flows === caps[f].flows.total && rep.capture?.packets === caps[f].packets;
      log(`  sepflow ${f}: ${rep.capture?.packets} packets, ${rep.summary?.flows} flows${ok ? ' = generated' : ` (warning: the generator wrote ${caps[f].packets} packets, ${caps[f].flows.total} flows)`}`);
    } catch (e) {
      log(`  warning: cannot read sepflow's report ${report}: ${e.message}`);
    }
  }
  if (!argv.keep) rmSync(report, { force: true });
}

const results = [];
for (const c of cases) {
  const runs = [];
  let failed = null;
  for (let k = 0; k < RUNS; k++) {
    const stdoutPath = c.tshark && k === 0 ? path.join(OUT, `tshark-conv.${c.format}.txt`) : '/dev/null';
    const r = measure(c.cmd, c.args, stdoutPath);
    if (!c.ok.includes(r.status)) {
      failed = `exit ${r.status}${r.note ? ` (${r.note})` : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      log(`${c.tool} ${c.format} run ${k + 1} failed: ${failed}`);
      break;
    }
    runs.push(r);
    log(`${c.tool.padEnd(7)} ${c.format.padEnd(6)}${c.label ? ` ${c.label}` : ''} run ${k + 1}/${RUNS}: ${r.seconds.toFixed(3)} s, peak RSS ${(r.rssKiB / 1024).toFixed(0)} MiB${c.ok.length > 1 ? `, exit ${r.status}` : ''}`);
    if (c.tshark && k === 0) {
      const text = readFileSync(stdoutPath, 'utf8');
      const conv = text.split('\n').filter((l) => l.includes('<->')).length;
      const want = caps[c.format].flows.total;
      if (conv !== want) log(`  warning: tshark lists ${conv} conversations, the generator made ${want} flows`);
      else log(`  tshark lists ${conv} conversations = flows generated`);
      if (!argv.keep) rmSync(stdoutPath, { force: true });
    }
  }
  const secs = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const median = secs.length ? (secs.length % 2 ? secs[(secs.length - 1) / 2] : (secs[secs.length / 2 - 1] + secs[secs.length / 2]) / 2) : NaN;
  results.push({
    tool: c.tool,
    format: c.format,
    label: c.label ?? '',
    half: c.half ?? 0,
    command: [c.cmd === process.execPath ? 'node' : c.cmd, ...c.args.map((a) => (a.startsWith(ROOT + path.sep) ? path.relative(ROOT, a) : a))].join(' ') + (c.tool === 'cat' ? ' > /dev/null' : ''),
    runs: runs.map(({ seconds, timeSeconds, rssKiB, status }) => ({ seconds, timeSeconds, rssKiB, status })),
    medianSeconds: median,
    peakRssKiB: runs.length ? Math.max(...runs.map((r) => r.rssKiB)) : NaN,
    failed,
  });
}
rmSync(timeFile, { force: true });

// ---- report --------------------------------------------------------------------------------------

function fmtNum(n, digits = 0) {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const header = ['tool', 'format', 'median s', 'packets/s', 'MB/s', 'peak RSS MiB', 'time vs tshark'];
/** packets and bytes an entry read */
function inputOf(r) {
  if (r.half === 1) return { packets: halves[0].packets, fileBytes: halves[0].fileBytes };
  if (r.half === 2) return { packets: halves[0].packets + halves[1].packets, fileBytes: halves[0].fileBytes + halves[1].fileBytes };
  return caps[r.format];
}
const rows = results.map((r) => {
  const cap = inputOf(r);
  const ts = r.half ? undefined : results.find((x) => x.tool === 'tshark' && x.format === r.format);
  const format = r.label ? `${r.format}, ${r.label}` : r.format;
  if (r.failed) return [r.tool, format, `failed: ${r.failed.slice(0, 60)}`, '', '', fmtNum(r.peakRssKiB / 1024), ''];
  return [
    r.tool,
    format,
    fmtNum(r.medianSeconds, r.medianSeconds < 1 ? 3 : 2),
    fmtNum(cap.packets / r.medianSeconds),
    fmtNum(cap.fileBytes / 1e6 / r.medianSeconds, 1),
    fmtNum(r.peakRssKiB / 1024),
    ts && !ts.failed ? `${fmtNum(r.medianSeconds / ts.medianSeconds, 2)}×` : 'n/a',
  ];
});

// ---- the goals of issue 6, from the measurements above ------------------------------------------

const find = (tool, format, half = 0) => results.find((x) => x.tool === tool && x.format === format && x.half === half && !x.failed);
/** bytes per live / archived flow, measured from the flow table's arrays */
function flowBytes() {
  const code = `import('${pathToFileURL(path.join(ROOT, 'dist/src/flow/table.js')).href}').then((m) => { const t = new m.FlowTable({ isServicePort: () => false }); console.log(JSON.stringify(t.bytesPerFlow())); })`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
}
const goals = [];
{
  const sp = find('sepflow', 'pcap');
  const sn = find('sepflow', 'pcapng');
  const tp = find('tshark', 'pcap');
  const tn = find('tshark', 'pcapng');
  const cn = find('cat', 'pcapng');
  const one = find('sepflow', 'pcapng', 1);
  const two = find('sepflow', 'pcapng', 2);
  const yes = (ok) => (ok ? 'yes' : 'no');
  if (sn && tn) goals.push(['pcapng ≥ 20× faster than tshark', `${fmtNum(tn.medianSeconds / sn.medianSeconds, 1)}×`, yes(tn.medianSeconds / sn.medianSeconds >= 20)]);
  if (sn && cn) goals.push(['pcapng within 5× of a plain read (cat)', `${fmtNum(sn.medianSeconds / cn.medianSeconds, 1)}×`, yes(sn.medianSeconds / cn.medianSeconds <= 5)]);
  if (sp && tp) goals.push(['classic pcap ≥ 5× faster than tshark', `${fmtNum(tp.medianSeconds / sp.medianSeconds, 1)}×`, yes(tp.medianSeconds / sp.medianSeconds >= 5)]);
  if (sp && sn) {
    const rss = Math.max(sp.peakRssKiB, sn.peakRssKiB) / 1024;
    goals.push([`peak RSS ≤ 150 MB on the ${fmtNum(PACKETS)}-packet file`, `${fmtNum((Math.max(sp.peakRssKiB, sn.peakRssKiB) * 1024) / 1e6)} MB (${fmtNum(rss)} MiB)`, yes((Math.max(sp.peakRssKiB, sn.peakRssKiB) * 1024) / 1e6 <= 150)]);
  }
  const fb = flowBytes();
  if (fb) goals.push(['flow-state bytes per flow ≤ 300', `${fmtNum(fb.live)} live, ${fmtNum(fb.archived)} finalised`, yes(fb.live <= 300 && fb.archived <= 300)]);
  if (one && two) {
    const ratio = (inputOf(two).packets / two.medianSeconds) / (inputOf(one).packets / one.medianSeconds);
    goals.push(['two files on two cores ≥ 1.6× the throughput of one', `${fmtNum(ratio, 2)}×`, yes(ratio >= 1.6)]);
  }
}
const goalHeader = ['goal', 'measured', 'met'];

function textTable(h, rs) {
  const w = h.map((x, i) => Math.max(x.length, ...rs.map((r) => String(r[i]).length)));
  const line = (r) => r.map((x, i) => (i < 2 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ');
  return [line(h), w.map((n) => '-'.repeat(n)).join('  '), ...rs.map(line)].join('\n');
}

function mdTable(h, rs) {
  return [`| ${h.join(' | ')} |`, `|${h.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...rs.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

process.stdout.write('\n' + textTable(header, rows) + '\n');
process.stdout.write('\n' + textTable(goalHeader, goals) + '\n');

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function gitRev() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return `commit ${r.stdout.trim()}` + (dirty.stdout.trim() ? ' + uncommitted working-tree changes (as built in dist/)' : '');
}

const nproc = (probe('nproc', []) ?? String(os.cpus().length)).trim();
const cap0 = caps.pcap;
const kinds = Object.entries(cap0.flows.byKind)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ');
const section = [
  BEGIN,
  `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} with \`node bench/run.mjs --packets ${PACKETS} --runs ${RUNS}\`` +
    (FLOWS !== Math.floor(PACKETS / 20) || HOSTS !== 2000 || SEED !== 1 ? ` --flows ${FLOWS} --hosts ${HOSTS} --seed ${SEED}` : '') +
    '.',
  '',
  '**Machine**',
  '',
  `- CPU: ${cpuModel()}, \`nproc\` = ${nproc}`,
  `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- Node ${process.version}, ${os.type()} ${os.release()}`,
  `- ${hasTshark ? tsharkVersion.split('\n')[0].replace(/\.?Running as user.*$/, '').trim() : 'tshark: not installed'}`,
  `- sepflow ${gitRev()}`,
  '',
  '**Input** (src/bench/generate.ts, seed ' + SEED + ')',
  '',
  `- ${fmtNum(cap0.packets)} packets, ${fmtNum(cap0.flows.total)} flows (TCP ${fmtNum(cap0.flows.tcp)}, UDP ${fmtNum(cap0.flows.udp)}, IPv6 ${fmtNum(cap0.flows.ipv6)}; ${kinds}), ${fmtNum(HOSTS)} clients, up to ${cap0.maxConcurrentFlows} flows active at once, ${fmtNum(cap0.lastTimestamp - cap0.firstTimestamp, 0)} s of traffic`,
  `- pcap ${fmtNum(caps.pcap.fileBytes / 1e6, 1)} MB, pcapng ${fmtNum(caps.pcapng.fileBytes / 1e6, 1)} MB; both read from the page cache (warm-up read first)`,
  '',
  `**Results** (median of ${RUNS} runs; MB = 10^6 bytes of capture file; peak RSS = max over the runs, from \`/usr/bin/time %M\`; time vs tshark = median ÷ tshark's median on the same file, below 1 = faster)`,
  '',
  mdTable(header, rows),
  '',
  '**Goals of issue 6** (from the rows above; bytes per flow from the flow table\'s arrays)',
  '',
  mdTable(goalHeader, goals),
  '',
  'Commands (FILE = the capture):',
  '',
  ...results
    .filter((r, i, a) => a.findIndex((x) => x.tool === r.tool && x.half === r.half) === i)
    .map((r) => `- ${r.tool}${r.label ? ` (${r.label})` : ''}: \`${r.command.replace(/bench\/out\/\S+ bench\/out\/\S+/, 'A B').replace(/bench\/out\/\S+/, r.half ? 'A' : 'FILE')}\``),
  END,
].join('\n');

const rawPath = path.join(OUT, 'results.json');
writeFileSync(rawPath, JSON.stringify({ packets: PACKETS, runs: RUNS, flows: FLOWS, hosts: HOSTS, seed: SEED, captures: caps, results }, null, 2) + '\n');
log(`raw measurements in ${path.relative(ROOT, rawPath)}`);

if (!argv['no-results']) {
  let md;
  if (existsSync(RESULTS)) {
    md = readFileSync(RESULTS, 'utf8');
    const a = md.indexOf(BEGIN);
    const b = md.indexOf(END);
    md = a >= 0 && b > a ? md.slice(0, a) + section + md.slice(b + END.length) : md.trimEnd() + '\n\n' + section + '\n';
  } else {
    md = `# sepflow benchmark\n\nRegenerate the section between the markers with \`npm run bench\` (see bench/run.mjs).\n\n${section}\n`;
  }
  writeFileSync(RESULTS, md);
  log(`table written to ${path.relative(ROOT, RESULTS)}`);
}

// ---- optional CPU profile -------------------------------------------------------------------------

if (argv.profile) {
  const dir = path.join(OUT, 'prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log('profiling sepflow on the pcap (node --cpu-prof)');
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, SEPFLOW, 'analyse', caps.pcap.file, '--format', 'json', '-o', '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const prof = readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
  if (!prof) log(`no profile written (exit ${r.status})`);
  else {
    const p = JSON.parse(readFileSync(path.join(dir, prof), 'utf8'));
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map();
    let total = 0;
    for (let i = 0; i < p.samples.length; i++) {
      const n = byId.get(p.samples[i]);
      const dt = p.timeDeltas[i] ?? 0;
      total += dt;
      const cf = n.callFrame;
      const file = cf.url.startsWith('file:') ? path.relative(ROOT, fileURLToPath(cf.url)) : cf.url;
      const where = file ? `${file}:${cf.lineNumber + 1}` : '';
      const key = `${cf.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
      self.set(key, (self.get(key) ?? 0) + dt);
    }
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
    process.stdout.write(`\nsepflow CPU profile (${path.relative(ROOT, path.join(dir, prof))}): top 10 self time of ${(total / 1e6).toFixed(2)} s\n`);
    for (const [k, us] of top) process.stdout.write(`${(us / 1e3).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
}

if (!argv.keep) {
  for (const c of [...formats.map((f) => caps[f]), ...halves]) {
    rmSync(c.file, { force: true });
    rmSync(`${c.file}.json`, { force: true });
  }
  log('captures deleted (use --keep to keep them in bench/out/)');
}

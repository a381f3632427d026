/**
 * `sepflow analyse FILE…`: reads capture files, builds flows, classifies them against the SEP port
 * catalogue and writes the traffic-compliance report (text or JSON).
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Engine, judgePartial, type AnalysisResult } from '../../engine.js';
import { ServiceIndex } from '../../compliance/services.js';
import { startProgress, type ProgressStream } from '../progress.js';
import { mergeFrames } from '../../source/merge.js';
import { EMPTY_PROFILE, loadProfile, ProfileError } from '../../compliance/profile.js';
import { SEVERITIES, severityRank, type Severity } from '../../compliance/rules.js';
import { buildReport } from '../../report/model.js';
import { renderText } from '../../report/text.js';
import { writeJsonBytes, writeJsonReport, writeJsonReportFile } from '../../report/json.js';
import { writeAllSync } from '../stdout.js';
import { Exit, UserError } from '../errors.js';
import { openInputs } from '../inputs.js';
import { VERSION } from '../version.js';

interface AnalyseOptions {
  site?: string;
  format: 'text' | 'json';
  failOn: Severity;
  output?: string;
  /** files analysed at once, each on its own thread (1 = one engine over the merged timeline) */
  jobs?: number;
  /** commander's --no-dedupe: count span-port duplicates in their flows instead of removing them */
  dedupe?: boolean;
}

/** Is `f` a regular file (one a worker thread can open and read again)? */
function isRegularFile(f: string): boolean {
  try {
    return f !== '-' && statSync(f).isFile();
  } catch {
    return false;
  }
}

/**
 * Checks before any reading that the report can be written to `output`: its directory exists and is writable,
 * and it is not one of the inputs (which the report would overwrite).
 * @throws UserError naming the output and the problem
 */
function checkOutput(output: string, inputs: readonly string[]): void {
  const dir = path.dirname(path.resolve(output));
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${output}: cannot write the report: ${dir} is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `directory ${dir} does not exist` : code === 'EACCES' ? `no permission to write in ${dir}` : (e as Error).message;
    throw new UserError(`${output}: cannot write the report: ${why}`);
  }
  let out: { dev: number; ino: number } | null = null;
  try {
    out = statSync(output);
  } catch {
    return; // (a new file: it is no input)
  }
  for (const f of inputs) {
    if (f === '-') continue;
    try {
      const st = statSync(f);
      if (st.dev === out.dev && st.ino === out.ino) throw new UserError(`${output}: the report would overwrite the input capture ${f}; choose another -o file`);
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
  }
}

/** Runs the analysis; returns the exit status. @throws UserError for unusable input or options */
export async function runAnalyse(
  files: string[],
  opts: AnalyseOptions,
  stderr: (line: string) => void,
  stdout: (text: string) => void,
  /** where the progress bar goes, only when it is a terminal (src/cli/progress.ts) */
  progressOut: ProgressStream = process.stderr,
  /** JSON bytes for standard output, written with backpressure (src/cli/stdout.ts); default: through `stdout` */
  stdoutBytes?: (bytes: Buffer) => void,
): Promise<number> {
  let profile = EMPTY_PROFILE;
  if (opts.site) {
    try {
      profile = loadProfile(opts.site);
    } catch (e) {
      if (e instanceof ProfileError) throw new UserError(e.message);
      throw e;
    }
  }
  if (files.filter((f) => f === '-').length > 1) throw new UserError('standard input (-) is given more than once; it can be read only once');
  if (opts.output) checkOutput(opts.output, files);
  // open every input first: an unreadable one stops the run before anything is analysed
  const sources = await openInputs(files);
  let result: AnalysisResult;
  const jobs = opts.jobs ?? 1;
  // --jobs needs inputs a worker can open again: regular files (not standard input, a pipe or a FIFO)
  if (jobs > 1 && sources.length > 1 && files.every(isRegularFile)) {
    // --jobs: files analysed n at a time on their own threads, results merged (exact when no flow spans files)
    for (const s of sources) await s.close();
    // (the worker pool and its library are loaded only when they are used)
    const { analyseInParallel } = await import('../../parallel/pool.js');
    const merged = await analyseInParallel(files, opts.site ?? null, jobs, { dedupe: opts.dedupe !== false });
    result = judgePartial(merged, new ServiceIndex(profile), profile);
  } else {
    const engine = new Engine(profile, { dedupe: opts.dedupe !== false });
    const stopProgress = startProgress(sources, () => engine.counters.packets, progressOut);
    try {
      if (sources.length === 1) {
        await engine.consume(sources[0]);
      } else {
        // several inputs: one timeline, frames in timestamp order across the files (as mergecap merges them)
        for await (const frame of mergeFrames(sources)) engine.feed(frame);
        for (const s of sources) engine.summarize(s);
      }
    } finally {
      stopProgress();
    }
    // the flow state is freed once the records are made (lower peak memory on large captures)
    result = engine.takeResult();
  }
  let damaged = false;
  for (const summary of result.files) {
    if (summary.fault) {
      damaged = true;
      stderr(
        `sepflow: ${summary.path}: read stopped at byte ${summary.fault.offset} (${summary.fault.code}): ${summary.fault.message} ` +
          `The report covers the ${summary.packets} packets before it.`,
      );
    }
  }
  // packets no dissector could open are in the report's anomalies; say it where it cannot be missed
  for (const [linkType, n] of Object.entries(result.counters.unsupportedLinkTypes)) {
    stderr(
      `sepflow: ${n} packet${n === 1 ? ' has' : 's have'} link type ${linkType}, which sepflow cannot decode: counted ` +
        `(anomaly linktype_unsupported_${linkType}) but in no flow.`,
    );
  }
  const report = buildReport(result, VERSION);
  // JSON is written flow by flow (src/report/json.ts), synchronously: the whole text is never held in memory
  if (opts.output) {
    try {
      if (opts.format === 'json') writeJsonReportFile(report, opts.output);
      else writeFileSync(opts.output, renderText(report));
    } catch (e) {
      throw new UserError(`${opts.output}: cannot write the report: ${(e as Error).message}`);
    }
  } else if (opts.format === 'json') {
    if (stdoutBytes) writeJsonBytes(report, stdoutBytes);
    else writeJsonReport(report, stdout);
  } else {
    stdout(renderText(report));
  }
  if (damaged) return Exit.PartialInput;
  const threshold = severityRank(opts.failOn);
  return report.findings.some((f) => !f.inconclusive && severityRank(f.severity) >= threshold) ? Exit.Findings : Exit.Ok;
}

/** What `sepflow analyse --help` says about inputs (kept in step with the README's "Inputs"). */
const INPUT_HELP = `
Inputs (the format is sniffed from the first bytes, never taken from the file name; - is standard input):
  pcap     microsecond and nanosecond magics in either byte order; versions 2.0-2.4 (before 2.3 caplen and
           len are swapped back, as libpcap does) and 543.0; the "modified" (Kuznetzov) format; FCS bits in
           the link-type field: the FCS is stripped from every frame and still counted in the wire bytes,
           as tshark counts them
  pcapng   any number of sections in either byte order, per-interface link type, if_tsresol, if_tsoffset;
           Name Resolution Blocks name hosts in the report; Interface Statistics Blocks give the kernel
           drop counts (report: capture evidence); packet comments are kept
  Several files are merged into one timeline in timestamp order, as mergecap merges them.
  An input that cannot be read at all stops the run before anything is analysed (exit 2): one line on
  standard error names the file, what is wrong, the error code and the byte offset. A damaged input
  (cut short, corrupt record) is read up to the damage and reported (exit 3): one line names the file,
  the byte offset and the problem.
`;

/** `--jobs` value: a positive integer. */
function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer is required');
  return n;
}

/** Builds the `analyse` command; `done` receives the exit status. */
export function analyseCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  return new Command('analyse')
    .alias('analyze')
    .description('analyse capture files (pcap or pcapng; - for standard input) and write a SEP traffic-compliance report')
    .argument('<files...>', 'capture files; several are merged into one timeline in timestamp order (as mergecap does)')
    .option('-s, --site <file>', 'site profile (YAML): SEP version, roles, port overrides, policy')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]).default('high'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .addOption(
      new Option(
        '-j, --jobs <n>',
        'analyse up to n files at once (on this thread and n - 1 worker threads) and merge their results; exact only when no flow spans files ' +
          '(each file is analysed on its own); default 1: one timeline over all files',
      ).argParser(parseJobs),
    )
    .option('--no-dedupe', 'count span-port duplicates (the same packet again within 1 ms) in their flows, as tshark does, instead of removing them; they are counted in the evidence either way')
    .addHelpText('after', INPUT_HELP)
    .action(async (files: string[], opts: AnalyseOptions) => {
      done(await runAnalyse(files, opts, io.stderr, io.stdout, process.stderr, (b) => writeAllSync(b)));
    });
}

/**
 * `sepflow analyse FILE…`: reads capture files, builds flows, classifies them against the SEP port
 * catalogue and writes the traffic-compliance report (text or JSON).
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { Engine } from '../../engine.js';
import { openCapture } from '../../source/open.js';
import { CaptureOpenError, type FrameSource } from '../../source/frame.js';
import { EMPTY_PROFILE, loadProfile, ProfileError } from '../../compliance/profile.js';
import { SEVERITIES, severityRank, type Severity } from '../../compliance/rules.js';
import { buildReport } from '../../report/model.js';
import { renderText } from '../../report/text.js';
import { writeJsonReport, writeJsonReportFile } from '../../report/json.js';
import { Exit, UserError } from '../errors.js';
import { VERSION } from '../version.js';

interface AnalyseOptions {
  site?: string;
  format: 'text' | 'json';
  failOn: Severity;
  output?: string;
}

/** Runs the analysis; returns the exit status. @throws UserError for unusable input or options */
export async function runAnalyse(files: string[], opts: AnalyseOptions, stderr: (line: string) => void, stdout: (text: string) => void): Promise<number> {
  let profile = EMPTY_PROFILE;
  if (opts.site) {
    try {
      profile = loadProfile(opts.site);
    } catch (e) {
      if (e instanceof ProfileError) throw new UserError(e.message);
      throw e;
    }
  }
  // open every input first: an unreadable one stops the run before anything is analysed
  const sources: FrameSource[] = [];
  try {
    for (const f of files) sources.push(await openCapture(f));
  } catch (e) {
    for (const s of sources) await s.close();
    if (e instanceof CaptureOpenError) throw new UserError(`${e.file}: ${e.message}`);
    throw e;
  }
  const engine = new Engine(profile);
  let damaged = false;
  for (const s of sources) {
    const summary = await engine.consume(s);
    if (summary.fault) {
      damaged = true;
      stderr(
        `sepflow: ${summary.path}: read stopped at byte ${summary.fault.offset} (${summary.fault.code}): ${summary.fault.message} ` +
          `The report covers the ${summary.packets} packets before it.`,
      );
    }
  }
  const report = buildReport(engine.result(), VERSION);
  // JSON is written flow by flow (src/report/json.ts): the whole text is never held in memory
  if (opts.output) {
    try {
      if (opts.format === 'json') writeJsonReportFile(report, opts.output);
      else writeFileSync(opts.output, renderText(report));
    } catch (e) {
      throw new UserError(`${opts.output}: cannot write the report: ${(e as Error).message}`);
    }
  } else if (opts.format === 'json') {
    writeJsonReport(report, stdout);
  } else {
    stdout(renderText(report));
  }
  if (damaged) return Exit.PartialInput;
  const threshold = severityRank(opts.failOn);
  return report.findings.some((f) => !f.inconclusive && severityRank(f.severity) >= threshold) ? Exit.Findings : Exit.Ok;
}

/** Builds the `analyse` command; `done` receives the exit status. */
export function analyseCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  return new Command('analyse')
    .alias('analyze')
    .description('analyse capture files (pcap or pcapng; - for standard input) and write a SEP traffic-compliance report')
    .argument('<files...>', 'capture files, read in the order given')
    .option('-s, --site <file>', 'site profile (YAML): SEP version, roles, port overrides, policy')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]).default('high'))
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .action(async (files: string[], opts: AnalyseOptions) => {
      done(await runAnalyse(files, opts, io.stderr, io.stdout));
    });
}

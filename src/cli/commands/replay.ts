/**
 * `sepflow replay FILE…`: plays capture files back in capture time (`--speed N`, or `max`) through the live
 * per-host map — on a terminal the Ink map (space pauses, q quits), otherwise one line per state change or
 * JSON lines — and writes the same report as `sepflow analyse` on exit.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { Engine } from '../../engine.js';
import { SEVERITIES, type Severity } from '../../compliance/rules.js';
import { parseSpeed, type Speed } from '../../watch/pacing.js';
import { UserError } from '../errors.js';
import { openInputs } from '../inputs.js';
import { loadSite, runWatch } from '../watch-run.js';

interface ReplayOptions {
  site?: string;
  speed: Speed;
  report?: string;
  format: 'text' | 'json';
  failOn: Severity;
  jsonLines?: boolean;
  ui: boolean;
}

function speedArg(text: string): Speed {
  const s = parseSpeed(text);
  if (s === null) throw new InvalidArgumentError('give a positive multiplier of capture time (1, 10, 0.5) or max.');
  return s;
}

/** Builds the `replay` command; `done` receives the exit status. */
export function replayCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  return new Command('replay')
    .description('replay capture files in capture time through the live per-host map, then write the SEP traffic-compliance report')
    .argument('<files...>', 'capture files (pcap or pcapng), played one after the other')
    .option('-s, --site <file>', 'site profile (YAML): SEP version, roles, port overrides, policy')
    .addOption(new Option('--speed <speed>', 'capture-time multiplier (1 = as captured, 10 = ten times faster) or max').argParser(speedArg).default(1 as Speed, '1'))
    .option('--report <file>', 'write the report to this file on exit (default: standard output, after the map)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]).default('high'))
    .option('--json-lines', 'without the map: one JSON object per event (host, roles, status, finding, summary, state), the report last')
    .option('--no-ui', 'plain lines even on a terminal')
    .action(async (files: string[], opts: ReplayOptions) => {
      const profile = loadSite(opts.site);
      const sources = await openInputs(files);
      done(
        await runWatch({
          mode: 'replay',
          label: files.join(' '),
          engine: new Engine(profile),
          sources,
          speed: opts.speed,
          ui: opts.ui,
          jsonLines: !!opts.jsonLines,
          report: opts.report,
          format: opts.format,
          failOn: opts.failOn,
          io,
        }),
      );
    });
}

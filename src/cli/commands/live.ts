/**
 * `sepflow live -i IFACE`: captures on an interface (a span port, loopback, a namespace's interface) with
 * libpcap, shows the live per-host map (or lines / JSON lines without a terminal) and writes the SEP
 * traffic-compliance report when it stops: q, Ctrl-C, SIGTERM, --duration, or the interface going down
 * (then exit status 4).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { Engine } from '../../engine.js';
import { SEVERITIES, type Severity } from '../../compliance/rules.js';
import { defaultFilter, LiveError, MAX_SNAPLEN, openLive, type LiveSource } from '../../source/live.js';
import { PcapngWriter } from '../../watch/pcapng-writer.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { loadSite, runWatch } from '../watch-run.js';

interface LiveCommandOptions {
  interface: string;
  filter?: string;
  site?: string;
  snaplen: number;
  promisc: boolean;
  write?: string;
  duration?: number;
  report?: string;
  format: 'text' | 'json';
  failOn: Severity;
  jsonLines?: boolean;
  ui: boolean;
}

function positiveInt(max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`give a whole number from 1 to ${max}.`);
    return n;
  };
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('give a number of seconds above 0.');
  return n;
}

/** A LiveError as one line for the user: what happened, then how to fix it. */
export function liveErrorMessage(e: LiveError): string {
  return `${e.message} ${e.suggestion}`;
}

/** Builds the `live` command; `done` receives the exit status. */
export function liveCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  return new Command('live')
    .description('capture on an interface and watch the live per-host map; the SEP traffic-compliance report is written on exit')
    .requiredOption('-i, --interface <name>', 'interface to capture on ("sepflow interfaces" lists them)')
    .option('-f, --filter <bpf>', 'BPF capture filter (default: the SEP ports in force plus ICMP; "" captures everything)')
    .option('-s, --site <file>', 'site profile (YAML): SEP version, roles, port overrides, policy')
    .addOption(new Option('--snaplen <bytes>', 'bytes kept of each frame').argParser(positiveInt(MAX_SNAPLEN)).default(MAX_SNAPLEN))
    .option('--promisc', 'capture in promiscuous mode (the default)', true)
    .option('--no-promisc', 'do not use promiscuous mode (not available with the capture module in use: refused)')
    .option('-w, --write <file.pcapng>', 'also record the captured frames to a pcapng file')
    .addOption(new Option('--duration <seconds>', 'stop after this many seconds').argParser(seconds))
    .option('--report <file>', 'write the report to this file on exit (default: standard output, after the map)')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]).default('high'))
    .option('--json-lines', 'without the map: one JSON object per event (host, roles, status, finding, summary, state), the report last')
    .option('--no-ui', 'plain lines even on a terminal')
    .action(async (opts: LiveCommandOptions) => {
      const engine = new Engine(loadSite(opts.site));
      const filter = opts.filter ?? defaultFilter(engine.services.services);
      let live: LiveSource;
      try {
        live = await openLive({ iface: opts.interface, filter, snaplen: opts.snaplen, promisc: opts.promisc });
      } catch (e) {
        if (e instanceof LiveError) throw new UserError(liveErrorMessage(e));
        throw e;
      }
      let recorder: PcapngWriter | undefined;
      if (opts.write) {
        try {
          recorder = new PcapngWriter(opts.write, live.linkType, opts.snaplen, opts.interface, `sepflow ${VERSION}`);
        } catch (e) {
          await live.close();
          throw new UserError(`${opts.write}: cannot create the capture file: ${(e as Error).message}`);
        }
      }
      done(
        await runWatch({
          mode: 'live',
          label: opts.interface,
          engine,
          sources: [live],
          speed: 'max',
          ui: opts.ui,
          jsonLines: !!opts.jsonLines,
          report: opts.report,
          format: opts.format,
          failOn: opts.failOn,
          duration: opts.duration,
          live,
          recorder,
          io,
        }),
      );
    });
}

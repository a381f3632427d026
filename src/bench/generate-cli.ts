/**
 * Command line for the synthetic capture generator (see generate.ts):
 *
 *   node dist/src/bench/generate-cli.js --packets 1000000 --flows 50000 --hosts 2000 --seed 1 \
 *     --format pcap|pcapng [--ipv6-share 0.1] [--start-time SECONDS] [--duration SECONDS] --out FILE
 *
 * Prints the summary (JSON) on standard output. Exit status 0, or 2 for bad usage.
 */
import { parseArgs } from 'node:util';
import { generateCapture, type CaptureFormat } from './generate.js';

const USAGE =
  'usage: generate-cli --out FILE [--packets N=1000000] [--flows N=packets/20] [--hosts N=2000] [--seed N=1]\n' +
  '                    [--format pcap|pcapng] [--ipv6-share F=0.1] [--start-time SECONDS] [--duration SECONDS]\n';

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n)) throw new RangeError(`--${name}: not a number: ${v}`);
  return n;
}

function main(argv: string[]): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        packets: { type: 'string' },
        flows: { type: 'string' },
        hosts: { type: 'string' },
        seed: { type: 'string' },
        format: { type: 'string' },
        'ipv6-share': { type: 'string' },
        'start-time': { type: 'string' },
        duration: { type: 'string' },
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (!values.out) throw new RangeError('--out FILE is required');
    const packets = num('packets', values.packets, 1_000_000);
    const format = (values.format ?? 'pcap') as CaptureFormat;
    const t0 = process.hrtime.bigint();
    const summary = generateCapture({
      out: values.out,
      packets,
      flows: num('flows', values.flows, Math.max(1, Math.floor(packets / 20))),
      hosts: num('hosts', values.hosts, 2000),
      seed: num('seed', values.seed, 1),
      format,
      ipv6Share: num('ipv6-share', values['ipv6-share'], 0.1),
      startTime: values['start-time'] === undefined ? undefined : num('start-time', values['start-time'], 0),
      durationSeconds: values.duration === undefined ? undefined : num('duration', values.duration, 0),
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(JSON.stringify({ ...summary, generateSeconds: Math.round(seconds * 1000) / 1000 }, null, 2) + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`generate-cli: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));

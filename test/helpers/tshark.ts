/**
 * tshark as an independent oracle: its conversation tables (`-q -z conv,tcp -z conv,udp`) parsed into
 * rows with per-direction frame and byte counts.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export interface TsharkConv {
  proto: 'tcp' | 'udp';
  aHost: string;
  aPort: number;
  bHost: string;
  bPort: number;
  /** frames B → A and A → B (tshark's "<-" and "->" columns) */
  framesBA: number;
  framesAB: number;
  /** bytes as tshark prints them: exact when the unit is "bytes", else rounded to kB/MB */
  bytesBA: PrintedSize;
  bytesAB: PrintedSize;
}

/** A size as tshark printed it: `value` in `unit` (bytes, kB = 1000 bytes, MB, GB). */
export interface PrintedSize {
  value: number;
  unit: string;
}

const UNITS: Record<string, number> = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9 };

/** Does our exact byte count agree with tshark's printed size (exact for bytes, else ±1 of the printed unit)? */
export function sizeAgrees(ours: number, printed: PrintedSize): boolean {
  const mult = UNITS[printed.unit];
  if (mult === 1) return ours === printed.value;
  return Math.abs(ours / mult - printed.value) <= 1;
}

function splitEndpoint(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i), Number(s.slice(i + 1))];
}

/**
 * Runs tshark's conversation tables on a capture.
 * IP reassembly is turned off (`ip.defragment:FALSE`, `ipv6.defragment:FALSE`) so a fragmented datagram
 * counts in the frame that carries its transport header, as sepflow counts it.
 * A damaged file (tshark exit status 2 after printing its tables, e.g. "cut short in the middle of a packet")
 * gives the conversations of the frames before the damage, as sepflow reports them.
 * @throws Error when tshark fails otherwise (message includes its stderr)
 */
export function tsharkConversations(file: string): TsharkConv[] {
  const r = spawnSync('tshark', ['-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = r.stdout ?? '';
  if (r.status !== 0 && !(r.status === 2 && out.includes('Conversations'))) {
    throw new Error(`tshark failed on ${file} (status ${r.status}): ${r.stderr}`);
  }
  const rows: TsharkConv[] = [];
  let proto: 'tcp' | 'udp' | null = null;
  const re = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+)\s+(bytes|kB|MB|GB)\s+(\d+)\s+(\d+)\s+(bytes|kB|MB|GB)\s+/;
  for (const line of out.split('\n')) {
    if (line.startsWith('TCP Conversations')) proto = 'tcp';
    else if (line.startsWith('UDP Conversations')) proto = 'udp';
    const m = re.exec(line);
    if (!m || !proto) continue;
    const [aHost, aPort] = splitEndpoint(m[1]);
    const [bHost, bPort] = splitEndpoint(m[2]);
    rows.push({
      proto,
      aHost,
      aPort,
      bHost,
      bPort,
      framesBA: Number(m[3]),
      bytesBA: { value: Number(m[4]), unit: m[5] },
      framesAB: Number(m[6]),
      bytesAB: { value: Number(m[7]), unit: m[8] },
    });
  }
  return rows;
}

/** Frame count of a capture according to capinfos (`-c -M`), or null if capinfos fails. */
export function capinfosPackets(file: string): number | null {
  try {
    const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /Number of packets:\s+(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * tshark as an independent oracle: its conversation tables (`-q -z conv,tcp -z conv,udp`) parsed into
 * rows with per-direction frame and byte counts.
 */
import { spawnSync } from 'node:child_process';

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
 * Runs tshark's conversation tables on a capture (`filter`: a display filter limiting the frames counted,
 * e.g. one VLAN).
 * IP reassembly is turned off (`ip.defragment:FALSE`, `ipv6.defragment:FALSE`) so a fragmented datagram
 * counts in the frame that carries its transport header, as sepflow counts it.
 * A damaged file (tshark exit status 2 after printing its tables, e.g. "cut short in the middle of a packet")
 * gives the conversations of the frames before the damage, as sepflow reports them.
 * @throws Error when tshark fails otherwise (message includes its stderr)
 */
export function tsharkConversations(file: string, filter?: string): TsharkConv[] {
  const z = (proto: string) => (filter ? `conv,${proto},${filter}` : `conv,${proto}`);
  const r = spawnSync('tshark', ['-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-q', '-z', z('tcp'), '-z', z('udp')], {
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

/**
 * Frame count of a capture according to capinfos (`-c -M`), or null if capinfos prints none. For a damaged
 * file capinfos exits non-zero after printing the frames it read before the damage: that count is returned.
 */
export function capinfosPackets(file: string): number | null {
  const r = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  const m = /Number of packets:\s+(\d+)/.exec(r.stdout ?? '');
  return m ? Number(m[1]) : null;
}

/** A later IP fragment (offset > 0) as tshark decodes it, joined to its datagram's first fragment here. */
export interface TsharkLaterFragment {
  frame: number;
  /** outermost VLAN id (802.1ad S-tag, else the first 802.1Q tag), null when untagged */
  vlan: number | null;
  /** frame length on the wire (frame.len) */
  frameLen: number;
  /** the conversation of the datagram's first fragment (its TCP/UDP header), or null: see `kind` */
  conv: { proto: 'tcp' | 'udp'; srcHost: string; srcPort: number; dstHost: string; dstPort: number } | null;
  /** `joined`: its first fragment carries TCP/UDP ports; `non-flow`: the first fragment carries none (other
   * protocol, or the header continues in a later fragment); `orphan`: no first fragment in the file */
  kind: 'joined' | 'non-flow' | 'orphan';
}

/**
 * Groups the IP fragments of a capture the way a receiver would match them (RFC 791 §3.2: source,
 * destination, protocol, identification; RFC 8200 §4.5: source, destination, Fragment identification), from
 * tshark's per-frame decode with reassembly off (`ip.defragment:FALSE`, `ipv6.defragment:FALSE`): each later
 * fragment (offset > 0) is given the ports of the first fragment (offset 0) of the same datagram (and outer
 * VLAN, as sepflow's flow key) anywhere in the file. Only the outermost IP header of a frame counts (`-E occurrence=f`; ICMP errors quote fragments).
 */
export function tsharkFragments(file: string): TsharkLaterFragment[] {
  return tsharkFrameFacts(file).fragments;
}

/**
 * One tshark pass over a capture for the conversation oracle: the later IP fragments grouped by datagram
 * (as `tsharkFragments`) and the outermost VLAN ids (802.1ad S-tag, else the first 802.1Q tag; `null` for
 * untagged frames; an empty set when no frame is tagged).
 */
export function tsharkFrameFacts(file: string): { fragments: TsharkLaterFragment[]; outerVlans: Set<number | null> } {
  const fields = [
    'frame.number', 'frame.len', 'ip.src', 'ip.dst', 'ip.proto', 'ip.id', 'ip.frag_offset', 'ip.flags.mf',
    'ipv6.src', 'ipv6.dst', 'ipv6.fraghdr.nxt', 'ipv6.fraghdr.ident', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more',
    'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'ieee8021ad.id', 'vlan.id',
  ];
  const args = ['-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
    '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=/t'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  interface Frag { frame: number; frameLen: number; vlan: number | null; key: string; offset: number; src: string; dst: string; ports: [string, number, number] | null }
  const frags: Frag[] = [];
  const vlans = new Set<number | null>();
  let tagged = false;
  for (const line of (r.stdout ?? '').split('\n')) {
    if (!line) continue;
    const c = Object.fromEntries(line.split('\t').map((v, i) => [fields[i], v])) as Record<string, string>;
    const outer = c['ieee8021ad.id'] || c['vlan.id'];
    if (outer) tagged = true;
    vlans.add(outer ? Number(outer) : null);
    let src: string, dst: string, proto: string, id: string, offset: number, more: boolean;
    if (c['ip.src']) {
      [src, dst, proto, id] = [c['ip.src'], c['ip.dst'], c['ip.proto'], c['ip.id']];
      offset = Number(c['ip.frag_offset']);
      more = c['ip.flags.mf'] === '1' || c['ip.flags.mf'] === 'True';
    } else if (c['ipv6.src']) {
      [src, dst, proto, id] = [c['ipv6.src'], c['ipv6.dst'], c['ipv6.fraghdr.nxt'], c['ipv6.fraghdr.ident']];
      offset = Number(c['ipv6.fraghdr.offset']);
      more = c['ipv6.fraghdr.more'] === '1' || c['ipv6.fraghdr.more'] === 'True';
    } else continue;
    if (offset === 0 && !more) continue; // not a fragment
    const ports: [string, number, number] | null = c['tcp.srcport'] ? ['tcp', Number(c['tcp.srcport']), Number(c['tcp.dstport'])] : c['udp.srcport'] ? ['udp', Number(c['udp.srcport']), Number(c['udp.dstport'])] : null;
    const tag = c['ieee8021ad.id'] || c['vlan.id'];
    const vlan = tag ? Number(tag) : null;
    frags.push({ frame: Number(c['frame.number']), frameLen: Number(c['frame.len']), vlan, key: `${vlan}|${src}|${dst}|${proto}|${Number(id)}`, offset, src, dst, ports });
  }
  const firsts = new Map<string, Frag>();
  for (const f of frags) if (f.offset === 0 && !firsts.has(f.key)) firsts.set(f.key, f);
  const fragments = frags
    .filter((f) => f.offset > 0)
    .map((f) => {
      const first = firsts.get(f.key);
      if (!first) return { frame: f.frame, vlan: f.vlan, frameLen: f.frameLen, conv: null, kind: 'orphan' as const };
      if (!first.ports) return { frame: f.frame, vlan: f.vlan, frameLen: f.frameLen, conv: null, kind: 'non-flow' as const };
      const [proto, sp, dp] = first.ports;
      return { frame: f.frame, vlan: f.vlan, frameLen: f.frameLen, conv: { proto: proto as 'tcp' | 'udp', srcHost: f.src, srcPort: sp, dstHost: f.dst, dstPort: dp }, kind: 'joined' as const };
    });
  return { fragments, outerVlans: tagged ? vlans : new Set() };
}

/** Display filter for frames whose outermost VLAN id is `vlan` (null: untagged). */
export function outerVlanFilter(vlan: number | null): string {
  if (vlan === null) return '!vlan && !ieee8021ad';
  return `(ieee8021ad && ieee8021ad.id#1 == ${vlan}) || (!ieee8021ad && vlan.id#1 == ${vlan})`;
}

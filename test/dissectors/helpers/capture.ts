/**
 * Minimal capture-file frame reader for the dissector tests ONLY (the real readers live in src/source/).
 *
 * Just enough to hand frames to decodeFrame in the order and numbering tshark uses:
 *  - classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html): magic a1b2c3d4 (µs) or a1b23c4d
 *    (ns), either byte order; 24-byte file header (link type at 20, low 16 bits), 16-byte record headers
 *    (ts_sec, ts_frac, incl_len, orig_len).
 *  - pcapng (draft-ietf-opsawg-pcapng): SHB (byte order per section), IDB (link type, snaplen), EPB, SPB
 *    (caplen = min(orig_len, block room, snaplen)), obsolete PB; custom blocks (0x00000bad / 0x40000bad)
 *    are yielded as records without data because tshark numbers them as frames too. Other blocks skipped.
 * A record cut short by the end of the file ends the iteration (tshark reports the same cut).
 * Timestamps are not decoded: the dissector tests do not need them.
 */
import { readFileSync } from 'node:fs';

export interface TestFrame {
  /** 1-based, as tshark's frame.number */
  index: number;
  /** LINKTYPE_*, or -1 for a pcapng record that is not a packet (custom block) */
  linkType: number;
  origLen: number;
  /** captured bytes: a subarray of the file buffer (byteOffset ≠ 0 on purpose) */
  data: Uint8Array;
}

export function readCapture(file: string): TestFrame[] {
  const buf = new Uint8Array(readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) return [];
  if (dv.getUint32(0, false) === 0x0a0d0d0a) return readPcapng(buf, dv);
  return readPcap(buf, dv);
}

function readPcap(buf: Uint8Array, dv: DataView): TestFrame[] {
  const m = dv.getUint32(0, false);
  let le: boolean;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) le = false;
  else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) le = true;
  else throw new Error(`not a pcap file (magic ${m.toString(16)})`);
  if (buf.length < 24) return [];
  const linkType = dv.getUint32(20, le) & 0xffff;
  const frames: TestFrame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    if (off + 16 + incl > buf.length) break;
    frames.push({ index: frames.length + 1, linkType, origLen: orig, data: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return frames;
}

function readPcapng(buf: Uint8Array, dv: DataView): TestFrame[] {
  const frames: TestFrame[] = [];
  let le = true;
  let ifaces: { linkType: number; snaplen: number }[] = [];
  let off = 0;
  while (off + 12 <= buf.length) {
    let type = dv.getUint32(off, le);
    if (dv.getUint32(off, false) === 0x0a0d0d0a) {
      le = dv.getUint32(off + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || off + len > buf.length) break;
    const body = off + 8;
    switch (type) {
      case 1: // IDB
        ifaces.push({ linkType: dv.getUint16(body, le), snaplen: dv.getUint32(body + 4, le) });
        break;
      case 6: { // EPB
        const ifId = dv.getUint32(body, le);
        const cap = dv.getUint32(body + 12, le);
        const orig = dv.getUint32(body + 16, le);
        frames.push({ index: frames.length + 1, linkType: ifaces[ifId]?.linkType ?? -1, origLen: orig, data: buf.subarray(body + 20, body + 20 + cap) });
        break;
      }
      case 3: { // SPB
        const orig = dv.getUint32(body, le);
        let cap = Math.min(orig, len - 16);
        const snap = ifaces[0]?.snaplen ?? 0;
        if (snap > 0) cap = Math.min(cap, snap);
        frames.push({ index: frames.length + 1, linkType: ifaces[0]?.linkType ?? -1, origLen: orig, data: buf.subarray(body + 4, body + 4 + cap) });
        break;
      }
      case 2: { // obsolete Packet Block
        const ifId = dv.getUint16(body, le);
        const cap = dv.getUint32(body + 12, le);
        const orig = dv.getUint32(body + 16, le);
        frames.push({ index: frames.length + 1, linkType: ifaces[ifId]?.linkType ?? -1, origLen: orig, data: buf.subarray(body + 20, body + 20 + cap) });
        break;
      }
      case 0x00000bad:
      case 0x40000bad: // custom blocks: tshark numbers them as frames
        frames.push({ index: frames.length + 1, linkType: -1, origLen: 0, data: buf.subarray(0, 0) });
        break;
      default:
        break;
    }
    off += len;
  }
  return frames;
}

/** "00 1a 2b ..." / "001a2b" with `#` or `//` comments to end of line → bytes */
export function hex(s: string): Uint8Array {
  const clean = s
    .split('\n')
    .map((l) => l.replace(/(#|\/\/).*$/, ''))
    .join('')
    .replace(/[^0-9a-fA-F]/g, '');
  if (clean.length % 2 !== 0) throw new Error('odd hex length');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** IPv4 dotted quad of a view address word 3 */
export function ip4(words: Uint32Array): string {
  const w = words[3];
  return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
}

/** IPv6 text (RFC 5952, as tshark prints it) of 4 view address words */
export function ip6(words: Uint32Array): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(words[i] >>> 16, words[i] & 0xffff);
  // longest run of ≥ 2 zero groups, first one on ties
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const h = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return h(g);
  return `${h(g.slice(0, best))}::${h(g.slice(best + bestLen))}`;
}

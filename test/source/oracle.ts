/**
 * Test helpers for the capture readers: run the independent oracle (tshark / capinfos from
 * Wireshark) live, read a capture with our reader, and put both in one comparable shape.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCapture } from '../../src/source/open.js';
import type { FrameSource, SourceStats } from '../../src/source/frame.js';

/**
 * Wireshark's WTAP_ENCAP numbers (what `frame.encap_type` shows) for the LINKTYPEs in the public
 * captures, from wiretap/pcap-common.c `pcap_to_wtap_map`. An encapsulation missing here makes the
 * comparison fail loudly rather than pass silently.
 */
export const WTAP_TO_LINKTYPE: Readonly<Record<number, number>> = {
  1: 1, // WTAP_ENCAP_ETHERNET  <- LINKTYPE_ETHERNET
  15: 0, // WTAP_ENCAP_NULL     <- LINKTYPE_NULL
  25: 113, // WTAP_ENCAP_SLL    <- LINKTYPE_LINUX_SLL
  210: 276, // WTAP_ENCAP_SLL2  <- LINKTYPE_LINUX_SLL2
  7: 101, // WTAP_ENCAP_RAW_IP  <- LINKTYPE_RAW
};

/** One frame as compared: time as "sec.nnnnnnnnn" (or "none"), lengths, LINKTYPE, interface, bytes (hex). */
export interface Row {
  time: string;
  caplen: number;
  origLen: number;
  linkType: number;
  interfaceId: number;
  hex: string;
}

export interface OracleResult {
  rows: Row[];
  /** records tshark listed that are not packets (no encapsulation): pcapng custom blocks */
  nonPacketRecords: number;
  status: number | null;
  stderr: string;
}

/** `sec.nnnnnnnnn` from our frame fields. */
export function fmtTime(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/**
 * Runs `tshark -n -r FILE -T json -x -j frame` and returns the packet records, in order.
 * Records without `frame.encap_type` are not packets (tshark 4.0 lists pcapng custom blocks as
 * frames, e.g. 3 in test202) and are only counted. A record without `frame.time_epoch` (an SPB) gets
 * time "none". tshark's time string is kept verbatim.
 */
export function tsharkRows(file: string): OracleResult {
  const res = spawnSync('tshark', ['-n', '-r', file, '-T', 'json', '-x', '-j', 'frame'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const text = res.stdout.trim();
  const records = text ? (JSON.parse(text) as Array<{ _source: { layers: Record<string, unknown> } }>) : [];
  const rows: Row[] = [];
  let nonPacketRecords = 0;
  for (const rec of records) {
    const layers = rec._source.layers;
    const f = layers.frame as Record<string, string>;
    const raw = layers.frame_raw as [string, ...unknown[]] | undefined;
    if (f['frame.encap_type'] === undefined) {
      nonPacketRecords++;
      continue;
    }
    const encap = Number(f['frame.encap_type']);
    const linkType = WTAP_TO_LINKTYPE[encap];
    if (linkType === undefined) throw new Error(`${file}: WTAP encapsulation ${encap} not in WTAP_TO_LINKTYPE`);
    rows.push({
      time: f['frame.time_epoch'] ?? 'none',
      caplen: Number(f['frame.cap_len']),
      origLen: Number(f['frame.len']),
      linkType,
      interfaceId: Number(f['frame.interface_id'] ?? 0),
      hex: raw ? raw[0] : '',
    });
  }
  return { rows, nonPacketRecords, status: res.status, stderr: res.stderr };
}

/** `capinfos -c -M FILE`: the packet count, or null when capinfos printed none; plus its stderr. */
export function capinfosCount(file: string): { count: number | null; stderr: string; status: number | null } {
  const res = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  const m = /Number of packets:\s+(\d+)/.exec(res.stdout);
  return { count: m ? Number(m[1]) : null, stderr: res.stderr, status: res.status };
}

export interface OurResult {
  source: FrameSource;
  rows: Row[];
  stats: SourceStats;
}

/** Reads a whole capture with our reader; SPB frames (time 0 with the SPB anomaly) are not special-cased here. */
export async function readOurs(file: string): Promise<OurResult> {
  const source = await openCapture(file);
  return readSource(source);
}

/** Drains an opened source into rows (copying nothing but the hex of each frame). */
export async function readSource(source: FrameSource): Promise<OurResult> {
  const rows: Row[] = [];
  for await (const f of source) {
    if (f.caplen !== f.data.length) throw new Error(`frame ${f.index}: caplen ${f.caplen} != data.length ${f.data.length}`);
    if (f.index !== rows.length + 1) throw new Error(`frame index ${f.index}, expected ${rows.length + 1}`);
    if (!(f.tsNsec >= 0 && f.tsNsec < 1e9 && Number.isInteger(f.tsNsec))) throw new Error(`frame ${f.index}: tsNsec ${f.tsNsec}`);
    rows.push({
      time: fmtTime(f.tsSec, f.tsNsec),
      caplen: f.caplen,
      origLen: f.origLen,
      linkType: f.linkType,
      interfaceId: f.interfaceId,
      hex: Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length).toString('hex'),
    });
  }
  return { source, rows, stats: source.stats };
}

/**
 * tshark's rows in our shape: an SPB has no timestamp (tshark shows none); we give it time 0 and
 * count `pcapng_spb_timestamp_absent`, so "none" becomes "0.000000000".
 */
export function oracleAsOurs(oracle: Row[]): Row[] {
  return oracle.map((r) => (r.time === 'none' ? { ...r, time: '0.000000000' } : r));
}

/** How many oracle rows have no timestamp (SPBs). */
export function untimed(oracle: Row[]): number {
  return oracle.filter((r) => r.time === 'none').length;
}

/** A fresh temporary directory (under os.tmpdir(), never in the repository). */
export function tempDir(): { dir: string; file: (name: string, data: Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-source-'));
  return {
    dir,
    file: (name, data) => {
      const p = path.join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How many of this process's file descriptors currently point at `file`. */
export function fdsOpenOn(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // the fd used by readdir itself is gone by now
    }
  }
  return n;
}

/** Number of open file descriptors of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Offsets of the records in a classic pcap, walked independently of the reader under test. */
export function pcapRecordOffsets(buf: Buffer): number[] {
  const be = buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d;
  const out: number[] = [];
  let p = 24;
  while (p + 16 <= buf.length) {
    out.push(p);
    const caplen = be ? buf.readUInt32BE(p + 8) : buf.readUInt32LE(p + 8);
    p += 16 + caplen;
  }
  return out;
}

/** Blocks of a (single-byte-order) pcapng: [offset, type, length], walked independently. */
export function pcapngBlocks(buf: Buffer): Array<[number, number, number]> {
  const le = buf.readUInt32LE(8) === 0x1a2b3c4d;
  const out: Array<[number, number, number]> = [];
  let p = 0;
  while (p + 8 <= buf.length) {
    const type = le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
    const len = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
    out.push([p, type, len]);
    if (len < 12) break;
    p += len;
  }
  return out;
}

/** Minimal pcapng writer for synthetic cases (little-endian unless `be`). */
export class PcapngBuilder {
  private parts: Buffer[] = [];
  constructor(private readonly be = false) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  }
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.be) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  }
  private pad(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  }
  /** one option: code, raw value */
  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }
  /** a block of `type` around `body` (padded to 32 bits) */
  block(type: number, body: Buffer): this {
    const padded = this.pad(body);
    const len = 12 + padded.length;
    this.parts.push(Buffer.concat([this.u32(type), this.u32(len), padded, this.u32(len)]));
    return this;
  }
  shb(major = 1, minor = 0): this {
    const sectionLen = Buffer.alloc(8, 0xff);
    return this.block(0x0a0d0d0a, Buffer.concat([this.u32(0x1a2b3c4d), this.u16(major), this.u16(minor), sectionLen]));
  }
  idb(linkType: number, snaplen: number, options: Buffer[] = []): this {
    const opts = options.length ? Buffer.concat([...options, this.u32(0)]) : Buffer.alloc(0);
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snaplen), opts]));
  }
  epb(ifid: number, tsHi: number, tsLo: number, data: Buffer, origLen = data.length): this {
    return this.block(
      6,
      Buffer.concat([this.u32(ifid), this.u32(tsHi), this.u32(tsLo), this.u32(data.length), this.u32(origLen), this.pad(data)]),
    );
  }
  tsresol(v: number): Buffer {
    return this.option(9, Buffer.from([v]));
  }
  tsoffset(sec: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.be) b.writeBigInt64BE(sec);
    else b.writeBigInt64LE(sec);
    return this.option(14, b);
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A minimal Ethernet/IPv4/UDP frame of `n` ≥ 42 bytes, for synthetic captures. */
export function udpFrame(n = 60): Buffer {
  const b = Buffer.alloc(n);
  Buffer.from('ffffffffffff0200000000010800', 'hex').copy(b, 0);
  b[14] = 0x45;
  b.writeUInt16BE(n - 14, 16);
  b[22] = 64;
  b[23] = 17;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(b, 26);
  b.writeUInt16BE(1234, 34);
  b.writeUInt16BE(5678, 36);
  b.writeUInt16BE(n - 34, 38);
  return b;
}

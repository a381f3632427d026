/**
 * PcapngWriter: records frames to a pcapng file (`sepflow live -w FILE.pcapng`), so what was watched can
 * be analysed again with `sepflow analyse` or opened in Wireshark.
 *
 * Layout (draft-ietf-opsawg-pcapng): one Section Header Block (little-endian, section length -1, option
 * shb_userappl), one Interface Description Block (link type, snaplen, option if_name; timestamps in the
 * default microseconds), then one Enhanced Packet Block per frame (interface 0), and at the end, when the
 * capture's counters are given, one Interface Statistics Block. Blocks are padded to 32 bits.
 * Frames are copied into a 1 MiB buffer and written synchronously when it fills and on `close()`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Frame } from '../source/frame.js';

const BUFFER_BYTES = 1 << 20;
const pad4 = (n: number) => (n + 3) & ~3;

/** Encodes one pcapng option (code, value bytes) with padding. */
function option(code: number, value: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  b.set(value, 4);
  return b;
}

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  body.copy(b, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

/** Microseconds since the epoch as the two 32-bit halves pcapng stores. */
function usTime(ts: number): [number, number] {
  const us = Math.round(ts * 1e6);
  const high = Math.floor(us / 0x100000000);
  return [high, us - high * 0x100000000];
}

/** What the closing Interface Statistics Block records: packet counters (null = not known) and times (s). */
export interface IsbCounters {
  startTs: number;
  endTs: number;
  ifRecv: number | null;
  filterAccept: number | null;
  osDrop: number | null;
  usrDeliv: number | null;
}

/** Interface Statistics Block for interface 0 (section 4.6). */
function isb(st: IsbCounters): Buffer {
  const time = (ts: number) => {
    const b = Buffer.alloc(8);
    const [h, l] = usTime(ts);
    b.writeUInt32LE(h, 0);
    b.writeUInt32LE(l, 4);
    return b;
  };
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  const opts = [option(2, time(st.startTs)), option(3, time(st.endTs))];
  if (st.ifRecv !== null) opts.push(option(4, u64(st.ifRecv)));
  if (st.filterAccept !== null) opts.push(option(6, u64(st.filterAccept)));
  if (st.osDrop !== null) opts.push(option(7, u64(st.osDrop)));
  if (st.usrDeliv !== null) opts.push(option(8, u64(st.usrDeliv)));
  const head = Buffer.alloc(12);
  const [h, l] = usTime(st.endTs);
  head.writeUInt32LE(0, 0);
  head.writeUInt32LE(h, 4);
  head.writeUInt32LE(l, 8);
  return block(5, Buffer.concat([head, ...opts, Buffer.alloc(4)]));
}

export class PcapngWriter {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private closed = false;
  /** frames written so far */
  frames = 0;

  /**
   * Creates (or truncates) `file` and writes the section and interface headers.
   * @param linkType LINKTYPE_* of every frame
   * @param snaplen the interface's snapshot length, bytes
   * @param ifName interface name recorded as if_name
   * @param app recorded as shb_userappl, e.g. "sepflow 0.1.0"
   * @throws Error (from fs) when the file cannot be created
   */
  constructor(
    readonly file: string,
    linkType: number,
    snaplen: number,
    ifName: string,
    app: string,
  ) {
    this.fd = openSync(file, 'w');
    const shbBody = Buffer.concat([Buffer.alloc(16), option(4, Buffer.from(app, 'utf8')), Buffer.alloc(4)]);
    shbBody.writeUInt32LE(0x1a2b3c4d, 0);
    shbBody.writeUInt16LE(1, 4);
    shbBody.writeUInt16LE(0, 6);
    shbBody.writeBigInt64LE(-1n, 8);
    const idbBody = Buffer.concat([Buffer.alloc(8), option(2, Buffer.from(ifName, 'utf8')), Buffer.alloc(4)]);
    idbBody.writeUInt16LE(linkType, 0);
    idbBody.writeUInt32LE(snaplen, 4);
    this.put(block(0x0a0d0d0a, shbBody));
    this.put(block(1, idbBody));
  }

  private put(b: Uint8Array): void {
    if (this.used + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b);
      return;
    }
    this.buf.set(b, this.used);
    this.used += b.length;
  }

  private flush(): void {
    if (this.used) writeSync(this.fd, this.buf, 0, this.used);
    this.used = 0;
  }

  /** Appends one frame as an Enhanced Packet Block (timestamp in microseconds). */
  write(f: Frame): void {
    const total = 32 + pad4(f.caplen);
    if (this.used + total > this.buf.length) this.flush();
    if (total > this.buf.length) this.buf = Buffer.allocUnsafe(total);
    const b = this.buf;
    let o = this.used;
    const us = f.tsSec * 1e6 + Math.floor(f.tsNsec / 1000); // < 2^53 until the year 2255: exact
    const high = Math.floor(us / 0x100000000);
    b.writeUInt32LE(6, o);
    b.writeUInt32LE(total, o + 4);
    b.writeUInt32LE(0, o + 8);
    b.writeUInt32LE(high, o + 12);
    b.writeUInt32LE(us - high * 0x100000000, o + 16);
    b.writeUInt32LE(f.caplen, o + 20);
    b.writeUInt32LE(f.origLen, o + 24);
    b.set(f.data.subarray(0, f.caplen), o + 28);
    o += 28 + f.caplen;
    b.fill(0, o, o + pad4(f.caplen) - f.caplen);
    o += pad4(f.caplen) - f.caplen;
    b.writeUInt32LE(total, o);
    this.used = o + 4;
    this.frames++;
  }

  /**
   * Writes what is buffered, an Interface Statistics Block when `stats` is given, and closes the file.
   * Idempotent.
   * @param stats the capture's counters (packets) and its start and end (seconds since the epoch); a null
   *   counter is left out of the block
   */
  close(stats?: IsbCounters): void {
    if (this.closed) return;
    this.closed = true;
    if (stats) this.put(isb(stats));
    this.flush();
    closeSync(this.fd);
  }
}

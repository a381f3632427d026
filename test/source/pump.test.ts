/**
 * The readers' fast path `pump` against their async iteration: for every shipped capture, every public capture
 * (when ../shared is present) and synthetic files covering each format feature, whole and cut at several
 * points, pumping and iterating give the same frames (every field and byte), the same statistics, anomalies
 * and fault. The same holds for every way the bytes can arrive: a regular file (4 MiB chunks, read ahead), and
 * an in-memory source with tiny chunks, with and without read-ahead (also with a headroom smaller than a
 * block, so the read-ahead buffer's copying path is taken). Also: `ChunkReader` hands out exactly the input's
 * bytes under random ensure/skip sequences; a source is consumed once; `pump` closes the file on every path
 * and lets timers run between chunks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame, FrameSource } from '../../src/source/frame.js';
import { ChunkReader, FILE_CHUNK_SIZE, openCapture, type ByteSource } from '../../src/source/open.js';
import { openPcap, PCAP_MAGICS } from '../../src/source/pcap.js';
import { openPcapng } from '../../src/source/pcapng.js';
import { hasShared, publicCapturesDir, repoRoot } from '../helpers/shared.js';
import { fdsOpenOn, PcapngBuilder, tempDir, udpFrame } from './oracle.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** One frame as compared: every field, the bytes as hex. */
function frameText(f: Frame): string {
  if (f.caplen !== f.data.length) throw new Error(`frame ${f.index}: caplen ${f.caplen} != data.length ${f.data.length}`);
  const hex = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length).toString('hex');
  return `${f.index} ${f.tsSec}.${f.tsNsec} lt=${f.linkType} ${f.caplen}/${f.origLen} if=${f.interfaceId} fcs=${f.fcsLen} c=${JSON.stringify(f.comment)} ${hex}`;
}

/** What a reading produced: the frames, then the source's statistics (or the open error). */
interface Outcome {
  frames: string[];
  stats: string;
}

function statsText(s: FrameSource): string {
  const st = s.stats;
  return JSON.stringify({ ...st, names: st.names ? [...st.names] : undefined });
}

/** Reads `open()`'s source by iteration or by pump. */
async function consume(open: () => Promise<FrameSource>, how: 'iterate' | 'pump'): Promise<Outcome> {
  let source: FrameSource;
  try {
    source = await open();
  } catch (err) {
    return { frames: [], stats: `open error ${(err as { code?: string }).code} ${(err as Error).message}` };
  }
  const frames: string[] = [];
  if (how === 'pump') {
    let last: Frame | null = null;
    await source.pump!((f) => {
      // the same Frame object every time: the fast path allocates none per frame
      if (last !== null && f !== last) throw new Error('pump delivered a new Frame object');
      last = f;
      frames.push(frameText(f));
    });
  } else {
    for await (const f of source) frames.push(frameText(f));
  }
  return { frames, stats: statsText(source) };
}

/** An in-memory ByteSource whose reads complete on a later turn of the event loop, like a file's. */
class MemSource implements ByteSource {
  readonly size = null;
  private at = 0;
  closed = false;
  constructor(
    private readonly data: Buffer,
    /** bytes after which reads fail with EIO (never when undefined) */
    private readonly failAt?: number,
  ) {}
  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.closed) return 0;
    if (this.failAt !== undefined && this.at >= this.failAt) {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    const limit = this.failAt === undefined ? this.data.length : Math.min(this.failAt, this.data.length);
    const n = Math.min(length, limit - this.at);
    this.data.copy(buf, offset, this.at, this.at + n);
    this.at += n;
    return n;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Opens an in-memory capture through a ChunkReader of the given shape (sniffing as openCapture does). */
function memOpen(data: Buffer, chunk: number, readAhead: boolean, headroom?: number, failAt?: number): () => Promise<FrameSource> {
  return async () => {
    const r = new ChunkReader(new MemSource(data, failAt), chunk, readAhead, headroom);
    try {
      await r.ensure(4);
      if (r.available >= 4 && PCAP_MAGICS.has(r.buf.readUInt32BE(r.pos))) return await openPcap(r, 'mem');
      return await openPcapng(r, 'mem');
    } catch (err) {
      await r.close();
      throw err;
    }
  };
}

/** Cut points for a file of `size` bytes: inside the headers, in the middle, just before the end, the end. */
function cuts(size: number): number[] {
  const at = [1, 8, 11, 12, 20, 23, 24, 27, 28, 31, 40, 60, Math.floor(size / 3), Math.floor(size / 2) + 3, size - 17, size - 4, size - 1, size];
  return [...new Set(at.filter((n) => n > 0 && n <= size))].sort((a, b) => a - b);
}

/** Checks pump = iteration for `data` (whole and cut) over a file and over in-memory chunked sources. */
async function checkAll(name: string, data: Buffer): Promise<number> {
  let checked = 0;
  const points = cuts(data.length);
  const midCuts = new Set([points[Math.floor(points.length / 2)], data.length]);
  for (const cut of points) {
    const part = data.subarray(0, cut);
    const file = tmp.file(`${name.replace(/\W/g, '_')}-${cut}`, part);
    const ref = await consume(() => openCapture(file), 'iterate');
    expect(await consume(() => openCapture(file), 'pump'), `${name} cut at ${cut}: pump over the file`).toEqual(ref);
    checked++;
    if (!midCuts.has(cut)) continue;
    // in memory, in tiny chunks: every refill boundary, with and without read-ahead
    const shapes: Array<[string, () => Promise<FrameSource>]> = [
      ['chunks of 61 bytes', memOpen(part, 61, false)],
      ['chunks of 61 bytes read ahead', memOpen(part, 61, true)],
      ['chunks of 500 bytes read ahead, 64 bytes headroom', memOpen(part, 500, true, 64)],
    ];
    for (const [shape, open] of shapes) {
      expect(await consume(open, 'iterate'), `${name} cut at ${cut}: iteration, ${shape}`).toEqual(ref);
      expect(await consume(open, 'pump'), `${name} cut at ${cut}: pump, ${shape}`).toEqual(ref);
      checked++;
    }
  }
  return checked;
}

// ---------------------------------------------------------------------------------------------------
// Synthetic captures covering each format feature

/** pcapng with two sections of each byte order, a skipped section, every block type and oddity. */
function kitchenSinkPcapng(): Buffer {
  const le = new PcapngBuilder(false);
  const frame = udpFrame(80);
  const opt = (b: PcapngBuilder, code: number, v: Buffer): Buffer => b.option(code, v);
  le.shb().idb(1, 0, [opt(le, 2, Buffer.from('eth0')), le.tsresol(9), le.tsoffset(100n)]).idb(1, 64, [le.tsresol(0x8a)]);
  le.epb(0, 0x17b, 0x12345678, frame);
  // EPB with two comments and an end-of-options
  le.block(
    6,
    Buffer.concat([le.u32(1), le.u32(1), le.u32(2), le.u32(frame.length), le.u32(1500), frame, le.option(1, Buffer.from('first ü')), le.option(1, Buffer.from('second\0')), le.u32(0)]),
  );
  // obsolete Packet Block with a comment
  le.block(2, Buffer.concat([le.u16(0), le.u16(0), le.u32(0), le.u32(77), le.u32(60), le.u32(60), frame.subarray(0, 60), le.option(1, Buffer.from('pb')), le.u32(0)]));
  // Simple Packet Block (captured length limited by interface 0's snaplen 0 = none: min(body, origLen))
  le.block(3, Buffer.concat([le.u32(70), frame.subarray(0, 72)]));
  // Name Resolution Block: an IPv4 record, an invalid record (no name), an IPv6 record, end
  const v4 = Buffer.concat([Buffer.from([10, 0, 0, 1]), Buffer.from('host-a\0')]);
  const v6 = Buffer.concat([Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from('six\0')]);
  le.block(4, Buffer.concat([le.u16(1), le.u16(v4.length), v4, Buffer.alloc((4 - (v4.length % 4)) % 4), le.u16(1), le.u16(4), Buffer.from([10, 0, 0, 2]), le.u16(2), le.u16(v6.length), v6, Buffer.alloc((4 - (v6.length % 4)) % 4), le.u32(0)]));
  // Interface Statistics Block with ifrecv, ifdrop, starttime
  const u64 = (n: number): Buffer => Buffer.concat([le.u32(n), le.u32(0)]);
  le.block(5, Buffer.concat([le.u32(0), le.u32(0x17b), le.u32(0x12345999), le.option(4, u64(1000)), le.option(5, u64(3)), le.option(2, Buffer.concat([le.u32(0x17b), le.u32(5)])), le.u32(0)]));
  le.block(0x99, Buffer.from('unknown block'));
  le.block(0xbad, Buffer.from('custom block'));
  le.epb(7, 0, 1, frame); // undefined interface: skipped, counted
  le.idb(1, 0, [le.tsresol(0x7f)]); // unusable tsresol: anomaly, µs
  le.epb(2, 0, 1_500_000, frame);
  const be = new PcapngBuilder(true);
  be.shb().idb(1, 0).epb(0, 0, 42, frame).epb(0, 0, 43, udpFrame(64));
  const skipped = new PcapngBuilder(false);
  skipped.shb(2, 0).idb(1, 0).epb(0, 0, 1, frame);
  const again = new PcapngBuilder(false);
  // a packet bigger than READ_AHEAD_HEADROOM and than the small test chunks
  again.shb().idb(1, 0).epb(0, 0, 9, Buffer.alloc(300_000, 0xab)).epb(0, 0, 10, frame);
  return Buffer.concat([le.build(), be.build(), skipped.build(), again.build()]);
}

interface Rec {
  sec: number;
  frac: number;
  data: Buffer;
  origLen?: number;
}

/**
 * A classic pcap of `recs`: `variant` picks the magic/version/record layout (little-endian unless `be`).
 * - `us` / `ns`: 2.4, 16-byte records; `v22`: 2.2, lengths swapped in every record; `v23`: 2.3, records cut
 *   by the snaplen (caplen < len) written in the old layout (len first), as libpcap guesses them back;
 *   `modified`: Kuznetzov magic, 24-byte records.
 */
function pcapOf(recs: Rec[], variant: 'us' | 'ns' | 'v22' | 'v23' | 'modified', linkWord = 1, be = false): Buffer {
  const w32 = (b: Buffer, v: number, at: number): void => {
    if (be) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  };
  const hdr = Buffer.alloc(24);
  const magic = variant === 'ns' ? 0xa1b23c4d : variant === 'modified' ? 0xa1b2cd34 : 0xa1b2c3d4;
  w32(hdr, magic, 0);
  const minor = variant === 'v22' ? 2 : variant === 'v23' ? 3 : 4;
  if (be) {
    hdr.writeUInt16BE(2, 4);
    hdr.writeUInt16BE(minor, 6);
  } else {
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(minor, 6);
  }
  w32(hdr, 1000, 16); // snaplen: some records exceed it
  w32(hdr, linkWord, 20);
  const parts: Buffer[] = [hdr];
  const rh = variant === 'modified' ? 24 : 16;
  for (const r of recs) {
    const h = Buffer.alloc(rh);
    const orig = r.origLen ?? r.data.length;
    w32(h, r.sec, 0);
    w32(h, r.frac, 4);
    const swap = variant === 'v22' || (variant === 'v23' && r.data.length < orig);
    w32(h, swap ? orig : r.data.length, 8);
    w32(h, swap ? r.data.length : orig, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

/** Records with every per-record oddity: fraction ≥ 1 s, origLen < caplen, caplen > snaplen, origLen < FCS; one cut. */
function oddRecords(): Rec[] {
  const recs: Rec[] = [];
  for (let i = 0; i < 40; i++) recs.push({ sec: 1_700_000_000 + i, frac: i * 1000, data: udpFrame(60 + i) });
  recs.push({ sec: 5, frac: 2_500_000, data: udpFrame(70) });
  recs.push({ sec: 6, frac: 3_000_000_001, data: udpFrame(70) });
  recs.push({ sec: 7, frac: 1, data: udpFrame(90), origLen: 80 });
  recs.push({ sec: 7, frac: 9, data: udpFrame(60), origLen: 1500 });
  recs.push({ sec: 8, frac: 2, data: udpFrame(1200) });
  recs.push({ sec: 9, frac: 3, data: udpFrame(60), origLen: 2 });
  return recs;
}

function syntheticCaptures(): Array<[string, Buffer]> {
  const recs = oddRecords();
  const big: Rec[] = [
    { sec: 1, frac: 0, data: udpFrame(60) },
    { sec: 2, frac: 0, data: Buffer.alloc(300_000, 0xcd) },
    { sec: 3, frac: 0, data: udpFrame(60) },
  ];
  return [
    ['kitchen-sink.pcapng', kitchenSinkPcapng()],
    ['odd-us-le.pcap', pcapOf(recs, 'us')],
    ['odd-us-be.pcap', pcapOf(recs, 'us', 1, true)],
    ['odd-ns.pcap', pcapOf(recs, 'ns')],
    ['odd-v22.pcap', pcapOf(recs, 'v22')],
    // in 2.3 a record with caplen > len would be read as swapped: none here
    ['odd-v23.pcap', pcapOf(recs.filter((r) => (r.origLen ?? Infinity) >= r.data.length), 'v23', 1, true)],
    ['odd-modified.pcap', pcapOf(recs, 'modified')],
    ['odd-modified-be.pcap', pcapOf(recs, 'modified', 1, true)],
    ['odd-fcs4-reserved.pcap', pcapOf(recs, 'us', 0x24010001)],
    ['big-dbus.pcap', pcapOf(big, 'us', 231)],
    ['bogus-length.pcap', pcapOf([...recs.slice(0, 3), { sec: 1, frac: 0, data: Buffer.alloc(300_000) }, ...recs.slice(3, 6)], 'us')],
  ];
}

/** Capture files under `dir` (recursively), by the magic of their first bytes. */
function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...capturesUnder(p));
    else if (/\.(pcap|pcapng)$/.test(e.name) && statSync(p).size > 0) out.push(p);
  }
  return out.sort();
}

describe('pump = iteration: frames, statistics, anomalies and faults', () => {
  it('shipped captures (captures/), whole and cut', async () => {
    const files = capturesUnder(path.join(repoRoot, 'captures'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) expect(await checkAll(path.relative(repoRoot, f), readFileSync(f))).toBeGreaterThan(0);
  }, 120_000);

  it.skipIf(!hasShared)('public captures (../shared/captures-public), whole and cut', async () => {
    const files = capturesUnder(publicCapturesDir);
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) await checkAll(path.relative(publicCapturesDir, f), readFileSync(f));
  }, 240_000);

  for (const [name, data] of syntheticCaptures()) {
    it(`synthetic ${name}, whole and cut`, async () => {
      await checkAll(name, data);
    }, 60_000);
  }

  it('the synthetic captures really exercise what they are for', async () => {
    const all = new Map(syntheticCaptures());
    const sink = await consume(() => openCapture(tmp.file('sink.pcapng', all.get('kitchen-sink.pcapng')!)), 'pump');
    const st = JSON.parse(sink.stats) as { anomalyCounts: Record<string, number>; names: unknown[]; interfaceStats: unknown[]; fault: unknown };
    expect(Object.keys(st.anomalyCounts).sort()).toEqual([
      'pcapng_block_unknown',
      'pcapng_interface_undefined',
      'pcapng_spb_timestamp_absent',
      'pcapng_tsresol_invalid',
      'pcapng_version_unsupported',
      'pcapng_nrb_record_invalid',
    ].sort());
    expect(st.names).toHaveLength(2);
    expect(st.interfaceStats).toHaveLength(1);
    expect(st.fault).toBeNull();
    expect(sink.frames).toHaveLength(9);
    expect(sink.frames.some((f) => f.includes('c="first ü\\nsecond"'))).toBe(true);
    const odd = await consume(() => openCapture(tmp.file('odd.pcap', all.get('odd-v23.pcap')!)), 'pump');
    expect(JSON.parse(odd.stats).fault).toBeNull();
    expect(odd.frames).toHaveLength(oddRecords().length - 2);
    expect(Object.keys(JSON.parse(odd.stats).anomalyCounts).sort()).toEqual([
      'pcap_record_exceeds_snaplen',
      'pcap_record_lengths_swapped',
      'pcap_ts_fraction_invalid',
    ]);
    for (const v of ['odd-v22.pcap', 'odd-modified-be.pcap', 'odd-ns.pcap', 'odd-fcs4-reserved.pcap', 'big-dbus.pcap']) {
      const got = await consume(() => openCapture(tmp.file(v, all.get(v)!)), 'pump');
      expect(JSON.parse(got.stats).fault, v).toBeNull();
    }
    const bogus = await consume(() => openCapture(tmp.file('bogus.pcap', all.get('bogus-length.pcap')!)), 'pump');
    expect(JSON.parse(bogus.stats).fault.code).toBe('pcap_record_length_bogus');
  });

  it('an I/O error mid-file: the same fault (file_read_error) and frames either way, with and without read-ahead', async () => {
    for (const data of [kitchenSinkPcapng(), pcapOf(oddRecords(), 'us')]) {
      for (const readAhead of [false, true]) {
        const open = memOpen(data, 200, readAhead, 64, 1000);
        const ref = await consume(open, 'iterate');
        expect(JSON.parse(ref.stats).fault.code).toBe('file_read_error');
        expect(ref.frames.length).toBeGreaterThan(0);
        expect(await consume(open, 'pump')).toEqual(ref);
      }
    }
  });
});

describe('blocks bigger than a read (4 MiB): the read-ahead buffer grows for them and is let go after', () => {
  it('pcapng and pcap (D-Bus link type): pump = iteration, the big frame intact', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >>> 12) & 0xff;
    const ng = new PcapngBuilder().shb().idb(231, 0);
    const recs: Rec[] = [];
    for (let i = 0; i < 5000; i++) {
      ng.epb(0, 0, i, udpFrame(1000));
      recs.push({ sec: i, frac: 0, data: udpFrame(1000) });
    }
    ng.epb(0, 0, 5000, big);
    recs.push({ sec: 5000, frac: 0, data: big });
    for (let i = 5001; i < 30_000; i++) {
      ng.epb(0, 0, i, udpFrame(1000));
      recs.push({ sec: i, frac: 0, data: udpFrame(1000) });
    }
    for (const [name, data] of [
      ['big.pcapng', ng.build()],
      ['big.pcap', pcapOf(recs, 'us', 231)],
    ] as Array<[string, Buffer]>) {
      const file = tmp.file(name, data);
      const ref = await consume(() => openCapture(file), 'iterate');
      expect(JSON.parse(ref.stats).fault, name).toBeNull();
      expect(ref.frames).toHaveLength(30_000);
      expect(ref.frames[5000]).toContain(`${big.length}/${big.length}`);
      expect(ref.frames[5000].endsWith(big.toString('hex')), name).toBe(true);
      expect(await consume(() => openCapture(file), 'pump')).toEqual(ref);
    }
  }, 120_000);
});

describe('buffer sizes: big reads with read-ahead for pump only', () => {
  it('an iterated file keeps the 1 MiB buffer (many files merged side by side); a pumped one reads FILE_CHUNK_SIZE (4 MiB) ahead', async () => {
    const b = new PcapngBuilder().shb().idb(1, 0);
    for (let i = 0; i < 30_000; i++) b.epb(0, 0, i, udpFrame(1000)); // ~31 MB
    const file = tmp.file('sizes.pcapng', b.build());
    const bufferOf = (s: FrameSource): Buffer => (s as unknown as { reader: ChunkReader }).reader.buf;
    const iterated = await openCapture(file);
    let most = 0;
    for await (const _ of iterated) most = Math.max(most, bufferOf(iterated).length);
    expect(most).toBe(1 << 20);
    const pumped = await openCapture(file);
    let least = Infinity;
    await pumped.pump!(() => {
      least = Math.min(least, bufferOf(pumped).length);
    });
    expect(FILE_CHUNK_SIZE).toBe(4 << 20);
    expect(least).toBeGreaterThanOrEqual(FILE_CHUNK_SIZE);
    expect(pumped.stats.frames).toBe(30_000);
  });
});

describe('ChunkReader', () => {
  it('hands out exactly the input bytes under random ensure/skip, in every shape', async () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = rand(256);
    for (const [chunk, readAhead, headroom] of [
      [1000, false, undefined],
      [1000, true, 64],
      [1000, true, 4096],
      [64 * 1024, true, undefined],
    ] as Array<[number, boolean, number | undefined]>) {
      const r = new ChunkReader(new MemSource(data), chunk, readAhead, headroom);
      let off = 0;
      while (off < data.length) {
        const want = rand(10) === 0 ? rand(20_000) + 1 : rand(300) + 1;
        const ok = await r.ensure(want);
        expect(ok).toBe(off + want <= data.length);
        expect(r.offset).toBe(off);
        const n = Math.min(want, r.available);
        expect(r.buf.subarray(r.pos, r.pos + n).equals(data.subarray(off, off + n))).toBe(true);
        expect(r.view.getUint8(r.pos)).toBe(data[off]);
        const step = Math.min(rand(want) + 1, r.available);
        r.skip(step);
        off += step;
      }
      expect(await r.ensure(1)).toBe(false);
      await r.close();
    }
  });
});

describe('pump: consumed once, closing, timers', () => {
  const pcap = (): string => tmp.file('once.pcap', pcapOf(oddRecords(), 'us'));

  it('a source is consumed once: pump after iteration, iteration after pump, pump twice', async () => {
    const a = await openCapture(pcap());
    for await (const _ of a) break;
    await expect(a.pump!(() => undefined)).rejects.toThrow(/only once/);
    const b = await openCapture(pcap());
    await b.pump!(() => undefined);
    expect(() => b[Symbol.asyncIterator]()).toThrow(/only once/);
    await expect(b.pump!(() => undefined)).rejects.toThrow(/only once/);
    const c = await openCapture(tmp.file('once.pcapng', kitchenSinkPcapng()));
    await c.pump!(() => undefined);
    expect(() => c[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('the file is closed after a pump, also when onFrame throws (that error rejects the pump)', async () => {
    for (const [name, data] of [
      ['close.pcap', pcapOf(oddRecords(), 'us')],
      ['close.pcapng', kitchenSinkPcapng()],
    ] as Array<[string, Buffer]>) {
      const file = tmp.file(name, data);
      const full = await openCapture(file);
      expect(fdsOpenOn(file)).toBe(1);
      await full.pump!(() => undefined);
      expect(fdsOpenOn(file)).toBe(0);
      const throwing = await openCapture(file);
      let n = 0;
      await expect(
        throwing.pump!(() => {
          if (++n === 2) throw new Error('consumer failed');
        }),
      ).rejects.toThrow('consumer failed');
      expect(throwing.stats.frames).toBe(2);
      expect(throwing.stats.fault).toBeNull();
      expect(fdsOpenOn(file)).toBe(0);
    }
  });

  it('timers run between chunks while a big file is pumped', async () => {
    const b = new PcapngBuilder().shb().idb(1, 0);
    const frame = udpFrame(1000);
    for (let i = 0; i < 40_000; i++) b.epb(0, 0, i, frame); // ~41 MB: several 4 MiB chunks
    const file = tmp.file('big.pcapng', b.build());
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const seen: number[] = [];
    try {
      const src = await openCapture(file);
      await src.pump!((f) => {
        if (f.index === 1 || f.index === 40_000) seen.push(ticks);
      });
    } finally {
      clearInterval(timer);
    }
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBeGreaterThan(seen[0]);
  });
});

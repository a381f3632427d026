/**
 * openCapture: sniffing, the open errors, file-descriptor hygiene, streams / standard input and
 * backpressure. Files are written to a temporary directory, never into the repository.
 */
import { chmodSync, createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CaptureOpenError, type FrameSource } from '../../src/source/frame.js';
import { ChunkReader, openCapture, openCaptureStream, type ByteSource } from '../../src/source/open.js';
import { openPcap } from '../../src/source/pcap.js';
import { openPcapng } from '../../src/source/pcapng.js';
import { describeShared, pub } from '../helpers/shared.js';
import { fdCount, fdsOpenOn, PcapngBuilder, readOurs, readSource, tempDir, udpFrame } from './oracle.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The CaptureOpenError `openCapture(path)` throws (fails the test if it resolves). */
async function openError(path: string): Promise<CaptureOpenError> {
  try {
    const src = await openCapture(path);
    await src.close();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureOpenError);
    return e as CaptureOpenError;
  }
  throw new Error(`${path} opened without error`);
}

/** A little-endian µs pcap of `n` copies of one 60-byte UDP frame. */
function synthPcap(n: number): Buffer {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16);
  hdr.writeUInt32LE(1, 20);
  const frame = udpFrame(60);
  const rec = Buffer.alloc(16 + frame.length);
  rec.writeUInt32LE(1_700_000_000, 0);
  rec.writeUInt32LE(60, 8);
  rec.writeUInt32LE(60, 12);
  frame.copy(rec, 16);
  const parts = [hdr];
  for (let i = 0; i < n; i++) {
    const r = Buffer.from(rec);
    r.writeUInt32LE(i % 1_000_000, 4);
    parts.push(r);
  }
  return Buffer.concat(parts);
}

/** A ByteSource over a buffer that counts what the reader pulled. */
class CountingSource implements ByteSource {
  readonly size: number | null = null;
  pulled = 0;
  closed = false;
  constructor(private readonly data: Buffer) {}
  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    const n = Math.min(length, this.data.length - this.pulled);
    this.data.copy(buf, offset, this.pulled, this.pulled + n);
    this.pulled += n;
    return n;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('openCapture: errors', () => {
  it('missing file -> file_not_found', async () => {
    expect(await openError(`${tmp.dir}/nope.pcap`)).toMatchObject({ code: 'file_not_found', offset: 0 });
  });

  it('directory -> file_is_directory', async () => {
    expect(await openError(tmp.dir)).toMatchObject({ code: 'file_is_directory', offset: 0 });
  });

  it('unreadable file -> file_permission_denied', async () => {
    const file = tmp.file('secret.pcap', synthPcap(1));
    chmodSync(file, 0o000);
    const asRoot = process.getuid?.() === 0;
    // root reads anything: drop the effective uid to nobody for the open, then take it back.
    if (asRoot) process.seteuid?.(65534);
    let err: CaptureOpenError;
    try {
      err = await openError(file);
    } finally {
      if (asRoot) process.seteuid?.(0);
    }
    expect(err).toMatchObject({ code: 'file_permission_denied', offset: 0 });
  });

  it('empty file -> file_empty', async () => {
    expect(await openError(tmp.file('empty.pcap', Buffer.alloc(0)))).toMatchObject({ code: 'file_empty', offset: 0 });
  });

  it('not a capture -> capture_format_unknown naming the first bytes', async () => {
    const err = await openError(tmp.file('text.pcap', Buffer.from('hello, this is text\n')));
    expect(err.code).toBe('capture_format_unknown');
    expect(err.message).toContain('68656c6c6f2c2074');
  });

  it('gzip-compressed capture -> capture_format_unknown with a hint', async () => {
    const err = await openError(tmp.file('x.pcap.gz', Buffer.from('1f8b0800000000000003', 'hex')));
    expect(err.code).toBe('capture_format_unknown');
    expect(err.message).toMatch(/gzip/);
  });

  it('header cut short -> pcap_header_truncated / pcapng_header_truncated with the bytes present as offset', async () => {
    const pcap = synthPcap(1);
    expect(await openError(tmp.file('p2.pcap', pcap.subarray(0, 2)))).toMatchObject({ code: 'pcap_header_truncated', offset: 2 });
    expect(await openError(tmp.file('p20.pcap', pcap.subarray(0, 20)))).toMatchObject({ code: 'pcap_header_truncated', offset: 20 });
    const ng = new PcapngBuilder().shb().build();
    expect(await openError(tmp.file('n3.pcapng', ng.subarray(0, 3)))).toMatchObject({ code: 'pcapng_header_truncated', offset: 3 });
    expect(await openError(tmp.file('n10.pcapng', ng.subarray(0, 10)))).toMatchObject({ code: 'pcapng_header_truncated', offset: 10 });
    expect(await openError(tmp.file('n20.pcapng', ng.subarray(0, 20)))).toMatchObject({ code: 'pcapng_header_truncated', offset: 20 });
  });

  it('pcap version 2.5 (libpcap reads 2.0-2.4 and 543.0 only) -> pcap_version_unsupported at 4', async () => {
    const pcap = synthPcap(1);
    pcap.writeUInt16LE(5, 6);
    expect(await openError(tmp.file('v25.pcap', pcap))).toMatchObject({ code: 'pcap_version_unsupported', offset: 4 });
  });

  it('pcapng with a bad byte-order magic -> pcapng_byte_order_invalid at 8; version 2.0 -> pcapng_version_unsupported at 12', async () => {
    const ng = new PcapngBuilder().shb().build();
    ng.writeUInt32LE(0x11223344, 8);
    expect(await openError(tmp.file('bom.pcapng', ng))).toMatchObject({ code: 'pcapng_byte_order_invalid', offset: 8 });
    const v2 = new PcapngBuilder().shb(2, 0).build();
    expect(await openError(tmp.file('v2.pcapng', v2))).toMatchObject({ code: 'pcapng_version_unsupported', offset: 12 });
  });

  it('a header-only pcap and a section-only pcapng give 0 frames, no fault', async () => {
    for (const [name, data] of [
      ['h.pcap', synthPcap(0)],
      ['h.pcapng', new PcapngBuilder().shb().build()],
    ] as const) {
      const ours = await readOurs(tmp.file(name, data));
      expect(ours.rows).toEqual([]);
      expect(ours.stats.fault).toBeNull();
      expect(ours.stats.bytesRead).toBe(data.length);
    }
  });

  it('a source can be iterated only once', async () => {
    const src = await openCapture(tmp.file('once.pcap', synthPcap(2)));
    for await (const _ of src) break;
    expect(() => src[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});

describeShared('openCapture: sniffing and descriptors on public files', () => {
  it('format comes from the magic, not the extension (app/ndpi-netbios.pcap is pcapng)', async () => {
    const src = await openCapture(pub('app/ndpi-netbios.pcap'));
    expect(src.format).toBe('pcapng');
    await src.close();
  });

  it('no descriptor left after rejected files', async () => {
    const before = fdCount();
    for (const rel of ['broken/libpcap-pcap-invalid-version-1.pcap', 'broken/libpcap-pcapng-invalid-vers-1.pcapng', 'broken/libpcap-shb-option-too-long.pcapng']) {
      await openError(pub(rel));
      expect(fdsOpenOn(pub(rel))).toBe(0);
    }
    await openError(tmp.file('empty2.pcap', Buffer.alloc(0)));
    await openError(tmp.file('junk.bin', Buffer.from('junkjunk')));
    await openError(tmp.dir);
    expect(fdCount()).toBe(before);
  });

  for (const rel of ['app/tcpdump-ssh.pcap', 'format/pcpp-many_interfaces-1.pcapng']) {
    it(`${rel}: descriptor closed after a full read, an early break, a consumer throw and close() without iterating`, async () => {
      const file = pub(rel);
      const before = fdCount();

      const full = await openCapture(file);
      expect(fdsOpenOn(file)).toBe(1);
      await readSource(full);
      expect(fdsOpenOn(file)).toBe(0);

      const early = await openCapture(file);
      let seen = 0;
      for await (const _ of early) {
        if (++seen === 2) break;
      }
      expect(fdsOpenOn(file)).toBe(0);
      expect(early.stats.frames).toBe(2);

      const throwing = await openCapture(file);
      await expect(
        (async () => {
          for await (const _ of throwing) throw new Error('consumer failed');
        })(),
      ).rejects.toThrow('consumer failed');
      expect(fdsOpenOn(file)).toBe(0);

      const idle = await openCapture(file);
      expect(fdsOpenOn(file)).toBe(1);
      await idle.close();
      await idle.close(); // idempotent
      expect(fdsOpenOn(file)).toBe(0);

      expect(fdCount()).toBe(before);
    });
  }

  it('truncated and bogus files close their descriptor too', async () => {
    const ssh = readFileSync(pub('app/tcpdump-ssh.pcap'));
    for (const [name, data] of [
      ['cut.pcap', ssh.subarray(0, ssh.length - 37)],
      ['cut.pcapng', readFileSync(pub('format/pcpp-many_interfaces-1.pcapng')).subarray(0, 5000)],
    ] as const) {
      const file = tmp.file(name, data);
      const ours = await readOurs(file);
      expect(ours.stats.fault).not.toBeNull();
      expect(fdsOpenOn(file)).toBe(0);
    }
  });

  it('streams: same frames as the file, for pcap and pcapng', async () => {
    for (const rel of ['app/tcpdump-ssh.pcap', 'app/ndpi-netbios.pcap', 'format/pngtg-le-test202.pcapng']) {
      const fromFile = await readOurs(pub(rel));
      const fromStream = await readSource(await openCaptureStream(createReadStream(pub(rel), { highWaterMark: 1000 }), 'stream'));
      expect(fromStream.source.path).toBe('stream');
      expect(fromStream.rows).toEqual(fromFile.rows);
      expect(fromStream.stats.fault).toBeNull();
    }
  });

  it('stream with a block length past its end: no size known, still a clean pcapng_block_truncated', async () => {
    const data = Buffer.from(readFileSync(pub('format/pngtg-le-test006.pcapng')));
    data.writeUInt32LE(64 << 20, 288 + 4); // second EPB claims 64 MiB
    const ours = await readSource(await openCaptureStream(Readable.from([data])));
    expect(ours.rows.length).toBe(1);
    expect(ours.stats.fault).toMatchObject({ code: 'pcapng_block_truncated', offset: 288 });
  });

  it('"-" reads standard input', async () => {
    const fake = Readable.from([readFileSync(pub('app/tcpdump-ssh.pcap'))]);
    const spy = vi.spyOn(process, 'stdin', 'get').mockReturnValue(fake as unknown as typeof process.stdin);
    try {
      const ours = await readSource(await openCapture('-'));
      expect(ours.source.path).toBe('-');
      expect(ours.rows).toEqual((await readOurs(pub('app/tcpdump-ssh.pcap'))).rows);
    } finally {
      spy.mockRestore();
    }
  });

  it('an empty stream -> file_empty', async () => {
    await expect(openCaptureStream(Readable.from([]))).rejects.toMatchObject({ code: 'file_empty' });
  });
});

describe('backpressure: input is read only as frames are consumed', () => {
  const frame = udpFrame(60);
  const cases: Array<[string, () => Buffer, (r: ChunkReader) => Promise<FrameSource>]> = [
    ['pcap', () => synthPcap(200_000), (r) => openPcap(r, 'mem.pcap')],
    [
      'pcapng',
      () => {
        const b = new PcapngBuilder().shb().idb(1, 0);
        for (let i = 0; i < 200_000; i++) b.epb(0, 0, i, frame);
        return b.build();
      },
      (r) => openPcapng(r, 'mem.pcapng'),
    ],
  ];
  for (const [name, make, open] of cases) {
    it(`${name}: after the first frame at most ~2 chunks were pulled; all frames arrive in order`, async () => {
      const data = make();
      expect(data.length).toBeGreaterThan(10 * 1024 * 1024);
      const src = new CountingSource(data);
      const source = await open(new ChunkReader(src));
      let n = 0;
      let last = -1;
      let pulledAtFirst = -1;
      let outOfOrder = 0;
      for await (const f of source) {
        if (n === 0) pulledAtFirst = src.pulled;
        // pcap: µs field = i; pcapng: timestamp low word = i µs
        if (f.tsNsec !== (n % 1_000_000) * 1000) outOfOrder++;
        last = f.index;
        n++;
      }
      expect(pulledAtFirst).toBeLessThanOrEqual(2 * 1024 * 1024);
      expect(outOfOrder).toBe(0);
      expect(n).toBe(200_000);
      expect(last).toBe(200_000);
      expect(src.pulled).toBe(data.length);
      expect(src.closed).toBe(true);
      expect(source.stats.fault).toBeNull();
    });
  }
});

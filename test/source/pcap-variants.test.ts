/**
 * Classic pcap variants beyond 2.4 µs/ns: the pre-2.3 record layout (caplen/len swapped; versions 2.0-2.3
 * and DG/UX 543.0, as libpcap's sf-pcap.c reads them), the "modified" (Kuznetzov) format with 24-byte
 * record headers, and FCS bits in the link-type word. Each file is derived here from a public capture
 * (written to a temporary directory, never into the repository) and tshark/capinfos read the same file as
 * the oracle: frame by frame time, lengths and bytes, and for FCS files the conversation table too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import { CaptureOpenError } from '../../src/source/frame.js';
import { describeSharedTshark, pub, repoRoot } from '../helpers/shared.js';
import { tsharkConversations } from '../helpers/tshark.js';
import { capinfosCount, fmtTime, pcapRecordOffsets, readOurs, tempDir, tsharkRows, type Row } from './oracle.js';
import path from 'node:path';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

interface Rec {
  sec: number;
  frac: number;
  caplen: number;
  len: number;
  data: Buffer;
}

/** The records of a little-endian classic pcap (header 24 bytes, records 16 + caplen). */
function records(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  for (const o of pcapRecordOffsets(buf)) {
    const caplen = buf.readUInt32LE(o + 8);
    out.push({ sec: buf.readUInt32LE(o), frac: buf.readUInt32LE(o + 4), caplen, len: buf.readUInt32LE(o + 12), data: buf.subarray(o + 16, o + 16 + caplen) });
  }
  return out;
}

interface Layout {
  bigEndian?: boolean;
  /** magic as the writer's native u32 (0xa1b2c3d4 µs, 0xa1b2cd34 modified) */
  magic?: number;
  major?: number;
  minor?: number;
  /** write len at offset 8 and caplen at 12 (the pre-2.3 layout) */
  swapLengths?: boolean;
  /** 24-byte record headers (modified format) */
  modified?: boolean;
  linkTypeWord?: number;
  /** append a 4-byte FCS (CRC-32 of the frame) to every record */
  appendFcs?: boolean;
}

/** Writes the records of `src` (a LE µs pcap) in another layout. */
function rewrite(src: Buffer, l: Layout): Buffer {
  const be = l.bigEndian ?? false;
  const u32 = (b: Buffer, v: number, o: number): void => void (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const u16 = (b: Buffer, v: number, o: number): void => void (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const hdr = Buffer.alloc(24);
  u32(hdr, l.magic ?? 0xa1b2c3d4, 0);
  u16(hdr, l.major ?? 2, 4);
  u16(hdr, l.minor ?? 4, 6);
  u32(hdr, src.readInt32LE(8), 8);
  u32(hdr, src.readUInt32LE(12), 12);
  u32(hdr, src.readUInt32LE(16), 16);
  u32(hdr, l.linkTypeWord ?? src.readUInt32LE(20), 20);
  const parts: Buffer[] = [hdr];
  for (const r of records(src)) {
    let data = r.data;
    let { caplen, len } = r;
    if (l.appendFcs) {
      const fcs = Buffer.alloc(4);
      fcs.writeUInt32LE(crc32(data));
      data = Buffer.concat([data, fcs]);
      caplen += 4;
      len += 4;
    }
    const h = Buffer.alloc(l.modified ? 24 : 16);
    u32(h, r.sec, 0);
    u32(h, r.frac, 4);
    u32(h, l.swapLengths ? len : caplen, 8);
    u32(h, l.swapLengths ? caplen : len, 12);
    if (l.modified) {
      u32(h, 2, 16); // ifindex
      u16(h, 0x0800, 20); // protocol
      h[22] = 0; // pkt_type
    }
    parts.push(h, data);
  }
  return Buffer.concat(parts);
}

/** Our rows, asserting no fault. */
async function oursClean(file: string): Promise<{ rows: Row[]; anomalies: Record<string, number> }> {
  const ours = await readOurs(file);
  expect(ours.stats.fault).toBeNull();
  return { rows: ours.rows, anomalies: ours.stats.anomalyCounts };
}

const TRUNC = 'broken/zeek-tcp-truncated-header.pcap'; // every record snaplen-cut: caplen < len
const SSH = 'app/tcpdump-ssh.pcap'; // caplen = len

describeSharedTshark('classic pcap versions 2.0-2.3 and 543.0 (caplen/len swapped, as libpcap reads them)', () => {
  for (const [major, minor] of [
    [2, 0],
    [2, 1],
    [2, 2],
    [543, 0],
  ]) {
    it(`version ${major}.${minor}, pre-2.3 layout: frames equal tshark's and the original's`, async () => {
      for (const rel of [TRUNC, SSH]) {
        const src = readFileSync(pub(rel));
        const file = tmp.file(`v${major}.${minor}-${path.basename(rel)}`, rewrite(src, { major, minor, swapLengths: true }));
        const oracle = tsharkRows(file).rows;
        const { rows, anomalies } = await oursClean(file);
        expect(rows.length).toBe(capinfosCount(file).count);
        expect(rows).toEqual(oracle);
        expect(rows).toEqual(tsharkRows(pub(rel)).rows); // the same frames as the 2.4 original
        expect(anomalies).toEqual({});
      }
    });
  }

  it('version 2.3 in both layouts: a record is swapped back only when its caplen exceeds its len (counted)', async () => {
    const src = readFileSync(pub(TRUNC));
    const recs = records(src);
    const cut = recs.filter((r) => r.caplen < r.len).length;
    expect(cut).toBeGreaterThan(0);
    const old = tmp.file('v2.3-old.pcap', rewrite(src, { major: 2, minor: 3, swapLengths: true }));
    const cur = tmp.file('v2.3-new.pcap', rewrite(src, { major: 2, minor: 3 }));
    const want = tsharkRows(pub(TRUNC)).rows;
    for (const [file, swapped] of [
      [old, cut],
      [cur, 0],
    ] as const) {
      const { rows, anomalies } = await oursClean(file);
      expect(rows).toEqual(tsharkRows(file).rows);
      expect(rows).toEqual(want);
      expect(anomalies).toEqual(swapped ? { pcap_record_lengths_swapped: swapped } : {});
    }
  });

  it('big-endian version 2.2 is swapped too', async () => {
    const file = tmp.file('v2.2-be.pcap', rewrite(readFileSync(pub(TRUNC)), { major: 2, minor: 2, swapLengths: true, bigEndian: true }));
    const { rows } = await oursClean(file);
    expect(rows).toEqual(tsharkRows(file).rows);
  });

  it('versions libpcap rejects (1.9, 2.5, 3.0) -> pcap_version_unsupported at offset 4', async () => {
    for (const [major, minor] of [
      [1, 9],
      [2, 5],
      [3, 0],
    ]) {
      const file = tmp.file(`v${major}.${minor}.pcap`, rewrite(readFileSync(pub(SSH)), { major, minor }));
      const err = await openCapture(file).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CaptureOpenError);
      expect(err).toMatchObject({ code: 'pcap_version_unsupported', offset: 4 });
      expect((err as Error).message).toContain(`${major}.${minor}`);
    }
  });

  // The public fuzzer file says version 2.0 (pre-2.3 layout): tshark reads 1 frame of caplen 197 / len 524501,
  // then reports the file "cut short in the middle of a packet".
  it('broken/ndpi-fuzz-2021-10-13.pcap (version 2.0): 1 frame as tshark reads it, then pcap_record_truncated', async () => {
    const file = pub('broken/ndpi-fuzz-2021-10-13.pcap');
    const buf = readFileSync(file);
    const ours = await readOurs(file);
    const oracle = tsharkRows(file);
    expect(oracle.stderr).toMatch(/cut short in the middle of a packet/);
    expect(ours.rows.length).toBe(oracle.rows.length);
    expect(ours.rows.length).toBe(1);
    // tshark shows the invalid ns fraction (1882137472 >= 1e9) raw; we carry the whole second over
    const { time: _t, ...rest } = ours.rows[0];
    const { time: tt, ...theirs } = oracle.rows[0];
    expect(rest).toEqual(theirs);
    expect(tt).toBe('980658802.1882137472');
    expect(ours.rows[0].time).toBe(fmtTime(980658803, 882137472));
    expect(ours.stats.anomalyCounts).toEqual({ pcap_ts_fraction_invalid: 1 });
    expect(ours.stats.fault).toMatchObject({ code: 'pcap_record_truncated', offset: 24 + 16 + 197 });
    expect(buf.length).toBe(24 + 16 + 197 + 2);
  });
});

describeSharedTshark('modified (Kuznetzov) pcap: 24-byte record headers', () => {
  for (const rel of [SSH, TRUNC, 'app/ndpi-syslog.pcap']) {
    it(`${rel} written by editcap -F modpcap: frames equal tshark's`, async () => {
      const file = path.join(tmp.dir, `mod-${path.basename(rel)}`);
      execFileSync('editcap', ['-F', 'modpcap', pub(rel), file]);
      expect(readFileSync(file).readUInt32LE(0)).toBe(0xa1b2cd34);
      const { rows, anomalies } = await oursClean(file);
      expect(rows.length).toBe(capinfosCount(file).count);
      expect(rows).toEqual(tsharkRows(file).rows);
      expect(rows).toEqual(tsharkRows(pub(rel)).rows);
      expect(anomalies).toEqual({});
    });
  }

  it('big-endian modified pcap', async () => {
    const file = tmp.file('mod-be.pcap', rewrite(readFileSync(pub(SSH)), { modified: true, magic: 0xa1b2cd34, bigEndian: true }));
    const { rows } = await oursClean(file);
    expect(rows).toEqual(tsharkRows(file).rows);
    expect(rows.length).toBe(capinfosCount(file).count);
  });

  it('a modified pcap cut inside a 24-byte record header -> pcap_record_truncated at that record', async () => {
    const full = rewrite(readFileSync(pub(SSH)), { modified: true, magic: 0xa1b2cd34 });
    let off = 24;
    const offsets: number[] = [];
    while (off < full.length) {
      offsets.push(off);
      off += 24 + full.readUInt32LE(off + 8);
    }
    const last = offsets[offsets.length - 1];
    const file = tmp.file('mod-cut.pcap', full.subarray(0, last + 20));
    const ours = await readOurs(file);
    expect(ours.rows.length).toBe(offsets.length - 1);
    expect(ours.rows.length).toBe(capinfosCount(file).count);
    expect(ours.stats.fault).toMatchObject({ code: 'pcap_record_truncated', offset: last });
    expect(ours.stats.fault?.message).toContain('20 of 24 bytes');
  });
});

describeSharedTshark('FCS bits in the link-type word: the FCS is stripped from frames, counted on the wire', () => {
  // 0x24000001: P (bit 26) set, FCS length 2 × 16 bits = 4 bytes, LINKTYPE_ETHERNET
  const LT_FCS4 = 0x24000001;

  it('sep-lab with a 4-byte FCS on every frame: data ends before the FCS; tshark shows it as eth.fcs', async () => {
    const src = readFileSync(path.join(repoRoot, 'captures', 'sep-lab.pcap'));
    const file = tmp.file('fcs.pcap', rewrite(src, { linkTypeWord: LT_FCS4, appendFcs: true }));
    const source = await openCapture(file);
    const ours: { caplen: number; origLen: number; fcsLen: number; hex: string }[] = [];
    for await (const f of source) ours.push({ caplen: f.caplen, origLen: f.origLen, fcsLen: f.fcsLen ?? 0, hex: Buffer.from(f.data).toString('hex') });
    expect(source.stats.fault).toBeNull();
    expect(source.stats.anomalyCounts).toEqual({});
    const oracle = tsharkRows(file).rows;
    expect(ours.length).toBe(oracle.length);
    const fcs = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'eth.fcs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n');
    for (let i = 0; i < ours.length; i++) {
      expect(ours[i].fcsLen).toBe(4);
      expect(ours[i].caplen + 4).toBe(oracle[i].caplen);
      expect(ours[i].origLen + 4).toBe(oracle[i].origLen);
      expect(ours[i].hex).toBe(oracle[i].hex.slice(0, -8));
      // the 4 bytes we stripped are the ones tshark's Ethernet dissector shows as the FCS (eth.fcs, read big-endian)
      expect(Number(fcs[i])).toBe(Buffer.from(oracle[i].hex.slice(-8), 'hex').readUInt32BE(0));
    }
  });

  it('the flows of the FCS file agree with tshark conversations (bytes include the FCS, as tshark counts)', async () => {
    const src = readFileSync(path.join(repoRoot, 'captures', 'sep-lab.pcap'));
    const file = tmp.file('fcs-conv.pcap', rewrite(src, { linkTypeWord: LT_FCS4, appendFcs: true }));
    const engine = new Engine(EMPTY_PROFILE);
    await engine.consume(await openCapture(file));
    const records = engine.result().records;
    const conv = tsharkConversations(file);
    expect(conv.length).toBe(records.length);
    for (const t of conv) {
      const r = records.find(
        (x) => x.proto === t.proto && ((x.origH === t.aHost && x.origP === t.aPort && x.respH === t.bHost && x.respP === t.bPort) || (x.respH === t.aHost && x.respP === t.aPort && x.origH === t.bHost && x.origP === t.bPort)),
      );
      expect(r, `${t.aHost}:${t.aPort} ${t.bHost}:${t.bPort}`).toBeDefined();
      const aIsOrig = r!.origH === t.aHost && r!.origP === t.aPort;
      expect(t.bytesAB.unit).toBe('bytes');
      expect(aIsOrig ? r!.origFrameBytes : r!.respFrameBytes).toBe(t.bytesAB.value);
      expect(aIsOrig ? r!.respFrameBytes : r!.origFrameBytes).toBe(t.bytesBA.value);
      expect(r!.partial).toBe(false); // the stripped FCS does not make a frame look snaplen-cut
    }
  });

  it('snaplen-cut frames with FCS bits: the FCS was not captured, only the wire length shrinks', async () => {
    const src = readFileSync(pub(TRUNC));
    const file = tmp.file('fcs-trunc.pcap', rewrite(src, { linkTypeWord: LT_FCS4 }));
    const ours = await readOurs(file);
    const oracle = tsharkRows(file).rows;
    expect(ours.stats.fault).toBeNull();
    // the FCS is the last 4 bytes on the wire: a frame cut 2 bytes short kept 2 bytes of it, which go
    const partlyCaptured = oracle.filter((r) => r.caplen > r.origLen - 4).length;
    expect(partlyCaptured).toBeGreaterThan(0);
    const want = oracle.map((r) => {
      const caplen = Math.min(r.caplen, r.origLen - 4);
      return { ...r, caplen, origLen: r.origLen - 4, hex: r.hex.slice(0, 2 * caplen) };
    });
    expect(ours.rows).toEqual(want);
  });
});

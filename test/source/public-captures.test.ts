/**
 * Every public capture is read by our reader and checked against Wireshark's tools, run live:
 * (a) frame count = `capinfos -c -M`, and frame by frame time (ns), caplen, origLen, link type,
 *     interface and bytes = `tshark -T json -x`; or
 * (b) for the files we deliberately treat differently or reject, the exact documented error code and
 *     offset (with the reason, and what tshark does instead, checked live too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CaptureOpenError } from '../../src/source/frame.js';
import { openCapture } from '../../src/source/open.js';
import { describeSharedTshark, hasShared, pub, publicCapturesDir } from '../helpers/shared.js';
import { capinfosCount, fmtTime, oracleAsOurs, pcapRecordOffsets, readOurs, tsharkRows, untimed } from './oracle.js';

/** All capture files under captures-public (everything but the two documentation files). */
function listCaptures(): string[] {
  if (!hasShared) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(publicCapturesDir, p));
    }
  };
  walk(publicCapturesDir);
  return out.filter((f) => f !== 'SOURCES.md' && f !== 'capinfos-iostat.txt').sort();
}

/**
 * Files rejected at open, with the documented code and offset. `tsharkReads` says whether tshark
 * reads the file anyway (then the comment says why we differ).
 */
const REJECTED: Record<string, { code: string; offset: number; tsharkReads: boolean; why: string }> = {
  'broken/libpcap-pcap-invalid-version-1.pcap': {
    code: 'pcap_version_unsupported',
    offset: 4,
    tsharkReads: false,
    why: 'major version 1: Wireshark also rejects it',
  },
  'broken/libpcap-pcapng-invalid-vers-1.pcapng': {
    code: 'pcapng_version_unsupported',
    offset: 12,
    tsharkReads: false,
    why: 'SHB version 0.1: Wireshark also rejects it',
  },
  'broken/libpcap-shb-option-too-long.pcapng': {
    code: 'pcapng_option_overrun',
    offset: 24,
    tsharkReads: false,
    why: 'SHB option 0x3030 claims 12336 bytes in a 52-byte block: Wireshark also rejects it',
  },
};

/**
 * Files with their own test (below, or in pcap-variants.test.ts for the version-2.0 fuzzer file, which is
 * read as tshark reads it up to its cut, with the pre-2.3 record layout).
 */
const SPECIAL = new Set([
  'broken/libpcap-linktype-reserved-field-not-zero.pcap',
  'broken/tcpdump-timestamp_invalid_nano.pcap',
  'broken/ndpi-fuzz-2021-10-13.pcap',
]);

describeSharedTshark('public captures vs tshark/capinfos', () => {
  const files = listCaptures();

  it('finds the public captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
  });

  for (const rel of files) {
    const rejected = REJECTED[rel];
    if (rejected) {
      it(`${rel}: rejected with ${rejected.code} at ${rejected.offset} (${rejected.why})`, async () => {
        const err = await openCapture(pub(rel)).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(CaptureOpenError);
        expect(err).toMatchObject({ code: rejected.code, offset: rejected.offset, file: pub(rel) });
        const oracle = capinfosCount(pub(rel));
        if (rejected.tsharkReads) expect(oracle.count).toBeGreaterThan(0);
        else expect(oracle.count).toBeNull();
      });
      continue;
    }
    if (SPECIAL.has(rel)) continue;
    it(`${rel}: frames agree with tshark`, async () => {
      const file = pub(rel);
      const { count } = capinfosCount(file);
      const oracle = tsharkRows(file);
      const ours = await readOurs(file);
      const isNg = readFileSync(file).readUInt32BE(0) === 0x0a0d0d0a;
      expect(ours.source.format).toBe(isNg ? 'pcapng' : 'pcap');
      expect(ours.stats.fault).toBeNull();
      expect(count).not.toBeNull();
      expect(ours.rows.length).toBe(count);
      // tshark 4.0 lists pcapng custom blocks as records (3 in test202); only packet records compare.
      expect(oracle.nonPacketRecords).toBe(rel === 'format/pngtg-le-test202.pcapng' ? 3 : 0);
      expect(oracle.rows.length).toBe(count);
      expect(ours.rows).toEqual(oracleAsOurs(oracle.rows));
      // The only anomaly a well-formed file may give: SPBs without timestamp.
      const { pcapng_spb_timestamp_absent: spb = 0, ...others } = ours.stats.anomalyCounts;
      expect(others).toEqual({});
      expect(spb).toBe(untimed(oracle.rows));
      expect(ours.stats.frames).toBe(count);
    });
  }

  // Link-type word 0x00300000: reserved bits 16-25 set (link type 0 = NULL), header only.
  // draft-ietf-opsawg-pcap says readers MUST ignore those bits: we mask them and count an anomaly.
  // libpcap and Wireshark reject the file instead ("network type reserved field not zero").
  it('broken/libpcap-linktype-reserved-field-not-zero.pcap: reserved bits masked, anomaly at offset 20', async () => {
    const file = pub('broken/libpcap-linktype-reserved-field-not-zero.pcap');
    const ours = await readOurs(file);
    expect(ours.rows).toEqual([]);
    expect(ours.stats.fault).toBeNull();
    expect(ours.stats.anomalyCounts).toEqual({ pcap_linktype_reserved_nonzero: 1 });
    expect(ours.stats.anomalies[0]).toMatchObject({ kind: 'pcap_linktype_reserved_nonzero', offset: 20 });
    expect(capinfosCount(file).count).toBeNull(); // Wireshark rejects it
  });

  // Nanosecond pcap whose fraction is 999999999, 1000000000, 2147483648. We carry whole seconds over
  // (1000000000 ns -> +1 s, 0 ns) and count pcap_ts_fraction_invalid. tshark prints the raw fraction
  // ("….1000000000") and, for 2^31, a negative time (it treats the field as signed): it is compared for
  // frame 1 only; frames 2-3 are checked against the record headers read independently here.
  it('broken/tcpdump-timestamp_invalid_nano.pcap: fractions ≥ 1e9 normalised and counted', async () => {
    const file = pub('broken/tcpdump-timestamp_invalid_nano.pcap');
    const buf = readFileSync(file);
    const offsets = pcapRecordOffsets(buf);
    const expected = offsets.map((o) => {
      const sec = buf.readUInt32LE(o);
      const frac = buf.readUInt32LE(o + 4);
      return fmtTime(sec + Math.floor(frac / 1e9), frac % 1e9);
    });
    const ours = await readOurs(file);
    const oracle = tsharkRows(file);
    expect(ours.rows.length).toBe(capinfosCount(file).count);
    expect(ours.rows.map((r) => r.time)).toEqual(expected);
    expect(ours.rows[0].time).toBe(oracle.rows[0].time);
    expect(oracle.rows[1].time).toMatch(/\.\d{10}$/); // tshark shows the invalid fraction raw
    expect(ours.rows.map(({ time: _t, ...r }) => r)).toEqual(oracle.rows.map(({ time: _t, ...r }) => r));
    expect(ours.stats.anomalyCounts).toEqual({ pcap_ts_fraction_invalid: 2 });
    expect(ours.stats.anomalies[0].offset).toBe(offsets[1] + 4);
    expect(ours.stats.fault).toBeNull();
  });
});

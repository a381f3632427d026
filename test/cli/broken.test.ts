/**
 * Broken inputs through the real executable (bin/sepflow.js), one case per kind the issue lists: each gives
 * exactly one line on standard error, starting `sepflow: `, naming the file, the byte offset (for problems in
 * the file's content) and what is wrong, with the documented exit status; packets read before damage are
 * analysed and reported. Expected offsets come from walking the files independently (test/source/oracle.ts)
 * and packet counts from capinfos, never from a run of sepflow.
 *
 * No read permission: root reads any file, so the case runs sepflow as the unprivileged user `nobody`
 * (uid 65534) when the tests run as root; as another user it runs as that user.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, sepflow } from '../helpers/cli.js';
import { describeTshark, repoRoot } from '../helpers/shared.js';
import { capinfosPackets } from '../helpers/tshark.js';
import { pcapngBlocks, pcapRecordOffsets } from '../source/oracle.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-broken-'));
chmodSync(tmp, 0o755);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const LAB = path.join(repoRoot, 'captures', 'sep-lab.pcap');
const LAB_NG = path.join(repoRoot, 'captures', 'sep-lab.pcapng');

function file(name: string, data: Uint8Array | string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, data);
  return p;
}

describe('inputs that cannot be read at all: exit 2, nothing analysed, one line', () => {
  it('empty file', () => {
    const f = file('empty.pcap', '');
    const r = sepflow(['analyse', f]);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expectOneLineError(r.stderr, f, 'empty', '[file_empty at byte 0]');
  });

  it('not a capture at all (a text file)', () => {
    const f = file('notes.pcap', 'hello, this is not a capture\n');
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'Not a pcap or pcapng capture', '68656c6c6f2c2074', '[capture_format_unknown at byte 0]');
  });

  it('replay and profile init say it the same way as analyse (code and byte offset)', () => {
    const f = file('notes2.pcap', 'hello, this is not a capture\n');
    for (const args of [['replay', f, '--speed', 'max'], ['profile', 'init', f]]) {
      const r = sepflow(args, { input: '' });
      expect(r.status, args[0]).toBe(2);
      expectOneLineError(r.stderr, f, 'Not a pcap or pcapng capture', '[capture_format_unknown at byte 0]');
    }
  });

  it('wrong magic (a pcap whose magic is off by one bit)', () => {
    const b = Buffer.from(readFileSync(LAB));
    b[0] ^= 0x01;
    const f = file('magic.pcap', b);
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, b.subarray(0, 4).toString('hex'), 'expected a1b2c3d4', '[capture_format_unknown at byte 0]');
  });

  it('compressed capture: says so', () => {
    const f = file('lab.pcap.gz', Buffer.from('1f8b0800000000000003', 'hex'));
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'gzip', 'decompress');
  });

  it('unsupported pcap version (2.5) -> byte 4; unsupported pcapng version (2.0) -> byte 12', () => {
    const b = Buffer.from(readFileSync(LAB));
    b.writeUInt16LE(5, 6);
    const f = file('v25.pcap', b);
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'version 2.5 is not supported', '[pcap_version_unsupported at byte 4]');
    const ng = Buffer.from(readFileSync(LAB_NG));
    const le = ng.readUInt32LE(8) === 0x1a2b3c4d;
    if (le) ng.writeUInt16LE(2, 12);
    else ng.writeUInt16BE(2, 12);
    const g = file('v2.pcapng', ng);
    const r2 = sepflow(['analyse', g]);
    expect(r2.status).toBe(2);
    expectOneLineError(r2.stderr, g, 'version 2.0 is not supported', '[pcapng_version_unsupported at byte 12]');
  });

  it('file header cut short (10 bytes of a pcap) -> byte 10', () => {
    const f = file('head.pcap', readFileSync(LAB).subarray(0, 10));
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'cut short', '[pcap_header_truncated at byte 10]');
  });

  it('a directory', () => {
    const d = path.join(tmp, 'a-directory.pcap');
    mkdirSync(d);
    const r = sepflow(['analyse', d]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, d, 'directory', '[file_is_directory]');
  });

  it('a missing file', () => {
    const f = path.join(tmp, 'missing.pcap');
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'No such file', '[file_not_found]');
  });

  it('no read permission (as an unprivileged user: root reads every file)', () => {
    const f = file('secret.pcap', readFileSync(LAB));
    chmodSync(f, 0o000);
    const asRoot = process.getuid?.() === 0;
    const r = sepflow(['analyse', f], asRoot ? { uid: 65534, gid: 65534, cwd: tmp } : {});
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, f, 'Permission denied', '[file_permission_denied]');
  });

  it('one unreadable input among good ones: nothing analysed, the bad one named', () => {
    const f = path.join(tmp, 'missing-2.pcap');
    const r = sepflow(['analyse', LAB, f, LAB_NG]);
    expect([r.status, r.stdout]).toEqual([2, '']);
    expectOneLineError(r.stderr, f, '[file_not_found]');
  });
});

describeTshark('damaged inputs: read up to the damage, reported, exit 3, one line with file and offset', () => {
  const whole = readFileSync(LAB);
  const offsets = pcapRecordOffsets(whole);

  it('pcap cut in the middle of a record: the packets before it (capinfos count) are reported', () => {
    const last = offsets[offsets.length - 1];
    const f = file('cut-record.pcap', whole.subarray(0, last + 16 + 5));
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, f, `read stopped at byte ${last}`, 'pcap_record_truncated', `${offsets.length - 1} packets before it`);
    const report = JSON.parse(r.stdout);
    expect(report.capture.packets).toBe(capinfosPackets(f));
    expect(report.capture.packets).toBe(offsets.length - 1);
    expect(report.capture.files[0].fault).toMatchObject({ code: 'pcap_record_truncated', offset: last });
    expect(report.capture.anomalies.pcap_record_truncated).toBe(1);
  });

  it('pcap cut in the middle of a record header', () => {
    const k = Math.floor(offsets.length / 2);
    const f = file('cut-header.pcap', whole.subarray(0, offsets[k] + 7));
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, f, `read stopped at byte ${offsets[k]}`, 'record header');
    expect(JSON.parse(r.stdout).capture.packets).toBe(k);
    expect(capinfosPackets(f)).toBe(k);
  });

  it('pcapng cut in the middle of a block', () => {
    const ng = readFileSync(LAB_NG);
    const blocks = pcapngBlocks(ng);
    const epbs = blocks.filter(([, type]) => type === 6);
    const [at, , len] = epbs[epbs.length - 3];
    const f = file('cut-block.pcapng', ng.subarray(0, at + Math.floor(len / 2)));
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, f, `read stopped at byte ${at}`, 'pcapng_block_truncated');
    expect(JSON.parse(r.stdout).capture.packets).toBe(epbs.length - 3);
    expect(capinfosPackets(f)).toBe(epbs.length - 3);
  });

  it('garbage record length in a pcap (caplen 0x7ffffff0): stops there, exit 3', () => {
    const b = Buffer.from(whole);
    const k = 5;
    b.writeUInt32LE(0x7ffffff0, offsets[k] + 8);
    const f = file('bogus-len.pcap', b);
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, f, `read stopped at byte ${offsets[k]}`, 'pcap_record_length_bogus', '2147483632');
    expect(JSON.parse(r.stdout).capture.packets).toBe(k);
  });

  it('garbage block length in a pcapng (not a multiple of 4): stops there, exit 3', () => {
    const ng = Buffer.from(readFileSync(LAB_NG));
    const epbs = pcapngBlocks(ng).filter(([, type]) => type === 6);
    const [at] = epbs[7];
    ng.writeUInt32LE(0x0000fffd, at + 4);
    const f = file('bogus-block.pcapng', ng);
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, f, `read stopped at byte ${at}`, 'pcapng_block_length_invalid', '65533');
    expect(JSON.parse(r.stdout).capture.packets).toBe(7);
  });
});

describeTshark('snaplen-truncated packets: counted in the report, flows flagged partial', () => {
  it('a link type without a dissector: the report is written (exit 0) and one stderr line says the packets were not decoded', () => {
    const hdr = Buffer.alloc(24);
    hdr.writeUInt32LE(0xa1b2c3d4, 0);
    hdr.writeUInt16LE(2, 4);
    hdr.writeUInt16LE(4, 6);
    hdr.writeUInt32LE(65535, 16);
    hdr.writeUInt32LE(57005, 20); // no such LINKTYPE
    const recs = [0, 1, 2].map((i) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(1_700_000_000 + i, 0);
      h.writeUInt32LE(40, 8);
      h.writeUInt32LE(40, 12);
      return Buffer.concat([h, Buffer.alloc(40, 0x78)]);
    });
    const f = file('linktype.pcap', Buffer.concat([hdr, ...recs]));
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(0);
    expectOneLineError(r.stderr, '3 packets have link type 57005, which sepflow cannot decode', 'linktype_unsupported_57005');
    const j = JSON.parse(r.stdout);
    expect(j.capture.packets).toBe(3);
    expect(j.capture.anomalies.linktype_unsupported_57005).toBe(3);
  });

  it('a capture cut to 64 bytes per packet (editcap -s 64): capture.anomalies.snaplen_truncated = frames cut, flows partial', async () => {
    const { execFileSync } = await import('node:child_process');
    const f = path.join(tmp, 'snap64.pcap');
    execFileSync('editcap', ['-s', '64', LAB, f]);
    const cut = execFileSync('tshark', ['-n', '-r', f, '-Y', 'frame.cap_len < frame.len', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .filter(Boolean).length;
    expect(cut).toBeGreaterThan(0);
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.capture.truncated).toBe(cut);
    expect(report.capture.anomalies.snaplen_truncated).toBe(cut);
    // every flow with a frame longer than 64 bytes was partly seen; flows of short frames only were not
    const whole = JSON.parse(sepflow(['analyse', LAB, '-f', 'json']).stdout);
    expect(whole.capture.anomalies.snaplen_truncated).toBeUndefined();
    expect(report.flows.length).toBe(whole.flows.length);
    expect(report.flows.filter((x: { partial: boolean }) => x.partial).length).toBeGreaterThan(0);
    expect(sepflow(['analyse', f]).stdout).toMatch(new RegExp(`anomalies: .*snaplen_truncated ${cut}`));
  });
});

/**
 * pcapng metadata beyond packets: Name Resolution Blocks (host names), Interface Statistics Blocks (the
 * capturing system's received/dropped counters) and packet comments.
 *
 * Oracles: `tshark -N n -q -z hosts` (the host table Wireshark builds from a file's NRBs, later records
 * replacing earlier ones) and `frame.comment`; for ISB counters, which no Wireshark 4.0 command-line tool
 * prints, the recipe that generated the public file (hadrielk/pcapng-test-generator tests/test202.lua, the
 * values quoted below) and synthetic files built here with known values. Files are written to a temporary
 * directory, never into the repository.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/source/open.js';
import { sepflow } from '../helpers/cli.js';
import { describeShared, describeSharedTshark, describeTshark, hasShared, pub, publicCapturesDir, repoRoot } from '../helpers/shared.js';
import { PcapngBuilder, pcapRecordOffsets, tempDir } from './oracle.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** tshark's host table for a file: address → name (`-N n -q -z hosts`). */
function tsharkHosts(file: string): Map<string, string> {
  const r = spawnSync('tshark', ['-N', 'n', '-n', '-r', file, '-q', '-z', 'hosts'], { encoding: 'utf8' });
  const m = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [addr, name] = line.split('\t');
    if (addr && name) m.set(addr, name);
  }
  return m;
}

async function readMeta(file: string) {
  const source = await openCapture(file);
  const comments: [number, string][] = [];
  for await (const f of source) if (f.comment !== undefined) comments.push([f.index, f.comment]);
  return { stats: source.stats, comments };
}

/** Files whose first bytes are the pcapng SHB type, under `dir`. */
function pcapngFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...pcapngFiles(p));
    else if (/\.(pcap|pcapng)$/.test(name) && readFileSync(p).subarray(0, 4).toString('hex') === '0a0d0d0a') out.push(p);
  }
  return out.sort();
}

/** An NRB body: records (type, address bytes, names...) then nrb_record_end. Little-endian. */
function nrbBody(records: [4 | 6, number[], string[]][]): Buffer {
  const parts: Buffer[] = [];
  for (const [v, addr, names] of records) {
    const value = Buffer.concat([Buffer.from(addr), ...names.map((n) => Buffer.from(`${n}\0`, 'utf8'))]);
    const h = Buffer.alloc(4);
    h.writeUInt16LE(v === 4 ? 1 : 2, 0);
    h.writeUInt16LE(value.length, 2);
    parts.push(h, value, Buffer.alloc((4 - (value.length % 4)) % 4));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** The frames of a LE µs classic pcap as [tsSec, tsUsec, data]. */
function pcapFrames(file: string): [number, number, Buffer][] {
  const buf = readFileSync(file);
  return pcapRecordOffsets(buf).map((o) => [buf.readUInt32LE(o), buf.readUInt32LE(o + 4), buf.subarray(o + 16, o + 16 + buf.readUInt32LE(o + 8))]);
}

function epbAt(b: PcapngBuilder, [sec, usec, data]: [number, number, Buffer], comments: string[] = []): void {
  const t = BigInt(sec) * 1000000n + BigInt(usec);
  const opts = comments.length ? Buffer.concat([...comments.map((c) => b.option(1, Buffer.from(c, 'utf8'))), b.u32(0)]) : Buffer.alloc(0);
  const pad = Buffer.alloc((4 - (data.length % 4)) % 4);
  b.block(6, Buffer.concat([b.u32(0), b.u32(Number(t >> 32n)), b.u32(Number(t & 0xffffffffn)), b.u32(data.length), b.u32(data.length), data, pad, opts]));
}

/** An ISB body: interface 0, timestamp, then u64 counter options. */
function isbBody(b: PcapngBuilder, counters: Record<number, number>, tsHi = 0, tsLo = 0): Buffer {
  const opts: Buffer[] = [];
  for (const [code, v] of Object.entries(counters)) {
    const x = Buffer.alloc(8);
    x.writeBigUInt64LE(BigInt(v));
    opts.push(b.option(Number(code), x));
  }
  return Buffer.concat([b.u32(0), b.u32(tsHi), b.u32(tsLo), ...opts, b.u32(0)]);
}

const LAB = path.join(repoRoot, 'captures', 'sep-lab.pcap');

/** Public pcapng files rejected at open (their own tests assert the error): no names to compare. */
const UNREADABLE = new Set(['broken/libpcap-pcapng-invalid-vers-1.pcapng', 'broken/libpcap-shb-option-too-long.pcapng']);

describeSharedTshark('pcapng Name Resolution Blocks: names equal tshark host table', () => {
  for (const f of (hasShared ? pcapngFiles(publicCapturesDir) : []).filter((x) => !UNREADABLE.has(path.relative(publicCapturesDir, x)))) {
    it(path.relative(publicCapturesDir, f), async () => {
      const { stats } = await readMeta(f);
      expect(stats.fault).toBeNull();
      expect([...(stats.names ?? new Map())].sort()).toEqual([...tsharkHosts(f)].sort());
    });
  }

  // shipped captures too: captures/sep-icmp.pcapng carries an NRB naming the lab hosts (make-captures.sh)
  for (const f of pcapngFiles(path.join(repoRoot, 'captures'))) {
    it(`captures/${path.basename(f)}`, async () => {
      const { stats } = await readMeta(f);
      expect([...(stats.names ?? new Map())].sort()).toEqual([...tsharkHosts(f)].sort());
    });
  }
  it('captures/sep-icmp.pcapng names its four lab hosts', async () => {
    const { stats } = await readMeta(path.join(repoRoot, 'captures', 'sep-icmp.pcapng'));
    expect(Object.fromEntries(stats.names ?? [])).toEqual({ '10.10.0.10': 'SEPM01', '10.10.0.30': 'SYSLOG01', '10.10.1.25': 'SEPCLIENT25', '10.10.1.26': 'SEPCLIENT26' });
  });

  it('test202 (three sections, both byte orders, IPv6 records, unknown record types): 7 names, later records win', async () => {
    const { stats } = await readMeta(pub('format/pngtg-le-test202.pcapng'));
    // recipe: 192.168.1.2 is named "a", "example.com", "example.net" in section 0, then "qux.example.com" twice
    expect(stats.names?.get('192.168.1.2')).toBe('qux.example.com');
    expect(stats.names?.get('fc01:dead::beef')).toBe('foo.example.com');
    expect(stats.names?.size).toBe(7);
  });
});

describeTshark('pcapng names reach the report', () => {
  // sep-lab's frames in a pcapng whose NRBs name three of its hosts; a record with two names, an
  // address renamed by a later NRB, an IPv6 record for an address not in the capture
  const frames = pcapFrames(LAB);
  const b = new PcapngBuilder().shb().idb(1, 0);
  b.block(
    4,
    nrbBody([
      [4, [10, 10, 0, 10], ['sepm01.lab.example', 'SEPM01']],
      [4, [10, 10, 1, 21], ['OLDNAME']],
      [6, [0xfd, 0, ...new Array<number>(13).fill(0), 1], ['v6only']],
    ]),
  );
  frames.slice(0, 10).forEach((fr) => epbAt(b, fr));
  b.block(4, nrbBody([[4, [10, 10, 1, 21], ['SEPCLIENT1']], [4, [10, 10, 9, 9], ['STRANGER']]]));
  frames.slice(10).forEach((fr) => epbAt(b, fr));
  const file = tmp.file('named.pcapng', b.build());

  it('the names equal tshark -z hosts (a record with several names gives its last, as in Wireshark)', async () => {
    const { stats } = await readMeta(file);
    const want = tsharkHosts(file);
    expect(want.get('10.10.0.10')).toBe('SEPM01');
    expect(want.get('10.10.1.21')).toBe('SEPCLIENT1');
    expect([...(stats.names ?? new Map())].sort()).toEqual([...want].sort());
  });

  it('JSON hosts carry `name`; the text report shows it beside the address', () => {
    const r = sepflow(['analyse', file, '-f', 'json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { hosts: { address: string; name: string | null }[] };
    const names = Object.fromEntries(report.hosts.map((h) => [h.address, h.name]));
    expect(names['10.10.0.10']).toBe('SEPM01');
    expect(names['10.10.1.21']).toBe('SEPCLIENT1');
    expect(names['10.10.9.9']).toBe('STRANGER');
    expect(names['10.10.0.20']).toBeNull();
    const text = sepflow(['analyse', file]).stdout;
    expect(text).toMatch(/10\.10\.0\.10 \(SEPM01\)/);
    expect(text).toMatch(/10\.10\.9\.9 \(STRANGER\)/);
  });
});

describe('pcapng Interface Statistics Blocks', () => {
  it('synthetic: two interfaces, several ISBs; a later ISB updates only the counters it carries; drops summed in the report', () => {
    const b = new PcapngBuilder().shb();
    b.idb(1, 0, [b.option(2, Buffer.from('eth0'))]).idb(1, 0, [b.option(2, Buffer.from('eth1'))]);
    const frames = pcapFrames(LAB);
    epbAt(b, frames[0]);
    b.block(5, isbBody(b, { 4: 10, 5: 1 })); // eth0: 10 received, 1 dropped by the interface
    const isb1 = isbBody(b, { 4: 7, 7: 3 });
    isb1.writeUInt32LE(1, 0); // eth1: 7 received, 3 dropped by the OS
    b.block(5, isb1);
    b.block(5, isbBody(b, { 4: 20, 7: 2 })); // eth0 later: 20 received, 2 by the OS; ifdrop stays 1
    const file = tmp.file('isb.pcapng', b.build());
    const r = sepflow(['analyse', file, '-f', 'json']);
    const ev = (JSON.parse(r.stdout) as { capture: { evidence: { interface_statistics: Record<string, unknown>[]; kernel_drops: number } } }).capture.evidence;
    expect(ev.interface_statistics.map((s) => [s.name, s.received, s.dropped_by_interface, s.dropped_by_os])).toEqual([
      ['eth0', 20, 1, 2],
      ['eth1', 7, null, 3],
    ]);
    expect(ev.kernel_drops).toBe(1 + 2 + 3);
    const text = sepflow(['analyse', file]).stdout;
    expect(text).toContain('capture statistics: kernel drops 6 (eth0: 20 received, 1 dropped by the interface, 2 by the OS; eth1: 7 received, ? dropped by the interface, 3 by the OS)');
  });

  it('a classic pcap records no statistics: kernel drops null, the text says so', () => {
    const report = JSON.parse(sepflow(['analyse', LAB, '-f', 'json']).stdout) as { capture: { evidence: { interface_statistics: unknown[]; kernel_drops: null } } };
    expect(report.capture.evidence).toEqual({ interface_statistics: [], kernel_drops: null });
    expect(sepflow(['analyse', LAB]).stdout).toContain('capture statistics: none recorded in the input (kernel drops unknown)');
  });

  it('an ISB naming an interface without IDB is a counted anomaly, not a crash', async () => {
    const b = new PcapngBuilder().shb().idb(1, 0);
    const isb = isbBody(b, { 5: 4 });
    isb.writeUInt32LE(3, 0);
    b.block(5, isb);
    const { stats } = await readMeta(tmp.file('isb-noidb.pcapng', b.build()));
    expect(stats.fault).toBeNull();
    expect(stats.anomalyCounts).toEqual({ pcapng_interface_undefined: 1 });
    expect(stats.interfaceStats).toEqual([]);
  });
});

describeShared('pcapng Interface Statistics Blocks: public test202 against its recipe (tests/test202.lua)', () => {
  it('ISB counters, times and interface names as the recipe wrote them', async () => {
    const { stats } = await readMeta(pub('format/pngtg-le-test202.pcapng'));
    // timestamp = UInt64(0x64ca47aa, 0x0004c397) µs, i.e. 0x0004c397_64ca47aa µs since the epoch
    const t0 = (0x0004c397 * 4294967296 + 0x64ca47aa) / 1e6;
    const near = (x: number | null, y: number) => expect(x === null ? null : Math.round(x * 1e6)).toBe(Math.round(y * 1e6));
    expect(stats.interfaceStats?.map((s) => [s.section, s.interfaceId, s.name, s.ifRecv, s.ifDrop, s.filterAccept, s.osDrop, s.usrDeliv])).toEqual([
      [0, 1, 'null1', null, null, null, null, null], // block.ISB(idb1, timestamp): no counters
      [1, 0, 'silly ethernet interface 2', null, 10, 42, null, null], // isb_filteraccept 42, isb_ifdrop 10
      [2, 0, 'eth0', 100, 1, 9, 42, 6], // ISB(idb0), then ISB(idb0) with ifrecv 100, ifdrop 1, filteraccept 9, osdrop 42, usrdeliv 6
    ]);
    const [s0, s1, s2] = stats.interfaceStats!;
    near(s0.ts, t0);
    near(s1.ts, t0 + 0.001); // timestamp + 1000 µs
    near(s1.startTs, t0);
    near(s1.endTs, t0 + 0.001);
    expect(s2.ts).toBe(0); // the last ISB of section 2 is written without a timestamp: 0
    near(s2.startTs, t0);
    near(s2.endTs, t0 + 0.001);
  });
});

describeSharedTshark('pcapng packet comments are kept with the frame', () => {
  it('test009: opt_comment of both EPBs equals tshark frame.comment', async () => {
    const f = pub('format/pngtg-le-test009.pcapng');
    const { comments } = await readMeta(f);
    const r = spawnSync('tshark', ['-n', '-r', f, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.comment'], { encoding: 'utf8' });
    const want = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([, c]) => c)
      .map(([n, c]) => [Number(n), c]);
    expect(comments).toEqual(want);
    expect(comments).toEqual([
      [1, 'test009-1'],
      [2, 'test009-2'],
    ]);
  });

  it('synthetic: two comments on one packet (joined with a newline), UTF-8, none on the other', async () => {
    const b = new PcapngBuilder().shb().idb(1, 0);
    const frames = pcapFrames(LAB);
    epbAt(b, frames[0], ['first note', 'zweite Notiz – ü']);
    epbAt(b, frames[1]);
    const file = tmp.file('comments.pcapng', b.build());
    const { comments } = await readMeta(file);
    const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'aggregator=|', '-e', 'frame.comment'], { encoding: 'utf8' });
    expect(r.stdout.split('\n')[0]).toBe('first note|zweite Notiz – ü');
    expect(comments).toEqual([[1, 'first note\nzweite Notiz – ü']]);
  });
});

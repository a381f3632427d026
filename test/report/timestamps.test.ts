/**
 * Capture timestamps a JavaScript Date cannot hold (beyond ±8.64e15 ms, year 275760) are legal file
 * contents — a pcapng interface with `if_tsresol = 0` (whole seconds) whose fields hold microseconds, a
 * damaged timestamp-high field, a huge `if_tsoffset` — and must not crash any output: the text report,
 * `-f json`, `replay` event lines and `profile init` write them as `@<seconds> s (beyond the date range)`
 * and exit as for any capture (never 70 with a stack trace). Normal times keep their formats exactly.
 * The captures are built here, byte by byte.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTime, inDateRange, isoTime } from '../../src/report/time.js';
import { eventLine } from '../../src/watch/events.js';
import { clock, dateTime } from '../../src/ui/style.js';
import { headerLines } from '../../src/ui/Header.js';
import { hostLine } from '../../src/ui/HostMap.js';
import type { MapSnapshot } from '../../src/watch/snapshot.js';
import { sepflow } from '../helpers/cli.js';
import { snapshotsOf } from '../helpers/watch.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-ts-'));

/** A pcapng block: type, body padded to 32 bits, lengths around it (little-endian). */
function block(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const b = Buffer.alloc(12 + padded.length);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(b.length, 4);
  padded.copy(b, 8);
  b.writeUInt32LE(b.length, b.length - 4);
  return b;
}

/** An option: code, length, value padded to 32 bits. */
function option(code: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(code, 0);
  h.writeUInt16LE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** Ethernet + IPv4 + TCP with the given flags, 10.20.0.5:50000 <-> 10.10.0.10:8014 (client-http to a manager). */
function tcpFrame(fromClient: boolean, flags: number, seq: number, ack: number): Buffer {
  const f = Buffer.alloc(14 + 20 + 20);
  Buffer.from('020000000002020000000001', 'hex').copy(f, 0);
  f.writeUInt16BE(0x0800, 12);
  const ip = 14;
  f.writeUInt8(0x45, ip);
  f.writeUInt16BE(40, ip + 2);
  f.writeUInt8(64, ip + 8);
  f.writeUInt8(6, ip + 9);
  const client = [10, 20, 0, 5];
  const server = [10, 10, 0, 10];
  Buffer.from(fromClient ? client : server).copy(f, ip + 12);
  Buffer.from(fromClient ? server : client).copy(f, ip + 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += f.readUInt16BE(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.writeUInt16BE(~sum & 0xffff, ip + 10);
  const tcp = ip + 20;
  f.writeUInt16BE(fromClient ? 50000 : 8014, tcp);
  f.writeUInt16BE(fromClient ? 8014 : 50000, tcp + 2);
  f.writeUInt32BE(seq, tcp + 4);
  f.writeUInt32BE(ack, tcp + 8);
  f.writeUInt8(0x50, tcp + 12);
  f.writeUInt8(flags, tcp + 13);
  f.writeUInt16BE(65535, tcp + 14);
  return f;
}

/** A handshake and a close: six frames. */
const FRAMES = [
  tcpFrame(true, 0x02, 1000, 0),
  tcpFrame(false, 0x12, 5000, 1001),
  tcpFrame(true, 0x10, 1001, 5001),
  tcpFrame(true, 0x11, 1001, 5001),
  tcpFrame(false, 0x11, 5001, 1002),
  tcpFrame(true, 0x10, 1002, 5002),
];

/**
 * A pcapng file: one Ethernet interface with the given options, one EPB per frame with timestamp
 * `ts(i)` in the interface's units (64 bits, high then low word).
 */
function pcapng(idbOptions: Buffer[], ts: (i: number) => bigint): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // Ethernet
  idb.writeUInt32LE(65535, 4);
  const opts = idbOptions.length ? Buffer.concat([...idbOptions, Buffer.alloc(4)]) : Buffer.alloc(0);
  const blocks = [block(0x0a0d0d0a, shb), block(1, Buffer.concat([idb, opts]))];
  FRAMES.forEach((f, i) => {
    const h = Buffer.alloc(20);
    const t = ts(i);
    h.writeUInt32LE(0, 0);
    h.writeUInt32LE(Number((t >> 32n) & 0xffffffffn), 4);
    h.writeUInt32LE(Number(t & 0xffffffffn), 8);
    h.writeUInt32LE(f.length, 12);
    h.writeUInt32LE(f.length, 16);
    blocks.push(block(6, Buffer.concat([h, f])));
  });
  return Buffer.concat(blocks);
}

const u8 = (v: number) => Buffer.from([v]);
const i64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(v);
  return b;
};

const US_2024 = 1718006400000000n; // 2024-06-10 08:00:00 UTC in microseconds
const captures: Record<string, Buffer> = {
  // whole seconds (if_tsresol = 0, legal) holding microseconds: 1.7e15 s
  'res0.pcapng': pcapng([option(9, u8(0))], (i) => US_2024 + BigInt(i) * 1000n),
  // microseconds, the last packet's timestamp-high damaged to 0x7FFFFFFF: 9.2e12 s
  'tshigh.pcapng': pcapng([], (i) => (i === FRAMES.length - 1 ? (0x7fffffffn << 32n) | 0x1234n : US_2024 + BigInt(i) * 1000n)),
  // if_tsoffset (signed seconds) far after the epoch: 1e13 s
  'offset.pcapng': pcapng([option(14, i64(10_000_000_000_000n))], (i) => BigInt(i) * 1000n),
  // if_tsoffset one day before the epoch: every packet in 1969 (negative times)
  'before1970.pcapng': pcapng([option(14, i64(-86_400n))], (i) => BigInt(i) * 1000n),
  // the same file with normal times, for comparison
  'normal.pcapng': pcapng([], (i) => US_2024 + BigInt(i) * 1000n),
};
const file = (name: string) => path.join(tmp, name);
beforeAll(() => {
  for (const [name, bytes] of Object.entries(captures)) writeFileSync(file(name), bytes);
});

const BEYOND = /@-?\d[\d.e+]* s \(beyond the date range\)/;

function expectNoCrash(r: { status: number | null; stderr: string }): void {
  expect(r.status, r.stderr).not.toBe(70);
  expect(r.status, r.stderr).not.toBeNull();
  expect(r.stderr).not.toMatch(/internal error|RangeError|\n\s+at /);
}

describe('the time formats', () => {
  it('normal times: the formats the reports have always used', () => {
    const ts = 1796003647.835; // 2026-11-30 01:54:07.835 UTC
    expect(formatTime(ts, 'report')).toBe('2026-11-30 01:54:07.835 UTC');
    expect(formatTime(ts, 'stamp')).toBe('2026-11-30 01:54:07.835');
    expect(formatTime(ts, 'dateTime')).toBe('2026-11-30 01:54:07 UTC');
    expect(formatTime(ts, 'clock')).toBe('01:54:07');
    expect(formatTime(0, 'report')).toBe('1970-01-01 00:00:00.000 UTC');
    expect(clock(ts)).toBe('01:54:07');
    expect(dateTime(ts)).toBe('2026-11-30 01:54:07 UTC');
  });

  it('years past 9999 are still dates; the clock and date-time cut at the T, not at fixed columns', () => {
    const ts = 8.64e12; // the last moment a Date holds: +275760-09-13
    expect(inDateRange(ts)).toBe(true);
    expect(formatTime(ts, 'stamp')).toBe('+275760-09-13 00:00:00.000');
    expect(formatTime(ts, 'dateTime')).toBe('+275760-09-13 00:00:00 UTC');
    expect(formatTime(ts + 3723, 'clock')).toBe('@8640000003723 s');
    expect(formatTime(-8.64e12 + 3723, 'clock')).toBe('01:02:03');
  });

  it('beyond the range, or not a number: the seconds themselves, never a throw', () => {
    for (const ts of [9223372034881.646, 1718006400000000, -1e13, 8.64e12 + 0.001, Infinity, -Infinity, 1e300]) {
      expect(isoTime(ts)).toBeNull();
      for (const style of ['report', 'stamp', 'dateTime'] as const) expect(formatTime(ts, style)).toBe(`@${ts} s (beyond the date range)`);
      expect(formatTime(ts, 'clock')).toBe(`@${ts} s`);
    }
    expect(formatTime(NaN, 'report')).toBe('@NaN s (not a time)');
    expect(formatTime(9223372034881.6, 'report')).toBe('@9223372034881.6 s (beyond the date range)');
    // the UI keeps `-` for non-finite times
    expect(clock(NaN)).toBe('-');
    expect(dateTime(Infinity)).toBe('-');
    expect(dateTime(1e14)).toBe('@100000000000000 s (beyond the date range)');
  });
});

describe('captures with timestamps beyond the date range', () => {
  it('analyse, text: the report, with the packet count and the times as seconds', () => {
    for (const name of ['res0.pcapng', 'tshigh.pcapng', 'offset.pcapng']) {
      const r = sepflow(['analyse', file(name)]);
      expectNoCrash(r);
      expect(r.stdout).toContain(`(pcapng, ${FRAMES.length} packets)`);
      expect(r.stdout).toMatch(new RegExp(`^ {10}${FRAMES.length} packets: `, 'm'));
      expect(r.stdout).toMatch(BEYOND);
    }
    const r = sepflow(['analyse', file('res0.pcapng')]);
    expect(r.stdout).toMatch(/^ {10}@1718006400000000 s \(beyond the date range\) -> @171800640000\d+(\.\d+)? s \(beyond the date range\) \(5000\.0 s\)$/m);
    const t = sepflow(['analyse', file('tshigh.pcapng')]);
    expect(t.stdout).toMatch(/^ {10}2024-06-10 08:00:00\.000 UTC -> @92233720\d{5}(\.\d+)? s \(beyond the date range\) \(/m);
    const o = sepflow(['analyse', file('offset.pcapng')]);
    expect(o.stdout).toMatch(/^ {10}@10000000000000 s \(beyond the date range\) -> @10000000000000\.00\d* s \(beyond the date range\) \(/m);
  });

  it('analyse, text: a capture with normal times is written as before', () => {
    const r = sepflow(['analyse', file('normal.pcapng')]);
    expectNoCrash(r);
    expect(r.stdout).toContain('          2024-06-10 08:00:00.000 UTC -> 2024-06-10 08:00:00.005 UTC (0.0 s)');
    expect(r.stdout).not.toMatch(BEYOND);
  });

  it('packets before 1970: first and last time negative, the duration between them', () => {
    const j = JSON.parse(sepflow(['analyse', file('before1970.pcapng'), '-f', 'json']).stdout);
    expect(j.capture.first_ts).toBe(-86400);
    expect(j.capture.last_ts).toBeCloseTo(-86400 + (FRAMES.length - 1) * 0.001, 6);
    expect(j.capture.duration).toBeCloseTo((FRAMES.length - 1) * 0.001, 6);
    const t = sepflow(['analyse', file('before1970.pcapng')]);
    expect(t.stdout).toContain('1969-12-31 00:00:00.000 UTC -> 1969-12-31 00:00:00.005 UTC');
  });

  it('analyse -f json: the times as numbers, the same exit status as the text report', () => {
    for (const name of ['res0.pcapng', 'tshigh.pcapng', 'offset.pcapng']) {
      const r = sepflow(['analyse', file(name), '-f', 'json']);
      expectNoCrash(r);
      const j = JSON.parse(r.stdout);
      expect(j.capture.packets).toBe(FRAMES.length);
      expect(Number.isFinite(j.capture.last_ts)).toBe(true);
      expect(r.status).toBe(sepflow(['analyse', file(name)]).status);
    }
  });

  it('replay --speed max: event lines carry the seconds, then the same report as analyse', () => {
    for (const name of ['res0.pcapng', 'tshigh.pcapng', 'offset.pcapng']) {
      const r = sepflow(['replay', file(name), '--speed', 'max'], { input: '' });
      expectNoCrash(r);
      const at = r.stdout.indexOf('sepflow 0.1.0 - SEP traffic-compliance report');
      expect(at, r.stdout).toBeGreaterThan(0);
      const events = r.stdout.slice(0, at).trimEnd().split('\n');
      expect(events.length).toBeGreaterThan(1);
      expect(events.slice(1).some((l) => BEYOND.test(l)), events.join('\n')).toBe(true);
      expect(r.stdout.slice(at)).toBe(sepflow(['analyse', file(name)]).stdout);
    }
  });

  it('profile init: writes a profile that analyse reads', () => {
    for (const name of ['res0.pcapng', 'tshigh.pcapng', 'offset.pcapng']) {
      const out = file(`${name}.site.yaml`);
      const r = sepflow(['profile', 'init', file(name), '-o', out, '--force']);
      expectNoCrash(r);
      expect(r.status).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('10.10.0.10');
      const a = sepflow(['analyse', file(name), '--site', out]);
      expectNoCrash(a);
      expect(a.stdout).toContain(`(pcapng, ${FRAMES.length} packets)`);
    }
  });
});

describe('the live map and the event lines with such times', () => {
  let s: MapSnapshot;
  beforeAll(async () => {
    [s] = await snapshotsOf([Infinity]);
  });

  it('header, host line and event line show the seconds instead of throwing', () => {
    const big = 9223372034881.6;
    const far: MapSnapshot = { ...s, lastTs: big };
    const l1 = headerLines(far, 100)[0].map((x) => x.text).join('');
    expect(l1).toMatch(/@9223372034881\.6 s$/);
    expect(l1).not.toMatch(/UTC$/);
    expect(headerLines(s, 100)[0].map((x) => x.text).join('')).toMatch(/ \d\d:\d\d:\d\d UTC$/);
    const h = { ...s.hosts[0], lastTs: big, firstTs: big };
    expect(hostLine(h, false, 140).map((x) => x.text).join('')).toContain('@9223372034881.6 s');
    const e = eventLine({ type: 'state', ts: big, state: 'ended', reason: 'end-of-input', message: null });
    expect(e).toBe('@9223372034881.6 s (beyond the date range)  ended    end-of-input');
  });
});

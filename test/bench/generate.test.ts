/**
 * The benchmark's synthetic capture generator (src/bench/generate.ts): exact packet count, one tshark
 * conversation per flow, valid checksums, clean TCP sequence analysis, determinism, pcap = pcapng.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_KINDS, generateCapture, type GenerateSummary } from '../../src/bench/generate.js';
import { describeTshark } from '../helpers/shared.js';
import { capinfosPackets, tsharkConversations } from '../helpers/tshark.js';

const OPTS = { packets: 20_000, flows: 500, hosts: 300, seed: 7 };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-gen-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** tshark's frame lines (time, length, protocols) — format-independent. */
function frameLines(file: string): string {
  return execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.protocols'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Number of frames matching a display filter (checksum verification on). */
function countMatching(file: string, filter: string): number {
  const out = execFileSync(
    'tshark',
    ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-e', 'frame.number'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 },
  );
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

describe('generateCapture (no external tools)', () => {
  it('writes exactly the packets asked for and reports every flow once', () => {
    const s = generateCapture({ ...OPTS, out: path.join(dir, 'plain.pcap') });
    expect(s.packets).toBe(OPTS.packets);
    expect(s.flows.total).toBe(OPTS.flows);
    expect(s.flows.tcp + s.flows.udp).toBe(OPTS.flows);
    const kinds = Object.values(s.flows.byKind).reduce((a, b) => a + b, 0);
    expect(kinds).toBe(OPTS.flows);
    for (const k of FLOW_KINDS) expect(s.flows.byKind[k], k).toBeGreaterThan(0);
    expect(s.flows.ipv6).toBeGreaterThan(0.05 * OPTS.flows);
    expect(s.flows.ipv6).toBeLessThan(0.15 * OPTS.flows);
    expect(s.maxConcurrentFlows).toBeGreaterThan(5);
    expect(s.fileBytes).toBe(readFileSync(path.join(dir, 'plain.pcap')).length);
  });

  it('is deterministic: same options, same bytes; another seed, other bytes', () => {
    const a = path.join(dir, 'd1.pcapng');
    const b = path.join(dir, 'd2.pcapng');
    const c = path.join(dir, 'd3.pcapng');
    generateCapture({ ...OPTS, packets: 3000, flows: 100, format: 'pcapng', out: a });
    generateCapture({ ...OPTS, packets: 3000, flows: 100, format: 'pcapng', out: b });
    generateCapture({ ...OPTS, packets: 3000, flows: 100, format: 'pcapng', out: c, seed: OPTS.seed + 1 });
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it('streams through a small buffer (many flushes) with the same result', () => {
    const a = path.join(dir, 'chunk-big.pcap');
    const b = path.join(dir, 'chunk-small.pcap');
    generateCapture({ ...OPTS, packets: 3000, flows: 100, out: a });
    generateCapture({ ...OPTS, packets: 3000, flows: 100, out: b, chunkBytes: 65536 });
    expect(sha(a)).toBe(sha(b));
  });

  it('rejects impossible options', () => {
    expect(() => generateCapture({ ...OPTS, flows: 30_000, out: path.join(dir, 'x.pcap') })).toThrow(RangeError);
    expect(() => generateCapture({ ...OPTS, hosts: 0, out: path.join(dir, 'x.pcap') })).toThrow(RangeError);
    expect(() => generateCapture({ ...OPTS, ipv6Share: 2, out: path.join(dir, 'x.pcap') })).toThrow(RangeError);
  });

  it('still writes the exact count when packets barely exceed flows', () => {
    const s = generateCapture({ ...OPTS, packets: 600, flows: 500, out: path.join(dir, 'tight.pcap') });
    expect(s.packets).toBe(600);
    expect(s.flows.total).toBe(500);
  });
});

describeTshark('generateCapture checked by capinfos and tshark', () => {
  const summaries: Record<string, GenerateSummary> = {};
  const file = (fmt: 'pcap' | 'pcapng') => path.join(dir, `gen.${fmt}`);
  beforeAll(() => {
    for (const fmt of ['pcap', 'pcapng'] as const) summaries[fmt] = generateCapture({ ...OPTS, format: fmt, out: file(fmt) });
  });

  for (const fmt of ['pcap', 'pcapng'] as const) {
    it(`${fmt}: capinfos counts exactly the packets written`, () => {
      expect(capinfosPackets(file(fmt))).toBe(OPTS.packets);
    });

    it(`${fmt}: tshark finds one conversation per flow`, () => {
      const s = summaries[fmt];
      const conv = tsharkConversations(file(fmt));
      expect(conv.filter((c) => c.proto === 'tcp').length).toBe(s.flows.tcp);
      expect(conv.filter((c) => c.proto === 'udp').length).toBe(s.flows.udp);
      expect(conv.length).toBe(s.flows.total);
      const frames = conv.reduce((n, c) => n + c.framesAB + c.framesBA, 0);
      expect(frames).toBe(OPTS.packets);
    });
  }

  it('pcap: every IPv4, TCP and UDP checksum verifies', () => {
    expect(countMatching(file('pcap'), 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || udp.checksum.status == "Bad"')).toBe(0);
    expect(countMatching(file('pcap'), '(tcp.checksum.status == "Good" || udp.checksum.status == "Good") && (ip.checksum.status == "Good" || ipv6)')).toBe(OPTS.packets);
  });

  it('pcap: TCP sequence analysis is clean (only the SYN retransmissions of dropped connections)', () => {
    const f = file('pcap');
    expect(countMatching(f, 'tcp.analysis.flags && !tcp.analysis.retransmission')).toBe(0);
    expect(countMatching(f, 'tcp.analysis.retransmission && !(tcp.flags.syn == 1 && tcp.flags.ack == 0)')).toBe(0);
    expect(countMatching(f, '_ws.malformed || _ws.expert.severity == error')).toBe(0);
  });

  it('pcap and pcapng carry the same frames and timestamps', () => {
    expect(frameLines(file('pcapng'))).toBe(frameLines(file('pcap')));
  });
});

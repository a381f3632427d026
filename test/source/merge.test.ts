/**
 * Several inputs as one timeline (src/source/merge.ts, `sepflow analyse a b …`), against mergecap and tshark:
 *  - the merged frame sequence equals tshark's frames of `mergecap` output of the same inputs;
 *  - analysing the parts of a capture (split with editcap, or every other record) equals analysing the whole;
 *  - the flows of merged parts equal tshark's conversation table of the mergecap output.
 * Parts are written to a temporary directory, never into the repository.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeFrames } from '../../src/source/merge.js';
import { openCapture } from '../../src/source/open.js';
import type { Frame, FrameSource, SourceStats } from '../../src/source/frame.js';
import { sepflow } from '../helpers/cli.js';
import { describeTshark, repoRoot } from '../helpers/shared.js';
import { tsharkConversations } from '../helpers/tshark.js';
import { fmtTime, pcapRecordOffsets, tempDir, tsharkRows, type Row } from './oracle.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const LAB = path.join(repoRoot, 'captures', 'sep-lab.pcap');

/** A source yielding `times` (seconds) as frames whose data is ONE reused buffer holding the time's text. */
function fakeSource(name: string, times: number[]): FrameSource & { reads: number } {
  const buf = new Uint8Array(32);
  const stats: SourceStats = { frames: 0, bytesRead: 0, anomalyCounts: {}, anomalies: [], fault: null };
  let closed = 0;
  const src = {
    path: name,
    format: 'pcap' as const,
    stats,
    reads: 0,
    async close() {
      closed++;
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<Frame> {
      for (const t of times) {
        src.reads++;
        const text = new TextEncoder().encode(`${name}@${t}`);
        buf.fill(0);
        buf.set(text);
        stats.frames++;
        yield { tsSec: Math.floor(t), tsNsec: Math.round((t % 1) * 1e9), linkType: 1, caplen: text.length, origLen: text.length, data: buf.subarray(0, text.length), index: stats.frames, interfaceId: 0 };
      }
    },
    get closed() {
      return closed;
    },
  };
  return src;
}

describe('mergeFrames', () => {
  it('timestamp order across sources, ties to the earlier source, no frame overwritten while it waits', async () => {
    const a = fakeSource('a', [1, 3, 3, 7]);
    const b = fakeSource('b', [0.5, 3, 4, 8, 9]);
    const c = fakeSource('c', []);
    const seen: string[] = [];
    for await (const f of mergeFrames([a, b, c])) seen.push(new TextDecoder().decode(f.data));
    expect(seen).toEqual(['b@0.5', 'a@1', 'a@3', 'a@3', 'b@3', 'b@4', 'a@7', 'b@8', 'b@9']);
  });

  it('a break closes every source', async () => {
    const a = fakeSource('a', [1, 2, 3]);
    const b = fakeSource('b', [1.5, 2.5]);
    for await (const f of mergeFrames([a, b])) if (f.tsSec >= 2) break;
    expect([(a as unknown as { closed: number }).closed, (b as unknown as { closed: number }).closed]).toEqual([1, 1]);
    expect(a.reads + b.reads).toBeLessThanOrEqual(4); // one frame ahead per source, not more
  });
});

/** Writes every `step`-th record of a LE pcap starting at `start` to a new pcap. */
function everyOther(src: Buffer, start: number, name: string): string {
  const parts: Buffer[] = [src.subarray(0, 24)];
  pcapRecordOffsets(src).forEach((o, i) => {
    if (i % 2 === start) parts.push(src.subarray(o, o + 16 + src.readUInt32LE(o + 8)));
  });
  return tmp.file(name, Buffer.concat(parts));
}

function analyseJson(files: string[], input?: Buffer) {
  const r = sepflow(['analyse', ...files, '-f', 'json'], input ? { input } : {});
  expect([0, 1]).toContain(r.status);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { capture: { packets: number; files: unknown[] }; flows: unknown[]; findings: unknown[]; hosts: unknown[] };
}

describeTshark('several inputs equal one (mergecap, tshark)', () => {
  const whole = readFileSync(LAB);
  const odd = everyOther(whole, 0, 'odd.pcap');
  const even = everyOther(whole, 1, 'even.pcap');
  // halves by editcap: -c N writes files of N packets each
  const n = pcapRecordOffsets(whole).length;
  execFileSync('editcap', ['-c', String(Math.ceil(n / 2)), LAB, path.join(tmp.dir, 'half.pcap')]);
  const halves = readdirSync(tmp.dir).filter((f) => f.startsWith('half_')).sort().map((f) => path.join(tmp.dir, f));
  const pcapngHalf = path.join(tmp.dir, 'half1.pcapng');
  execFileSync('editcap', ['-F', 'pcapng', halves[0], pcapngHalf]);

  it('editcap made two halves', () => expect(halves).toHaveLength(2));

  it('the merged frame sequence equals tshark on `mergecap` of the same inputs (interleaved parts)', async () => {
    const merged = path.join(tmp.dir, 'merged.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', merged, even, odd]);
    const want = tsharkRows(merged).rows.map(({ interfaceId: _i, ...r }) => r);
    const got: Omit<Row, 'interfaceId'>[] = [];
    for await (const f of mergeFrames([await openCapture(even), await openCapture(odd)])) {
      got.push({ time: fmtTime(f.tsSec, f.tsNsec), caplen: f.caplen, origLen: f.origLen, linkType: f.linkType, hex: Buffer.from(f.data).toString('hex') });
    }
    expect(got.length).toBe(n);
    expect(got).toEqual(want);
  });

  it('analyse odd.pcap even.pcap (every other record) = analyse of the whole capture', () => {
    const a = analyseJson([even, odd]);
    const w = analyseJson([LAB]);
    expect(a.capture.packets).toBe(w.capture.packets);
    expect(a.capture.files).toHaveLength(2);
    expect(a.flows).toEqual(w.flows);
    expect(a.findings).toEqual(w.findings);
    expect(a.hosts).toEqual(w.hosts);
  });

  it('analyse of the two editcap halves, given in reverse order, pcapng + pcap = analyse of the whole', () => {
    const a = analyseJson([halves[1], pcapngHalf]);
    const w = analyseJson([LAB]);
    expect(a.flows).toEqual(w.flows);
    expect(a.findings).toEqual(w.findings);
  });

  it('standard input and a file: analyse - half2 = the whole', () => {
    const a = analyseJson(['-', halves[1]], readFileSync(halves[0]));
    expect(a.flows).toEqual(analyseJson([LAB]).flows);
  });

  it('the flows of the merged parts equal tshark conversations of the mergecap output', () => {
    const merged = path.join(tmp.dir, 'merged2.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', merged, odd, even]);
    const a = analyseJson([odd, even]) as unknown as { flows: { proto: string; 'id.orig_h': string; 'id.orig_p': number; 'id.resp_h': string; 'id.resp_p': number; orig_pkts: number; resp_pkts: number; orig_frame_bytes: number; resp_frame_bytes: number }[] };
    const conv = tsharkConversations(merged);
    expect(conv.length).toBe(a.flows.length);
    for (const t of conv) {
      const f = a.flows.find((x) => x.proto === t.proto && ((x['id.orig_h'] === t.aHost && x['id.orig_p'] === t.aPort && x['id.resp_h'] === t.bHost && x['id.resp_p'] === t.bPort) || (x['id.resp_h'] === t.aHost && x['id.resp_p'] === t.aPort && x['id.orig_h'] === t.bHost && x['id.orig_p'] === t.bPort)));
      expect(f, `${t.aHost}:${t.aPort} <-> ${t.bHost}:${t.bPort}`).toBeDefined();
      const aIsOrig = f!['id.orig_h'] === t.aHost && f!['id.orig_p'] === t.aPort;
      expect([aIsOrig ? f!.orig_pkts : f!.resp_pkts, aIsOrig ? f!.resp_pkts : f!.orig_pkts]).toEqual([t.framesAB, t.framesBA]);
      expect([aIsOrig ? f!.orig_frame_bytes : f!.resp_frame_bytes, aIsOrig ? f!.resp_frame_bytes : f!.orig_frame_bytes]).toEqual([t.bytesAB.value, t.bytesBA.value]);
    }
  });

  it('a damaged input among several: its frames before the damage are merged, exit 3, one line names it', () => {
    const cut = tmp.file('odd-cut.pcap', readFileSync(odd).subarray(0, readFileSync(odd).length - 10));
    const r = sepflow(['analyse', cut, even, '-f', 'json']);
    expect(r.status).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(cut);
    expect(JSON.parse(r.stdout).capture.packets).toBe(n - 1);
  });
});

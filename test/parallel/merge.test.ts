/**
 * mergePartials (src/merge-results.ts) and the worker-thread path (src/parallel/pool.ts): analysing files
 * separately and merging equals analysing them together (one engine over the timestamp-ordered merge of the
 * files, as `sepflow analyse A B` does), for files no flow spans.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../../src/bench/generate.js';
import { EMPTY_PROFILE, loadProfile, type SiteProfile } from '../../src/compliance/profile.js';
import { Engine, judgePartial, type PartialResult } from '../../src/engine.js';
import { mergePartials, sumCounters } from '../../src/merge-results.js';
import { analyseInParallel } from '../../src/parallel/pool.js';
import { buildReport, type Report, type ReportFlow } from '../../src/report/model.js';
import { mergeFrames } from '../../src/source/merge.js';
import { openCapture } from '../../src/source/open.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures');
let dir: string;
let gen: string[];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-merge-'));
  // two synthetic captures over the same time span (interleaved flows), different seeds; no flow spans them:
  // the first is all IPv4, the second all IPv6 (with one address family, NBNS 137 <-> 137 flows would recur)
  gen = [3, 4].map((seed, i) => {
    const out = path.join(dir, `g${seed}.${i === 0 ? 'pcap' : 'pcapng'}`);
    generateCapture({ out, packets: 6000, flows: 300, hosts: 50, seed, format: i === 0 ? 'pcap' : 'pcapng', ipv6Share: i });
    return out;
  });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function together(files: string[], profile: SiteProfile): Promise<Report> {
  const engine = new Engine(profile);
  const sources = [];
  for (const f of files) sources.push(await openCapture(f));
  for await (const frame of mergeFrames(sources)) engine.feed(frame);
  for (const s of sources) engine.summarize(s);
  return buildReport(engine.result(), 't');
}

async function partOf(file: string, profile: SiteProfile): Promise<PartialResult> {
  const engine = new Engine(profile);
  await engine.consume(await openCapture(file));
  return engine.partial(true);
}

async function separately(files: string[], profile: SiteProfile): Promise<Report> {
  const parts = [];
  for (const f of files) parts.push(await partOf(f, profile));
  const engine = new Engine(profile);
  return buildReport(judgePartial(mergePartials(parts), engine.services, profile), 't');
}

describe('mergePartials', () => {
  it('two interleaved synthetic captures: equal but for the flows that span both (documented limitation)', async () => {
    const a = await together(gen, EMPTY_PROFILE);
    const b = await separately(gen, EMPTY_PROFILE);
    expect(a.flows.length).toBeGreaterThan(500);
    // NBNS is IPv4 even in the IPv6 capture: client:137 <-> server:137 recurs in both files, one flow together,
    // one per file separately; every other flow is the same flow (same 5-tuple, counters and state)
    const key = (f: ReportFlow) => `${f['id.orig_h']} ${f['id.orig_p']} ${f['id.resp_h']} ${f['id.resp_p']} ${f.proto}`;
    const spanning = new Set([...b.flows].map(key).filter((k, i, all) => all.indexOf(k) !== i));
    expect(spanning.size).toBeGreaterThan(0);
    for (const k of spanning) expect(k).toMatch(/ 137 .* 137 udp$/);
    const strip = (r: Report) => [...r.flows].filter((f) => !spanning.has(key(f))).map(({ uid: _uid, ...f }) => f);
    expect(strip(b)).toEqual(strip(a));
    expect(b.capture).toEqual(a.capture);
  });

  it('lab captures with a site profile (names, ISB drop counters, ICMP errors): separately + merged = together', async () => {
    const profile = loadProfile(path.join(CAPTURES, 'sep-lab.site.yaml'));
    const files = ['sep-lab.pcapng', 'sep-icmp.pcapng', 'sep-violations.pcap'].map((f) => path.join(CAPTURES, f));
    const a = await together(files, profile);
    expect(await separately(files, profile)).toEqual(a);
    const b = await together([...files].reverse(), profile);
    expect(await separately([...files].reverse(), profile)).toEqual(b);
  });

  it('one part: an equal copy; parts are not modified', async () => {
    const p = await partOf(gen[0], EMPTY_PROFILE);
    const before = structuredClone(p);
    expect(mergePartials([p])).toEqual(p);
    mergePartials([p, p]);
    expect(p).toEqual(before);
  });

  it('sums counters key by key', () => {
    const z = { packets: 0, inFlows: 0, ipOther: 0, notIp: 0, unsupportedLinkTypes: {}, malformed: {}, weird: {}, truncated: 0, duplicates: 0 };
    const s = sumCounters([
      { ...z, packets: 3, inFlows: 2, notIp: 1, weird: { a: 1 }, malformed: { m: 2 } },
      { ...z, packets: 4, ipOther: 4, truncated: 1, duplicates: 2, weird: { a: 2, b: 1 }, unsupportedLinkTypes: { '147': 5 } },
    ]);
    expect(s).toEqual({ packets: 7, inFlows: 2, ipOther: 4, notIp: 1, unsupportedLinkTypes: { '147': 5 }, malformed: { m: 2 }, weird: { a: 3, b: 1 }, truncated: 1, duplicates: 2 });
  });

  it('no parts: an empty result', () => {
    const m = mergePartials([]);
    expect(m.records).toEqual([]);
    expect(m.counters.packets).toBe(0);
    expect(m.firstTs).toBe(0);
  });
});

describe('analyseInParallel (worker threads)', () => {
  it('two files on two threads = together (site profile loaded in the workers)', async () => {
    const site = path.join(CAPTURES, 'sep-lab.site.yaml');
    const profile = loadProfile(site);
    const files = ['sep-lab.pcap', 'sep-icmp.pcapng'].map((f) => path.join(CAPTURES, f));
    const merged = await analyseInParallel(files, site, 2);
    expect(buildReport(judgePartial(merged, new Engine(profile).services, profile), 't')).toEqual(await together(files, profile));
  });

  it('a worker error reaches the caller', async () => {
    await expect(analyseInParallel([path.join(dir, 'missing.pcap')], null, 1)).rejects.toThrow();
  });
});

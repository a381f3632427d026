/**
 * sepflow's flows agree with tshark's conversation tables (an independent implementation) on every shipped
 * capture and every readable public capture: same conversations, same frames and bytes per direction.
 *
 * sepflow keeps flows apart by VLAN and by TCP connection reuse (a new SYN on a closed 5-tuple) where tshark's
 * table does not, so our flows are summed per (protocol, endpoint pair) before comparing; the VLAN-aware
 * case compares per outermost VLAN id against tshark's tables filtered to that VLAN (`vlan.id#1 == N`).
 * IP reassembly is off in tshark; sepflow counts later fragments in their datagram's flow, so tshark's
 * per-frame decode of the fragments is grouped by datagram (helpers/tshark.ts tsharkFragments) and added.
 * Each file's packet count must also equal capinfos'.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Engine, type AnalysisResult } from '../../src/engine.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { describeSharedTshark, describeTshark, hasShared, publicCapturesDir, repoRoot } from '../helpers/shared.js';
import {
  capinfosPackets,
  outerVlanFilter,
  sizeAgrees,
  tsharkConversations,
  tsharkFrameFacts,
  type PrintedSize,
  type TsharkConv,
  type TsharkLaterFragment,
} from '../helpers/tshark.js';
import { spawnSync } from 'node:child_process';

/** Does tshark refuse to read the file: no frame listed at all? */
function tsharkFails(file: string): boolean {
  const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return r.stdout.trim() === '';
}

/**
 * Public files our reader rejects at open (the exact code and offset are asserted in test/source); tshark
 * rejects them too unless said otherwise.
 */
const REJECTED: Record<string, { code: string; tsharkReads?: string }> = {
  'broken/libpcap-pcap-invalid-version-1.pcap': { code: 'pcap_version_unsupported' },
  'broken/libpcap-pcapng-invalid-vers-1.pcapng': { code: 'pcapng_version_unsupported' },
  'broken/libpcap-shb-option-too-long.pcapng': { code: 'pcapng_option_overrun' },
};

/** Files tshark refuses but sepflow reads (and why). */
const TSHARK_REFUSES: Record<string, string> = {
  'broken/libpcap-linktype-reserved-field-not-zero.pcap':
    'draft-ietf-opsawg-pcap says readers MUST ignore the reserved link-type bits; sepflow masks them and counts pcap_linktype_reserved_nonzero (the file holds no packet)',
};

/**
 * Files whose conversation table differs from tshark's, with the exact differences expected and why.
 * The test fails if the differences change (a new one appears or a listed one disappears).
 */
const KNOWN_DIFFERENCES: Record<string, { why: string; problems: string[] }> = {
  'broken/zeek-tcp-truncated-header.pcap': {
    why: "frame 1 is a SYN whose TCP options were cut by the 68-byte snaplen; tshark (and Zeek) drop it, sepflow decodes the complete 20-byte fixed header, counts it and marks the flow partial",
    problems: [
      'tcp 128.3.26.249|25 201.186.157.67|60827: frames A->B/B->A tshark 14/9, sepflow 14/10',
      'tcp 128.3.26.249|25 201.186.157.67|60827: bytes A->B/B->A tshark 1281 bytes/638 bytes, sepflow 1281/712',
    ],
  },
};

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (/\.(pcap|pcapng|cap)$/.test(name)) out.push(p);
  }
  return out.sort();
}

async function ourResult(file: string): Promise<AnalysisResult> {
  // tshark counts span-port duplicates (the same packet twice within 1 ms) in its conversations; so does
  // sepflow with dedupe off (test/flow/duplicates.test.ts covers removing them)
  const engine = new Engine(EMPTY_PROFILE, { dedupe: false });
  await engine.consume(await openCapture(file));
  return engine.result();
}

async function ourFlows(file: string): Promise<FlowRecord[]> {
  return (await ourResult(file)).records;
}

interface Dir { frames: number; bytes: number }
function key(proto: string, h1: string, p1: number, h2: string, p2: number): string {
  const a = `${h1}|${p1}`;
  const b = `${h2}|${p2}`;
  return `${proto} ${a < b ? a : b} ${a < b ? b : a}`;
}

/** Adds `bytes` to a size tshark printed (exactly in bytes; in its unit otherwise, keeping sizeAgrees' ±1). */
function plus(p: PrintedSize, bytes: number): PrintedSize {
  const mult = { bytes: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[p.unit] ?? 1;
  return { value: p.value + bytes / mult, unit: p.unit };
}

/**
 * Our flows (summed per endpoint pair, per direction) against tshark's conversation rows, to which the later
 * IP fragments of each conversation's datagrams are added (tshark counts only the frames carrying the
 * TCP/UDP header; sepflow counts every fragment of the datagram, src/flow/fragments.ts).
 */
function diff(records: FlowRecord[], theirs: TsharkConv[], frags: TsharkLaterFragment[]): string[] {
  const ours = new Map<string, { fromSmall: Dir; fromLarge: Dir; small: string }>();
  for (const r of records) {
    const k = key(r.proto, r.origH, r.origP, r.respH, r.respP);
    const origKey = `${r.origH}|${r.origP}`;
    const respKey = `${r.respH}|${r.respP}`;
    const small = origKey < respKey ? origKey : respKey;
    let e = ours.get(k);
    if (!e) ours.set(k, (e = { fromSmall: { frames: 0, bytes: 0 }, fromLarge: { frames: 0, bytes: 0 }, small }));
    const origIsSmall = origKey === small;
    const o = origIsSmall ? e.fromSmall : e.fromLarge;
    const s = origIsSmall ? e.fromLarge : e.fromSmall;
    o.frames += r.origPkts; o.bytes += r.origFrameBytes;
    s.frames += r.respPkts; s.bytes += r.respFrameBytes;
  }
  const problems: string[] = [];
  const rows = new Map<string, TsharkConv>();
  for (const t of theirs) rows.set(key(t.proto, t.aHost, t.aPort, t.bHost, t.bPort), { ...t });
  for (const f of frags) {
    if (f.kind !== 'joined' || !f.conv) continue;
    const c = f.conv;
    const t = rows.get(key(c.proto, c.srcHost, c.srcPort, c.dstHost, c.dstPort));
    if (!t) { problems.push(`tshark fragment frame ${f.frame}: no conversation for its first fragment`); continue; }
    if (t.aHost === c.srcHost && t.aPort === c.srcPort) { t.framesAB++; t.bytesAB = plus(t.bytesAB, f.frameLen); }
    else { t.framesBA++; t.bytesBA = plus(t.bytesBA, f.frameLen); }
  }
  const seen = new Set<string>();
  for (const [k, t] of rows) {
    seen.add(k);
    const e = ours.get(k);
    if (!e) { problems.push(`tshark has ${k}, sepflow has no such flow`); continue; }
    const aIsSmall = `${t.aHost}|${t.aPort}` === e.small;
    const ab = aIsSmall ? e.fromSmall : e.fromLarge;
    const ba = aIsSmall ? e.fromLarge : e.fromSmall;
    if (ab.frames !== t.framesAB || ba.frames !== t.framesBA) problems.push(`${k}: frames A->B/B->A tshark ${t.framesAB}/${t.framesBA}, sepflow ${ab.frames}/${ba.frames}`);
    if (!sizeAgrees(ab.bytes, t.bytesAB) || !sizeAgrees(ba.bytes, t.bytesBA)) {
      problems.push(`${k}: bytes A->B/B->A tshark ${t.bytesAB.value} ${t.bytesAB.unit}/${t.bytesBA.value} ${t.bytesBA.unit}, sepflow ${ab.bytes}/${ba.bytes}`);
    }
  }
  for (const k of ours.keys()) if (!seen.has(k)) problems.push(`sepflow has ${k}, tshark has no such conversation`);
  return problems;
}

/**
 * One capture: (1) the packet count equals capinfos'; (2) flows summed per endpoint pair equal tshark's
 * conversation tables plus the grouped later fragments; (3) later fragments without a first fragment equal
 * our `fragment_orphan` count; (4) VLAN-aware: for every outermost VLAN id tshark sees (and the untagged
 * frames), our flows of that VLAN equal tshark's conversation tables filtered to it.
 */
async function compare(file: string, expectedProblems: string[] = []): Promise<void> {
  const result = await ourResult(file);
  const { fragments: frags, outerVlans } = tsharkFrameFacts(file);
  const capinfos = capinfosPackets(file);
  expect(capinfos, 'capinfos counts the packets').not.toBeNull();
  expect(result.counters.packets, 'packets = capinfos').toBe(capinfos);
  expect(result.counters.weird.fragment_orphan ?? 0, 'fragment_orphan = later fragments without a first fragment (tshark)').toBe(
    frags.filter((f) => f.kind === 'orphan').length,
  );
  const problems = diff(result.records, tsharkConversations(file), frags);
  for (const vlan of outerVlans) {
    const mine = result.records.filter((r) => r.vlan === vlan);
    const label = vlan === null ? 'untagged' : `vlan ${vlan}`;
    for (const p of diff(mine, tsharkConversations(file, outerVlanFilter(vlan)), frags.filter((f) => f.vlan === vlan))) problems.push(`${label}: ${p}`);
  }
  expect(problems, `${path.basename(file)} disagrees with tshark`).toEqual(expectedProblems);
}

describeTshark('flows agree with tshark conversation tables: shipped captures', () => {
  const files = listCaptures(path.join(repoRoot, 'captures'));
  it('ships at least one capture', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) it(path.relative(repoRoot, f), () => compare(f));
});

describeSharedTshark('flows agree with tshark conversation tables: public captures', () => {
  // (describe.skipIf still runs this body to collect the tests: no listing without ../shared)
  const files = hasShared ? listCaptures(publicCapturesDir) : [];
  for (const f of files) {
    const rel = path.relative(publicCapturesDir, f);
    const rej = REJECTED[rel];
    const diff = KNOWN_DIFFERENCES[rel];
    if (rej) {
      it(`${rel}: rejected (${rej.code})${rej.tsharkReads ? `; tshark reads it: ${rej.tsharkReads}` : ', as by tshark'}`, async () => {
        await expect(openCapture(f)).rejects.toMatchObject({ code: rej.code });
        expect(tsharkFails(f)).toBe(!rej.tsharkReads);
      });
    } else if (TSHARK_REFUSES[rel]) {
      it(`${rel}: tshark refuses it, sepflow reads it (${TSHARK_REFUSES[rel]})`, async () => {
        expect(tsharkFails(f)).toBe(true);
        expect((await ourFlows(f)).length).toBe(0);
      });
    } else if (diff) {
      it(`${rel}: differs as documented (${diff.why})`, () => compare(f, diff.problems));
    } else {
      it(rel, () => compare(f));
    }
  }
});

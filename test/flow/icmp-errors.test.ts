/**
 * ICMP / ICMPv6 errors attached to the flow they answer (Engine → FlowTable.find by the quoted 5-tuple →
 * FlowRecord.icmpErrors → JSON `icmp_errors`).
 *
 * Oracle: tshark's per-frame decode of every ICMP error in a capture (sender = outer source, type, code, and
 * the quoted IP/TCP/UDP header = the flow), grouped here by (flow, type, code, sender) with their count and
 * first time. Captures: every public and shipped capture that has ICMP errors (the public psexec capture has
 * three port unreachables answering DNS replies; captures/sep-icmp.pcap has the lab's refused syslog and
 * firewall-prohibited flows).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import type { Frame } from '../../src/source/frame.js';
import { describeTshark, hasShared, publicCapturesDir, repoRoot } from '../helpers/shared.js';
import { sepflow } from '../helpers/cli.js';

interface Want {
  flow: string;
  type: number;
  code: number;
  from: string;
  count: number;
  firstTs: number;
}

/** `proto a|pa b|pb` with the endpoints in lexical order. */
function flowKey(proto: string, h1: string, p1: number, h2: string, p2: number): string {
  const a = `${h1}|${p1}`;
  const b = `${h2}|${p2}`;
  return `${proto} ${a < b ? a : b} ${a < b ? b : a}`;
}

function tsharkErrors(file: string): Want[] {
  const fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport'];
  const args = ['-n', '-r', file, '-Y', '((icmp.type == 3 || icmp.type == 4 || icmp.type == 5 || icmp.type == 11 || icmp.type == 12) && (udp || tcp)) || (icmpv6.type >= 1 && icmpv6.type <= 4 && (udp || tcp))', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=/t'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  const groups = new Map<string, Want>();
  for (const line of (r.stdout ?? '').split('\n')) {
    if (!line) continue;
    const c = Object.fromEntries(line.split('\t').map((v, i) => [fields[i], v ? v.split('|') : []])) as Record<string, string[]>;
    const v6 = c['icmpv6.type'].length > 0;
    const src = v6 ? c['ipv6.src'] : c['ip.src'];
    const dst = v6 ? c['ipv6.dst'] : c['ip.dst'];
    if (src.length < 2) continue; // no quoted IP header
    const proto = c['tcp.srcport'].length ? 'tcp' : 'udp';
    const flow = flowKey(proto, src[1], Number(c[`${proto}.srcport`][0]), dst[1], Number(c[`${proto}.dstport`][0]));
    const type = Number((v6 ? c['icmpv6.type'] : c['icmp.type'])[0]);
    const code = Number((v6 ? c['icmpv6.code'] : c['icmp.code'])[0]);
    const ts = Number(c['frame.time_epoch'][0]);
    const k = `${flow} ${type} ${code} ${src[0]}`;
    const g = groups.get(k);
    if (g) {
      g.count++;
      g.firstTs = Math.min(g.firstTs, ts);
    } else groups.set(k, { flow, type, code, from: src[0], count: 1, firstTs: ts });
  }
  return [...groups.values()];
}

async function ours(file: string): Promise<Want[]> {
  const e = new Engine(EMPTY_PROFILE);
  await e.consume(await openCapture(file));
  return e.result().records.flatMap((r) =>
    (r.icmpErrors ?? []).map((x) => ({ flow: flowKey(r.proto, r.origH, r.origP, r.respH, r.respP), type: x.type, code: x.code, from: x.from, count: x.count, firstTs: x.firstTs })),
  );
}

const norm = (w: Want[]) => w.map((x) => ({ ...x, firstTs: Math.round(x.firstTs * 1e6) })).sort((a, b) => `${a.flow}${a.type}${a.code}${a.from}`.localeCompare(`${b.flow}${b.type}${b.code}${b.from}`));

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)$/.test(name)) out.push(p);
  }
  return out.sort();
}

describeTshark('ICMP errors attached to their flows equal tshark grouped by flow', () => {
  const expected = new Map<string, Want[]>();
  for (const f of [...(hasShared ? captures(publicCapturesDir) : []), ...captures(path.join(repoRoot, 'captures'))]) {
    const w = tsharkErrors(f);
    if (w.length > 0) expected.set(f, w);
  }
  it('captures with ICMP errors exist', () => expect(expected.size).toBeGreaterThan(0));
  for (const [f, w] of expected) {
    it(path.basename(f), async () => {
      expect(norm(await ours(f))).toEqual(norm(w));
    });
  }
  it.skipIf(!hasShared)('psexec: two port unreachables on one DNS flow, one on another, from the client', async () => {
    const w = norm(await ours(path.join(publicCapturesDir, 'app/401trg-20171220_smb_psexec_add_user.pcap')));
    expect(w.map((x) => [x.flow, x.type, x.code, x.from, x.count])).toEqual([
      ['udp 192.168.10.10|53 192.168.10.31|52328', 3, 3, '192.168.10.31', 2],
      ['udp 192.168.10.10|53 192.168.10.31|58186', 3, 3, '192.168.10.31', 1],
    ]);
  });
});

describe('ICMP errors equal the capture recipes (truth files with expected_icmp)', () => {
  const dir = path.join(repoRoot, 'captures');
  const truths = readdirSync(dir)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { capture: string; flows: { proto: string; orig_h: string; resp_h: string; resp_p: number; expected_icmp?: { type: number; code: number; from: string; count: number }[] }[] })
    .filter((t) => t.flows.some((f) => f.expected_icmp));
  it('sep-icmp has a truth with expected_icmp', () => expect(truths.map((t) => t.capture)).toContain('sep-icmp.pcap'));
  for (const t of truths) {
    for (const capture of [t.capture, t.capture.replace(/\.pcap$/, '.pcapng')]) {
      it(capture, async () => {
        const e = new Engine(EMPTY_PROFILE);
        await e.consume(await openCapture(path.join(dir, capture)));
        const records = e.result().records;
        for (const f of t.flows) {
          const r = records.find((x) => x.proto === f.proto && x.origH === f.orig_h && x.respH === f.resp_h && x.respP === f.resp_p);
          expect(r, `${f.proto} ${f.orig_h} -> ${f.resp_h}:${f.resp_p}`).toBeDefined();
          expect((r!.icmpErrors ?? []).map(({ type, code, from, count }) => ({ type, code, from, count }))).toEqual(f.expected_icmp ?? []);
        }
      });
    }
  }
});

describe('ICMP error edge cases', () => {
  it('an error quoting a flow never seen counts icmp_error_flow_unseen and attaches nowhere', () => {
    // ICMP port unreachable from 10.0.0.2 quoting UDP 10.0.0.1:1234 -> 10.0.0.2:514, with no such flow
    const f = new Uint8Array(14 + 20 + 8 + 28);
    f[12] = 0x08;
    f.set([0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1], 14);
    f.set([3, 3, 0, 0, 0, 0, 0, 0], 34);
    f.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 42);
    f.set([1234 >> 8, 1234 & 0xff, 514 >> 8, 514 & 0xff, 0, 8, 0, 0], 62);
    const e = new Engine(EMPTY_PROFILE);
    const fr: Frame = { tsSec: 1, tsNsec: 0, linkType: 1, caplen: f.length, origLen: f.length, data: f, index: 1, interfaceId: 0 };
    e.feed(fr);
    const r = e.result();
    expect(r.records).toEqual([]);
    expect(r.counters.weird.icmp_error_flow_unseen).toBe(1);
    expect(r.counters.ipOther).toBe(1);
  });

  const icmpCapture = path.join(repoRoot, 'captures', 'sep-icmp.pcap');
  it.skipIf(!existsSync(icmpCapture))('JSON flows carry icmp_errors {type, code, from, count, first_ts}', () => {
    const report = JSON.parse(sepflow(['analyse', icmpCapture, '-f', 'json']).stdout) as { flows: { icmp_errors: Record<string, unknown>[] }[] };
    const withErrors = report.flows.filter((f) => f.icmp_errors.length > 0);
    expect(withErrors.length).toBeGreaterThan(0);
    for (const f of withErrors) for (const e of f.icmp_errors) expect(Object.keys(e).sort()).toEqual(['code', 'count', 'first_ts', 'from', 'type']);
  });
});

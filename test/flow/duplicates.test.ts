/**
 * Span-port duplicates: `mergecap` of a capture with itself makes every packet appear twice with the same
 * timestamp, as a SPAN session mirroring both ports of a switch does. The duplicates are counted and kept
 * out of the flows, so the report equals the original's; TCP retransmissions (same 5-tuple much later) are not
 * mistaken for duplicates (the Zeek retransmission trace keeps its 'T' history in test/flow/zeek-oracle).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { Engine } from '../../src/engine.js';
import { openCapture } from '../../src/source/open.js';
import { describeTshark, repoRoot } from '../helpers/shared.js';

async function run(file: string) {
  const e = new Engine(EMPTY_PROFILE);
  await e.consume(await openCapture(file));
  return e.result();
}

describeTshark('span-port duplicates (mergecap a capture with itself)', () => {
  it('every TCP/UDP packet doubled is counted once as a duplicate; flows equal the original', async () => {
    const lab = path.join(repoRoot, 'captures', 'sep-lab.pcap');
    const dup = path.join(mkdtempSync(path.join(os.tmpdir(), 'sepflow-dup-')), 'dup.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', dup, lab, lab]);
    const a = await run(lab);
    const b = await run(dup);
    expect(b.counters.packets).toBe(2 * a.counters.packets);
    expect(b.counters.duplicates).toBe(a.counters.inFlows);
    expect(a.counters.duplicates).toBe(0);
    const strip = (r: typeof a) => r.records.map((x) => [x.origH, x.respH, x.respP, x.connState, x.history, x.origPkts, x.respPkts, x.origIpBytes, x.respIpBytes]);
    expect(strip(b)).toEqual(strip(a));
    expect(b.evidence.duplicateFrames).toBe(a.counters.inFlows);
  });
});

/**
 * Findings on the shipped captures equal their truth files. The truth files were written by
 * captures/make-captures.sh from what it did (which connections it made, which it had iptables drop or
 * refuse), not from sepflow's output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { loadProfile } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import { repoRoot } from '../helpers/shared.js';

interface Truth {
  capture: string;
  site: string;
  flows: { proto: string; orig_h: string; resp_h: string; resp_p: number; expected_conn_state: string; made_by: string }[];
  findings: { rule: string; orig_h: string; resp_h: string; resp_p: number; proto: string }[];
}

const dir = path.join(repoRoot, 'captures');
const truths = readdirSync(dir).filter((f) => f.endsWith('.truth.json'));

describe('shipped captures match their truth files', () => {
  it('there is at least one truth file', () => expect(truths.length).toBeGreaterThan(0));
  for (const t of truths) {
    const truth = JSON.parse(readFileSync(path.join(dir, t), 'utf8')) as Truth;
    // the same packets as classic pcap and as pcapng must give the same result
    const variants = [truth.capture, truth.capture.replace(/\.pcap$/, '.pcapng')].filter((f, i, a) => a.indexOf(f) === i);
    for (const capture of variants) {
      describe(capture, async () => {
        const engine = new Engine(loadProfile(path.join(dir, truth.site)));
        await engine.consume(await openCapture(path.join(dir, capture)));
        const result = engine.result();

        it('every flow the script made is there, with the conn_state its action implies', () => {
          for (const f of truth.flows) {
            const match = result.records.filter((r) => r.proto === f.proto && r.origH === f.orig_h && r.respH === f.resp_h && r.respP === f.resp_p);
            expect(match.length, `${f.made_by}`).toBeGreaterThan(0);
            expect(match.map((r) => r.connState), `${f.made_by}`).toContain(f.expected_conn_state);
          }
        });

        it('the findings are exactly the truth file’s (no more, no fewer)', () => {
          const got = result.findings
            .filter((x) => x.severity !== 'info')
            .map((x) => `${x.rule} ${x.hosts[x.hosts.length - 1]}:${result.records.find((r) => r.uid === x.flows[0])?.respP ?? '-'} from ${x.hosts.slice(0, -1).join(',')}`)
            .sort();
          const want = truth.findings.map((x) => `${x.rule} ${x.resp_h}:${x.resp_p} from ${x.orig_h}`).sort();
          expect(got).toEqual(want);
        });
      });
    }
  }
});

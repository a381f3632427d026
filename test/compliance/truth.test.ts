/**
 * Findings on the shipped captures equal their truth files. The truth files were written by
 * captures/make-captures.sh and captures/make-compliance-captures.sh from what they did (which
 * connections they made, which they had iptables drop or refuse) and from the rules' documented
 * behaviour, not from sepflow's output.
 *
 * Two finding forms: the older `orig_h`/`resp_h`/`resp_p` (compared as responder:port from sources,
 * non-info findings only), and the `hosts` form (compared as rule + hosts in order, plus resp_p, proto,
 * remediation and inconclusive when the truth gives them). A truth with `findings_include_inconclusive`
 * lists every finding, info (inconclusive) ones too; otherwise info findings are not compared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { loadProfile } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import { repoRoot } from '../helpers/shared.js';

interface PairFinding {
  rule: string;
  orig_h: string;
  resp_h: string;
  resp_p: number;
  proto: string;
}
interface HostsFinding {
  rule: string;
  /** exactly as sepflow's Finding.hosts: sources sorted by address, then the responder; or [host] */
  hosts: string[];
  resp_p?: number;
  proto?: string;
  remediation?: string;
  inconclusive?: boolean;
}
interface Truth {
  capture: string;
  site: string;
  findings_include_inconclusive?: boolean;
  flows: { proto: string; orig_h: string; resp_h: string; resp_p: number; expected_conn_state: string; made_by: string }[];
  findings: (PairFinding | HostsFinding)[];
}

const isHostsForm = (x: PairFinding | HostsFinding): x is HostsFinding => Array.isArray((x as HostsFinding).hosts);

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
          const hostsForm = truth.findings_include_inconclusive === true || truth.findings.some(isHostsForm);
          if (!hostsForm) {
            const got = result.findings
              .filter((x) => x.severity !== 'info')
              .map((x) => `${x.rule} ${x.hosts[x.hosts.length - 1]}:${result.records.find((r) => r.uid === x.flows[0])?.respP ?? '-'} from ${x.hosts.slice(0, -1).join(',')}`)
              .sort();
            const want = (truth.findings as PairFinding[]).map((x) => `${x.rule} ${x.resp_h}:${x.resp_p} from ${x.orig_h}`).sort();
            expect(got).toEqual(want);
            return;
          }
          const want: HostsFinding[] = truth.findings.map((x) => (isHostsForm(x) ? x : { rule: x.rule, hosts: [x.orig_h, x.resp_h], resp_p: x.resp_p, proto: x.proto }));
          const got = result.findings
            .filter((x) => truth.findings_include_inconclusive || x.severity !== 'info')
            .map((x) => {
              const r = result.records.find((rec) => rec.uid === x.flows[0]);
              return { rule: x.rule, hosts: x.hosts, respP: r?.respP, proto: r?.proto, remediation: x.remediation, inconclusive: x.inconclusive !== undefined };
            });
          const show = (g: (typeof got)[number]) =>
            `${g.rule} [${g.hosts.join(', ')}] ${g.proto ?? '-'}/${g.respP ?? '-'}${g.remediation ? ` => ${g.remediation}` : ''}${g.inconclusive ? ' (inconclusive)' : ''}`;
          const matches = (w: HostsFinding, g: (typeof got)[number]) =>
            w.rule === g.rule &&
            w.hosts.join(',') === g.hosts.join(',') &&
            (w.resp_p === undefined || w.resp_p === g.respP) &&
            (w.proto === undefined || w.proto === g.proto) &&
            (w.remediation === undefined || w.remediation === g.remediation) &&
            (!truth.findings_include_inconclusive || (w.inconclusive ?? false) === g.inconclusive);
          const unmatched = [...got];
          const missing: HostsFinding[] = [];
          for (const w of want) {
            const i = unmatched.findIndex((g) => matches(w, g));
            if (i >= 0) unmatched.splice(i, 1);
            else missing.push(w);
          }
          expect({ missing: missing.map((w) => JSON.stringify(w)), unexpected: unmatched.map(show) }).toEqual({ missing: [], unexpected: [] });
        });
      });
    }
  }
});

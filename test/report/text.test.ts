/**
 * The text report's flow section (src/report/text.ts) lists the SEP flows of the report's ReportFlows, one line
 * each in flow order, and counts them against all flows.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE, loadProfile } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import { buildReport } from '../../src/report/model.js';
import { renderText } from '../../src/report/text.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures');

describe('renderText: SEP flows', () => {
  for (const [name, site] of [['sep-lab', true], ['sep-icmp', true], ['sep-violations', false]] as const) {
    it(`${name}${site ? ' with its site' : ''}: one line per SEP flow, in order`, async () => {
      const engine = new Engine(site ? loadProfile(path.join(CAPTURES, `${name}.site.yaml`)) : EMPTY_PROFILE);
      await engine.consume(await openCapture(path.join(CAPTURES, `${name}.pcapng`)));
      const report = buildReport(engine.result(), 't');
      const lines = renderText(report).split('\n');
      const sep = [...report.flows].filter((f) => f.sep_service !== null);
      expect(sep.length).toBeGreaterThan(0);
      expect(sep.length).toBe(report.summary.sep_flows);
      const head = lines.findIndex((l) => l.startsWith('SEP flows ('));
      expect(lines[head]).toBe(`SEP flows (${sep.length} of ${report.flows.length}; all flows are in --format json)`);
      const listed = lines.slice(head + 1, head + 1 + sep.length);
      expect(listed.map((l) => l.trim().split(/\s+/)[0])).toEqual(sep.map((f) => f.uid));
      for (const [i, f] of sep.entries()) expect(listed[i]).toContain(f.sep_service!);
      expect(lines.slice(head + 1 + sep.length)).toEqual(['']);
    });
  }
});

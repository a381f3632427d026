/**
 * The streamed JSON report (src/report/json.ts) is byte for byte JSON.stringify(report, null, 2) + '\n'.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE, loadProfile } from '../../src/compliance/profile.js';
import { openCapture } from '../../src/source/open.js';
import { buildReport, type Report } from '../../src/report/model.js';
import { writeJsonReport, writeJsonReportFile } from '../../src/report/json.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures');

async function reportOf(name: string, site: boolean): Promise<Report> {
  const engine = new Engine(site ? loadProfile(path.join(CAPTURES, `${name}.site.yaml`)) : EMPTY_PROFILE);
  await engine.consume(await openCapture(path.join(CAPTURES, `${name}.pcapng`)));
  return buildReport(engine.result(), '0.0.0-test');
}

function streamed(report: Report): { text: string; chunks: number } {
  const parts: string[] = [];
  writeJsonReport(report, (c) => parts.push(c));
  return { text: parts.join(''), chunks: parts.length };
}

describe('writeJsonReport', () => {
  for (const name of ['sep-lab', 'sep-violations', 'sep-icmp']) {
    it(`${name}: same text as JSON.stringify`, async () => {
      const report = await reportOf(name, true);
      expect(report.flows.length).toBeGreaterThan(0);
      expect(streamed(report).text).toBe(JSON.stringify(report, null, 2) + '\n');
    });
  }

  it('many flows: written in several chunks, still the same text; awkward strings kept', async () => {
    const base = await reportOf('sep-lab', false);
    const flows = [];
    for (let i = 0; i < 400; i++) for (const f of base.flows) flows.push({ ...f, uid: `C${i}-${f.uid}`, history: i % 7 ? f.history : 'a\nb"\u2028é\\' });
    const report = { ...base, flows };
    const { text, chunks } = streamed(report);
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(JSON.stringify(report, null, 2) + '\n');
  });

  it('no flows: same text', async () => {
    const report = { ...(await reportOf('sep-lab', false)), flows: [] };
    expect(streamed(report).text).toBe(JSON.stringify(report, null, 2) + '\n');
  });

  it('writeJsonReportFile writes the same bytes', async () => {
    const report = await reportOf('sep-icmp', true);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-json-'));
    try {
      const file = path.join(dir, 'r.json');
      writeJsonReportFile(report, file);
      expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(report, null, 2) + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

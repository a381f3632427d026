/**
 * `npm run bench` (bench/run.mjs) runs end to end on a small capture: it generates the captures, checks that
 * sepflow and tshark count every generated flow, and prints the results table and the goals of issue 6 — the
 * same script a fresh clone runs (here with --no-results, so bench/RESULTS.md is left alone).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeTshark } from '../helpers/shared.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describeTshark('bench/run.mjs', () => {
  it('prints the table (every tool, both formats, the two-core case) and the goals, with the flow counts checked', () => {
    const r = spawnSync(process.execPath, ['bench/run.mjs', '--packets', '4000', '--runs', '1', '--seed', '11', '--no-results'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    for (const row of [/^cat +pcap /m, /^cat +pcapng /m, /^sepflow +pcap /m, /^sepflow +pcapng /m, /^sepflow +pcapng, 1 file \(N\/2\)/m, /^sepflow +pcapng, 2 files --jobs 2/m, /^tshark +pcap /m, /^tshark +pcapng /m]) {
      expect(out).toMatch(row);
    }
    for (const goal of ['pcapng ≥ 20× faster than tshark', 'classic pcap ≥ 5× faster than tshark', 'peak RSS ≤ 150 MB', 'flow-state bytes per flow ≤ 300', 'two files on two cores']) {
      expect(out).toContain(goal);
    }
    // the run's own checks: sepflow and tshark each found exactly the generated flows, on both formats
    expect(r.stderr).toMatch(/sepflow pcap: 4000 packets, 200 flows = generated/);
    expect(r.stderr).toMatch(/sepflow pcapng: 4000 packets, 200 flows = generated/);
    expect(r.stderr.match(/tshark lists 200 conversations = flows generated/g)).toHaveLength(2);
    expect(r.stderr).not.toMatch(/warning/);
  }, 200_000);
});

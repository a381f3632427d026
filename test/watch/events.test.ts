/**
 * State-change events between snapshots of the shipped capture replayed: hosts appearing, a client's
 * service turning blocked-dropped / blocked-refused, findings appearing and absent-flow findings resolving;
 * no event between equal snapshots; the plain lines carry no escape codes and the JSON lines parse.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { diffSnapshots, eventJson, eventLine, summaryEvent, type WatchEvent } from '../../src/watch/events.js';
import type { MapSnapshot } from '../../src/watch/snapshot.js';
import { snapshotsOf } from '../helpers/watch.js';

let snaps: MapSnapshot[];
beforeAll(async () => {
  snaps = await snapshotsOf([0, 60, Infinity]);
});

const of = <T extends WatchEvent['type']>(ev: WatchEvent[], type: T) => ev.filter((e): e is Extract<WatchEvent, { type: T }> => e.type === type);

describe('diffSnapshots on the lab capture', () => {
  it('the first snapshot announces the declared hosts, before any packet', () => {
    const ev = diffSnapshots(null, snaps[0]);
    const hosts = of(ev, 'host').map((e) => e.address);
    expect(hosts).toEqual(expect.arrayContaining(['10.10.0.10', '10.10.1.23', '10.10.1.24']));
    expect(of(ev, 'host').find((e) => e.address === '10.10.0.10')).toMatchObject({ roles: ['sepm'], source: 'declared', ts: null });
  });

  it('by the end: 10.10.1.23 blocked-dropped, 10.10.1.24 blocked-refused, the stranger appears, findings are announced', () => {
    const ev = diffSnapshots(snaps[1], snaps[2]);
    const st = of(ev, 'status');
    expect(st.find((e) => e.address === '10.10.1.23' && e.direction === 'out')).toMatchObject({ to: 'blocked-dropped', ports: [8014] });
    expect(st.find((e) => e.address === '10.10.1.24' && e.direction === 'out')).toMatchObject({ to: 'blocked-refused', ports: [8014] });
    expect(st.find((e) => e.address === '10.10.1.23')!.reason).toMatch(/4 SYNs/);
    expect(of(ev, 'host').map((e) => e.address)).toContain('10.10.9.9');
    const rules = of(ev, 'finding').map((e) => `${e.severity} ${e.rule}`);
    expect(rules).toEqual(expect.arrayContaining(['high blocked-dropped', 'high blocked-refused', 'high localhost-only-port-exposed']));
  });

  it('an absent-flow finding that stops holding is reported resolved', () => {
    const ev = diffSnapshots(snaps[0], snaps[2]);
    const gone = of(ev, 'finding-gone');
    expect(gone.some((e) => e.rule === 'expected-flow-absent' && e.message.includes('10.10.1.21'))).toBe(true);
    // and a service that was inconclusive becomes ok: a status change with its old status
    expect(of(ev, 'status').find((e) => e.address === '10.10.1.21' && e.direction === 'out')).toMatchObject({ from: 'inconclusive', to: 'ok' });
  });

  it('equal snapshots give no event', () => {
    expect(diffSnapshots(snaps[2], snaps[2])).toEqual([]);
    expect(diffSnapshots(snaps[1], snaps[1])).toEqual([]);
  });
});

describe('event renderings', () => {
  it('plain lines: one per event, capture time first, no escape codes', () => {
    const ev = [...diffSnapshots(null, snaps[2]), summaryEvent(snaps[2])];
    const lines = ev.map(eventLine);
    for (const l of lines) {
      expect(l).not.toMatch(/\x1b/);
      expect(l).not.toContain('\n');
    }
    expect(lines.find((l) => l.includes('10.10.1.23 out'))).toMatch(/^2026-11-30 01:40:\d\d\.\d{3}  status   10\.10\.1\.23 out client-http\|client-https 8014: blocked-dropped \(4 SYNs/);
    expect(lines.find((l) => l.includes(' summary '))).toMatch(/summary  171 packets \(\d+\/s\), 14 flows, 10 hosts, findings 3 high 0 medium 0 low 0 info/);
  });

  it('JSON lines parse back to the events', () => {
    const ev = diffSnapshots(null, snaps[2]);
    for (const e of ev) expect(JSON.parse(eventJson(e))).toEqual(e);
  });
});

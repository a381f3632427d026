/**
 * WatchSession on the shipped capture: the final snapshot's report is exactly what `analyse` builds from
 * the same file (one implementation), events open with `replaying` and close with `ended`, stop() ends a
 * paced replay early with a report of what was read, pause shows in the snapshots, and snapshots never
 * take more than the budget of wall time.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { loadProfile } from '../../src/compliance/profile.js';
import { buildReport } from '../../src/report/model.js';
import { openCapture } from '../../src/source/open.js';
import type { WatchEvent } from '../../src/watch/events.js';
import { nextDelay, WatchSession } from '../../src/watch/session.js';
import { labPcap, labSite } from '../helpers/watch.js';

async function session(speed: number | 'max') {
  const engine = new Engine(loadProfile(labSite));
  const s = new WatchSession(engine, { mode: 'replay', label: labPcap, speed, version: 'test' });
  const events: WatchEvent[] = [];
  s.onEvents((e) => events.push(...e));
  return { s, engine, events };
}

describe('WatchSession', () => {
  it('its final report is the report analyse builds from the same capture', async () => {
    const { s, events } = await session('max');
    const final = await s.run([await openCapture(labPcap)]);
    const plain = new Engine(loadProfile(labSite));
    await plain.consume(await openCapture(labPcap));
    expect(final.report).toEqual(buildReport(plain.result(), 'test'));
    expect(final.meta.state).toBe('ended');
    expect(s.endReason).toBe('end-of-input');
    expect(events[0]).toMatchObject({ type: 'state', state: 'replaying' });
    expect(events.at(-1)).toMatchObject({ type: 'state', state: 'ended', reason: 'end-of-input' });
    expect(events.filter((e) => e.type === 'summary').length).toBeGreaterThanOrEqual(1);
  });

  it('stop() ends a paced replay early; the report covers what was read', async () => {
    const { s } = await session(1); // the capture spans 9 s
    setTimeout(() => s.stop(), 400);
    const t0 = Date.now();
    const final = await s.run([await openCapture(labPcap)]);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(s.endReason).toBe('stopped');
    expect(final.packets).toBeGreaterThan(0);
    expect(final.packets).toBeLessThan(171);
    expect(final.report.capture.packets).toBe(final.packets);
  });

  it('pause holds the replay and shows in the snapshot; resume continues', async () => {
    const { s } = await session(50);
    const states: string[] = [];
    s.subscribe((snap) => states.push(snap.meta.state));
    setTimeout(() => s.togglePause(), 20);
    const run = s.run([await openCapture(labPcap)]);
    await new Promise((r) => setTimeout(r, 150));
    const held = s.snapshot!.packets;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.snapshot!.packets).toBe(held);
    expect(s.snapshot!.meta.state).toBe('paused');
    s.togglePause();
    const final = await run;
    expect(final.packets).toBe(171);
    expect(states).toContain('paused');
  });
});

describe('nextDelay', () => {
  it('keeps snapshots within the budget of wall time, and no more often than the minimum interval', () => {
    expect(nextDelay(1, 100, 0.1)).toBe(100);
    expect(nextDelay(50, 100, 0.1)).toBe(450);
    const cost = 2000;
    const d = nextDelay(cost, 100, 0.1);
    expect(cost / (cost + d)).toBeCloseTo(0.1, 6);
  });
});

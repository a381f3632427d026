/**
 * PacedStore: snapshots reach the map at most ten times a second, less when frames are expensive to draw,
 * always the newest one, and a change of state (paused, ended) at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PacedStore } from '../../src/ui/store.js';
import type { MapSnapshot } from '../../src/watch/snapshot.js';
import { meta, snapshotsOf } from '../helpers/watch.js';

let base: MapSnapshot;
beforeAll(async () => {
  [base] = await snapshotsOf([Infinity]);
});
const snap = (seq: number, state: 'running' | 'paused' | 'ended' = 'running'): MapSnapshot => ({ ...base, seq, meta: meta({ state }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PacedStore', () => {
  it('passes the first snapshot at once, then at most one per 100 ms, the newest', async () => {
    const store = new PacedStore(100);
    let calls = 0;
    store.subscribe(() => calls++);
    store.offer(snap(1));
    expect(calls).toBe(1);
    for (let i = 2; i <= 20; i++) store.offer(snap(i));
    expect(calls).toBe(1);
    expect(store.getSnapshot()!.seq).toBe(1);
    await sleep(130);
    expect(calls).toBe(2);
    expect(store.getSnapshot()!.seq).toBe(20);
    store.close();
  });

  it('a change of state is drawn at once', () => {
    const store = new PacedStore(100);
    store.offer(snap(1));
    store.offer(snap(2));
    store.offer(snap(3, 'ended'));
    expect(store.getSnapshot()!.seq).toBe(3);
    store.close();
  });

  it('expensive frames space the snapshots out: drawing stays within 5% of the time, at most 1 s apart', () => {
    const store = new PacedStore(100, 1000, 0.05);
    expect(store.interval).toBe(100);
    store.reportFrame(2);
    expect(store.interval).toBe(100);
    store.reportFrame(10);
    expect(store.interval).toBeCloseTo(190, 6);
    store.reportFrame(200);
    expect(store.interval).toBe(1000);
  });
});

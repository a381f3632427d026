/**
 * Replay pacing in capture time, on a virtual clock: frames are released at anchor + (ts − ts0) / speed,
 * pauses move the anchor, stop ends the replay, `max` never waits; and `--speed` parsing.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/source/open.js';
import { PaceControl, paced, parseSpeed, type Clock } from '../../src/watch/pacing.js';
import { repoRoot } from '../helpers/shared.js';

const lab = path.join(repoRoot, 'captures', 'sep-lab.pcap');

/** A clock whose sleeps pass at once (virtual time jumps), except pauses (≥ 1 h), which wait for wake(). */
class VirtualClock implements Clock {
  t = 1000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, onWake: (w: () => void) => void): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      let done = false;
      onWake(() => {
        if (!done) resolve();
        done = true;
      });
      if (ms < 3_600_000) {
        this.t += ms;
        done = true;
        queueMicrotask(resolve);
      }
    });
  }
}

async function frameTimes(): Promise<number[]> {
  const out: number[] = [];
  for await (const f of await openCapture(lab)) out.push(f.tsSec + f.tsNsec / 1e9);
  return out;
}

describe('paced replay', () => {
  it('releases every frame at its capture time divided by the speed', async () => {
    const ts = await frameTimes();
    for (const speed of [1, 4, 0.5]) {
      const clock = new VirtualClock();
      const control = new PaceControl(speed, clock);
      const start = clock.now();
      const released: [number, number][] = [];
      for await (const f of paced(await openCapture(lab), control)) released.push([f.tsSec + f.tsNsec / 1e9, clock.now() - start]);
      expect(released.length).toBe(ts.length);
      for (const [t, wall] of released) expect(wall).toBeCloseTo(((t - ts[0]) * 1000) / speed, 0);
      expect(control.released).toBe(ts.length);
    }
  });

  it('max speed never sleeps', async () => {
    const clock = new VirtualClock();
    const control = new PaceControl('max', clock);
    let n = 0;
    for await (const _ of paced(await openCapture(lab), control)) n++;
    expect(n).toBeGreaterThan(100);
    expect(clock.sleeps).toEqual([]);
  });

  it('a pause holds the next frame until resumed and shifts the schedule by the pause', async () => {
    const ts = await frameTimes();
    const clock = new VirtualClock();
    const control = new PaceControl(1, clock);
    const it_ = paced(await openCapture(lab), control)[Symbol.asyncIterator]();
    await it_.next();
    const start = clock.now();
    expect(control.togglePause()).toBe(true);
    let got = false;
    const next = it_.next().then((r) => {
      got = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(false);
    clock.t += 5000; // five seconds paused
    expect(control.togglePause()).toBe(false);
    const r = await next;
    const t1 = r.value!.tsSec + r.value!.tsNsec / 1e9;
    expect(clock.now() - start).toBeCloseTo(5000 + (t1 - ts[0]) * 1000, 0);
    await it_.return?.();
  });

  it('stop ends the replay without releasing further frames', async () => {
    const control = new PaceControl(1, new VirtualClock());
    let n = 0;
    for await (const _ of paced(await openCapture(lab), control)) {
      if (++n === 10) control.stop();
    }
    expect(n).toBe(10);
  });
});

describe('--speed', () => {
  it('accepts max, positive numbers and a trailing x', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('MAX')).toBe('max');
    expect(parseSpeed('10')).toBe(10);
    expect(parseSpeed('0.5')).toBe(0.5);
    expect(parseSpeed('4x')).toBe(4);
  });
  it('refuses zero, negatives and words', () => {
    for (const t of ['0', '-1', 'fast', '', 'Infinity']) expect(parseSpeed(t), t).toBeNull();
  });
});

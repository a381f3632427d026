/**
 * Pacing: plays frame sources back in capture time (`sepflow replay --speed N`), with pause and stop.
 *
 * `paced(source, control)` is itself a FrameSource, so `Engine.consume` reads a paced replay exactly as it
 * reads a file. Frame k is released at wall time `anchorWall + (ts_k − anchorTs) / speed` (milliseconds on
 * the control's monotonic clock); the anchor is the first frame of the session, moved forward by the time
 * spent paused. A frame earlier than the previous one (a second file that starts before the first ended)
 * plays at once. With speed `max` frames are not delayed, but the event loop gets a turn at least every
 * `yieldEveryMs` so snapshots and keys are handled.
 */
import type { Frame, FrameSource } from '../source/frame.js';

/** A monotonic clock in milliseconds and a sleep that `wake()` can cut short. */
export interface Clock {
  now(): number;
  /** resolves after `ms` or when `wake` is called, whichever is first */
  sleep(ms: number, onWake: (wake: () => void) => void): Promise<void>;
}

/** The real clock: performance.now() and setTimeout. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, onWake) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      onWake(() => {
        clearTimeout(t);
        resolve();
      });
    }),
};

/** Replay speed: a multiplier of capture time (> 0), or `max` (as fast as the engine goes). */
export type Speed = number | 'max';

/**
 * Parses `--speed`: `max`, or a positive number (`1`, `10`, `0.5`, `4x`).
 * @returns the speed, or null when the text is neither
 */
export function parseSpeed(text: string): Speed | null {
  const t = text.trim().toLowerCase();
  if (t === 'max') return 'max';
  const n = Number(t.endsWith('x') ? t.slice(0, -1) : t);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Shared state of one replay: speed, pause, stop. */
export class PaceControl {
  paused = false;
  stopped = false;
  /** frames released so far */
  released = 0;
  private anchorWall = -1;
  private anchorTs = 0;
  private pausedAt = 0;
  private wakers = new Set<() => void>();
  private lastYield = 0;

  constructor(
    readonly speed: Speed,
    readonly clock: Clock = realClock,
    readonly yieldEveryMs = 16,
  ) {}

  /** Pauses or resumes; resuming moves the anchor forward by the pause. @returns paused after the call */
  togglePause(): boolean {
    if (this.stopped) return this.paused;
    if (this.paused) {
      this.paused = false;
      if (this.anchorWall >= 0) this.anchorWall += this.clock.now() - this.pausedAt;
    } else {
      this.paused = true;
      this.pausedAt = this.clock.now();
    }
    this.wakeAll();
    return this.paused;
  }

  /** Ends the replay: the current sleep returns and no further frame is released. */
  stop(): void {
    this.stopped = true;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  private async sleep(ms: number): Promise<void> {
    let wake: (() => void) | null = null;
    await this.clock.sleep(ms, (w) => {
      wake = w;
      this.wakers.add(w);
    });
    if (wake) this.wakers.delete(wake);
  }

  /**
   * Is frame time `ts` due now, without waiting? true: release it; false: stopped; null: call `due()`.
   */
  dueNow(ts: number): boolean | null {
    if (this.stopped) return false;
    if (this.paused) return null;
    const now = this.clock.now();
    if (this.speed === 'max') return now - this.lastYield < this.yieldEveryMs ? true : null;
    if (this.anchorWall < 0) return null;
    return this.anchorWall + ((ts - this.anchorTs) * 1000) / this.speed - now <= 0.5 ? true : null;
  }

  /**
   * Waits until frame time `ts` (seconds since the epoch) is due.
   * @returns false when the replay was stopped meanwhile
   */
  async due(ts: number): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      if (this.paused) {
        await this.sleep(3_600_000);
        continue;
      }
      const now = this.clock.now();
      if (this.speed === 'max') {
        if (now - this.lastYield >= this.yieldEveryMs) {
          this.lastYield = now;
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        return true;
      }
      if (this.anchorWall < 0) {
        this.anchorWall = now;
        this.anchorTs = ts;
        return true;
      }
      const target = this.anchorWall + ((ts - this.anchorTs) * 1000) / this.speed;
      if (target - now <= 0.5) return true;
      await this.sleep(target - now);
    }
  }
}

/**
 * Wraps `source` so that its frames are released in capture time under `control`. A frame that is due at
 * once costs one promise; only frames that must wait (or a periodic turn for the event loop) go through
 * the asynchronous wait.
 */
export function paced(source: FrameSource, control: PaceControl, onFrame?: (f: Frame) => void): FrameSource {
  return {
    path: source.path,
    format: source.format,
    get stats() {
      return source.stats;
    },
    close: () => source.close(),
    [Symbol.asyncIterator](): AsyncIterator<Frame> {
      const inner = source[Symbol.asyncIterator]();
      const finish = async (): Promise<IteratorResult<Frame>> => {
        await inner.return?.();
        return { done: true, value: undefined };
      };
      const out = (r: IteratorResult<Frame>): IteratorResult<Frame> => {
        control.released++;
        onFrame?.(r.value);
        return r;
      };
      const release = (r: IteratorResult<Frame>): IteratorResult<Frame> | Promise<IteratorResult<Frame>> => {
        if (r.done) return r;
        const ts = r.value.tsSec + r.value.tsNsec / 1e9;
        const now = control.dueNow(ts);
        if (now === true) return out(r);
        if (now === false) return finish();
        return control.due(ts).then((ok) => (ok ? out(r) : finish()));
      };
      return {
        next: () => (control.stopped ? finish() : inner.next().then(release)),
        return: finish,
      };
    },
  };
}

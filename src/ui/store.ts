/**
 * SnapshotStore: how the Ink app receives engine snapshots (for React's useSyncExternalStore). The app
 * renders whatever the store holds and nothing else; a WatchSession or a test pushes snapshots into it.
 */
import type { MapSnapshot } from '../watch/snapshot.js';

export interface SnapshotStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): MapSnapshot | null;
}

/** A store that holds the last snapshot pushed into it. */
export class SimpleStore implements SnapshotStore {
  private current: MapSnapshot | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(initial: MapSnapshot | null = null) {
    this.current = initial;
  }

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  readonly getSnapshot = (): MapSnapshot | null => this.current;

  /** Replaces the snapshot and notifies the app. */
  push(s: MapSnapshot): void {
    this.current = s;
    for (const fn of this.listeners) fn();
  }
}

/**
 * A store that hands snapshots to the app no more often than its frames can afford: at most every
 * `minMs` (10 a second), and, once a frame is known to cost R ms to draw, at most every R·(1−share)/share
 * ms (capped at `maxMs`), so drawing takes no more than `share` of the wall time. The newest snapshot is
 * always the one drawn; a change of state (paused, ended) is drawn at once.
 */
export class PacedStore implements SnapshotStore {
  private current: MapSnapshot | null = null;
  private pending: MapSnapshot | null = null;
  private lastPublish = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();
  /** ms the last frame took to draw (Ink's onRender) */
  frameMs = 0;

  constructor(
    private readonly minMs = 100,
    private readonly maxMs = 1000,
    private readonly share = 0.05,
  ) {}

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  readonly getSnapshot = (): MapSnapshot | null => this.current;

  /** Time between two snapshot-driven frames now, ms. */
  get interval(): number {
    return Math.min(this.maxMs, Math.max(this.minMs, (this.frameMs * (1 - this.share)) / this.share));
  }

  /** Records how long a frame took to draw, ms. */
  reportFrame(ms: number): void {
    this.frameMs = ms;
  }

  /** Offers a new snapshot: drawn now when due, else when the interval has passed. */
  offer(s: MapSnapshot): void {
    const stateChanged = !this.current || this.current.meta.state !== s.meta.state;
    const wait = this.lastPublish + this.interval - performance.now();
    if (stateChanged || wait <= 0) {
      this.publish(s);
      return;
    }
    this.pending = s;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.pending) this.publish(this.pending);
    }, wait);
  }

  private publish(s: MapSnapshot): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.current = s;
    this.lastPublish = performance.now();
    for (const fn of this.listeners) fn();
  }

  /** Stops a pending draw (on exit). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

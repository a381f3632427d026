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

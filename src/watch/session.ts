/**
 * WatchSession: drives one Engine from frame sources (capture files in capture time, or a live capture),
 * takes snapshots of it at most every `minIntervalMs` and emits them with the state changes between them.
 *
 * Snapshots are the only thing the map and the line output see. A full snapshot runs the whole analysis
 * (`Engine.result()` → `buildReport` → `buildSnapshot`), whose cost grows with the flow table, so the
 * session keeps that work within `budget` of the wall time: after a full snapshot that took C ms, the next
 * comes no sooner than max(minIntervalMs, C'·(1−budget)/budget) ms later, C' being C scaled by the growth of
 * the flow table since. In between — and when nothing changed (paused, a quiet interface) — a cheap snapshot
 * every `minIntervalMs` refreshes the counters, rates and state on top of the last analysis.
 */
import type { Engine } from '../engine.js';
import type { Frame, FrameSource } from '../source/frame.js';
import type { LiveEnd, LiveStats } from '../source/live.js';
import { buildReport } from '../report/model.js';
import { diffSnapshots, summaryEvent, type WatchEvent } from './events.js';
import { PaceControl, paced, realClock, type Clock, type Speed } from './pacing.js';
import { buildSnapshot, type MapSnapshot, type WatchMeta } from './snapshot.js';

/** Why a session ended. */
export type EndReason = 'end-of-input' | 'stopped' | 'duration' | LiveEnd;

export interface SessionOptions {
  mode: 'live' | 'replay';
  /** interface name, or the files */
  label: string;
  speed: Speed;
  /** sepflow's version for the report */
  version: string;
  clock?: Clock;
  /** shortest time between snapshots, ms (default 100: at most 10 a second) */
  minIntervalMs?: number;
  /** share of wall time snapshots may take, 0 < budget ≤ 1 (default 0.1) */
  budget?: number;
  /** wall time between `summary` events, ms (default 10 000) */
  summaryEveryMs?: number;
  /** live capture counters, for a live session */
  liveStats?: () => LiveStats;
  /** called with every frame before the engine sees it (recording with -w) */
  onFrame?: (f: Frame) => void;
}

/**
 * Delay before the next snapshot, ms: at least `minIntervalMs`, and long enough that a snapshot costing
 * `costMs` takes no more than `budget` of the wall time.
 */
export function nextDelay(costMs: number, minIntervalMs: number, budget: number): number {
  return Math.max(minIntervalMs, (costMs * (1 - budget)) / budget);
}

export class WatchSession {
  readonly control: PaceControl;
  private readonly clock: Clock;
  private readonly minInterval: number;
  private readonly budget: number;
  private readonly snapListeners = new Set<(s: MapSnapshot) => void>();
  private readonly eventListeners = new Set<(e: WatchEvent[]) => void>();
  private current: MapSnapshot | null = null;
  /** what the last full snapshot analysed */
  private analysed: { packets: number; dropped: number; flows: number } | null = null;
  /** cost of the last full snapshot and when it ended, ms on the clock */
  private lastCost = 0;
  private lastEnd = 0;
  private seq = 0;
  private readonly started: number;
  private rateSamples: { t: number; packets: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastSummary: number;
  private stopHook: (() => Promise<void> | void) | null = null;
  state: WatchMeta['state'] = 'running';
  endReason: EndReason | null = null;
  endMessage: string | null = null;

  constructor(
    readonly engine: Engine,
    readonly options: SessionOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.control = new PaceControl(options.speed, this.clock);
    this.minInterval = options.minIntervalMs ?? 100;
    this.budget = options.budget ?? 0.1;
    this.started = this.clock.now();
    this.lastSummary = this.started;
  }

  /** The newest snapshot (null before the first). */
  get snapshot(): MapSnapshot | null {
    return this.current;
  }

  /** Calls `fn` with every new snapshot. @returns unsubscribe */
  subscribe(fn: (s: MapSnapshot) => void): () => void {
    this.snapListeners.add(fn);
    return () => this.snapListeners.delete(fn);
  }

  /** Calls `fn` with the events of every snapshot (and state changes). @returns unsubscribe */
  onEvents(fn: (e: WatchEvent[]) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  private emitEvents(ev: WatchEvent[]): void {
    if (ev.length) for (const fn of this.eventListeners) fn(ev);
  }

  private stateEvent(state: string, reason: string | null, message: string | null): WatchEvent {
    return { type: 'state', ts: this.engine.counters.packets ? this.engine.lastTs : null, state, reason, message };
  }

  /** Pauses or resumes a replay (live capture cannot pause). @returns paused after the call */
  togglePause(): boolean {
    if (this.options.mode !== 'replay' || this.state === 'ended') return false;
    const p = this.control.togglePause();
    this.state = p ? 'paused' : 'running';
    this.emitEvents([this.stateEvent(this.state, null, null)]);
    this.touch();
    return p;
  }

  /** Ends the session early; the report covers what was read. Idempotent. */
  stop(reason: EndReason = 'stopped'): void {
    if (this.endReason === null) this.endReason = reason;
    // a live capture is stopped at its source, so the frames already captured are still analysed
    if (this.stopHook) void this.stopHook();
    else this.control.stop();
  }

  private meta(): WatchMeta {
    const now = this.clock.now();
    const packets = this.engine.counters.packets;
    this.rateSamples.push({ t: now, packets });
    while (this.rateSamples.length > 2 && now - this.rateSamples[1].t >= 1000) this.rateSamples.shift();
    const first = this.rateSamples[0];
    const dt = (now - first.t) / 1000;
    return {
      mode: this.options.mode,
      label: this.options.label,
      speed: this.options.speed,
      state: this.state,
      endReason: this.endReason,
      endMessage: this.endMessage,
      elapsed: (now - this.started) / 1000,
      // once ended: the average over the whole session (a replay at --speed max shows its throughput)
      pps: this.state === 'ended' ? (now > this.started ? (packets * 1000) / (now - this.started) : 0) : dt > 0 ? (packets - first.packets) / dt : 0,
      live: this.options.liveStats?.() ?? null,
    };
  }

  /**
   * The full snapshot: the whole analysis (`Engine.result()` → `buildReport` → `buildSnapshot`), the
   * events since the previous one, the listeners. Records its cost (ms, all of it) for the schedule.
   */
  private refresh(): void {
    const t0 = this.clock.now();
    const meta = this.meta();
    const packets = this.engine.counters.packets;
    const dropped = meta.live?.dropped ?? 0;
    const report = buildReport(this.engine.result(), this.options.version);
    this.analysed = { packets, dropped, flows: this.engine.flowCount };
    const services = this.engine.services;
    const snap = buildSnapshot(report, meta, ++this.seq, (id) => services.byId(id)?.ports ?? []);
    const events = diffSnapshots(this.current, snap);
    this.publish(snap, events);
    this.lastEnd = this.clock.now();
    this.lastCost = this.lastEnd - t0;
  }

  /**
   * The cheap snapshot between two full ones: the last analysis with fresh counters (packets, flows),
   * rates and state. No events but the periodic summary.
   */
  private touch(): void {
    if (!this.current) return this.refresh();
    const snap: MapSnapshot = { ...this.current, seq: ++this.seq, meta: this.meta(), packets: this.engine.counters.packets, flows: this.engine.flowCount };
    this.publish(snap, []);
  }

  private publish(snap: MapSnapshot, events: WatchEvent[]): void {
    this.current = snap;
    const now = this.clock.now();
    if (now - this.lastSummary >= (this.options.summaryEveryMs ?? 10_000)) {
      this.lastSummary = now;
      events.push(summaryEvent(snap));
    }
    for (const fn of this.snapListeners) fn(snap);
    this.emitEvents(events);
  }

  /**
   * Every `minIntervalMs`: a full snapshot when something changed and the budget allows it, else the cheap
   * one. The next full snapshot's cost is predicted from the last one's, scaled by the growth of the flow
   * table since (the analysis grows with it), so a fast-growing table does not overrun the budget.
   */
  private tick(): void {
    const live = this.options.liveStats?.();
    const a = this.analysed;
    const changed = !a || a.packets !== this.engine.counters.packets || a.dropped !== (live?.dropped ?? 0);
    const predicted = this.lastCost * Math.max(1, this.engine.flowCount / Math.max(a?.flows ?? 0, 1000));
    if (changed && this.clock.now() - this.lastEnd >= nextDelay(predicted, this.minInterval, this.budget)) this.refresh();
    else this.touch();
    this.timer = setTimeout(() => this.tick(), this.minInterval);
  }

  /**
   * Reads the sources one after the other through the engine (`Engine.consume`), paced for a replay.
   * @param sources opened sources; each is closed when read or when the session stops
   * @param stopHook called by `stop()` (a live capture closes its source there)
   * @returns the final snapshot, taken after the last frame (its `report` is the run's report)
   */
  async run(sources: FrameSource[], stopHook?: () => Promise<void> | void): Promise<MapSnapshot> {
    this.stopHook = stopHook ?? null;
    const sp = this.options.speed;
    this.emitEvents([
      this.options.mode === 'live'
        ? this.stateEvent('capturing', null, `on ${this.options.label}`)
        : this.stateEvent('replaying', null, `${this.options.label} at ${sp === 'max' ? 'maximum speed' : `${sp}x capture time`}`),
    ]);
    this.refresh();
    this.timer = setTimeout(() => this.tick(), this.minInterval);
    try {
      for (const s of sources) {
        if (this.control.stopped) {
          await s.close();
          continue;
        }
        await this.engine.consume(paced(s, this.control, this.options.onFrame));
        const live = s as FrameSource & { endReason?: LiveEnd | null; endMessage?: string | null };
        if (live.endReason && live.endReason !== 'stopped') {
          this.endReason ??= live.endReason;
          this.endMessage = live.endMessage ?? null;
        }
      }
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
    this.endReason ??= 'end-of-input';
    this.state = 'ended';
    this.refresh();
    this.emitEvents([summaryEvent(this.current!), this.stateEvent('ended', this.endReason, this.endMessage)]);
    return this.current!;
  }
}

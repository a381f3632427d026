/**
 * ReaderSource: what the two file readers (classic pcap, pcapng) share behind the FrameSource interface —
 * anomaly counting, closing the file once, and being consumed once (by iteration or by `pump`).
 */
import type { Frame, FrameSource, SourceStats } from './frame.js';
import type { ChunkReader } from './open.js';

/** True for an I/O error of the byte source (a Node error with a string `code`, e.g. `EIO`). */
export function isIoError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | null)?.code === 'string';
}

/** A copy of `f` as a new object (the iterator yields one per frame; `data` is shared, not copied). */
export function copyFrame(f: Frame): Frame {
  return {
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    linkType: f.linkType,
    caplen: f.caplen,
    origLen: f.origLen,
    data: f.data,
    index: f.index,
    interfaceId: f.interfaceId,
    fcsLen: f.fcsLen,
    comment: f.comment,
  };
}

export abstract class ReaderSource implements FrameSource {
  abstract readonly format: 'pcap' | 'pcapng';
  abstract readonly stats: SourceStats;
  protected iterated = false;
  protected closed = false;
  /** the one Frame `pump` delivers every frame in (its fields are overwritten per frame) */
  protected readonly frame: Frame = {
    tsSec: 0,
    tsNsec: 0,
    linkType: 0,
    caplen: 0,
    origLen: 0,
    data: new Uint8Array(0),
    index: 0,
    interfaceId: 0,
    fcsLen: 0,
    comment: undefined,
  };

  constructor(
    readonly path: string,
    protected readonly reader: ChunkReader,
  ) {}

  /** Counts an anomaly; the first of each kind is also listed with its byte offset. */
  anomaly(kind: string, offset: number, message: string): void {
    const n = this.stats.anomalyCounts[kind] ?? 0;
    this.stats.anomalyCounts[kind] = n + 1;
    if (n === 0) this.stats.anomalies.push({ kind, offset, message });
  }

  /** Releases the file descriptor; safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader.close();
  }

  /** Marks the source consumed. @throws Error when it was already iterated or pumped */
  private claim(): void {
    if (this.iterated) throw new Error(`${this.path}: a capture source can be iterated only once`);
    this.iterated = true;
  }

  /** @throws Error when iterated (or pumped) a second time */
  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    this.claim();
    return this.frames();
  }

  /**
   * The fast path (see `FrameSource.pump`): `onFrame` is called synchronously with one reused Frame per
   * frame, in file order; resolves at EOF or on damage (`stats.fault`, exactly as iteration sets it). The
   * file is closed when it settles, also when `onFrame` throws (that error rejects the promise as is).
   * @throws Error (the promise rejects) when the source was already iterated or pumped; whatever `onFrame` throws
   */
  async pump(onFrame: (frame: Frame) => void): Promise<void> {
    this.claim();
    // one consumer reading the whole file: big reads, one in flight while the last is decoded
    this.reader.wholeRead();
    await this.run(onFrame);
  }

  /** The reader's frames, in file order; ends at EOF or on a fault recorded in `stats.fault`. */
  protected abstract frames(): AsyncGenerator<Frame, void, undefined>;

  /** `pump`'s body: delivers every frame to `onFrame`, then closes the file (also on a throw). */
  protected abstract run(onFrame: (frame: Frame) => void): Promise<void>;
}

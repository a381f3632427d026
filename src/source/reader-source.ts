/**
 * ReaderSource: what the two file readers (classic pcap, pcapng) share behind the FrameSource interface —
 * anomaly counting, closing the file once, and iterating once.
 */
import type { Frame, FrameSource, SourceStats } from './frame.js';
import type { ChunkReader } from './open.js';

export abstract class ReaderSource implements FrameSource {
  abstract readonly format: 'pcap' | 'pcapng';
  abstract readonly stats: SourceStats;
  protected iterated = false;
  protected closed = false;

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

  /** @throws Error when iterated a second time */
  [Symbol.asyncIterator](): AsyncIterator<Frame> {
    if (this.iterated) throw new Error(`${this.path}: a capture source can be iterated only once`);
    this.iterated = true;
    return this.frames();
  }

  /** The reader's frames, in file order; ends at EOF or on a fault recorded in `stats.fault`. */
  protected abstract frames(): AsyncGenerator<Frame, void, undefined>;
}

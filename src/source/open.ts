/**
 * Opening a capture: the file (or standard input) is opened, its first bytes are sniffed, and the
 * matching reader (classic pcap or pcapng) validates the file header and returns a `FrameSource`.
 *
 * The format is decided by the magic number only, never by the file name's extension.
 *
 * This module also holds the byte plumbing both readers share: `ByteSource` (a file descriptor or a
 * readable stream) and `ChunkReader` (a large, reused read buffer with a cursor). The readers import
 * them as types only, so there is no runtime import cycle.
 */
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureOpenError, type FrameSource } from './frame.js';
import { openPcap, PCAP_MAGICS } from './pcap.js';
import { openPcapng, PCAPNG_SHB_MAGIC } from './pcapng.js';

/** Default size of one read, in bytes (1 MiB). */
export const DEFAULT_CHUNK_SIZE = 1 << 20;
/** Size of one read from a regular file read whole (`ChunkReader.wholeRead`), in bytes (4 MiB, read ahead: 8 MiB did no better in `npm run bench`, and costs 8 MB more). */
export const FILE_CHUNK_SIZE = 4 << 20;

/**
 * Where the bytes come from: a regular file, a pipe or standard input. Sequential only (no seeking),
 * so that standard input works the same way as a file.
 */
export interface ByteSource {
  /** Total size in bytes when known in advance (regular files); null for pipes and streams. */
  readonly size: number | null;
  /**
   * Reads up to `length` bytes into `buf` at `offset`.
   * @returns the number of bytes read; 0 only at the end of the input.
   * @throws the underlying I/O error (an `Error` with a Node `code` such as `EIO`).
   */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  /** Releases the descriptor / stops the stream. Safe to call more than once. */
  close(): Promise<void>;
}

/** `ByteSource` over an open file descriptor; reads sequentially from the current position. */
class FileByteSource implements ByteSource {
  private closed = false;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number | null,
  ) {}

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    if (this.closed) return 0;
    const { bytesRead } = await this.fh.read(buf, offset, length, null);
    return bytesRead;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/**
 * `ByteSource` over a Node readable stream (standard input, a pipe). Uses the stream in paused mode
 * (`read()` + `'readable'`), so nothing is buffered beyond the stream's own high-water mark: the
 * producer is held back until the reader asks for more (backpressure).
 */
class StreamByteSource implements ByteSource {
  readonly size = null;
  private leftover: Buffer | null = null;
  private closed = false;

  constructor(private readonly stream: Readable) {}

  async read(buf: Buffer, offset: number, length: number): Promise<number> {
    for (;;) {
      if (this.closed) return 0;
      if (this.leftover !== null) {
        const n = Math.min(length, this.leftover.length);
        this.leftover.copy(buf, offset, 0, n);
        this.leftover = n === this.leftover.length ? null : this.leftover.subarray(n);
        return n;
      }
      const chunk: unknown = this.stream.read();
      if (chunk !== null) {
        this.leftover = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer);
        continue;
      }
      if (this.stream.errored) throw this.stream.errored;
      if (this.stream.readableEnded || this.stream.destroyed) return 0;
      await this.waitReadable();
    }
  }

  private waitReadable(): Promise<void> {
    const s = this.stream;
    return new Promise((resolve) => {
      const done = (): void => {
        s.off('readable', done);
        s.off('end', done);
        s.off('error', done);
        s.off('close', done);
        resolve();
      };
      s.on('readable', done);
      s.on('end', done);
      s.on('error', done);
      s.on('close', done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leftover = null;
    // Standard input belongs to the process: stop reading it, do not destroy it.
    if (this.stream === process.stdin) this.stream.pause();
    else this.stream.destroy();
  }
}

/**
 * Bytes kept free at the front of the read-ahead buffer: the unread tail of the buffer being parsed is copied
 * there, in front of the bytes read ahead, so the new bytes themselves are never moved. A longer tail (a
 * block bigger than this) takes the copying path instead.
 */
export const READ_AHEAD_HEADROOM = 256 * 1024;

/**
 * A cursor over a `ByteSource` with one large reused buffer (`chunkSize`, grown by doubling only when a
 * single record needs more and the data is really there, so a corrupt length can never make it allocate
 * more than about twice the bytes actually present).
 *
 * `buf[pos..end)` holds unread bytes; `offset` is the file offset of `buf[pos]`. `ensure()` may move
 * the unread bytes to the front of the buffer, so subarrays taken earlier become invalid after it: a
 * reader calls it only when its consumer has asked for the next frame (see `Frame.data`).
 *
 * With `readAhead` (regular files, once `wholeRead()` asked for it), a second buffer of the same size is
 * filled while the first is parsed:
 * after every read the next one is started at once, so the file is read (by libuv's thread pool) while the
 * reader decodes. `ensure()` then waits for that read and swaps the buffers (moving only the unread tail of
 * the old one, see `READ_AHEAD_HEADROOM`): `buf` and `view` change, and views into the old buffer are
 * overwritten by the next read-ahead. At most one read is in flight; `close()` waits for it.
 */
export class ChunkReader {
  /** the read buffer; replaced when it grows or (read-ahead) swapped with the buffer read ahead */
  buf: Buffer;
  /** index in `buf` of the first unread byte */
  pos = 0;
  /** index in `buf` one past the last valid byte */
  end = 0;
  /** true once the source reported its end */
  eof = false;
  /** file offset of `buf[0]` */
  private base = 0;
  private dataView: DataView;
  /** read-ahead: the buffer being filled at `READ_AHEAD_HEADROOM`, and the read into it (bytes, or -1: `aheadError`) */
  private spare: Buffer | null = null;
  private ahead: Promise<number> | null = null;
  private aheadError: unknown = null;

  /**
   * @param chunkSize bytes per read (the buffer's initial size, plus `READ_AHEAD_HEADROOM` with read-ahead)
   * @param readAhead keep one read in flight while the buffer is parsed (for regular files: it reads at most
   *   one chunk beyond what the consumer asked for)
   * @param headroom bytes reserved in front of the read-ahead data (`READ_AHEAD_HEADROOM`; tests make it small)
   */
  constructor(
    readonly source: ByteSource,
    private chunkSize: number = DEFAULT_CHUNK_SIZE,
    private readAhead = false,
    private readonly headroom = READ_AHEAD_HEADROOM,
  ) {
    this.buf = Buffer.allocUnsafe(readAhead ? chunkSize + headroom : chunkSize);
    this.dataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** file offset (bytes) of the cursor */
  get offset(): number {
    return this.base + this.pos;
  }

  /** unread bytes already in the buffer */
  get available(): number {
    return this.end - this.pos;
  }

  /** total input size in bytes when known (regular files), else null */
  get size(): number | null {
    return this.source.size;
  }

  /** a DataView over the whole current `buf` (index with `pos`-relative arithmetic yourself) */
  get view(): DataView {
    return this.dataView;
  }

  /**
   * For a consumer that reads the whole input in one go (`FrameSource.pump`): a regular file is read from now
   * on in `FILE_CHUNK_SIZE` pieces with read-ahead (about 2 × 4 MiB of buffers, instead of 1 MiB: sources
   * iterated side by side, as a merge of many files does, keep the small buffer). Streams are left as they
   * are. Call only while no view into `buf` is in use: the unread bytes move to a new buffer.
   */
  wholeRead(): void {
    if (this.source.size === null || this.readAhead) return;
    this.chunkSize = FILE_CHUNK_SIZE;
    this.readAhead = true;
    if (this.buf.length < FILE_CHUNK_SIZE + this.headroom) this.grow(FILE_CHUNK_SIZE + this.headroom);
    this.startAhead();
  }

  /** Moves the cursor forward by `n` bytes (which must be available). */
  skip(n: number): void {
    this.pos += n;
  }

  /**
   * Makes at least `n` unread bytes available at `pos`, reading more as needed.
   * @returns false when the input ended first (whatever was there stays available).
   * @throws I/O errors of the source.
   */
  async ensure(n: number): Promise<boolean> {
    while (this.end - this.pos < n) {
      if (this.eof) return false;
      await this.fill();
    }
    return true;
  }

  /** Reads one more piece of input into the buffer (compacting or growing it first if needed). */
  private async fill(): Promise<void> {
    if (this.ahead !== null) await this.takeAhead();
    else {
      if (this.pos > 0 && this.buf.length - this.end < this.chunkSize / 2) {
        this.buf.copy(this.buf, 0, this.pos, this.end);
        this.base += this.pos;
        this.end -= this.pos;
        this.pos = 0;
      }
      if (this.end === this.buf.length) this.grow(this.buf.length * 2);
      const got = await this.source.read(this.buf, this.end, this.buf.length - this.end);
      if (got === 0) this.eof = true;
      else this.end += got;
    }
    this.startAhead();
  }

  /** Replaces `buf` by a buffer of `size` bytes holding the unread bytes at its front. */
  private grow(size: number): void {
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    this.buf = bigger;
    this.dataView = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
  }

  /** Starts reading the next chunk into the spare buffer (read-ahead only; not after the end). */
  private startAhead(): void {
    if (!this.readAhead || this.eof || this.ahead !== null) return;
    const spare = (this.spare ??= Buffer.allocUnsafe(this.chunkSize + this.headroom));
    // the error is kept for `takeAhead` to throw: a read nobody awaits (after close) must not go unhandled
    this.ahead = this.source.read(spare, this.headroom, spare.length - this.headroom).then(
      (n) => n,
      (err: unknown) => {
        this.aheadError = err;
        return -1;
      },
    );
  }

  /** Waits for the read ahead and makes its bytes follow the unread ones. @throws its I/O error */
  private async takeAhead(): Promise<void> {
    const got = await this.ahead!;
    this.ahead = null;
    if (got < 0) {
      const err = this.aheadError;
      this.aheadError = null;
      throw err;
    }
    if (got === 0) {
      this.eof = true;
      return;
    }
    const spare = this.spare!;
    const left = this.end - this.pos;
    if (left <= this.headroom) {
      // swap: the unread tail goes right in front of the new bytes; the old buffer becomes the spare
      const at = this.headroom - left;
      this.buf.copy(spare, at, this.pos, this.end);
      this.base += this.pos - at;
      // a buffer grown for one huge block is let go (`startAhead` makes a spare of the usual size)
      this.spare = this.buf.length > this.chunkSize + this.headroom ? null : this.buf;
      this.buf = spare;
      this.pos = at;
      this.end = this.headroom + got;
      this.dataView = new DataView(spare.buffer, spare.byteOffset, spare.length);
      return;
    }
    // a long unread tail (one block bigger than the headroom): append the new bytes to it
    if (this.buf.length - this.end < got) {
      let size = this.buf.length;
      while (size < left + got) size *= 2;
      if (size === this.buf.length) {
        this.buf.copy(this.buf, 0, this.pos, this.end);
        this.base += this.pos;
        this.end = left;
        this.pos = 0;
      } else this.grow(size);
    }
    spare.copy(this.buf, this.end, this.headroom, this.headroom + got);
    this.end += got;
  }

  /** Closes the source (after a read still in flight). Safe to call more than once. */
  close(): Promise<void> {
    return this.source.close();
  }
}

/** Maps an `fs` error from opening `path` to a `CaptureOpenError`. */
function openErrorFor(err: unknown, path: string): CaptureOpenError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new CaptureOpenError('file_not_found', path, 0, 'No such file.');
    case 'EISDIR':
      return new CaptureOpenError('file_is_directory', path, 0, 'This is a directory, not a capture file.');
    case 'EACCES':
    case 'EPERM':
      return new CaptureOpenError('file_permission_denied', path, 0, 'Permission denied: the file cannot be read.');
    default:
      return new CaptureOpenError('file_read_error', path, 0, `The file cannot be read (${why}).`);
  }
}

/** Known non-capture signatures, for a helpful `capture_format_unknown` message. */
const OTHER_SIGNATURES: ReadonlyArray<[string, string]> = [
  ['1f8b', 'gzip-compressed data: decompress it first'],
  ['28b52ffd', 'zstd-compressed data: decompress it first'],
  ['fd377a585a00', 'xz-compressed data: decompress it first'],
  ['425a68', 'bzip2-compressed data: decompress it first'],
  ['504b0304', 'a ZIP archive: extract the capture first'],
  ['736e6f6f70', 'a Sun snoop capture, which is not supported'],
];

/** Hex of the first bytes (at most 8) for messages. */
function hexHead(b: Buffer, start: number, n: number): string {
  return b.subarray(start, start + Math.min(n, 8)).toString('hex');
}

/**
 * Sniffs the magic at the reader's cursor (offset 0) and hands the reader to the matching format.
 * Closes the reader when it throws.
 */
async function sniffAndOpen(reader: ChunkReader, path: string): Promise<FrameSource> {
  try {
    await reader.ensure(8);
    const n = reader.available;
    if (n === 0) throw new CaptureOpenError('file_empty', path, 0, 'The file is empty (0 bytes).');
    const head = reader.buf.subarray(reader.pos, reader.pos + Math.min(n, 4));
    const magic = n >= 4 ? head.readUInt32BE(0) : -1;
    if (magic !== -1 && PCAP_MAGICS.has(magic)) return await openPcap(reader, path);
    if (magic === PCAPNG_SHB_MAGIC) return await openPcapng(reader, path);
    const hex = hexHead(reader.buf, reader.pos, n);
    if (n < 4) {
      // A prefix of a known magic: the header was cut, not a foreign format.
      for (const m of PCAP_MAGICS) {
        if (m.toString(16).padStart(8, '0').startsWith(hex)) {
          throw new CaptureOpenError('pcap_header_truncated', path, n, `The pcap file header is cut short after ${n} byte(s) (24 needed).`);
        }
      }
      if ('0a0d0d0a'.startsWith(hex)) {
        throw new CaptureOpenError('pcapng_header_truncated', path, n, `The pcapng section header is cut short after ${n} byte(s) (28 needed).`);
      }
    }
    const hint = OTHER_SIGNATURES.find(([sig]) => hex.startsWith(sig) || (n < sig.length / 2 && sig.startsWith(hex)));
    throw new CaptureOpenError(
      'capture_format_unknown',
      path,
      0,
      `Not a pcap or pcapng capture: the file starts with bytes ${hex}` +
        (hint ? ` (${hint[1]})` : ' (expected a1b2c3d4, d4c3b2a1, a1b23c4d, 4d3cb2a1, a1b2cd34, 34cdb2a1 or 0a0d0d0a)') +
        '.',
    );
  } catch (err) {
    await reader.close().catch(() => undefined);
    if (err instanceof CaptureOpenError) throw err;
    throw new CaptureOpenError('file_read_error', path, reader.offset, `The input cannot be read (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/**
 * Opens a capture file (classic pcap incl. the nanosecond and "modified" variants, or pcapng; either byte
 * order) and validates its header.
 *
 * The format is sniffed from the first bytes, never from the extension. `path` `-` means standard
 * input (see `openCaptureStream`). The returned source owns the file descriptor: it is closed when
 * iteration ends (also on `break` or a thrown consumer error) or on `close()`; on a thrown error
 * nothing stays open.
 *
 * @throws CaptureOpenError with code `file_not_found`, `file_is_directory`, `file_permission_denied`,
 *   `file_empty`, `file_read_error`, `file_stdin_terminal` (for `-` when standard input is a terminal),
 *   `capture_format_unknown` (message names the first bytes), `pcap_header_truncated`,
 *   `pcap_version_unsupported`, `pcapng_header_truncated`, `pcapng_version_unsupported`,
 *   `pcapng_byte_order_invalid`, `pcapng_block_length_invalid`, `pcapng_block_length_mismatch`,
 *   `pcapng_option_overrun`.
 */
export async function openCapture(path: string): Promise<FrameSource> {
  if (path === '-') {
    if (process.stdin.isTTY) {
      throw new CaptureOpenError('file_stdin_terminal', '-', 0, 'Standard input is a terminal: pipe a capture into it (e.g. `tcpdump -w - | sepflow ... -`).');
    }
    return openCaptureStream(process.stdin, '-');
  }
  let fh: FileHandle;
  try {
    fh = await fsOpen(path, 'r');
  } catch (err) {
    throw openErrorFor(err, path);
  }
  let size: number | null;
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw openErrorFor({ code: 'EISDIR' }, path);
    if (st.isFile() && st.size === 0) throw new CaptureOpenError('file_empty', path, 0, 'The file is empty (0 bytes).');
    size = st.isFile() ? st.size : null;
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err instanceof CaptureOpenError ? err : openErrorFor(err, path);
  }
  return sniffAndOpen(new ChunkReader(new FileByteSource(fh, size)), path);
}

/**
 * Opens a capture arriving on a readable stream (standard input, a pipe, a socket): same formats,
 * sniffing and errors as `openCapture`, with `label` used as the source's `path` ("-" for stdin).
 * The stream is read in paused mode, one chunk whenever the consumer needs more frames.
 * `close()` destroys the stream, except `process.stdin`, which is only paused.
 *
 * @throws CaptureOpenError as `openCapture` (`file_empty` when the stream ends before any byte).
 */
export async function openCaptureStream(stream: Readable, label = '-'): Promise<FrameSource> {
  return sniffAndOpen(new ChunkReader(new StreamByteSource(stream)), label);
}

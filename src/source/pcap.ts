/**
 * Classic pcap reader (pcap-savefile(5); draft-ietf-opsawg-pcap "PCAP Capture File Format").
 *
 * Record decoding is done by the npm package `pcap-parser` (a project decision), but it never sees
 * the file directly: its defects (no nanosecond magic, lax version check, unbounded record length,
 * silent loss of a record cut by EOF, process crash on an unheard `error`, fd leak, no backpressure)
 * are kept away from users like this:
 *
 * - this module reads the file itself in large chunks (`ChunkReader`), validates the 24-byte file
 *   header itself and gives pcap-parser a copy whose magic is normalised to the microsecond magic of
 *   the same byte order;
 * - it walks the 16-byte record headers itself and feeds pcap-parser, through a tiny EventEmitter
 *   posing as its stream, only runs of whole records whose captured length is sane; pcap-parser then
 *   emits `packet` synchronously for each. `pump` hands each at once to its consumer in one reused Frame
 *   (nothing of ours is allocated per packet; pcap-parser's own packet objects cannot be avoided);
 *   iteration yields the batch's frames one by one. Both share that one loop (`batch`);
 * - the next chunk is read only when the consumer is done with the batch; a regular file that is pumped has at
 *   most one more (4 MiB) chunk read ahead (`ChunkReader.wholeRead`), so memory stays bounded (backpressure);
 * - the file descriptor is closed in a `finally` of the async generator (end, `break`, throw) and on
 *   every rejected header.
 *
 * Decisions (each reported through `SourceStats`):
 * - Versions, as libpcap's sf-pcap.c reads them: 2.0-2.4 and 543.0 (DG/UX tcpdump); anything else throws
 *   `pcap_version_unsupported`. Before 2.3 the record header had caplen and len the other way round
 *   (offset 8 = len, 12 = caplen): 2.0-2.2 and 543.0 are always swapped back; 2.3 files exist in both
 *   layouts, so a 2.3 record is swapped back only when its caplen exceeds its len (libpcap's
 *   MAYBE_SWAPPED); such a 2.3 record is counted as `pcap_record_lengths_swapped`.
 * - The "modified" (Kuznetzov, patched-libpcap) format, magic a1b2cd34 in either byte order, always
 *   microseconds: its record header is 24 bytes (the 16 standard bytes, then ifindex u32, protocol u16,
 *   pkt_type u8, pad u8; the extra 8 bytes are skipped). As in libpcap, its snaplen grows by 14 for
 *   Ethernet (a cooked-mode capture added a fake Ethernet header). Only this layout is read (Wireshark
 *   also guesses the Red Hat 6.1 / SuSE 6.3 / Nokia variants that share the magic; libpcap does not).
 *   pcap-parser is then given the records rewritten in place, in our read buffer, into the standard
 *   16-byte layout (a memmove per batch; the standard formats are passed through untouched).
 * - Link type word (draft-ietf-opsawg-pcap section 4, "LinkType and additional information"): the low
 *   16 bits are the LINKTYPE; bits 16-25 (`0x03FF0000`) are reserved and, as that section says readers
 *   MUST ignore them, masked off and counted as anomaly `pcap_linktype_reserved_nonzero` (libpcap and
 *   Wireshark reject such a file instead); bit 27 (R) is ignored. When bit 26 (P, 0x04000000) is set, bits
 *   28-31 give the number of 16-bit words of FCS at the end of every packet: that FCS (2 × n bytes) is
 *   stripped from the frame (`data`, `caplen` and `origLen` exclude it, `fcsLen` says how long it was), as
 *   Wireshark hands it to its Ethernet dissector as the FCS rather than payload; tshark's frame length
 *   (and its conversation byte counts) include it: that is `origLen + fcsLen`.
 * - Record length: a captured length above the link type's maximum (262144 bytes, libpcap's
 *   MAXIMUM_SNAPLEN; larger for D-Bus, EBHSCR and USBPcap as in libpcap's max_snaplen_for_dlt) stops
 *   reading with fault `pcap_record_length_bogus` at that record's offset: a length that wrong means
 *   the record boundaries can no longer be trusted. A captured length above the header's snaplen
 *   (but within that maximum) is read and counted as `pcap_record_exceeds_snaplen`, like libpcap and
 *   Wireshark read it. `origLen < caplen` is read as is and counted as `pcap_record_origlen_short`.
 * - Timestamp fraction ≥ 1 s (µs ≥ 1e6, ns ≥ 1e9): counted as `pcap_ts_fraction_invalid` and
 *   normalised by carrying the whole seconds over: tsSec += ⌊frac / unit⌋, fraction = frac mod unit.
 * - A record cut by the end of the file: fault `pcap_record_truncated` at that record's offset; the
 *   frames before it are yielded.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { CaptureOpenError, type Frame, type FrameSource, type SourceStats } from './frame.js';
import type { ChunkReader } from './open.js';
import { copyFrame, isIoError, ReaderSource } from './reader-source.js';

/**
 * The classic pcap magics as the first 4 bytes read big-endian: µs BE, µs LE, ns BE, ns LE, and the
 * "modified" (Kuznetzov) µs format BE, LE.
 */
export const PCAP_MAGICS: ReadonlySet<number> = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1]);
/** Magic of the "modified" (Kuznetzov) pcap format as the first 4 bytes read big-endian (BE, LE). */
const MODIFIED_MAGICS: ReadonlySet<number> = new Set([0xa1b2cd34, 0x34cdb2a1]);

/** Size of the pcap file header, bytes. */
export const PCAP_FILE_HEADER_LENGTH = 24;
/** Size of a pcap record header, bytes. */
export const PCAP_RECORD_HEADER_LENGTH = 16;
/** Size of a record header in the "modified" (Kuznetzov) format, bytes. */
export const PCAP_MODIFIED_RECORD_HEADER_LENGTH = 24;

/** How a file stores caplen and len in its record headers (libpcap's swapped_type_t). */
const LengthOrder = {
  /** 2.4: caplen at offset 8, len at 12 */
  Normal: 0,
  /** before 2.3 and 543.0: len at 8, caplen at 12 */
  Swapped: 1,
  /** 2.3: either; swapped when caplen > len */
  Maybe: 2,
} as const;
type LengthOrder = (typeof LengthOrder)[keyof typeof LengthOrder];
/** libpcap's MAXIMUM_SNAPLEN: largest sane captured length for most link types, bytes. */
export const PCAP_MAX_CAPLEN = 262144;

/**
 * Largest captured length accepted for a link type, bytes (libpcap `max_snaplen_for_dlt`).
 * @param linkType LINKTYPE_* value (already masked to 16 bits)
 */
export function pcapMaxCaplen(linkType: number): number {
  switch (linkType) {
    case 231: // LINKTYPE_DBUS: D-Bus messages up to 128 MiB
      return 128 * 1024 * 1024;
    case 279: // LINKTYPE_EBHSCR
      return 8 * 1024 * 1024;
    case 249: // LINKTYPE_USBPCAP
      return 1024 * 1024;
    default:
      return PCAP_MAX_CAPLEN;
  }
}

/** What pcap-parser 0.2.1 emits per record (see node_modules/pcap-parser/lib/pcap-parser.js). */
interface PcapParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
/** The part of pcap-parser's Parser we use. */
interface PcapParserInstance extends EventEmitter {
  on(event: 'packet', cb: (p: PcapParserPacket) => void): this;
  on(event: 'error', cb: (e: Error) => void): this;
}
/** pcap-parser's module: `parse()` accepts a path or anything with pause/resume/on(data|error|end). */
interface PcapParserModule {
  parse(input: EventEmitter & { pause(): void; resume(): void }): PcapParserInstance;
}

const requireCjs = createRequire(import.meta.url);
/** pcap-parser has no type declarations; loaded through require and typed by the interfaces above. */
const pcapParser = requireCjs('pcap-parser') as PcapParserModule;

/**
 * The "stream" pcap-parser reads from: we emit `data` ourselves, with whole records only.
 * pause/resume are no-ops; the reader's pull loop is the flow control.
 */
class ParserFeed extends EventEmitter {
  pause(): void {}
  resume(): void {}
}

/** Validated facts from the pcap file header. */
interface PcapHeader {
  bigEndian: boolean;
  nano: boolean;
  snaplen: number;
  linkType: number;
  maxCaplen: number;
  /** record header length in the file, bytes (16, or 24 for the modified format) */
  recordHeaderLength: number;
  lengthOrder: LengthOrder;
  /** FCS bytes at the end of every packet (link-type word bits 26, 28-31); 0 = none */
  fcsLen: number;
  /** copy of the 24 header bytes with the magic normalised to the µs magic of the same byte order */
  forParser: Buffer;
}

function newStats(): SourceStats {
  return { frames: 0, bytesRead: 0, anomalyCounts: {}, anomalies: [], fault: null };
}

/**
 * Validates the pcap file header at the reader's cursor (offset 0), consumes it and returns the
 * source. The reader is not closed here on error (the caller, `openCapture`, does that).
 *
 * @param reader cursor at offset 0; its first 4 bytes are one of `PCAP_MAGICS`
 * @param path the name to report
 * @throws CaptureOpenError `pcap_header_truncated` (offset = bytes present), `pcap_version_unsupported`
 *   (offset 4)
 */
export async function openPcap(reader: ChunkReader, path: string): Promise<FrameSource> {
  if (!(await reader.ensure(PCAP_FILE_HEADER_LENGTH))) {
    throw new CaptureOpenError(
      'pcap_header_truncated',
      path,
      reader.available,
      `The pcap file header is cut short: ${reader.available} of ${PCAP_FILE_HEADER_LENGTH} bytes present.`,
    );
  }
  const b = reader.buf;
  const p = reader.pos;
  const magic = b.readUInt32BE(p);
  const bigEndian = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d || magic === 0xa1b2cd34;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u16 = (o: number): number => (bigEndian ? b.readUInt16BE(p + o) : b.readUInt16LE(p + o));
  const u32 = (o: number): number => (bigEndian ? b.readUInt32BE(p + o) : b.readUInt32LE(p + o));
  const major = u16(4);
  const minor = u16(6);
  if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) {
    throw new CaptureOpenError(
      'pcap_version_unsupported',
      path,
      4,
      `pcap format version ${major}.${minor} is not supported (versions 2.0-2.4 and 543.0 are read).`,
    );
  }
  const lengthOrder: LengthOrder = major === 2 && minor === 4 ? LengthOrder.Normal : major === 2 && minor === 3 ? LengthOrder.Maybe : LengthOrder.Swapped;
  const modified = MODIFIED_MAGICS.has(magic);
  let snaplen = u32(16);
  const ltWord = u32(20);
  const linkType = ltWord & 0xffff;
  // Kuznetzov captures may be cooked-mode ones with a fake 14-byte Ethernet header added (libpcap)
  if (modified && linkType === 1 && snaplen > 0) snaplen = Math.min(snaplen + 14, 0xffffffff);
  const fcsLen = (ltWord & 0x04000000) !== 0 ? (ltWord >>> 28) * 2 : 0;
  const forParser = Buffer.from(b.subarray(p, p + PCAP_FILE_HEADER_LENGTH));
  // pcap-parser knows only the µs magic and version 2.4: the records it is fed are normalised to that
  if (bigEndian) {
    forParser.writeUInt32BE(0xa1b2c3d4, 0);
    forParser.writeUInt16BE(2, 4);
    forParser.writeUInt16BE(4, 6);
  } else {
    forParser.writeUInt32LE(0xa1b2c3d4, 0);
    forParser.writeUInt16LE(2, 4);
    forParser.writeUInt16LE(4, 6);
  }
  reader.skip(PCAP_FILE_HEADER_LENGTH);
  const source = new PcapSource(path, reader, {
    bigEndian,
    nano,
    snaplen,
    linkType,
    maxCaplen: pcapMaxCaplen(linkType),
    recordHeaderLength: modified ? PCAP_MODIFIED_RECORD_HEADER_LENGTH : PCAP_RECORD_HEADER_LENGTH,
    lengthOrder,
    fcsLen,
    forParser,
  });
  if ((ltWord & 0x03ff0000) !== 0) {
    source.anomaly(
      'pcap_linktype_reserved_nonzero',
      20,
      `The link-type field 0x${ltWord.toString(16).padStart(8, '0')} has reserved bits set (0x${(ltWord & 0x03ff0000).toString(16).padStart(8, '0')}); ignored, link type ${linkType} used.`,
    );
  }
  source.stats.bytesRead = PCAP_FILE_HEADER_LENGTH;
  return source;
}

/** Records per batch when iterating: the frames of a batch wait to be yielded, so keep them few. */
const ITERATION_BATCH = 1024;

/** A classic pcap file being read; see the module comment for the rules. */
class PcapSource extends ReaderSource {
  readonly format = 'pcap' as const;
  readonly stats: SourceStats = newStats();

  constructor(
    path: string,
    reader: ChunkReader,
    private readonly hdr: PcapHeader,
  ) {
    super(path, reader);
  }

  /** file offset of each record of the current batch (slots reused from batch to batch) */
  private readonly offsets: number[] = [];
  /** version 2.3 only: whether each record of the current batch had its lengths swapped back */
  private readonly swapped: boolean[] = [];
  /** records fed to pcap-parser in the current batch, and how many packets it has emitted of them */
  private expected = 0;
  private count = 0;
  /** where each packet goes, as `frame` (set by `run` / `frames`) */
  private sink: (frame: Frame) => void = () => undefined;
  private parser: PcapParserInstance | null = null;
  private readonly feed = new ParserFeed();
  private parserError: Error | null = null;

  /**
   * Fills `f` from pcap-parser's packet `pkt`, record `i` of the current batch (at `offsets[i]`), counting the
   * record's anomalies (all of them here, record by record, so that the first of each kind is the first in
   * file order however the file was cut into chunks). Sets every field but `index`.
   */
  private toFrame(pkt: PcapParserPacket, i: number, f: Frame): void {
    const offset = this.offsets[i];
    const h = pkt.header;
    if (this.hdr.lengthOrder === LengthOrder.Maybe && this.swapped[i]) {
      this.anomaly('pcap_record_lengths_swapped', offset + 8, 'A version 2.3 record has caplen > len: read as the pre-2.3 layout (lengths swapped), as libpcap does.');
    }
    const unit = this.hdr.nano ? 1e9 : 1e6;
    let sec = h.timestampSeconds;
    let frac = h.timestampMicroseconds; // the fraction field: ns in nanosecond files
    if (frac >= unit) {
      this.anomaly(
        'pcap_ts_fraction_invalid',
        offset + 4,
        `Timestamp fraction ${frac} is not below ${unit}; whole seconds carried over into the seconds.`,
      );
      sec += Math.floor(frac / unit);
      frac %= unit;
    }
    let caplen = h.capturedLength;
    let origLen = h.originalLength;
    if (caplen > origLen) {
      this.anomaly('pcap_record_origlen_short', offset + 12, `Original length ${origLen} is below the captured length ${caplen}.`);
    }
    const snap = this.hdr.snaplen;
    if (snap > 0 && caplen > snap) {
      this.anomaly('pcap_record_exceeds_snaplen', offset + 8, `Captured length ${caplen} exceeds the file's snaplen ${snap}; read in full.`);
    }
    let data = pkt.data;
    let fcsLen = this.hdr.fcsLen;
    if (fcsLen > 0) {
      // the FCS is the last fcsLen bytes of the frame on the wire; keep what precedes it
      if (origLen < fcsLen) {
        this.anomaly('pcap_record_shorter_than_fcs', offset + 12, `Original length ${origLen} is below the FCS length ${fcsLen}; nothing stripped.`);
        fcsLen = 0;
      } else {
        origLen -= fcsLen;
        if (caplen > origLen) {
          caplen = origLen;
          data = data.subarray(0, caplen);
        }
      }
    }
    f.tsSec = sec;
    f.tsNsec = this.hdr.nano ? frac : frac * 1000;
    f.linkType = this.hdr.linkType;
    f.caplen = caplen;
    f.origLen = origLen;
    f.data = data;
    f.interfaceId = 0;
    f.fcsLen = fcsLen;
    f.comment = undefined;
  }

  private fault(code: string, offset: number, message: string): void {
    this.stats.fault = { code, offset, message };
  }

  /** Sets pcap-parser up on our feed and gives it the (normalised) file header; once, before `batch`. */
  private startParser(): void {
    const parser = pcapParser.parse(this.feed);
    this.parser = parser;
    // each packet goes on at once (pcap-parser's objects die young): no per-packet object of ours
    parser.on('packet', (pkt) => {
      const i = this.count++;
      if (i >= this.expected) return; // cannot happen (whole records only); `batch` reports the desync
      this.toFrame(pkt, i, this.frame);
      this.sink(this.frame);
    });
    // pcap-parser throws (crashing the process) when nobody listens for 'error'.
    parser.on('error', (e) => {
      this.parserError = e;
    });
    this.feed.emit('data', this.hdr.forParser);
  }

  /** Detaches pcap-parser; safe to call more than once. */
  private stopParser(): void {
    this.parser?.removeAllListeners();
    this.feed.removeAllListeners();
    this.parser = null;
  }

  /**
   * The reader's one loop step, shared by iteration and `pump`: walks the whole, sane records already in the
   * buffer, consumes them from the reader and has pcap-parser parse them, which hands each packet
   * synchronously, as `this.frame`, to `this.sink`. Their data are views into the read buffer, valid until the
   * next `ensure`.
   * @param limit at most this many records per call (iteration keeps its batch of frames small, so that the
   *   frames and pcap-parser's packet objects die young)
   * @returns n > 0: n packets went to the sink; n < 0: -n unread bytes must be made available
   *   (`ChunkReader.ensure`) before calling again; 0: the end (EOF, or a fault recorded in `stats.fault`; packets
   *   pcap-parser did give before a `pcap_parser_desync` went to the sink)
   */
  private batch(limit: number): number {
    const r = this.reader;
    if (this.parserError !== null) {
      this.fault('pcap_parser_error', r.offset, `pcap-parser failed: ${this.parserError.message}`);
      return 0;
    }
    const be = this.hdr.bigEndian;
    const maxCaplen = this.hdr.maxCaplen;
    const hdrLen = this.hdr.recordHeaderLength;
    const order = this.hdr.lengthOrder;
    const rewrite = hdrLen !== PCAP_RECORD_HEADER_LENGTH || order !== LengthOrder.Normal;
    const offsets = this.offsets;
    // Walk whole, sane records already in the buffer. Records of the modified format or with
    // swapped lengths are rewritten in place into the standard 16-byte layout (at `w`) for pcap-parser.
    const b = r.buf;
    const dv = r.view;
    const le = !be;
    const start = r.pos;
    const end = r.end;
    const base = r.offset - start;
    let q = start;
    let w = start;
    let need = hdrLen;
    let bogus = -1;
    let k = 0;
    while (end - q >= hdrLen && k < limit) {
      let caplen = dv.getUint32(q + 8, le);
      let len = dv.getUint32(q + 12, le);
      let swap = false;
      if (order === LengthOrder.Swapped || (order === LengthOrder.Maybe && caplen > len)) {
        const t = caplen;
        caplen = len;
        len = t;
        swap = true;
      }
      if (caplen > maxCaplen) {
        bogus = caplen;
        break;
      }
      if (end - q < hdrLen + caplen) {
        need = hdrLen + caplen;
        break;
      }
      if (order === LengthOrder.Maybe) this.swapped[k] = swap;
      offsets[k++] = base + q;
      if (rewrite) {
        if (w !== q) b.copyWithin(w, q, q + 8);
        if (be) {
          b.writeUInt32BE(caplen, w + 8);
          b.writeUInt32BE(len, w + 12);
        } else {
          b.writeUInt32LE(caplen, w + 8);
          b.writeUInt32LE(len, w + 12);
        }
        if (w + PCAP_RECORD_HEADER_LENGTH !== q + hdrLen) b.copyWithin(w + PCAP_RECORD_HEADER_LENGTH, q + hdrLen, q + hdrLen + caplen);
      }
      q += hdrLen + caplen;
      w += PCAP_RECORD_HEADER_LENGTH + caplen;
    }
    if (q > start) {
      const at = r.offset;
      r.skip(q - start);
      this.count = 0;
      this.expected = k;
      // We hand pcap-parser whole records only, so what it keeps between calls is always an empty tail of
      // the previous batch; dropping it makes pcap-parser take our bytes as they are instead of copying
      // them into a new Buffer per batch (frames are views into the reader's buffer, valid until the
      // consumer asks for the next batch, as the Frame contract allows)
      (this.parser as unknown as { buffer: Buffer | null }).buffer = null;
      this.feed.emit('data', b.subarray(start, rewrite ? w : q));
      if (this.count !== k) {
        this.fault('pcap_parser_desync', at, `pcap-parser returned ${this.count} of ${k} records.`);
        return 0;
      }
      return k;
    }
    if (bogus >= 0) {
      this.fault(
        'pcap_record_length_bogus',
        r.offset,
        `Record captured length ${bogus} exceeds the maximum of ${maxCaplen} bytes; the rest of the file is not read.`,
      );
      return 0;
    }
    if (!r.eof) return -need;
    // the input ended before `need` bytes: a cut record (or the clean end when nothing is left)
    if (this.closed || r.available === 0) return 0;
    this.fault(
      'pcap_record_truncated',
      r.offset,
      r.available < hdrLen
        ? `The file ends inside a record header (${r.available} of ${hdrLen} bytes).`
        : `The file ends inside a record (${r.available} of ${need} bytes).`,
    );
    return 0;
  }

  /**
   * Makes `need` unread bytes available (or reaches the end of the input).
   * @returns false when reading must stop: an I/O error, recorded as fault `file_read_error` (unless closed)
   * @throws anything that is not an I/O error (a bug)
   */
  private async refill(need: number): Promise<boolean> {
    const r = this.reader;
    try {
      await r.ensure(need);
      return true;
    } catch (err) {
      // I/O errors end the reading like damage does; anything else is a bug and propagates.
      if (!isIoError(err)) throw err;
      if (!this.closed) this.fault('file_read_error', r.offset, `Reading stopped: ${err instanceof Error ? err.message : String(err)}.`);
      return false;
    }
  }

  protected async run(onFrame: (frame: Frame) => void): Promise<void> {
    const stats = this.stats;
    const r = this.reader;
    this.sink = (f) => {
      f.index = ++stats.frames;
      stats.bytesRead = r.offset;
      onFrame(f);
    };
    try {
      this.startParser();
      for (;;) {
        const n = this.batch(Infinity);
        if (n > 0) continue;
        if (n === 0 || !(await this.refill(-n))) return;
      }
    } finally {
      this.stopParser();
      await this.close();
    }
  }

  protected async *frames(): AsyncGenerator<Frame, void, undefined> {
    const stats = this.stats;
    const r = this.reader;
    // the batch's frames, yielded (and only then counted) one by one after pcap-parser made them
    const ready: Frame[] = [];
    this.sink = (f) => {
      ready.push(copyFrame(f));
    };
    try {
      this.startParser();
      for (;;) {
        const n = this.batch(ITERATION_BATCH);
        for (let i = 0; i < ready.length; i++) {
          const f = ready[i];
          f.index = ++stats.frames;
          stats.bytesRead = r.offset;
          yield f;
        }
        ready.length = 0;
        if (n > 0) continue;
        if (n === 0 || !(await this.refill(-n))) return;
      }
    } finally {
      this.stopParser();
      await this.close();
    }
  }
}

/**
 * pcapng reader (draft-ietf-opsawg-pcapng, "PCAP Now Generic (pcapng) Capture File Format").
 *
 * Reads blocks sequentially from a `ChunkReader` (one large reused buffer; more is read only when the
 * consumer asks for a frame beyond it, plus one 4 MiB chunk read ahead for a pumped regular file) and gives one
 * frame per packet block. One synchronous loop (`step`) decodes every complete block in the buffer; `pump`
 * runs it over the whole buffer, delivering each packet in one reused Frame (the only allocation per packet
 * is its `data`, a Uint8Array view into the buffer), and iteration runs it one frame at a time, yielding a
 * fresh Frame each. Blocks recognised:
 *
 * - SHB (section 4.1): either byte order, any number of sections per file; interface ids restart per
 *   section; major version 1 only. The first section of another version makes the file unreadable
 *   (`CaptureOpenError` `pcapng_version_unsupported`); a later one is skipped up to the next SHB, as
 *   section 3.4 requires, and counted as anomaly `pcapng_version_unsupported`.
 * - IDB (4.2): link type, snaplen, `if_tsresol` (decimal and binary), `if_tsoffset`.
 * - EPB (4.3), SPB (4.4: no timestamp, interface 0, captured length = min(block body, original length,
 *   snaplen)), obsolete PB (appendix A, type 2).
 * - NRB (4.5): addresses and their names go into `stats.names` (address text → the record's last name;
 *   a later record for an address replaces an earlier one, as Wireshark resolves them).
 * - ISB (4.6): the counters (`isb_ifrecv`, `isb_ifdrop`, `isb_filteraccept`, `isb_osdrop`, `isb_usrdeliv`)
 *   and `isb_starttime`/`isb_endtime` of each interface go into `stats.interfaceStats` (one entry per
 *   section and interface; a later ISB updates the counters it carries).
 * - EPB and PB `opt_comment` options become the frame's `comment` (several joined with a newline); the
 *   text is decoded only for packets that carry one.
 * - DSB, custom blocks and the other registered types are skipped; unregistered types are skipped and
 *   counted as `pcapng_block_unknown`.
 *
 * Counted anomalies (reading goes on): `pcapng_version_unsupported` (later section skipped), `pcapng_block_unknown`, `pcapng_interface_undefined` (packet
 * or ISB naming an interface without IDB in its section: the block is skipped), `pcapng_spb_timestamp_absent`
 * (SPB frames get tsSec = tsNsec = 0), `pcapng_tsresol_invalid`, `pcapng_tsoffset_invalid`,
 * `pcapng_nrb_record_invalid` (a name record without a name: skipped).
 *
 * Faults (reading stops, earlier frames stand), each at the damaged block's file offset unless noted:
 * `pcapng_block_length_invalid` (< 12, not a multiple of 4, above `MAX_BLOCK_LENGTH`, or too short for
 * the block's fixed fields), `pcapng_block_truncated` (block runs past the end of the input),
 * `pcapng_block_length_mismatch` (trailing length differs), `pcapng_option_overrun` (at the option),
 * `pcapng_record_length_bogus` (captured length runs past the block body), `pcapng_byte_order_invalid`
 * (a later SHB), `file_read_error`.
 */
import { CaptureOpenError, type Frame, type FrameSource, type InterfaceStatistics, type SourceStats } from './frame.js';
import type { ChunkReader } from './open.js';
import { copyFrame, isIoError, ReaderSource } from './reader-source.js';
import {
  BT_EPB,
  BT_IDB,
  BT_ISB,
  BT_NRB,
  BT_PB,
  BT_SHB,
  BT_SPB,
  checkShb,
  convertTs,
  type BlockProblem,
  type Iface,
  type IsbCounters,
  MAX_BLOCK_LENGTH,
  MIN_BLOCK_LENGTH,
  MIN_EPB_LENGTH,
  MIN_PB_LENGTH,
  MIN_SHB_LENGTH,
  MIN_SPB_LENGTH,
  OPT_COMMENT,
  optionText,
  pad4,
  parseIdb,
  parseIsb,
  parseNrb,
  shbByteOrder,
  shbVersionProblem,
  SKIPPED_BLOCK_TYPES,
  tooShort,
  type TsOut,
  walkOptions,
} from './pcapng-blocks.js';

/** First 4 bytes of every pcapng file (the SHB block type), read big-endian. */
export const PCAPNG_SHB_MAGIC = BT_SHB;

/**
 * Validates the first Section Header Block at the reader's cursor (offset 0), consumes it and
 * returns the source. The reader is not closed here on error (the caller, `openCapture`, does that).
 *
 * @param reader cursor at offset 0; the first 4 bytes are 0a 0d 0d 0a
 * @param path the name to report
 * @throws CaptureOpenError `pcapng_header_truncated` (offset = bytes present), `pcapng_byte_order_invalid`
 *   (offset 8), `pcapng_block_length_invalid` (offset 4), `pcapng_version_unsupported` (offset 12),
 *   `pcapng_option_overrun` (offset of the option), `pcapng_block_length_mismatch`
 */
export async function openPcapng(reader: ChunkReader, path: string): Promise<FrameSource> {
  const truncated = (): CaptureOpenError =>
    new CaptureOpenError(
      'pcapng_header_truncated',
      path,
      reader.available,
      `The pcapng Section Header Block is cut short: ${reader.available} bytes present.`,
    );
  if (!(await reader.ensure(12))) throw truncated();
  const le = shbByteOrder(reader.view, reader.pos);
  if (le === null) {
    const bom = reader.buf.subarray(reader.pos + 8, reader.pos + 12).toString('hex');
    throw new CaptureOpenError('pcapng_byte_order_invalid', path, 8, `The Section Header Block's byte-order magic is ${bom}, not 1a2b3c4d in either byte order.`);
  }
  const len = reader.view.getUint32(reader.pos + 4, le);
  if (len < MIN_SHB_LENGTH || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
    throw new CaptureOpenError('pcapng_block_length_invalid', path, 4, `Section Header Block length ${len} is invalid.`);
  }
  await reader.ensure(len);
  if (reader.available >= 16) {
    const v = shbVersionProblem(reader.view, reader.pos, le, 0);
    if (v) throw new CaptureOpenError(v.code, path, v.offset, v.message);
  }
  if (reader.available < len) throw truncated();
  const problem = checkShb(reader.view, reader.pos, len, le, 0) ?? trailerProblem(reader.view, reader.pos, len, le, 0);
  if (problem) throw new CaptureOpenError(problem.code, path, problem.offset, problem.message);
  reader.skip(len);
  const source = new PcapngSource(path, reader, le);
  source.stats.bytesRead = len;
  return source;
}

/** `pcapng_block_length_mismatch` when the trailing length of the block at `p` differs from `len`. */
function trailerProblem(dv: DataView, p: number, len: number, le: boolean, base: number): BlockProblem | null {
  const trailing = dv.getUint32(p + len - 4, le);
  if (trailing === len) return null;
  return {
    code: 'pcapng_block_length_mismatch',
    offset: base + p,
    message: `Block lengths differ: ${len} at the start, ${trailing} at the end.`,
  };
}

/** A pcapng file being read; see the module comment. */
class PcapngSource extends ReaderSource {
  readonly format = 'pcapng' as const;
  readonly stats: SourceStats = { frames: 0, bytesRead: 0, anomalyCounts: {}, anomalies: [], fault: null, names: new Map(), interfaceStats: [] };
  /** 0-based number of the current section */
  private section = 0;
  /** `section:interfaceId` → index in stats.interfaceStats */
  private readonly statsIndex = new Map<string, number>();
  /** comment(s) of the packet block being read (set by `onPacketOption`), or undefined */
  private comment: string | undefined = undefined;
  private commentDv: DataView | null = null;
  /** option callback for packet blocks, made once (no closure per packet) */
  private readonly onPacketOption = (code: number, at: number, len: number): void => {
    if (code !== OPT_COMMENT || this.commentDv === null) return;
    const text = optionText(this.commentDv, at, len);
    this.comment = this.comment === undefined ? text : `${this.comment}\n${text}`;
  };
  /** interfaces of the current section, by id */
  private ifaces: Iface[] = [];
  private readonly ts: TsOut = { sec: 0, nsec: 0 };
  /** true inside a later section whose SHB version is unsupported (its blocks are skipped) */
  private skipSection = false;

  constructor(
    path: string,
    reader: ChunkReader,
    /** byte order of the current section */
    private le: boolean,
  ) {
    super(path, reader);
  }

  /** Records an ISB's counters for its interface (a later ISB updates what it carries). */
  private interfaceStatistics(c: IsbCounters, at: number): void {
    const iface = this.ifaces[c.interfaceId];
    if (iface === undefined) {
      this.anomaly('pcapng_interface_undefined', at + 8, `Interface Statistics Block names interface ${c.interfaceId}, but its section defines ${this.ifaces.length}; skipped.`);
      return;
    }
    const time = (hi: number, lo: number): number => {
      convertTs(iface, hi, lo, this.ts);
      return this.ts.sec + this.ts.nsec / 1e9;
    };
    const key = `${this.section}:${c.interfaceId}`;
    const all = this.stats.interfaceStats!;
    let i = this.statsIndex.get(key);
    if (i === undefined) {
      i = all.length;
      this.statsIndex.set(key, i);
      all.push({
        section: this.section,
        interfaceId: c.interfaceId,
        name: iface.name,
        ts: 0,
        startTs: null,
        endTs: null,
        ifRecv: null,
        ifDrop: null,
        filterAccept: null,
        osDrop: null,
        usrDeliv: null,
      });
    }
    const s: InterfaceStatistics = all[i];
    s.ts = time(c.tsHi, c.tsLo);
    if (c.start) s.startTs = time(c.start[0], c.start[1]);
    if (c.end) s.endTs = time(c.end[0], c.end[1]);
    s.ifRecv = c.ifRecv ?? s.ifRecv;
    s.ifDrop = c.ifDrop ?? s.ifDrop;
    s.filterAccept = c.filterAccept ?? s.filterAccept;
    s.osDrop = c.osDrop ?? s.osDrop;
    s.usrDeliv = c.usrDeliv ?? s.usrDeliv;
  }

  private fault(p: BlockProblem): void {
    this.stats.fault = { code: p.code, offset: p.offset, message: p.message };
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
      if (!this.closed) this.fault({ code: 'file_read_error', offset: r.offset, message: `Reading stopped: ${err instanceof Error ? err.message : String(err)}.` });
      return false;
    }
  }

  protected async run(onFrame: (frame: Frame) => void): Promise<void> {
    try {
      for (;;) {
        const need = this.step(onFrame, false);
        if (need === 0 || !(await this.refill(need))) return;
      }
    } finally {
      await this.close();
    }
  }

  protected async *frames(): AsyncGenerator<Frame, void, undefined> {
    const taken: Frame[] = [];
    const take = (f: Frame): void => {
      taken.push(copyFrame(f));
    };
    try {
      for (;;) {
        const need = this.step(take, true);
        if (need < 0) {
          yield taken.pop()!;
          continue;
        }
        if (need === 0 || !(await this.refill(need))) return;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * The reader's one loop, shared by iteration and `pump`: reads every complete block in the buffer
   * synchronously, handing each packet's frame to `onFrame` as the reused `this.frame` (its `data` a view into
   * the read buffer, valid until the next `ensure`).
   * @param single return after the first frame (iteration), instead of going on until the buffer runs out
   * @returns -1: a frame was delivered (single mode only); n > 0: `n` unread bytes must be made available
   *   (`ChunkReader.ensure(n)`) before calling again; 0: the end (EOF, or a fault recorded in `stats.fault`)
   */
  private step(onFrame: (frame: Frame) => void, single: boolean): number {
    const r = this.reader;
    const dv = r.view;
    const ab = r.buf.buffer;
    const bo = r.buf.byteOffset;
    const size = r.size;
    const frame = this.frame;
    /** file offset of `r.buf[0]` (the buffer does not move until the next `ensure`) */
    const base = r.offset - r.pos;
    for (;;) {
      const p = r.pos;
      const avail = r.end - p;
      // Block header: type + length (+ byte-order magic for an SHB).
      if (avail < 12) {
        if (!r.eof) return 12;
        if (avail < 8) {
          if (!this.closed && avail > 0) {
            this.fault({ code: 'pcapng_block_truncated', offset: r.offset, message: `The input ends inside a block header (${avail} bytes).` });
          }
          return 0;
        }
      }
      const at = base + p;
      const type = dv.getUint32(p, this.le);
      if (type === BT_SHB) {
        if (avail < 12) {
          this.fault({ code: 'pcapng_block_truncated', offset: at, message: `The input ends inside a Section Header Block (${avail} bytes).` });
          return 0;
        }
        const le = shbByteOrder(dv, p);
        if (le === null) {
          this.fault({ code: 'pcapng_byte_order_invalid', offset: at + 8, message: 'A Section Header Block has no valid byte-order magic.' });
          return 0;
        }
        this.le = le;
      }
      const le = this.le;
      const len = dv.getUint32(p + 4, le);
      if (len < MIN_BLOCK_LENGTH || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
        this.fault({ code: 'pcapng_block_length_invalid', offset: at, message: `Block of type 0x${type.toString(16)} has invalid length ${len}.` });
        return 0;
      }
      const pastSize = size !== null && at + len > size;
      if (pastSize || avail < len) {
        if (!pastSize && !r.eof) return len;
        if (this.closed) return 0;
        this.fault({
          code: 'pcapng_block_truncated',
          offset: at,
          message: `Block of type 0x${type.toString(16)} and length ${len} runs past the end of the input (${size ?? at + avail} bytes).`,
        });
        return 0;
      }
      let got = false;
      let problem: BlockProblem | null = null;
      switch (this.skipSection && type !== BT_SHB ? -1 : type) {
        case -1: // inside a section of an unsupported version: only the block framing is checked
          break;
        case BT_SHB: {
          this.ifaces = [];
          this.section++;
          const version = len >= MIN_SHB_LENGTH ? shbVersionProblem(dv, p, le, base) : null;
          this.skipSection = version !== null;
          if (version) this.anomaly(version.code, version.offset, `${version.message} The section is skipped.`);
          else problem = checkShb(dv, p, len, le, base);
          break;
        }
        case BT_IDB: {
          const res = parseIdb(dv, p, len, le, base);
          if ('code' in res) problem = res;
          else {
            this.ifaces.push(res.iface);
            for (const [kind, off, msg] of res.anomalies) this.anomaly(kind, off, msg);
          }
          break;
        }
        case BT_EPB:
        case BT_PB: {
          const min = type === BT_EPB ? MIN_EPB_LENGTH : MIN_PB_LENGTH;
          if (len < min) {
            problem = tooShort(type === BT_EPB ? 'Enhanced Packet' : 'Packet', min, len, at);
            break;
          }
          const ifid = type === BT_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
          const caplen = dv.getUint32(p + 20, le);
          if (caplen > len - min) {
            problem = {
              code: 'pcapng_record_length_bogus',
              offset: at + 20,
              message: `Captured length ${caplen} runs past the block body (${len - min} bytes available).`,
            };
            break;
          }
          this.comment = undefined;
          const optAt = p + 28 + pad4(caplen);
          if (optAt < p + len - 4) {
            this.commentDv = dv;
            problem = walkOptions(dv, optAt, p + len - 4, le, base, this.onPacketOption);
            if (problem) break;
          }
          const iface = this.ifaces[ifid];
          if (iface === undefined) {
            this.anomaly('pcapng_interface_undefined', at + 8, `Packet names interface ${ifid}, but its section defines ${this.ifaces.length}; packet skipped.`);
            break;
          }
          const ts = this.ts;
          convertTs(iface, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le), ts);
          frame.tsSec = ts.sec;
          frame.tsNsec = ts.nsec;
          frame.linkType = iface.linkType;
          frame.caplen = caplen;
          frame.origLen = dv.getUint32(p + 24, le);
          frame.data = new Uint8Array(ab, bo + p + 28, caplen);
          frame.interfaceId = ifid;
          frame.comment = this.comment;
          got = true;
          break;
        }
        case BT_SPB: {
          if (len < MIN_SPB_LENGTH) {
            problem = tooShort('Simple Packet', MIN_SPB_LENGTH, len, at);
            break;
          }
          const iface = this.ifaces[0];
          if (iface === undefined) {
            this.anomaly('pcapng_interface_undefined', at, 'Simple Packet Block before any Interface Description Block in its section; packet skipped.');
            break;
          }
          const origLen = dv.getUint32(p + 8, le);
          let caplen = Math.min(len - MIN_SPB_LENGTH, origLen);
          if (iface.snaplen > 0 && caplen > iface.snaplen) caplen = iface.snaplen;
          this.anomaly('pcapng_spb_timestamp_absent', at, 'Simple Packet Blocks carry no timestamp; their frames have time 0.');
          frame.tsSec = 0;
          frame.tsNsec = 0;
          frame.linkType = iface.linkType;
          frame.caplen = caplen;
          frame.origLen = origLen;
          frame.data = new Uint8Array(ab, bo + p + 12, caplen);
          frame.interfaceId = 0;
          frame.comment = undefined;
          got = true;
          break;
        }
        case BT_NRB: {
          const found: Array<[string, number, string]> = [];
          problem = parseNrb(dv, p, len, le, base, this.stats.names!, found);
          for (const [kind, off, msg] of found) this.anomaly(kind, off, msg);
          break;
        }
        case BT_ISB: {
          const res = parseIsb(dv, p, len, le, base);
          if ('code' in res) problem = res;
          else this.interfaceStatistics(res, at);
          break;
        }
        default:
          if (!SKIPPED_BLOCK_TYPES.has(type)) {
            this.anomaly('pcapng_block_unknown', at, `Block type 0x${type.toString(16).padStart(8, '0')} is unknown; skipped.`);
          }
      }
      if (problem === null && dv.getUint32(p + len - 4, le) !== len) problem = trailerProblem(dv, p, len, le, base);
      if (problem) {
        this.fault(problem);
        return 0;
      }
      r.skip(len);
      this.stats.bytesRead = at + len;
      if (got) {
        frame.index = ++this.stats.frames;
        onFrame(frame);
        if (single) return -1;
      }
    }
  }
}

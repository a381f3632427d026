/**
 * pcapng block-level parsing helpers (draft-ietf-opsawg-pcapng, "PCAP Now Generic (pcapng) Capture
 * File Format"; section numbers as in that draft: 3.1 block structure, 3.5 options, 4.1 SHB, 4.2 IDB,
 * 4.3 EPB, 4.4 SPB, 4.5 NRB, 4.6 ISB, 4.7 DSB, 4.8 custom blocks, appendix A obsolete Packet Block; the
 * block type codes are registered in its IANA considerations).
 *
 * Pure functions over a DataView of the reader's buffer: they never read past the block they are
 * given, and report damage as a `BlockProblem` instead of throwing.
 */
import ipaddr from 'ipaddr.js';

/** Section Header Block type (section 4.1); also the file's magic (0a 0d 0d 0a in either order). */
export const BT_SHB = 0x0a0d0d0a;
/** Interface Description Block type (section 4.2). */
export const BT_IDB = 0x00000001;
/** Obsolete Packet Block type (appendix A). */
export const BT_PB = 0x00000002;
/** Simple Packet Block type (section 4.4). */
export const BT_SPB = 0x00000003;
/** Name Resolution Block type (section 4.5). */
export const BT_NRB = 0x00000004;
/** Interface Statistics Block type (section 4.6). */
export const BT_ISB = 0x00000005;
/** Enhanced Packet Block type (section 4.3). */
export const BT_EPB = 0x00000006;
/** Decryption Secrets Block type (section 4.7). */
export const BT_DSB = 0x0000000a;
/** Custom Block types, copiable and not copiable (section 4.8). */
export const BT_CB = 0x00000bad;
export const BT_DCB = 0x40000bad;

/**
 * Block types that are registered but carry no frame for us: skipped silently. NRB, ISB, DSB, custom
 * (both kinds) and the other registered types (IRIG timestamp 7, ARINC 429 8, systemd journal
 * export 9). Anything else is counted as `pcapng_block_unknown`.
 */
export const SKIPPED_BLOCK_TYPES: ReadonlySet<number> = new Set([BT_NRB, BT_ISB, 7, 8, 9, BT_DSB, BT_CB, BT_DCB]);

/** Byte-order magic of the SHB (section 4.1), as written by the writer's byte order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Smallest legal block length, bytes: type + length + trailing length. */
export const MIN_BLOCK_LENGTH = 12;
/** Smallest SHB, bytes: framing 12 + byte-order magic 4 + version 4 + section length 8. */
export const MIN_SHB_LENGTH = 28;
/** Smallest IDB, bytes: framing 12 + link type 2 + reserved 2 + snaplen 4. */
export const MIN_IDB_LENGTH = 20;
/** Smallest EPB, bytes: framing 12 + interface 4 + timestamp 8 + captured and original length 8. */
export const MIN_EPB_LENGTH = 32;
/** Smallest SPB, bytes: framing 12 + original length 4. */
export const MIN_SPB_LENGTH = 16;
/** Smallest obsolete PB, bytes: framing 12 + interface 2 + drops 2 + timestamp 8 + lengths 8. */
export const MIN_PB_LENGTH = 32;
/**
 * Largest block accepted, bytes: a 128 MiB packet (D-Bus) plus 128 KiB of options, as Wireshark's
 * MAX_BLOCK_SIZE. A longer length is treated as corruption (`pcapng_block_length_invalid`).
 */
export const MAX_BLOCK_LENGTH = 128 * 1024 * 1024 + 131072 + MIN_EPB_LENGTH;

/** Option codes used here (section 3.5 opt_endofopt, opt_comment; section 4.2 IDB; section 4.6 ISB). */
const OPT_ENDOFOPT = 0;
/** opt_comment: UTF-8 text, allowed in every block (section 3.5) */
export const OPT_COMMENT = 1;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_ISB_STARTTIME = 2;
const OPT_ISB_ENDTIME = 3;
const OPT_ISB_IFRECV = 4;
const OPT_ISB_IFDROP = 5;
const OPT_ISB_FILTERACCEPT = 6;
const OPT_ISB_OSDROP = 7;
const OPT_ISB_USRDELIV = 8;
/** Name Resolution Block record types (section 4.5) */
const NRB_RECORD_END = 0;
const NRB_RECORD_IPV4 = 1;
const NRB_RECORD_IPV6 = 2;

const utf8 = new TextDecoder('utf-8');

/** Text of an option value (UTF-8, a trailing NUL some writers add is dropped). */
export function optionText(dv: DataView, at: number, len: number): string {
  let n = len;
  while (n > 0 && dv.getUint8(at + n - 1) === 0) n--;
  return utf8.decode(new Uint8Array(dv.buffer, dv.byteOffset + at, n));
}

/** Damage found inside a block. `offset` is a file offset, bytes. */
export interface BlockProblem {
  code: string;
  offset: number;
  message: string;
}

/** Rounds a length up to the next multiple of 4 (pcapng pads fields to 32 bits). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Walks the options in `dv[start, end)` (section 3.5): code u16, length u16, value padded to 4 bytes,
 * ending at `opt_endofopt` or at `end`. Calls `fn(code, valueIndex, length)` for each option.
 *
 * @param base file offset of `dv` index 0, for the problem's offset
 * @returns null, or `pcapng_option_overrun` when an option's value runs past `end`
 */
export function walkOptions(
  dv: DataView,
  start: number,
  end: number,
  le: boolean,
  base: number,
  fn?: (code: number, at: number, len: number) => void,
): BlockProblem | null {
  let q = start;
  while (end - q >= 4) {
    const code = dv.getUint16(q, le);
    const len = dv.getUint16(q + 2, le);
    if (code === OPT_ENDOFOPT) return null;
    if (q + 4 + len > end) {
      return {
        code: 'pcapng_option_overrun',
        offset: base + q,
        message: `Option ${code} of length ${len} runs past the end of its block (${end - q - 4} bytes left).`,
      };
    }
    fn?.(code, q + 4, len);
    q += 4 + pad4(len);
  }
  return null;
}

/**
 * Reads the byte-order magic of an SHB starting at `p` (12 bytes must be available).
 * @returns true (little-endian), false (big-endian) or null (not a byte-order magic)
 */
export function shbByteOrder(dv: DataView, p: number): boolean | null {
  const bom = dv.getUint32(p + 8, true);
  if (bom === BYTE_ORDER_MAGIC) return true;
  if (bom === 0x4d3c2b1a) return false;
  return null;
}

/**
 * Checks the SHB version at `p` (16 bytes available): major 1 only; a reader must not read a section
 * whose major version it does not know (sections 3.4, 4.1).
 * @returns null, or `pcapng_version_unsupported` at the version field
 */
export function shbVersionProblem(dv: DataView, p: number, le: boolean, base: number): BlockProblem | null {
  const major = dv.getUint16(p + 12, le);
  const minor = dv.getUint16(p + 14, le);
  if (major === 1) return null;
  return {
    code: 'pcapng_version_unsupported',
    offset: base + p + 12,
    message: `pcapng section version ${major}.${minor} is not supported (only 1.x is read).`,
  };
}

/**
 * Checks a whole SHB of `len` bytes at `p`: version and option bounds.
 * @returns null or the first problem
 */
export function checkShb(dv: DataView, p: number, len: number, le: boolean, base: number): BlockProblem | null {
  if (len < MIN_SHB_LENGTH) return tooShort('Section Header', MIN_SHB_LENGTH, len, base + p);
  return shbVersionProblem(dv, p, le, base) ?? walkOptions(dv, p + 24, p + len - 4, le, base);
}

/** A `pcapng_block_length_invalid` problem for a block shorter than its fixed fields. */
export function tooShort(what: string, min: number, len: number, offset: number): BlockProblem {
  return {
    code: 'pcapng_block_length_invalid',
    offset,
    message: `${what} Block length ${len} is below the minimum of ${min} bytes.`,
  };
}

/**
 * One interface of the current section (IDB, section 4.2) and how to convert its timestamps.
 *
 * A timestamp counts units of `1/unitsPerSecond` s since the epoch, plus `offsetSec` seconds.
 * `fastMul` > 0 when unitsPerSecond = 10^v with v ≤ 9 (exact number math: nsec = rem × fastMul);
 * otherwise the BigInt path (binary 2^-n resolutions, or finer than 1 ns) is used.
 */
export interface Iface {
  linkType: number;
  /** `if_name` (option 2), or null */
  name: string | null;
  /** 0 = no limit */
  snaplen: number;
  unitsPerSecond: number;
  unitsBig: bigint;
  fastMul: number;
  offsetSec: number;
}

/** Result of `parseIdb`: the interface, plus anomalies to count (kind, file offset, message). */
export interface IdbResult {
  iface: Iface;
  anomalies: Array<[string, number, string]>;
}

/**
 * Parses an IDB of `len` bytes at `p` (section 4.2): link type (u16), snaplen (u32), `if_name` (option 2), `if_tsresol`
 * (option 9; top bit clear = 10^-v s, set = 2^-v s; default 10^-6) and `if_tsoffset` (option 14,
 * signed 64-bit seconds added to every timestamp). An unusable `if_tsresol` is counted as
 * `pcapng_tsresol_invalid` and the default is used.
 *
 * @returns the interface, or a problem (`pcapng_block_length_invalid`, `pcapng_option_overrun`)
 */
export function parseIdb(dv: DataView, p: number, len: number, le: boolean, base: number): IdbResult | BlockProblem {
  if (len < MIN_IDB_LENGTH) return tooShort('Interface Description', MIN_IDB_LENGTH, len, base + p);
  const iface: Iface = {
    linkType: dv.getUint16(p + 8, le),
    name: null,
    snaplen: dv.getUint32(p + 12, le),
    unitsPerSecond: 1e6,
    unitsBig: 1000000n,
    fastMul: 1000,
    offsetSec: 0,
  };
  const anomalies: Array<[string, number, string]> = [];
  const problem = walkOptions(dv, p + 16, p + len - 4, le, base, (code, at, olen) => {
    if (code === OPT_IF_NAME) {
      iface.name = optionText(dv, at, olen);
    } else if (code === OPT_IF_TSRESOL) {
      const v = dv.getUint8(at);
      const binary = (v & 0x80) !== 0;
      const e = v & 0x7f;
      if (olen !== 1 || (binary ? e > 63 : e > 19)) {
        anomalies.push(['pcapng_tsresol_invalid', base + at - 4, `if_tsresol 0x${v.toString(16)} (length ${olen}) is unusable; microseconds assumed.`]);
        return;
      }
      if (!binary && e <= 9) {
        iface.unitsPerSecond = 10 ** e;
        iface.unitsBig = BigInt(10 ** e);
        iface.fastMul = 10 ** (9 - e);
      } else {
        iface.unitsBig = (binary ? 2n : 10n) ** BigInt(e);
        iface.unitsPerSecond = Number(iface.unitsBig);
        iface.fastMul = 0;
      }
    } else if (code === OPT_IF_TSOFFSET) {
      if (olen !== 8) {
        anomalies.push(['pcapng_tsoffset_invalid', base + at - 4, `if_tsoffset has length ${olen}, not 8; ignored.`]);
        return;
      }
      iface.offsetSec = Number(dv.getBigInt64(at, le));
    }
  });
  return problem ?? { iface, anomalies };
}

/** Scratch result of `convertTs` (reused: no allocation per packet). */
export interface TsOut {
  sec: number;
  nsec: number;
}

/**
 * Converts a 64-bit timestamp (`hi`:`lo`, units of the interface's resolution) into whole seconds
 * and nanoseconds (truncated, 0 ≤ nsec < 1e9), adding `if_tsoffset`. Exact for every input whose
 * seconds fit in 2^53: decimal resolutions up to 1 ns use number math (one division below 2^53 units,
 * long division in 16-bit digits above), others BigInt.
 */
export function convertTs(iface: Iface, hi: number, lo: number, out: TsOut): void {
  const mul = iface.fastMul;
  if (mul > 0) {
    const units = iface.unitsPerSecond;
    if (hi < 0x200000) {
      // t < 2^53: floor(t / units) is exact (the rounded quotient could only reach the next integer if
      // 1/units ≤ (t/units)·2^-53, i.e. t ≥ 2^53) and so is q × units ≤ t: a division instead of the slower
      // floating-point modulo
      const t = hi * 4294967296 + lo;
      const q = Math.floor(t / units);
      out.sec = q + iface.offsetSec;
      out.nsec = (t - q * units) * mul;
      return;
    }
    // t ≥ 2^53: long division by `units` (≤ 1e9) over four 16-bit digits; every step stays < 2^46.
    let cur = hi >>> 16;
    let r = cur % units;
    let q = (cur - r) / units;
    cur = r * 65536 + (hi & 0xffff);
    r = cur % units;
    q = q * 65536 + (cur - r) / units;
    cur = r * 65536 + (lo >>> 16);
    r = cur % units;
    q = q * 65536 + (cur - r) / units;
    cur = r * 65536 + (lo & 0xffff);
    r = cur % units;
    q = q * 65536 + (cur - r) / units;
    out.sec = q + iface.offsetSec;
    out.nsec = r * mul;
    return;
  }
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  const u = iface.unitsBig;
  out.sec = Number(t / u) + iface.offsetSec;
  out.nsec = Number(((t % u) * 1000000000n) / u);
}

/** An unsigned 64-bit option value as a number (exact below 2^53; counters never get near it). */
function u64(dv: DataView, at: number, le: boolean): number {
  const a = dv.getUint32(at, le);
  const b = dv.getUint32(at + 4, le);
  return le ? b * 4294967296 + a : a * 4294967296 + b;
}

/**
 * Parses a Name Resolution Block of `len` bytes at `p` (section 4.5) into `names` (address text → name).
 * Records: type u16, value length u16, value padded to 32 bits; `nrb_record_ipv4` = 4-byte address then
 * one or more NUL-terminated UTF-8 names, `nrb_record_ipv6` = 16-byte address then names. As Wireshark
 * resolves them (each name of each record replaces the previous one for its address), the last name of
 * a record is used and a later record replaces an earlier one. Other record types are skipped;
 * `nrb_record_end` ends the records, options follow (only their bounds are checked).
 *
 * @param anomalies receives [kind, file offset, message] for records too short for their address
 *   (`pcapng_nrb_record_invalid`; the record is skipped)
 * @returns null, or a problem when a record or option runs past the block (`pcapng_option_overrun`)
 */
export function parseNrb(
  dv: DataView,
  p: number,
  len: number,
  le: boolean,
  base: number,
  names: Map<string, string>,
  anomalies: Array<[string, number, string]>,
): BlockProblem | null {
  const end = p + len - 4;
  let q = p + 8;
  while (end - q >= 4) {
    const type = dv.getUint16(q, le);
    const rlen = dv.getUint16(q + 2, le);
    if (type === NRB_RECORD_END) return walkOptions(dv, q + 4, end, le, base);
    if (q + 4 + rlen > end) {
      return { code: 'pcapng_option_overrun', offset: base + q, message: `Name Resolution record of length ${rlen} runs past the end of its block.` };
    }
    const alen = type === NRB_RECORD_IPV4 ? 4 : type === NRB_RECORD_IPV6 ? 16 : -1;
    if (alen > 0) {
      const v = q + 4;
      if (rlen <= alen) {
        anomalies.push(['pcapng_nrb_record_invalid', base + q, `Name Resolution record of length ${rlen} has no name after its ${alen}-byte address; skipped.`]);
      } else {
        // the names: NUL-terminated strings one after another; the last non-empty one is kept
        let nameAt = -1;
        let nameEnd = -1;
        for (let a = v + alen; a < v + rlen; ) {
          let z = a;
          while (z < v + rlen && dv.getUint8(z) !== 0) z++;
          if (z > a) {
            nameAt = a;
            nameEnd = z;
          }
          a = z + 1;
        }
        if (nameAt >= 0) {
          const bytes: number[] = [];
          for (let i = 0; i < alen; i++) bytes.push(dv.getUint8(v + i));
          const addr = alen === 4 ? bytes.join('.') : (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
          names.set(addr, utf8.decode(new Uint8Array(dv.buffer, dv.byteOffset + nameAt, nameEnd - nameAt)));
        }
      }
    }
    q += 4 + pad4(rlen);
  }
  return null;
}

/** The counters of one Interface Statistics Block (section 4.6); null = option absent. */
export interface IsbCounters {
  interfaceId: number;
  /** the block's timestamp, raw (high, low) in the interface's units */
  tsHi: number;
  tsLo: number;
  start: [number, number] | null;
  end: [number, number] | null;
  ifRecv: number | null;
  ifDrop: number | null;
  filterAccept: number | null;
  osDrop: number | null;
  usrDeliv: number | null;
}

/** Smallest ISB, bytes: framing 12 + interface id 4 + timestamp 8. */
export const MIN_ISB_LENGTH = 24;

/**
 * Parses an Interface Statistics Block of `len` bytes at `p` (section 4.6): interface id u32, timestamp
 * (high u32, low u32), options `isb_starttime` 2 / `isb_endtime` 3 (timestamps as the block's),
 * `isb_ifrecv` 4, `isb_ifdrop` 5, `isb_filteraccept` 6, `isb_osdrop` 7, `isb_usrdeliv` 8 (u64 packet
 * counts). An option of the wrong length is ignored.
 * @returns the counters, or a problem (`pcapng_block_length_invalid`, `pcapng_option_overrun`)
 */
export function parseIsb(dv: DataView, p: number, len: number, le: boolean, base: number): IsbCounters | BlockProblem {
  if (len < MIN_ISB_LENGTH) return tooShort('Interface Statistics', MIN_ISB_LENGTH, len, base + p);
  const c: IsbCounters = {
    interfaceId: dv.getUint32(p + 8, le),
    tsHi: dv.getUint32(p + 12, le),
    tsLo: dv.getUint32(p + 16, le),
    start: null,
    end: null,
    ifRecv: null,
    ifDrop: null,
    filterAccept: null,
    osDrop: null,
    usrDeliv: null,
  };
  const problem = walkOptions(dv, p + 20, p + len - 4, le, base, (code, at, olen) => {
    if (olen !== 8) return;
    switch (code) {
      case OPT_ISB_STARTTIME:
        c.start = [dv.getUint32(at, le), dv.getUint32(at + 4, le)];
        break;
      case OPT_ISB_ENDTIME:
        c.end = [dv.getUint32(at, le), dv.getUint32(at + 4, le)];
        break;
      case OPT_ISB_IFRECV:
        c.ifRecv = u64(dv, at, le);
        break;
      case OPT_ISB_IFDROP:
        c.ifDrop = u64(dv, at, le);
        break;
      case OPT_ISB_FILTERACCEPT:
        c.filterAccept = u64(dv, at, le);
        break;
      case OPT_ISB_OSDROP:
        c.osDrop = u64(dv, at, le);
        break;
      case OPT_ISB_USRDELIV:
        c.usrDeliv = u64(dv, at, le);
        break;
    }
  });
  return problem ?? c;
}

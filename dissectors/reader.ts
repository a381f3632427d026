/**
 * reader: big-endian field reads and the shared "header does not fit" rule of every dissector.
 *
 * Network byte order (big-endian) per RFC 1700 / RFC 791 §3.1. Reads are plain index math on the frame's
 * `Uint8Array` (never `data.buffer`, never a DataView), so a frame that is a subarray of a larger buffer
 * is read correctly and nothing is allocated. Reads do not check bounds themselves: every dissector first
 * checks `offset + need <= end`, where `end` never exceeds `data.length` (the captured length). An
 * out-of-range read on a Uint8Array yields `undefined` (→ 0 in the bit operations), never an exception.
 *
 * Units: offsets and lengths are bytes from the start of the frame.
 */
import { DecodeError, type PacketView } from './packet.js';

/**
 * A layer dissector: decodes the header that starts at `data[offset]` into `view` and returns the offset
 * of the next header, or `STOP` when there is nothing further to decode (not mine / not IP, upper layer
 * not captured, non-first fragment...). Throws DecodeError when the header is malformed.
 *
 * `end` is the exclusive bound of the bytes this layer may read: ≤ `data.length` (captured bytes) and, for
 * layers inside IP, ≤ the end the IP length field declares.
 *
 * Link dissectors write `view.etherType` (the EtherType of what they carry, 0 for none); EtherType-level
 * shims (VLAN, PPPoE) rewrite it; IP dissectors write `view.protocol`.
 */
export type Dissector = (data: Uint8Array, offset: number, end: number, view: PacketView) => number;

/** Returned by a dissector when decoding stops at its layer. */
export const STOP = -1;

/** unsigned 16-bit big-endian at `i` */
export function u16(data: Uint8Array, i: number): number {
  return (data[i] << 8) | data[i + 1];
}

/** unsigned 32-bit big-endian at `i` */
export function u32(data: Uint8Array, i: number): number {
  return ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
}

/**
 * Exclusive end offset of the IP datagram in the frame: ipOffset + ipTotalLen, but never past the end of
 * the frame on the wire (max(origLen, capLen)). A total length beyond the wire frame is a lie (soft anomaly
 * `ip_total_length_exceeds_frame`); the transport layer is then bounded by the frame, as Wireshark does.
 * Not bounded by the captured length: a snaplen cut does not change the declared lengths.
 */
export function datagramEnd(view: PacketView): number {
  const declared = view.ipOffset + view.ipTotalLen;
  const wire = view.origLen > view.capLen ? view.origLen : view.capLen;
  return declared < wire ? declared : wire;
}

/** Records a soft anomaly; the first one of a frame wins (`code` must be a literal: no allocation). */
export function weird(view: PacketView, code: string): void {
  if (view.weird === null) view.weird = code;
}

/**
 * A header needs `need` bytes at `offset` but only `end - offset` are available.
 *
 * - When `end` is the end of the captured bytes and the frame was cut by the snaplen (capLen < origLen,
 *   i.e. `view.truncated`), this is truncation: returns STOP, the caller keeps what it decoded so far.
 * - Otherwise (the whole frame was captured, or a declared length inside the frame is too short) the
 *   header is malformed: throws DecodeError(`code`, `layer`, `offset`, `need`, `have`).
 */
export function short(
  data: Uint8Array,
  end: number,
  view: PacketView,
  layer: string,
  code: string,
  offset: number,
  need: number,
): number {
  if (view.truncated && end >= data.length) return STOP;
  throw new DecodeError(code, layer, offset, need, end > offset ? end - offset : 0);
}

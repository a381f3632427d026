/**
 * tcp: Transmission Control Protocol header (IP protocol 6).
 *
 * Spec: RFC 9293 §3.1. Fixed part 20 bytes, big-endian:
 *   0 source port | 2 destination port | 4 sequence number (4) | 8 acknowledgment number (4) | 12 data
 *   offset (4 bits, header length in 32-bit words, 5..15) | reserved 4 bits (bit 0x01 of byte 12 was NS /
 *   is AE) | 13 flags CWR ECE URG ACK PSH RST SYN FIN | 14 window | 16 checksum | 18 urgent pointer
 *   | 20 options (data offset * 4 - 20 bytes).
 *
 * Rules (the segment is the IP payload: IP total length - IP header incl. extension headers, bounded by the
 * frame on the wire, see reader.ts `datagramEnd`):
 *  - data offset < 5 → `tcp_data_offset_bogus`; fixed header or data offset beyond the segment →
 *    `tcp_header_exceeds_segment` (malformed), except in a first fragment, where the header may continue in
 *    the next fragment (RFC 1858 tiny fragments): soft anomaly `tcp_header_fragmented`, STOP (Network).
 *  - fixed 20 bytes not captured → truncation (STOP, nothing of TCP written) or `tcp_header_truncated`.
 *  - options cut by the snaplen → the fixed header is decoded (Transport, `truncated`).
 *
 * Writes: transport = 6, srcPort, dstPort, seq, ack (uint32), tcpFlags (byte 13), window (unscaled),
 * transportHeaderLen (bytes), payloadLen (bytes: segment − header, from the IP length, not caplen),
 * payloadOffset. Returns payloadOffset.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { STOP, datagramEnd, short, u16, u32, weird } from './reader.js';

export const TCP_MIN_HEADER_LEN = 20;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  const segEnd = datagramEnd(view);
  if (offset + TCP_MIN_HEADER_LEN > segEnd) {
    if (view.isFragment) {
      weird(view, 'tcp_header_fragmented');
      return STOP;
    }
    throw new DecodeError('tcp_header_exceeds_segment', 'tcp', offset, TCP_MIN_HEADER_LEN, segEnd - offset);
  }
  if (offset + TCP_MIN_HEADER_LEN > end) {
    return short(data, end, view, 'tcp', 'tcp_header_truncated', offset, TCP_MIN_HEADER_LEN);
  }
  const hl = (data[offset + 12] >> 4) << 2;
  if (hl < TCP_MIN_HEADER_LEN) throw new DecodeError('tcp_data_offset_bogus', 'tcp', offset + 12);
  if (offset + hl > segEnd) {
    if (view.isFragment) {
      weird(view, 'tcp_header_fragmented');
      return STOP;
    }
    throw new DecodeError('tcp_header_exceeds_segment', 'tcp', offset + 12, hl, segEnd - offset);
  }

  view.transport = 6;
  view.srcPort = u16(data, offset);
  view.dstPort = u16(data, offset + 2);
  view.seq = u32(data, offset + 4);
  view.ack = u32(data, offset + 8);
  view.tcpFlags = data[offset + 13];
  view.window = u16(data, offset + 14);
  view.transportHeaderLen = hl;
  view.payloadOffset = offset + hl;
  view.payloadLen = segEnd - offset - hl;

  if (offset + hl > end) return short(data, end, view, 'tcp', 'tcp_header_truncated', offset, hl);
  return offset + hl;
}

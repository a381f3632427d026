/**
 * udp: User Datagram Protocol header (IP protocol 17).
 *
 * Spec: RFC 768. 8 bytes, big-endian: 0 source port | 2 destination port | 4 length (bytes, header + data,
 * ≥ 8) | 6 checksum.
 *
 * Rules (the IP payload is IP total length − IP header incl. extension headers, bounded by the frame on
 * the wire, see reader.ts `datagramEnd`):
 *  - length < 8 → `udp_length_bogus`; header beyond the IP payload → `udp_header_exceeds_segment`
 *    (malformed) except in a first fragment (soft anomaly `udp_header_fragmented`, STOP);
 *  - header not captured → truncation (STOP) or `udp_header_truncated`;
 *  - length larger than the IP payload of an unfragmented datagram → soft anomaly
 *    `udp_length_exceeds_ip_payload` and payloadLen is clamped to the IP payload − 8. In a first fragment
 *    the UDP length covers the whole datagram and is used as is.
 *
 * Writes: transport = 17, srcPort, dstPort, transportHeaderLen = 8, payloadLen (UDP length − 8),
 * payloadOffset. Returns payloadOffset.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { STOP, datagramEnd, short, u16, weird } from './reader.js';

export const UDP_HEADER_LEN = 8;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  const segEnd = datagramEnd(view);
  if (offset + UDP_HEADER_LEN > segEnd) {
    if (view.isFragment) {
      weird(view, 'udp_header_fragmented');
      return STOP;
    }
    throw new DecodeError('udp_header_exceeds_segment', 'udp', offset, UDP_HEADER_LEN, segEnd - offset);
  }
  if (offset + UDP_HEADER_LEN > end) {
    return short(data, end, view, 'udp', 'udp_header_truncated', offset, UDP_HEADER_LEN);
  }
  const ulen = u16(data, offset + 4);
  if (ulen < UDP_HEADER_LEN) throw new DecodeError('udp_length_bogus', 'udp', offset + 4);

  view.transport = 17;
  view.srcPort = u16(data, offset);
  view.dstPort = u16(data, offset + 2);
  view.transportHeaderLen = UDP_HEADER_LEN;
  view.payloadOffset = offset + UDP_HEADER_LEN;
  if (!view.isFragment && offset + ulen > segEnd) {
    weird(view, 'udp_length_exceeds_ip_payload');
    view.payloadLen = segEnd - offset - UDP_HEADER_LEN;
  } else {
    view.payloadLen = ulen - UDP_HEADER_LEN;
  }
  return offset + UDP_HEADER_LEN;
}

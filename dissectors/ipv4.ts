/**
 * ipv4: Internet Protocol version 4 header (EtherType 0x0800).
 *
 * Spec: RFC 791 §3.1. Fixed part 20 bytes, big-endian:
 *   0 version (4 bits) | IHL (4 bits, header length in 32-bit words, 5..15) | 1 DSCP/ECN | 2 total length
 *   (bytes, header + data) | 4 identification | 6 flags (3 bits: reserved, DF 0x4000, MF 0x2000) | fragment
 *   offset (13 bits, 8-byte units) | 8 TTL | 9 protocol | 10 checksum | 12 source | 16 destination
 *   | 20 options (IHL*4 - 20 bytes).
 *
 * Rules:
 *  - version ≠ 4 → `ipv4_version_bogus`; IHL < 5 → `ipv4_header_length_bogus`; total length < IHL*4 →
 *    `ipv4_total_length_bogus` (all malformed, thrown).
 *  - fixed 20 bytes not captured → truncation (snaplen cut) or `ipv4_header_truncated` (malformed); the
 *    IP layer is then not decoded. Options cut by the snaplen: the fixed header is decoded, STOP (Network).
 *  - total length beyond the frame on the wire (origLen): soft anomaly `ip_total_length_exceeds_frame`;
 *    what is captured is decoded; ipTotalLen keeps the declared value but the transport layer (and so
 *    payloadLen) is bounded by the end of the wire frame, as Wireshark does (reader.ts `datagramEnd`).
 *    Total length shorter than the frame is normal (Ethernet padding).
 *  - fragments (MF set or offset > 0): `isFragment`, `ipId`, `fragOffset` (bytes). Only the first fragment
 *    (offset 0) carries the transport header; later fragments STOP (status Network).
 *
 * Writes: ipVersion, ipOffset, ipHeaderLen (bytes, with options), ipTotalLen (bytes), src/dst (word 3),
 * protocol, ipId / isFragment / fragOffset. Returns the offset of the transport header.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { STOP, short, u16, u32, weird } from './reader.js';

export const IPV4_MIN_HEADER_LEN = 20;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + IPV4_MIN_HEADER_LEN > end) {
    return short(data, end, view, 'ip', 'ipv4_header_truncated', offset, IPV4_MIN_HEADER_LEN);
  }
  const vihl = data[offset];
  if (vihl >> 4 !== 4) throw new DecodeError('ipv4_version_bogus', 'ip', offset);
  const hl = (vihl & 0x0f) << 2;
  if (hl < IPV4_MIN_HEADER_LEN) throw new DecodeError('ipv4_header_length_bogus', 'ip', offset);
  const total = u16(data, offset + 2);
  if (total < hl) throw new DecodeError('ipv4_total_length_bogus', 'ip', offset + 2);

  view.ipVersion = 4;
  view.ipOffset = offset;
  view.ipHeaderLen = hl;
  view.ipTotalLen = total;
  view.protocol = data[offset + 9];
  view.src[3] = u32(data, offset + 12);
  view.dst[3] = u32(data, offset + 16);
  const frag = u16(data, offset + 6);
  const fragOffset = (frag & 0x1fff) << 3;
  if ((frag & 0x2000) !== 0 || fragOffset !== 0) {
    view.isFragment = true;
    view.ipId = u16(data, offset + 4);
    view.fragOffset = fragOffset;
  }
  const wire = view.origLen > data.length ? view.origLen : data.length;
  if (offset + total > wire) weird(view, 'ip_total_length_exceeds_frame');

  if (offset + hl > end) return short(data, end, view, 'ip', 'ipv4_header_truncated', offset, hl);
  return fragOffset === 0 ? offset + hl : STOP;
}

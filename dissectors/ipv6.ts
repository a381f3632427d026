/**
 * ipv6: Internet Protocol version 6 fixed header and extension-header chain (EtherType 0x86dd).
 *
 * Spec: RFC 8200 §3 (fixed header, 40 bytes: 0 version 4 bits | traffic class 8 | flow label 20 | 4 payload
 * length (bytes after the fixed header) | 6 next header | 7 hop limit | 8 source (16) | 24 destination (16)),
 * §4 extension headers walked here:
 *   - Hop-by-Hop Options 0, Routing 43, Destination Options 60: next header 1 | length 1 in 8-byte units
 *     not counting the first 8 → (len + 1) * 8 bytes;
 *   - Fragment 44 (§4.5): 8 bytes: next header | reserved | offset 13 bits (8-byte units) | res 2 | M 1 bit
 *     | identification 4;
 *   - Authentication Header 51 (RFC 4302 §2.2): length in 4-byte units minus 2 → (len + 2) * 4 bytes.
 * ESP 50 (encrypted), No Next Header 59 and every other value end the walk: that value is `protocol`.
 *
 * Routing header type 0 (RFC 2460 §4.4: next header | hdr ext len | routing type | segments left | reserved 4
 * | addresses, 16 bytes each; deprecated by RFC 5095): the packet's final destination is the last address of
 * the list while segments are left, and that is the address `dst` gets, as Zeek (IPv6_Hdr_Chain::
 * ProcessRoutingHeader: segments left > 0, hdr ext len ≥ 2 and even) and tshark's conversation tables key
 * the flow. Only the first Routing header counts (RFC 8200 §4.1 allows one). Every type-0 header is flagged
 * with the soft anomaly `ipv6_routing_type0` (Zeek weird `routing0_hdr`, tshark expert note "Routing header
 * type is deprecated"). Other routing types keep the header's destination.
 *
 * Rules:
 *  - fixed 40 bytes not captured → truncation or `ipv6_header_truncated`; version ≠ 6 → `ipv6_version_bogus`.
 *  - an extension header beyond the payload length → `ipv6_ext_header_exceeds_payload` (malformed); beyond
 *    the captured bytes → truncation (status Network, `protocol` = the header type where the walk stopped)
 *    or `ipv6_ext_header_truncated` when the frame was not snaplen-cut.
 *  - payload beyond the frame on the wire (origLen): soft anomaly `ip_total_length_exceeds_frame`; ipTotalLen
 *    keeps the declared value, the extension headers and the transport layer are bounded by the wire frame.
 *  - Fragment header with offset > 0 or M set: `isFragment`, `ipId` (32-bit identification), `fragOffset`
 *    (bytes); a non-first fragment STOPs with `protocol` = the fragment header's next header. An atomic
 *    fragment (offset 0, M 0; RFC 6946) is not a fragment.
 *
 * Writes: ipVersion, ipOffset, ipHeaderLen (40 + extension headers walked), ipTotalLen (payload length + 40),
 * src/dst (4 words; dst = the final destination of a type-0 Routing header), protocol, fragment fields.
 * Returns the offset of the upper-layer header.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { STOP, short, u16, u32, weird } from './reader.js';

export const IPV6_HEADER_LEN = 40;
/** every extension header is at least 8 bytes (RFC 8200 §4; AH minimum is 12) */
const EXT_MIN_LEN = 8;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + IPV6_HEADER_LEN > end) {
    return short(data, end, view, 'ipv6', 'ipv6_header_truncated', offset, IPV6_HEADER_LEN);
  }
  if (data[offset] >> 4 !== 6) throw new DecodeError('ipv6_version_bogus', 'ipv6', offset);
  const plen = u16(data, offset + 4);
  let nh = data[offset + 6];

  view.ipVersion = 6;
  view.ipOffset = offset;
  view.ipHeaderLen = IPV6_HEADER_LEN;
  view.ipTotalLen = plen + IPV6_HEADER_LEN;
  view.protocol = nh;
  const src = view.src;
  const dst = view.dst;
  src[0] = u32(data, offset + 8);
  src[1] = u32(data, offset + 12);
  src[2] = u32(data, offset + 16);
  src[3] = u32(data, offset + 20);
  dst[0] = u32(data, offset + 24);
  dst[1] = u32(data, offset + 28);
  dst[2] = u32(data, offset + 32);
  dst[3] = u32(data, offset + 36);

  let declEnd = offset + IPV6_HEADER_LEN + plen;
  const wire = view.origLen > data.length ? view.origLen : data.length;
  if (declEnd > wire) {
    weird(view, 'ip_total_length_exceeds_frame');
    declEnd = wire;
  }
  const capEnd = declEnd < end ? declEnd : end;

  let p = offset + IPV6_HEADER_LEN;
  let routed = false;
  for (;;) {
    let len: number;
    switch (nh) {
      case 0: // Hop-by-Hop Options
      case 43: // Routing
      case 60: // Destination Options
      case 44: // Fragment
      case 51: // Authentication Header
        break;
      default:
        return p;
    }
    if (p + EXT_MIN_LEN > declEnd) throw new DecodeError('ipv6_ext_header_exceeds_payload', 'ipv6', p, EXT_MIN_LEN, declEnd - p);
    if (p + EXT_MIN_LEN > capEnd) return short(data, capEnd, view, 'ipv6', 'ipv6_ext_header_truncated', p, EXT_MIN_LEN);
    if (nh === 44) {
      len = 8;
      const fo = u16(data, p + 2);
      const fragOffset = fo & 0xfff8;
      if (fragOffset !== 0 || (fo & 1) !== 0) {
        view.isFragment = true;
        view.ipId = u32(data, p + 4);
        view.fragOffset = fragOffset;
      }
    } else if (nh === 51) {
      len = (data[p + 1] + 2) << 2;
    } else {
      len = (data[p + 1] + 1) << 3;
    }
    if (p + len > declEnd) throw new DecodeError('ipv6_ext_header_exceeds_payload', 'ipv6', p, len, declEnd - p);
    if (p + len > capEnd) return short(data, capEnd, view, 'ipv6', 'ipv6_ext_header_truncated', p, len);
    if (nh === 43 && !routed) {
      routed = true;
      if (data[p + 2] === 0) {
        weird(view, 'ipv6_routing_type0');
        const extLen = data[p + 1];
        if (data[p + 3] > 0 && extLen >= 2 && (extLen & 1) === 0) {
          // final destination: the last 16 bytes of the header
          const a = p + len - 16;
          dst[0] = u32(data, a);
          dst[1] = u32(data, a + 4);
          dst[2] = u32(data, a + 8);
          dst[3] = u32(data, a + 12);
        }
      }
    }
    nh = data[p];
    p += len;
    view.ipHeaderLen = p - offset;
    view.protocol = nh;
    if (view.fragOffset !== 0) return STOP; // non-first fragment: the upper-layer header is elsewhere
  }
}

/**
 * icmpv6: Internet Control Message Protocol for IPv6 (IPv6 next header 58).
 *
 * Spec: RFC 4443 §2.1. Header: 0 type | 1 code | 2 checksum | 4 message body. Error messages are types 0-127
 * (§2.1); those defined by §3 quote the invoking packet at byte 8 (icmp-quote.ts): destination unreachable 1
 * (codes: 0 no route, 1 communication administratively prohibited, 3 address unreachable, 4 port
 * unreachable, 5 source address failed ingress/egress policy, 6 reject route), packet too big 2, time
 * exceeded 3 (0 hop limit exceeded, 1 fragment reassembly time exceeded), parameter problem 4.
 * Informational messages (128-255: echo, neighbour discovery, ...) are only typed.
 *
 * Rules as icmp.ts: type/code not captured → truncation or `icmpv6_header_truncated`; an error message
 * shorter than 8 bytes likewise; the quote's own problems are soft.
 *
 * Writes: icmpType, icmpCode; for error types 1-4 the quoted* fields. Returns STOP (status Network).
 */
import type { PacketView } from './packet.js';
import { STOP, short } from './reader.js';
import { decodeQuote, ICMP_ERROR_HEADER_LEN } from './icmp-quote.js';

/** ICMPv6 types whose message quotes the invoking packet (RFC 4443 §3). */
export function isIcmpv6Error(type: number): boolean {
  return type >= 1 && type <= 4;
}

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + 4 > end) return short(data, end, view, 'icmpv6', 'icmpv6_header_truncated', offset, 4);
  const type = data[offset];
  view.icmpType = type;
  view.icmpCode = data[offset + 1];
  if (!isIcmpv6Error(type)) return STOP;
  if (offset + ICMP_ERROR_HEADER_LEN > end) return short(data, end, view, 'icmpv6', 'icmpv6_header_truncated', offset, ICMP_ERROR_HEADER_LEN);
  decodeQuote(data, offset + ICMP_ERROR_HEADER_LEN, end, view, 6);
  return STOP;
}

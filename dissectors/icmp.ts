/**
 * icmp: Internet Control Message Protocol for IPv4 (IP protocol 1).
 *
 * Spec: RFC 792. Header: 0 type | 1 code | 2 checksum | 4 rest of header (4 bytes, type-specific) — 8 bytes
 * for every message type decoded further here. Error messages quote the datagram that caused them (at byte 8,
 * icmp-quote.ts): destination unreachable 3 (codes: 0 net, 1 host, 3 port unreachable, 9/10 network/host
 * administratively prohibited, 13 communication administratively prohibited (RFC 1812 §5.2.7.1), ...),
 * source quench 4, redirect 5, time exceeded 11 (0 TTL exceeded in transit, 1 reassembly time exceeded),
 * parameter problem 12. Other types (echo 0/8, ...) are only typed.
 *
 * Rules: the type and code (first 2 bytes; 4 with the checksum) not captured → truncation (STOP, nothing
 * written) or `icmp_header_truncated` when the IP datagram itself is too short (malformed); an error message
 * shorter than its 8-byte header likewise. The quote's own problems are soft (icmp-quote.ts).
 *
 * Writes: icmpType, icmpCode; for error types the quoted* fields. Returns STOP (no further layer): the
 * status is Network.
 */
import type { PacketView } from './packet.js';
import { STOP, short } from './reader.js';
import { decodeQuote, ICMP_ERROR_HEADER_LEN } from './icmp-quote.js';

/** ICMP types whose message quotes the offending datagram (RFC 792, RFC 1812). */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + 4 > end) return short(data, end, view, 'icmp', 'icmp_header_truncated', offset, 4);
  const type = data[offset];
  view.icmpType = type;
  view.icmpCode = data[offset + 1];
  if (!isIcmpError(type)) return STOP;
  if (offset + ICMP_ERROR_HEADER_LEN > end) return short(data, end, view, 'icmp', 'icmp_header_truncated', offset, ICMP_ERROR_HEADER_LEN);
  decodeQuote(data, offset + ICMP_ERROR_HEADER_LEN, end, view, 4);
  return STOP;
}

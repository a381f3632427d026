/**
 * raw: frames that start directly with an IP header (no link header).
 *
 * Spec: https://www.tcpdump.org/linktypes.html: LINKTYPE_RAW = 101 (IPv4 or IPv6, told apart by the
 * version nibble of the first byte), LINKTYPE_IPV4 = 228 (always IPv4), LINKTYPE_IPV6 = 229 (always IPv6).
 * For LINKTYPE_RAW a version other than 4 or 6 is malformed (`raw_ip_version_bogus`); for 228/229 the
 * IP dissector itself checks the version.
 *
 * Writes: `etherType` (0x0800 / 0x86dd as the EtherType equivalent). Consumes no bytes.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { short } from './reader.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';

/** LINKTYPE_RAW: IPv4 or IPv6 by the version nibble. */
export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + 1 > end) return short(data, end, view, 'raw', 'raw_header_truncated', offset, 1);
  const version = data[offset] >> 4;
  if (version === 4) view.etherType = ETHERTYPE_IPV4;
  else if (version === 6) view.etherType = ETHERTYPE_IPV6;
  else throw new DecodeError('raw_ip_version_bogus', 'raw', offset);
  return offset;
}

/** LINKTYPE_IPV4 */
export function decodeIpv4(_data: Uint8Array, offset: number, _end: number, view: PacketView): number {
  view.etherType = ETHERTYPE_IPV4;
  return offset;
}

/** LINKTYPE_IPV6 */
export function decodeIpv6(_data: Uint8Array, offset: number, _end: number, view: PacketView): number {
  view.etherType = ETHERTYPE_IPV6;
  return offset;
}

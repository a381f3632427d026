/**
 * null: BSD loopback encapsulation (LINKTYPE_NULL = 0) and OpenBSD loopback (LINKTYPE_LOOP = 108).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html and .../LINKTYPE_LOOP.html. A 4-byte address
 * family (the AF_ value of the capturing host), then the network-layer packet.
 *   - LINKTYPE_NULL: the AF is in the capturing host's byte order. Both orders are accepted: AF values are
 *     small, so a value with any of its upper 16 bits set is read byte-swapped (Wireshark does the same).
 *   - LINKTYPE_LOOP: the AF is always big-endian (network order).
 * AF values: 2 = IPv4 (every BSD, Linux, Windows); 10 (Linux), 24 (NetBSD/OpenBSD/BSD/OS), 28 (FreeBSD),
 * 30 (macOS/iOS) = IPv6. Any other AF: `view.etherType` = 0 and decoding stops (NotIp).
 *
 * Writes: `etherType` (0x0800 / 0x86dd as the EtherType equivalent of the AF). Units: bytes.
 */
import type { PacketView } from './packet.js';
import { STOP, short, u32 } from './reader.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';

export const NULL_HEADER_LEN = 4;

function byteSwap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

function dispatchAf(af: number, offset: number, view: PacketView): number {
  switch (af) {
    case 2:
      view.etherType = ETHERTYPE_IPV4;
      return offset + NULL_HEADER_LEN;
    case 10:
    case 24:
    case 28:
    case 30:
      view.etherType = ETHERTYPE_IPV6;
      return offset + NULL_HEADER_LEN;
    default:
      view.etherType = 0;
      return STOP;
  }
}

/** LINKTYPE_NULL: AF in host byte order (either). */
export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + NULL_HEADER_LEN > end) return short(data, end, view, 'null', 'null_header_truncated', offset, NULL_HEADER_LEN);
  let af = u32(data, offset);
  if ((af & 0xffff0000) !== 0) af = byteSwap32(af);
  return dispatchAf(af, offset, view);
}

/** LINKTYPE_LOOP: AF in network byte order. */
export function decodeLoop(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + NULL_HEADER_LEN > end) return short(data, end, view, 'null', 'null_header_truncated', offset, NULL_HEADER_LEN);
  return dispatchAf(u32(data, offset), offset, view);
}

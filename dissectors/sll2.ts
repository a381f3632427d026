/**
 * sll2: Linux "cooked" capture header v2 (LINKTYPE_LINUX_SLL2 = 276).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html. 20 bytes, big-endian:
 *   0 protocol type (2) | 2 reserved (2) | 4 interface index (4) | 8 ARPHRD_ type (2) | 10 packet type (1)
 *   | 11 link-layer address length (1) | 12 address (8, zero padded).
 * Protocol type semantics as in SLL v1 (see sll.ts): an EtherType when ≥ 0x0600 and the ARPHRD type is not
 * ARPHRD_NETLINK; otherwise `view.etherType` = 0 and decoding stops (NotIp).
 *
 * Writes: `etherType`. Units: bytes.
 */
import type { PacketView } from './packet.js';
import { STOP, short, u16 } from './reader.js';
import { ARPHRD_NETLINK } from './sll.js';

export const SLL2_HEADER_LEN = 20;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + SLL2_HEADER_LEN > end) return short(data, end, view, 'sll2', 'sll2_header_truncated', offset, SLL2_HEADER_LEN);
  const proto = u16(data, offset);
  const hatype = u16(data, offset + 8);
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) {
    view.etherType = 0;
    return STOP;
  }
  view.etherType = proto;
  return offset + SLL2_HEADER_LEN;
}

/**
 * sll: Linux "cooked" capture header v1 (LINKTYPE_LINUX_SLL = 113).
 *
 * Spec: https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html. 16 bytes, big-endian:
 *   0 packet type (2) | 2 ARPHRD_ type (2) | 4 link-layer address length (2) | 6 address (8, zero padded)
 *   | 14 protocol type (2).
 * The protocol type is an EtherType when ≥ 0x0600 (and the ARPHRD type is not ARPHRD_NETLINK 824);
 * smaller values are Linux pseudo-protocols (0x0001 Novell 802.3, 0x0004 802.2 LLC, 0x000c CAN...)
 * that carry no IP: `view.etherType` = 0 and decoding stops (NotIp).
 *
 * Writes: `etherType`. Units: bytes.
 */
import type { PacketView } from './packet.js';
import { STOP, short, u16 } from './reader.js';

export const SLL_HEADER_LEN = 16;
/** ARPHRD_NETLINK: the protocol field is a netlink family, not an EtherType */
export const ARPHRD_NETLINK = 824;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + SLL_HEADER_LEN > end) return short(data, end, view, 'sll', 'sll_header_truncated', offset, SLL_HEADER_LEN);
  const hatype = u16(data, offset + 2);
  const proto = u16(data, offset + 14);
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) {
    view.etherType = 0;
    return STOP;
  }
  view.etherType = proto;
  return offset + SLL_HEADER_LEN;
}

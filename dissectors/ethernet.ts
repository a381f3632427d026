/**
 * ethernet: Ethernet II / IEEE 802.3 MAC header and IEEE 802.1Q VLAN tags (LINKTYPE_ETHERNET = 1).
 *
 * Specs: IEEE 802.3 clause 3.1 (MAC frame: destination 6, source 6, Length/Type 2), IEEE 802.1Q-2018
 * §9.6 (tag: TPID 2 then TCI 2 = PCP 3 bits | DEI 1 bit | VID 12 bits, then the next Length/Type).
 * TPIDs handled: 0x8100 (C-tag, 802.1Q), 0x88a8 (S-tag, 802.1ad) and 0x9100 (pre-standard QinQ); any
 * stack of them is walked one tag per EtherType-table lookup, so a tag behind SLL/SLL2 works too.
 *
 * Shapes: Length/Type < 0x0600 is an 802.3 length (LLC follows, not IP): `view.etherType` = 0 and decoding
 * stops (NotIp). The FCS, when a capture includes it, and the Ethernet padding are never parsed: the IP
 * and UDP length fields bound everything inside.
 *
 * Writes: `etherType` (the innermost Length/Type, i.e. the network layer's EtherType), `vlanCount`,
 * `vlanOuter` (first tag on the wire), `vlanInner` (last tag). Units: bytes.
 */
import type { PacketView } from './packet.js';
import { STOP, short, u16 } from './reader.js';

/** Ethernet II header length in bytes (no tag) */
export const ETH_HEADER_LEN = 14;
/** one 802.1Q/802.1ad tag in bytes (TCI 2 + inner Length/Type 2; the TPID is the outer Type field) */
export const VLAN_TAG_LEN = 4;

/** EtherTypes (IEEE Registration Authority) used by the dissectors */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;

/** Ethernet MAC header at `offset`; returns the offset after it (first tag or network header). */
export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + ETH_HEADER_LEN > end) return short(data, end, view, 'eth', 'eth_header_truncated', offset, ETH_HEADER_LEN);
  const type = u16(data, offset + 12);
  if (type < 0x0600) {
    view.etherType = 0; // 802.3 length field: LLC/SNAP follows
    return STOP;
  }
  view.etherType = type;
  return offset + ETH_HEADER_LEN;
}

/**
 * One VLAN tag whose TPID was the previous Type field: `offset` points at the TCI. Returns the offset
 * after the tag with `view.etherType` set to the tag's inner Length/Type.
 */
export function decodeVlanTag(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + VLAN_TAG_LEN > end) return short(data, end, view, 'vlan', 'vlan_tag_truncated', offset, VLAN_TAG_LEN);
  const vid = u16(data, offset) & 0x0fff;
  if (view.vlanCount === 0) view.vlanOuter = vid;
  view.vlanInner = vid;
  view.vlanCount++;
  const type = u16(data, offset + 2);
  if (type < 0x0600) {
    view.etherType = 0;
    return STOP;
  }
  view.etherType = type;
  return offset + VLAN_TAG_LEN;
}

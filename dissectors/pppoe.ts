/**
 * pppoe: PPPoE session stage header and the PPP protocol field (EtherType 0x8864).
 *
 * Specs: RFC 2516 §4 (VER 4 bits = 1 | TYPE 4 bits = 1 | CODE 1 = 0x00 | SESSION_ID 2 | LENGTH 2), then
 * RFC 1661 §2 PPP Protocol field (2 bytes; RFC 2516 §7 says Protocol-Field-Compression SHOULD NOT be used,
 * so the compressed 1-byte form is not accepted). PPP 0x0021 = IPv4, 0x0057 = IPv6 (RFC 5072); anything
 * else (LCP, IPCP, ...) or a VER/TYPE other than 1/1 carries no IP: `view.etherType` = 0 and decoding stops.
 *
 * Writes: `etherType` (0x0800 / 0x86dd as the EtherType equivalent of the PPP protocol). Units: bytes.
 */
import type { PacketView } from './packet.js';
import { STOP, short, u16 } from './reader.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';

/** PPPoE header 6 + PPP protocol 2 */
export const PPPOE_HEADER_LEN = 8;

export function decode(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (offset + PPPOE_HEADER_LEN > end) return short(data, end, view, 'pppoes', 'pppoes_header_truncated', offset, PPPOE_HEADER_LEN);
  const ppp = u16(data, offset + 6);
  if (data[offset] !== 0x11) view.etherType = 0;
  else if (ppp === 0x0021) view.etherType = ETHERTYPE_IPV4;
  else if (ppp === 0x0057) view.etherType = ETHERTYPE_IPV6;
  else view.etherType = 0;
  return view.etherType === 0 ? STOP : offset + PPPOE_HEADER_LEN;
}

/**
 * tunnel: IP carried directly in IP — IPv4 in IP (IP protocol 4; RFC 2003 "IP Encapsulation within IP") and
 * IPv6 in IP (IP protocol 41; RFC 4213 §3.5 "6in4"/"configured tunnels", also used by 6to4 and ISATAP). The
 * outer header may be IPv4 or IPv6 (protocol / next header 4 or 41 both mean the same in IPv6, RFC 2473).
 *
 * The inner packet is what the flow is about, so it is decoded into the same view: the inner IP dissector
 * overwrites every IP field (addresses, lengths, protocol, fragment fields) and the transport layer that
 * follows is the inner one. This is what tshark's conversation tables do (they key the conversation on the
 * innermost IP/TCP/UDP) and what Zeek does for IP tunnels (its inner connection carries the flow).
 * `view.tunnelDepth` counts the encapsulations removed; `view.etherType` keeps the link layer's value.
 *
 * Rules:
 *  - an outer datagram that is a fragment (MF or offset, view.isFragment) is not decapsulated: without
 *    reassembly the inner header of a fragmented tunnel packet is not trustworthy. STOP (status Network,
 *    protocol 4 / 41), so the datagram's later fragments find it as a non-flow datagram.
 *  - the inner packet is bounded by the outer datagram (`end` from decodeFrame). An inner fixed header cut by
 *    the snaplen is not decoded: the outer packet stays in the view (Network, protocol 4 / 41, tunnelDepth 0).
 *    One that does not fit in a frame captured whole is malformed, from the IP dissector; so are inner
 *    options / extension headers that do not fit (or truncation, as for an outer header).
 *  - the inner version nibble must match: protocol 4 with a version-6 header (or 41 with a version-4 header)
 *    is `ipv4_version_bogus` / `ipv6_version_bogus` (malformed), from the IP dissector.
 *  - nesting deeper than MAX_TUNNEL_DEPTH is `ip_tunnel_nesting_too_deep` (malformed): a loop guard.
 *
 * Writes: tunnelDepth (+1), then everything ipv4.ts / ipv6.ts write. Returns the inner transport offset.
 */
import type { PacketView } from './packet.js';
import { DecodeError } from './packet.js';
import { STOP } from './reader.js';
import * as ipv4 from './ipv4.js';
import * as ipv6 from './ipv6.js';

/** IP protocol numbers (IANA) of the tunnels decoded here */
export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6 = 41;
/** more IP-in-IP encapsulations than this in one frame is malformed */
export const MAX_TUNNEL_DEPTH = 8;

/**
 * Decides whether to decode the inner header and, if so, clears the outer IP fields the inner dissector may
 * not overwrite (IPv4 writes address word 3 only). An inner fixed header cut by the snaplen leaves the outer
 * packet in the view (status Network, protocol 4 / 41), like any upper layer that was not captured.
 */
function enter(data: Uint8Array, offset: number, end: number, view: PacketView, fixedLen: number): boolean {
  if (view.isFragment) return false;
  if (offset + fixedLen > end && view.truncated && end >= data.length) return false;
  if (view.tunnelDepth >= MAX_TUNNEL_DEPTH) throw new DecodeError('ip_tunnel_nesting_too_deep', 'ip', offset);
  view.tunnelDepth++;
  view.src.fill(0);
  view.dst.fill(0);
  view.ipId = 0;
  view.fragOffset = 0;
  return true;
}

/** IP protocol 4: an IPv4 header at `offset`. */
export function decodeIpv4InIp(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (!enter(data, offset, end, view, ipv4.IPV4_MIN_HEADER_LEN)) return STOP;
  return ipv4.decode(data, offset, end, view);
}

/** IP protocol 41: an IPv6 header at `offset`. */
export function decodeIpv6InIp(data: Uint8Array, offset: number, end: number, view: PacketView): number {
  if (!enter(data, offset, end, view, ipv6.IPV6_HEADER_LEN)) return STOP;
  return ipv6.decode(data, offset, end, view);
}

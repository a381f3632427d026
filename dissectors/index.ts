/**
 * dissectors: `decodeFrame`, the one entry point from captured bytes to a filled PacketView, and the
 * registries that map link types, EtherTypes and IP protocol numbers to layer dissectors.
 *
 * Shape (gopacket's DecodingLayerParser / Wireshark's dissector tables): each layer is a `Dissector`
 * (reader.ts) that writes its fields into the reused view and returns the offset of the next header or
 * STOP. Dispatch is by table only:
 *   link type (LINKTYPE_*, https://www.tcpdump.org/linktypes.html) → link dissector, which sets view.etherType
 *   → EtherType → VLAN tag / PPPoE shims (which set view.etherType again) or IPv4 / IPv6
 *   → IP protocol number (after IPv6 extension headers) → TCP / UDP, or an IP-in-IP tunnel (4, 41) whose
 *     inner IP header is decoded in place of the outer one and dispatched again (tunnel.ts).
 * Adding a protocol is one line in one table (or a call to `registerLinkType` / `registerEtherType` /
 * `registerIpProtocol`).
 *
 * Statuses (packet.ts `DecodeStatus`):
 *  - Transport: TCP/UDP header decoded (TCP options may be cut: `truncated`); inside IP-in-IP tunnels, the
 *    innermost one (`tunnelDepth` > 0, IP fields describe the inner packet).
 *  - Network: IP decoded, no TCP/UDP header (other protocol, non-first fragment, ESP, transport header cut
 *    by the snaplen, or IP options / IPv6 extension headers cut by the snaplen). ICMP / ICMPv6 are Network
 *    with `icmpType`/`icmpCode` set, and for error messages the quoted datagram's addresses, protocol and
 *    ports (`quoted*`, icmp-quote.ts).
 *  - NotIp: link layer decoded, no IP in it; also when the link header or the IP fixed header was cut by
 *    the snaplen (`truncated` = true, `etherType` tells what would have followed when known).
 *  - UnsupportedLinkType: no dissector for `linkType` (nothing else decoded).
 *  - Malformed: a header is impossible or does not fit in a frame that was captured whole; `view.error`
 *    holds the DecodeError; fields of the layers before the failing one are kept.
 * Truncation rule: `view.truncated` = capLen < origLen. A header that the captured bytes end inside is
 * truncation when the frame was snaplen-cut and malformed otherwise.
 *
 * `view.etherType` is the EtherType of the network layer: after VLAN tags the inner one; for BSD loopback,
 * raw IP and PPPoE the EtherType equivalent of the AF / IP version / PPP protocol (0x0800, 0x86dd); 0 for
 * 802.3/LLC frames and non-IP SLL/PPP/AF values.
 *
 * Error codes (DecodeError.code, layer in parentheses): eth_header_truncated (eth), vlan_tag_truncated
 * (vlan), sll_header_truncated (sll), sll2_header_truncated (sll2), null_header_truncated (null),
 * raw_header_truncated / raw_ip_version_bogus (raw), pppoes_header_truncated (pppoes),
 * ethertype_nesting_too_deep (eth), ipv4_header_truncated / ipv4_version_bogus / ipv4_header_length_bogus /
 * ipv4_total_length_bogus (ip), ipv6_header_truncated / ipv6_version_bogus / ipv6_ext_header_truncated /
 * ipv6_ext_header_exceeds_payload (ipv6), tcp_header_truncated / tcp_data_offset_bogus /
 * tcp_header_exceeds_segment (tcp), udp_header_truncated / udp_length_bogus / udp_header_exceeds_segment
 * (udp), ip_tunnel_nesting_too_deep (ip), icmp_header_truncated (icmp), icmpv6_header_truncated (icmpv6),
 * internal_error (frame: a dissector bug; the original exception is
 * the error's `cause`).
 * Soft anomalies (view.weird, first one wins): ip_total_length_exceeds_frame, udp_length_exceeds_ip_payload,
 * tcp_header_fragmented, udp_header_fragmented, ipv6_routing_type0, icmp_quote_truncated, icmp_quote_bogus.
 *
 * decodeFrame never throws. It allocates nothing on the success path (Malformed allocates the DecodeError).
 */
import { DecodeError, DecodeStatus, type PacketView } from './packet.js';
import { STOP, datagramEnd, type Dissector } from './reader.js';
import * as ethernet from './ethernet.js';
import * as icmp from './icmp.js';
import * as icmpv6 from './icmpv6.js';
import * as ipv4 from './ipv4.js';
import * as ipv6 from './ipv6.js';
import * as nul from './null.js';
import * as pppoe from './pppoe.js';
import * as raw from './raw.js';
import * as sll from './sll.js';
import * as sll2 from './sll2.js';
import * as tcp from './tcp.js';
import * as tunnel from './tunnel.js';
import * as udp from './udp.js';

export { PacketView, DecodeStatus, DecodeError } from './packet.js';
export type { Dissector } from './reader.js';

/** LINKTYPE_* value → link-layer dissector (https://www.tcpdump.org/linktypes.html) */
const linkTypes = new Map<number, Dissector>([
  [0, nul.decode], //          LINKTYPE_NULL: BSD loopback, AF in host byte order
  [1, ethernet.decode], //     LINKTYPE_ETHERNET
  [101, raw.decode], //        LINKTYPE_RAW: IPv4 or IPv6 by version nibble
  [108, nul.decodeLoop], //    LINKTYPE_LOOP: OpenBSD loopback, AF in network byte order
  [113, sll.decode], //        LINKTYPE_LINUX_SLL
  [228, raw.decodeIpv4], //    LINKTYPE_IPV4
  [229, raw.decodeIpv6], //    LINKTYPE_IPV6
  [276, sll2.decode], //       LINKTYPE_LINUX_SLL2
]);

/** EtherType → dissector (network layer, or a shim that sets view.etherType again) */
const etherTypes = new Map<number, Dissector>([
  [ethernet.ETHERTYPE_IPV4, ipv4.decode], //                 0x0800
  [ethernet.ETHERTYPE_IPV6, ipv6.decode], //                 0x86dd
  [ethernet.ETHERTYPE_VLAN, ethernet.decodeVlanTag], //      0x8100 IEEE 802.1Q C-tag
  [ethernet.ETHERTYPE_QINQ, ethernet.decodeVlanTag], //      0x88a8 IEEE 802.1ad S-tag
  [ethernet.ETHERTYPE_QINQ_OLD, ethernet.decodeVlanTag], //  0x9100 pre-standard QinQ
  [ethernet.ETHERTYPE_PPPOE_SESSION, pppoe.decode], //       0x8864 PPPoE session
]);

/** IP protocol number (IANA) → transport dissector */
const ipProtocols: (Dissector | undefined)[] = new Array<Dissector | undefined>(256).fill(undefined);
ipProtocols[1] = icmp.decode; //               ICMP (RFC 792): errors decoded down to the quoted ports
ipProtocols[4] = tunnel.decodeIpv4InIp; //   IPv4 in IP (RFC 2003): decoded as the packet
ipProtocols[6] = tcp.decode; //                TCP
ipProtocols[17] = udp.decode; //               UDP
ipProtocols[41] = tunnel.decodeIpv6InIp; //    IPv6 in IP (RFC 4213)
ipProtocols[58] = icmpv6.decode; //           ICMPv6 (RFC 4443): errors decoded down to the quoted ports

/** Adds or replaces the dissector of a link type. */
export function registerLinkType(linkType: number, d: Dissector): void {
  linkTypes.set(linkType, d);
}
/** Adds or replaces the dissector of an EtherType (network layer or shim). */
export function registerEtherType(etherType: number, d: Dissector): void {
  etherTypes.set(etherType, d);
}
/** Adds or replaces the transport dissector of an IP protocol number (0..255). */
export function registerIpProtocol(protocol: number, d: Dissector): void {
  ipProtocols[protocol & 0xff] = d;
}
/** true when `linkType` has a dissector */
export function isLinkTypeSupported(linkType: number): boolean {
  return linkTypes.has(linkType);
}

/** more EtherType shims than this in one frame (VLAN tags, PPPoE) is malformed: guards against loops */
const MAX_SHIMS = 16;

function decodeLayers(link: Dissector, data: Uint8Array, view: PacketView): DecodeStatus {
  const capEnd = data.length;
  let off = link(data, 0, capEnd, view);
  if (off === STOP) return DecodeStatus.NotIp;

  for (let shims = 0; ; shims++) {
    const net = etherTypes.get(view.etherType);
    if (net === undefined) return DecodeStatus.NotIp;
    if (shims > MAX_SHIMS) throw new DecodeError('ethertype_nesting_too_deep', 'eth', off);
    off = net(data, off, capEnd, view);
    if (view.ipVersion !== 0) break;
    if (off === STOP) return DecodeStatus.NotIp;
  }
  if (off === STOP) return DecodeStatus.Network;

  // IP protocol → next layer; a tunnel (4, 41) decodes the inner IP header and the loop goes on with its
  // protocol (tunnel.ts bounds the depth)
  for (;;) {
    const next = ipProtocols[view.protocol];
    if (next === undefined) return DecodeStatus.Network;
    const ipEnd = datagramEnd(view);
    off = next(data, off, ipEnd < capEnd ? ipEnd : capEnd, view);
    if (view.transport !== 0) return DecodeStatus.Transport;
    if (off === STOP) return DecodeStatus.Network;
  }
}

/**
 * Decodes one frame into `view` (reset first).
 *
 * @param data     the captured bytes (caplen = data.length; may be a subarray of a larger buffer)
 * @param linkType LINKTYPE_* of the frame's interface (FCS/reserved bits already masked off)
 * @param origLen  the frame's length on the wire in bytes (pcap orig_len); > data.length when snaplen-cut
 * @param view     the reused result; valid until the next call
 */
export function decodeFrame(data: Uint8Array, linkType: number, origLen: number, view: PacketView): DecodeStatus {
  view.reset();
  view.linkType = linkType;
  view.capLen = data.length;
  view.origLen = origLen;
  view.truncated = data.length < origLen;
  const link = linkTypes.get(linkType);
  if (link === undefined) return DecodeStatus.UnsupportedLinkType;
  try {
    return decodeLayers(link, data, view);
  } catch (e) {
    if (e instanceof DecodeError) {
      view.error = e;
    } else {
      // a bug in a dissector: report it as malformed rather than let it escape the pipeline
      const err = new DecodeError('internal_error', 'frame', 0);
      err.cause = e;
      view.error = err;
    }
    return DecodeStatus.Malformed;
  }
}

/**
 * icmp-quote: the datagram an ICMP or ICMPv6 error message quotes, decoded down to its transport ports.
 *
 * Specs: RFC 792 (ICMP errors carry "the internet header plus the first 64 bits of the original datagram's
 * data"), RFC 1812 §4.3.2.3 (routers may quote more), RFC 4443 §2.4 (ICMPv6 errors quote "as much of the
 * invoking packet as possible" without exceeding the minimum IPv6 MTU). The quote starts 8 bytes into the
 * ICMP message (type 1, code 1, checksum 2, 4 type-specific bytes) for every error type decoded here.
 *
 * Quoted IPv4: version 4, IHL ≥ 5; protocol, source, destination, fragment offset. Quoted IPv6: the fixed
 * 40-byte header, then the extension-header chain walked as ipv6.ts walks it (Hop-by-Hop 0, Routing 43,
 * Destination Options 60, Fragment 44, AH 51). The first 4 bytes after the quoted IP header(s) are the
 * source and destination ports (TCP RFC 9293 §3.1, UDP RFC 768, and SCTP / DCCP put them there too); they
 * are read only for TCP and UDP and only when the quoted datagram is not a later fragment.
 *
 * A quote is data inside a valid ICMP message, so a quote that is short or odd never makes the packet
 * malformed: a quote cut by the snaplen just ends what is decoded (the frame is `truncated` already); one that
 * ends early in a frame captured whole gives soft anomaly `icmp_quote_truncated`; an IP version that is not
 * the ICMP's own (ICMPv4 quoting IPv6 or the reverse) or an IHL below 5 gives `icmp_quote_bogus`. In every
 * case whatever was decoded before stays (e.g. addresses without ports: `quotedSrcPort` -1).
 *
 * Writes: quotedIpVersion, quotedSrc, quotedDst, quotedProtocol, quotedSrcPort, quotedDstPort. Never throws.
 */
import type { PacketView } from './packet.js';
import { u16, u32, weird } from './reader.js';

/** Bytes of ICMP / ICMPv6 header before the quoted datagram. */
export const ICMP_ERROR_HEADER_LEN = 8;

/** The quote ran out before `need` bytes: truncation when the snaplen cut it, else a soft anomaly. */
function shortQuote(data: Uint8Array, end: number, view: PacketView): void {
  if (!(view.truncated && end >= data.length)) weird(view, 'icmp_quote_truncated');
}

function ports(data: Uint8Array, p: number, end: number, view: PacketView): void {
  const proto = view.quotedProtocol;
  if (proto !== 6 && proto !== 17) return;
  if (p + 4 > end) {
    shortQuote(data, end, view);
    return;
  }
  view.quotedSrcPort = u16(data, p);
  view.quotedDstPort = u16(data, p + 2);
}

/**
 * Decodes the datagram quoted at `q` (bounded by `end`) of an ICMP error.
 * @param version the IP version the quote must have: 4 for ICMP, 6 for ICMPv6
 */
export function decodeQuote(data: Uint8Array, q: number, end: number, view: PacketView, version: 4 | 6): void {
  if (q + 1 > end) {
    shortQuote(data, end, view);
    return;
  }
  if (data[q] >> 4 !== version) {
    weird(view, 'icmp_quote_bogus');
    return;
  }
  if (version === 4) {
    if (q + 20 > end) {
      shortQuote(data, end, view);
      return;
    }
    const hl = (data[q] & 0x0f) << 2;
    if (hl < 20) {
      weird(view, 'icmp_quote_bogus');
      return;
    }
    view.quotedIpVersion = 4;
    view.quotedProtocol = data[q + 9];
    view.quotedSrc[3] = u32(data, q + 12);
    view.quotedDst[3] = u32(data, q + 16);
    if ((u16(data, q + 6) & 0x1fff) !== 0) return; // a later fragment: no ports
    if (q + hl > end) {
      shortQuote(data, end, view);
      return;
    }
    ports(data, q + hl, end, view);
    return;
  }
  if (q + 40 > end) {
    shortQuote(data, end, view);
    return;
  }
  view.quotedIpVersion = 6;
  const s = view.quotedSrc;
  const d = view.quotedDst;
  s[0] = u32(data, q + 8);
  s[1] = u32(data, q + 12);
  s[2] = u32(data, q + 16);
  s[3] = u32(data, q + 20);
  d[0] = u32(data, q + 24);
  d[1] = u32(data, q + 28);
  d[2] = u32(data, q + 32);
  d[3] = u32(data, q + 36);
  let nh = data[q + 6];
  let p = q + 40;
  view.quotedProtocol = nh;
  for (;;) {
    if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 44 && nh !== 51) break;
    if (p + 8 > end) {
      shortQuote(data, end, view);
      return;
    }
    const len = nh === 44 ? 8 : nh === 51 ? (data[p + 1] + 2) << 2 : (data[p + 1] + 1) << 3;
    if (nh === 44 && (u16(data, p + 2) & 0xfff8) !== 0) {
      view.quotedProtocol = data[p];
      return; // a later fragment: no ports
    }
    if (p + len > end) {
      shortQuote(data, end, view);
      return;
    }
    nh = data[p];
    p += len;
    view.quotedProtocol = nh;
  }
  ports(data, p, end, view);
}

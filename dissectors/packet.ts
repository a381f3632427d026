/**
 * PacketView: the reused, allocation-free result of decoding one frame.
 *
 * One instance is created per pipeline and overwritten by `decodeFrame` for every frame (the gopacket
 * "decode into a reused layer" idea). Nothing in it may be kept past the next decode: copy what must
 * outlive the frame.
 *
 * Addresses are stored as four big-endian 32-bit words: IPv6 uses all four, IPv4 uses word 3 only and
 * words 0..2 are zero (the family is in `ipVersion`, so ::a.b.c.d and a.b.c.d never collide).
 */
export class PacketView {
  // ---- frame ----
  /** captured length in bytes (`data.length` given to decodeFrame) */
  capLen = 0;
  /** length of the frame on the wire in bytes, as given to decodeFrame (may exceed capLen: snaplen cut) */
  origLen = 0;

  // ---- link layer ----
  /** LINKTYPE_* the frame was decoded with */
  linkType = 0;
  /** number of 802.1Q/802.1ad tags seen (0 = untagged) */
  vlanCount = 0;
  /** VLAN id (12 bits) of the outermost tag, -1 when untagged */
  vlanOuter = -1;
  /** VLAN id of the innermost tag (equals vlanOuter with one tag), -1 when untagged */
  vlanInner = -1;
  /** EtherType (or SLL protocol) of the network layer, 0 when none */
  etherType = 0;

  // ---- network layer ----
  /** 0 = no IP layer decoded, 4 = IPv4, 6 = IPv6 */
  ipVersion = 0;
  /** byte offset of the IP header in the frame */
  ipOffset = 0;
  /** IP header length in bytes (IPv4 IHL*4 incl. options; IPv6 40 + extension headers walked) */
  ipHeaderLen = 0;
  /** IP total length in bytes from the header (IPv4 Total Length; IPv6 Payload Length + 40); Zeek's *_ip_bytes */
  ipTotalLen = 0;
  /** source address, 4 × uint32 big-endian words (see class doc) */
  readonly src = new Uint32Array(4);
  /** destination address, 4 × uint32 big-endian words */
  readonly dst = new Uint32Array(4);
  /** upper-layer protocol number after walking IPv6 extension headers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6...) */
  protocol = 0;
  /** IPv4 identification / IPv6 fragment identification; 0 when not fragmented */
  ipId = 0;
  /** true when this datagram is a fragment (MF set or offset > 0) */
  isFragment = false;
  /** fragment offset in bytes (0 for the first fragment) */
  fragOffset = 0;
  /**
   * IP-in-IP encapsulations removed (IP protocol 4 / 41, dissectors/tunnel.ts): 0 = none. When > 0 every IP
   * field above describes the innermost packet.
   */
  tunnelDepth = 0;

  // ---- transport layer ----
  /** 0 = no transport header decoded, 6 = TCP, 17 = UDP */
  transport = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80) */
  tcpFlags = 0;
  /** TCP sequence number (uint32) */
  seq = 0;
  /** TCP acknowledgement number (uint32) */
  ack = 0;
  /** TCP window (unscaled) */
  window = 0;
  /** transport header length in bytes (TCP data offset × 4; UDP 8) */
  transportHeaderLen = 0;
  /**
   * payload length in bytes as the IP/UDP length fields state it (not limited by caplen). When the IP total
   * length exceeds the frame on the wire (weird `ip_total_length_exceeds_frame`) or the UDP length exceeds
   * the IP payload (`udp_length_exceeds_ip_payload`), it is bounded by the frame / IP payload instead.
   */
  payloadLen = 0;
  /** byte offset of the transport payload in the frame */
  payloadOffset = 0;

  // ---- ICMP / ICMPv6 (icmp.ts, icmpv6.ts, icmp-quote.ts) ----
  /** ICMP (RFC 792) or ICMPv6 (RFC 4443) message type, -1 when the packet is neither */
  icmpType = -1;
  /** ICMP / ICMPv6 code, -1 when none */
  icmpCode = -1;
  /**
   * IP version (4, 6) of the datagram an ICMP error quotes (the packet that caused the error), 0 when no quote
   * was decoded (not an error message, or the quote was unusable: see icmp-quote.ts)
   */
  quotedIpVersion = 0;
  /** the quoted datagram's source and destination, 4 × uint32 words like src/dst (IPv4 in word 3) */
  readonly quotedSrc = new Uint32Array(4);
  readonly quotedDst = new Uint32Array(4);
  /** upper-layer protocol of the quoted datagram, after its IPv6 extension headers (6 TCP, 17 UDP...) */
  quotedProtocol = 0;
  /** ports of the quoted TCP/UDP header, -1 when not quoted (other protocol, later fragment, quote too short) */
  quotedSrcPort = -1;
  quotedDstPort = -1;

  // ---- status ----
  /**
   * true when the captured bytes ended before the frame's declared lengths (snaplen cut); layers that were
   * fully captured are still valid. Set exactly when capLen < origLen; a header that was cut is then not
   * decoded and the status names the deepest complete layer (NotIp when even the link or IP fixed header
   * was cut). payloadLen / ipTotalLen still state the declared lengths.
   */
  truncated = false;
  /** soft anomaly for this frame (e.g. `ip_total_length_bogus`), or null; counted by the caller */
  weird: string | null = null;
  /** set when decodeFrame returned DecodeStatus.Malformed */
  error: DecodeError | null = null;

  reset(): void {
    this.capLen = 0; this.origLen = 0;
    this.linkType = 0; this.vlanCount = 0; this.vlanOuter = -1; this.vlanInner = -1; this.etherType = 0;
    this.ipVersion = 0; this.ipOffset = 0; this.ipHeaderLen = 0; this.ipTotalLen = 0;
    const s = this.src; s[0] = 0; s[1] = 0; s[2] = 0; s[3] = 0;
    const d = this.dst; d[0] = 0; d[1] = 0; d[2] = 0; d[3] = 0;
    this.protocol = 0; this.ipId = 0; this.isFragment = false; this.fragOffset = 0;
    this.tunnelDepth = 0;
    this.transport = 0; this.srcPort = 0; this.dstPort = 0; this.tcpFlags = 0; this.seq = 0; this.ack = 0;
    this.window = 0; this.transportHeaderLen = 0; this.payloadLen = 0; this.payloadOffset = 0;
    this.icmpType = -1; this.icmpCode = -1;
    if (this.quotedIpVersion !== 0) {
      // (only an ICMP error's quote sets these)
      this.quotedSrc.fill(0);
      this.quotedDst.fill(0);
      this.quotedIpVersion = 0;
    }
    this.quotedProtocol = 0; this.quotedSrcPort = -1; this.quotedDstPort = -1;
    this.truncated = false; this.weird = null; this.error = null;
  }
}

/** Outcome of `decodeFrame`. */
export const DecodeStatus = {
  /** TCP or UDP header decoded: ports and (for TCP) flags are valid */
  Transport: 0,
  /** IP decoded, but no TCP/UDP header (other protocol, non-first fragment, or header not captured) */
  Network: 1,
  /** link layer decoded but it carries no IP (ARP, LLDP, ...) */
  NotIp: 2,
  /** link type has no dissector; counted per link type */
  UnsupportedLinkType: 3,
  /** a layer's header is malformed; `view.error` says which layer and where */
  Malformed: 4,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/**
 * A malformed header: thrown by a dissector, caught by decodeFrame at the layer boundary (never reaches
 * the top). `code` is `<layer>_<what>`, e.g. `ipv4_header_length_bogus`, `tcp_data_offset_bogus`.
 */
export class DecodeError extends Error {
  constructor(
    readonly code: string,
    /** dissector id (Wireshark abbreviation): `eth`, `vlan`, `sll`, `ip`, `ipv6`, `tcp`, `udp` ... */
    readonly layer: string,
    /** byte offset in the frame where the problem is */
    readonly offset: number,
    /** bytes needed (0 when not a length problem) */
    readonly need = 0,
    /** bytes available */
    readonly have = 0,
  ) {
    super(`${layer}: ${code} at byte ${offset}${need ? ` (need ${need}, have ${have})` : ''}`);
    this.name = 'DecodeError';
  }
}

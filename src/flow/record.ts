/**
 * FlowRecord: the immutable, report-ready view of a flow (made by FlowArchive.record) (addresses as text, states as Zeek strings).
 * Classification, compliance and reports are pure functions over these records.
 */

export interface FlowRecord {
  /** flow id, unique within one analysis */
  uid: string;
  /** time of the first packet, seconds since the epoch */
  ts: number;
  /** time of the flow's last packet, seconds since the epoch */
  lastTs: number;
  proto: 'tcp' | 'udp';
  ipVersion: 4 | 6;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** outer / inner VLAN id, null when untagged */
  vlan: number | null;
  vlanInner: number | null;
  /** seconds, Zeek's definition (excludes trailing packets after both sides closed) */
  duration: number;
  origPkts: number;
  respPkts: number;
  /** bytes from the IP total-length fields (Zeek orig_ip_bytes / resp_ip_bytes) */
  origIpBytes: number;
  respIpBytes: number;
  /** bytes from the frames' wire lengths, as tshark's conversation table counts them */
  origFrameBytes: number;
  respFrameBytes: number;
  /** payload bytes from TCP sequence numbers (Zeek orig_bytes / resp_bytes); UDP: 0 */
  origBytes: number;
  respBytes: number;
  /** Zeek conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH */
  connState: string;
  /** Zeek history letters */
  history: string;
  /** originator not seen sending a SYN without ACK: roles inferred (see initiatorBasis) */
  initiatorInferred: boolean;
  /** `syn`, `first-datagram`, `catalogue-port`, `syn-ack`, `well-known-port`, `first-packet`, `syn-synack-reversed` */
  initiatorBasis: string;
  /** SYNs without ACK sent by the originator (connection attempts, counting retries) */
  origSyns: number;
  /** some packet of the flow was cut by the snaplen */
  partial: boolean;
  /**
   * ICMP / ICMPv6 error messages that quote a packet of this flow, one entry per (type, code, from): `type` and
   * `code` as on the wire (ICMPv4 for IPv4 flows, ICMPv6 for IPv6 flows), `from` the address that sent them,
   * `count`, `firstTs` (seconds since the epoch). `toRecord` always sets it (empty when none); optional so that
   * records built by hand (tests, replays of older JSON) need not carry it.
   */
  icmpErrors?: { type: number; code: number; from: string; count: number; firstTs: number }[];
}

/**
 * Flow records: one bidirectional 5-tuple (+ VLAN) with per-direction counters and, for TCP, the two
 * endpoint state machines that Zeek's conn.log `conn_state` and `history` are computed from.
 *
 * Vocabulary follows Zeek's conn.log: the originator (`orig`) opened the flow, the responder (`resp`)
 * answered; `uid` names the flow in reports.
 */

/**
 * TCP endpoint states, as Zeek's TCP_Endpoint (analyzer/protocol/tcp/TCP_Endpoint.h) names them.
 * UDP uses only Inactive / Active.
 */
export const EndpointState = {
  Inactive: 0,
  SynSent: 1,
  SynAckSent: 2,
  Partial: 3,
  Established: 4,
  Closed: 5,
  Reset: 6,
  /** UDP: this side sent at least one datagram (Zeek's UDP_ACTIVE) */
  Active: 7,
} as const;
export type EndpointState = (typeof EndpointState)[keyof typeof EndpointState];

/** History-letter masks (Zeek TCP_Endpoint::HIST_*): each letter is recorded once per direction unless noted. */
export const Hist = {
  Syn: 0x01,
  Fin: 0x02,
  Rst: 0x04,
  FinRst: 0x08,
  Data: 0x10,
  Ack: 0x20,
  Multi: 0x40,
} as const;

/**
 * One side of a flow.
 *
 * Counters: `pkts` packets; `ipBytes` bytes summed from the IP total-length field (Zeek's *_ip_bytes);
 * `frameBytes` bytes summed from the frames' original (on-the-wire) length, as tshark's conversation table
 * counts them. TCP sequence fields are absolute uint32 sequence numbers.
 */
export class Endpoint {
  pkts = 0;
  ipBytes = 0;
  frameBytes = 0;
  state: EndpointState = EndpointState.Inactive;
  prevState: EndpointState = EndpointState.Inactive;
  // ---- TCP sequence space (uint32, RFC 9293 §3.4 arithmetic) ----
  /** sequence number of the SYN (or one before the first byte seen, for partial connections) */
  startSeq = 0;
  /** one past the highest sequence number this side has sent */
  lastSeq = 0;
  /** highest sequence number of this side acknowledged by the peer */
  ackSeq = 0;
  seqInitialised = false;
  /** bitmask of Hist letters already recorded for this side */
  histSeen = 0;
  /** relative sequence of the last SYN / FIN / RST (Zeek's hist_last_*), -1 = none yet */
  histLastSyn = -1;
  histLastFin = -1;
  histLastRst = -1;
  finCount = 0;
  /** retransmissions and zero-window advertisements, for Zeek's logarithmic 'T' / 'W' letters */
  rxmitCount = 0;
  zeroWindowCount = 0;
  /** true once this side's FIN or RST closed it (Zeek's did_close) */
  didClose = false;
  /** SYN packets without ACK (S) sent by this side, counting retries (evidence for blocked attempts) */
  synCount = 0;
  /** first and last time (seconds, float) this side sent a packet; -1 = never */
  firstTs = -1;
  lastTs = -1;
}

/**
 * ICMP / ICMPv6 error messages about a flow, aggregated by (type, code, sender): e.g. port unreachable from the
 * responder for a refused UDP datagram, administratively prohibited from a firewall. `from` is the address
 * text of the ICMP message's source (the host or router that sent it); `count` how many; `firstTs` / `lastTs`
 * the first and last one (seconds since the epoch).
 */
export interface IcmpErrorEntry {
  /** ICMP type (RFC 792: 3 destination unreachable, 11 time exceeded, ...) or ICMPv6 type (RFC 4443: 1, 3, ...) */
  type: number;
  code: number;
  from: string;
  count: number;
  firstTs: number;
  lastTs: number;
}

/** Transport protocol numbers (IANA). */
export const Proto = { TCP: 6, UDP: 17 } as const;

/**
 * A bidirectional flow keyed by (IP version, addresses, ports, transport protocol, VLAN ids).
 *
 * Addresses are 4 × uint32 words each (see dissectors/packet.ts). Times are seconds since the epoch as
 * floats (µs precision is kept; ns precision is not needed for flow durations).
 */
export class Flow {
  /** stable identifier within one analysis, e.g. `CXWv6p3arKYeMETxOg`-style but deterministic: `C` + sequence */
  uid: string;
  ipVersion: number;
  proto: number;
  /** outer and inner VLAN id, -1 when untagged */
  vlanOuter: number;
  vlanInner: number;
  /**
   * originator (`o0..o3`) and responder (`r0..r3`) address: the 4 big-endian 32-bit words of
   * dissectors/packet.ts as int32 (`word | 0`; IPv4 in word 3). Plain number fields (8 bytes each, Smis) rather
   * than two Uint32Array(4), which cost ~225 bytes each on the heap. Read and written through the helpers below.
   */
  o0 = 0;
  o1 = 0;
  o2 = 0;
  o3 = 0;
  r0 = 0;
  r1 = 0;
  r2 = 0;
  r3 = 0;
  origPort: number;
  respPort: number;
  /** time of the first packet (seconds since epoch) */
  firstTs = 0;
  /** time of the last packet that Zeek counts toward duration (excludes trailing packets after both sides closed) */
  lastTs = 0;
  /** time of the very last packet of the flow */
  lastSeenTs = 0;
  /** originator side (swapped with `resp` only by flipRoles) */
  orig = new Endpoint();
  /** responder side */
  resp = new Endpoint();
  /** Zeek history letters, upper case = originator, lower case = responder */
  history = '';
  /**
   * true when the originator was not seen sending a SYN without ACK: the roles were inferred from the SEP
   * catalogue (the side on a catalogue listening port is the responder) or from port heuristics.
   */
  initiatorInferred = false;
  /** why the originator was chosen, e.g. `syn`, `first-packet`, `catalogue-port`, `well-known-port` */
  initiatorBasis = '';
  /** at least one packet of this flow was cut by the snaplen: counters are exact, payload was not all seen */
  partial = false;
  /** ICMP errors answering this flow's packets (allocated with the first one), by (type, code, sender) */
  icmpErrors: IcmpErrorEntry[] | null = null;
  /** chain link for the flow table's hash buckets */
  next: Flow | null = null;
  /** bucket hash this flow is stored under */
  hash = 0;
  /** position in the flow table's creation-order list */
  index = 0;

  constructor(uid: string, ipVersion: number, proto: number, vlanOuter: number, vlanInner: number, origPort: number, respPort: number) {
    this.uid = uid;
    this.ipVersion = ipVersion;
    this.proto = proto;
    this.vlanOuter = vlanOuter;
    this.vlanInner = vlanInner;
    this.origPort = origPort;
    this.respPort = respPort;
  }

  /** Appends a history letter (upper case for the originator, lower case for the responder). */
  addHistory(code: string, isOrig: boolean): void {
    this.history += isOrig ? code : code.toLowerCase();
  }
}

/** Is `a` (4 × uint32 words) the flow's originator address? */
export function isOrigAddr(f: Flow, a: Uint32Array): boolean {
  return f.o3 === (a[3] | 0) && f.o2 === (a[2] | 0) && f.o1 === (a[1] | 0) && f.o0 === (a[0] | 0);
}

/** Is `a` (4 × uint32 words) the flow's responder address? */
export function isRespAddr(f: Flow, a: Uint32Array): boolean {
  return f.r3 === (a[3] | 0) && f.r2 === (a[2] | 0) && f.r1 === (a[1] | 0) && f.r0 === (a[0] | 0);
}

/** Do originator and responder have the same address (a flow to itself)? */
export function sameEndAddrs(f: Flow): boolean {
  return f.o0 === f.r0 && f.o1 === f.r1 && f.o2 === f.r2 && f.o3 === f.r3;
}

/** Sets both addresses from 4 × uint32 words each. */
export function setAddrs(f: Flow, orig: Uint32Array, resp: Uint32Array): void {
  f.o0 = orig[0] | 0;
  f.o1 = orig[1] | 0;
  f.o2 = orig[2] | 0;
  f.o3 = orig[3] | 0;
  f.r0 = resp[0] | 0;
  f.r1 = resp[1] | 0;
  f.r2 = resp[2] | 0;
  f.r3 = resp[3] | 0;
}

/** Swaps the originator and responder addresses. */
export function swapAddrs(f: Flow): void {
  let t = f.o0;
  f.o0 = f.r0;
  f.r0 = t;
  t = f.o1;
  f.o1 = f.r1;
  f.r1 = t;
  t = f.o2;
  f.o2 = f.r2;
  f.r2 = t;
  t = f.o3;
  f.o3 = f.r3;
  f.r3 = t;
}

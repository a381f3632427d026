/**
 * Live flow state: one bidirectional 5-tuple (+ VLAN) per slot, with per-direction counters and, for TCP, the
 * two endpoint state machines that Zeek's conn.log `conn_state` and `history` are computed from.
 *
 * The state is a struct of typed arrays indexed by slot (flow fields) and by endpoint `2 × slot + side`
 * (side 0 = originator, 1 = responder), so a flow costs a known, fixed number of bytes and the hot path
 * reads and writes numbers only. `LIVE_FLOW_BYTES` states the cost; `FlowState.bytesPerFlow()` measures it
 * from the arrays themselves (test/flow/state-size.test.ts).
 *
 * Vocabulary follows Zeek's conn.log: the originator (`orig`) opened the flow, the responder (`resp`)
 * answered.
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

/** Why the originator was chosen (FlowRecord.initiatorBasis), stored as its index in this list. */
export const INITIATOR_BASES = ['syn', 'first-datagram', 'catalogue-port', 'syn-ack', 'well-known-port', 'first-packet', 'syn-synack-reversed'] as const;
export type InitiatorBasis = (typeof INITIATOR_BASES)[number];
export const Basis = { Syn: 0, FirstDatagram: 1, CataloguePort: 2, SynAck: 3, WellKnownPort: 4, FirstPacket: 5, SynSynackReversed: 6 } as const;

/** Flow flag bits (FlowState.flags). */
export const FlowFlag = {
  /** the slot holds a flow */
  InUse: 0x01,
  /** the originator was not seen sending a SYN without ACK: roles inferred (see initiatorBasis) */
  Inferred: 0x02,
  /** at least one packet was cut by the snaplen: counters are exact, payload was not all seen */
  Partial: 0x04,
} as const;

/** Endpoint flag bits (FlowState.epFlags). */
export const EpFlag = {
  /** sequence space initialised (Zeek's seq_initialized) */
  SeqInit: 0x01,
  /** this side's FIN or RST closed it (Zeek's did_close) */
  DidClose: 0x02,
} as const;

/** History letters kept inline per flow; a longer history continues in a side table (rare: ≥ 24 letters). */
export const HISTORY_INLINE = 23;

/**
 * Bytes of state per live flow: the sum of the element sizes of every per-flow and per-endpoint array below
 * (flow: 4 × 2 address words int32 + 2 ports uint16 + proto, IP version, flags, basis, history length uint8 +
 * 2 VLAN ids int16 + first/last/last-seen time float64 + hash-chain link, hash, creation index int32 +
 * HISTORY_INLINE history letters; endpoint × 2: packets, IP bytes, frame bytes float64 + state, previous state,
 * history mask, flags uint8 + start/last/acked sequence and last SYN/FIN/RST relative sequence uint32 +
 * FIN, retransmission, zero-window, SYN counts uint32), plus the table's two bucket heads per slot (int32).
 */
export const LIVE_FLOW_BYTES = 32 + 4 + 5 + 4 + 24 + 12 + HISTORY_INLINE + 2 * (24 + 4 + 24 + 16) + 8;

/**
 * The live flows: growable struct-of-arrays storage, slot `s` = one flow. Slots are reused after `free`.
 * Addresses are the 4 big-endian 32-bit words of dissectors/packet.ts stored as int32 (IPv4 in word 3).
 * Times are seconds since the epoch as float64.
 *
 * Arrays are replaced (not resized in place) when the store grows, so read them from the store after any
 * `alloc`, never cache them across one.
 */
export class FlowState {
  capacity: number;
  /** slots in use */
  count = 0;
  /** one past the highest slot ever used (sweeps scan [0, highWater)) */
  highWater = 0;
  private freeList: Int32Array;
  private freeTop = 0;

  // ---- per flow ----
  /** originator address words, 4 per slot */
  orig!: Int32Array;
  /** responder address words, 4 per slot */
  resp!: Int32Array;
  origPort!: Uint16Array;
  respPort!: Uint16Array;
  proto!: Uint8Array;
  ipVersion!: Uint8Array;
  /** FlowFlag bits */
  flags!: Uint8Array;
  /** INITIATOR_BASES index */
  basis!: Uint8Array;
  /** outer / inner VLAN id, -1 when untagged */
  vlanOuter!: Int16Array;
  vlanInner!: Int16Array;
  /** time of the first packet */
  firstTs!: Float64Array;
  /** time of the last packet that Zeek counts toward duration (excludes trailing packets after both sides closed) */
  lastTs!: Float64Array;
  /** time of the very last packet */
  lastSeenTs!: Float64Array;
  /** next slot in the same hash bucket, -1 = end of chain */
  next!: Int32Array;
  /** bucket hash the flow is stored under */
  hash!: Int32Array;
  /** creation index of the flow within the analysis (its uid is `flowUid(index + 1)`) */
  index!: Int32Array;
  /** Zeek history letters as char codes, HISTORY_INLINE per slot; `histLen` letters used */
  hist!: Uint8Array;
  histLen!: Uint8Array;
  /** history letters beyond HISTORY_INLINE, by slot (rare) */
  histMore = new Map<number, string>();

  // ---- per endpoint (2 × slot + side; side 0 originator, 1 responder) ----
  /** packets; bytes from the IP total-length fields (Zeek *_ip_bytes); bytes from frame wire lengths (tshark) */
  pkts!: Float64Array;
  ipBytes!: Float64Array;
  frameBytes!: Float64Array;
  state!: Uint8Array;
  prevState!: Uint8Array;
  /** Hist bits already recorded for this side */
  histSeen!: Uint8Array;
  /** EpFlag bits */
  epFlags!: Uint8Array;
  /** TCP sequence space (uint32, RFC 9293 §3.4): SYN's sequence (or one before the first byte seen) */
  startSeq!: Uint32Array;
  /** one past the highest sequence number this side has sent */
  lastSeq!: Uint32Array;
  /** highest sequence number of this side acknowledged by the peer */
  ackSeq!: Uint32Array;
  /** relative sequence of the last SYN / FIN / RST (Zeek's hist_last_*); valid once the Hist bit is set */
  histLastSyn!: Uint32Array;
  histLastFin!: Uint32Array;
  histLastRst!: Uint32Array;
  finCount!: Uint32Array;
  /** retransmissions and zero-window advertisements, for Zeek's logarithmic 'T' / 'W' letters */
  rxmitCount!: Uint32Array;
  zeroWindowCount!: Uint32Array;
  /** SYN packets without ACK (S) sent by this side, counting retries (evidence for blocked attempts) */
  synCount!: Uint32Array;

  constructor(initialCapacity = 1024) {
    this.capacity = 0;
    this.freeList = new Int32Array(0);
    this.grow(Math.max(16, initialCapacity));
  }

  /** Measured bytes per slot of every array this store allocates (for the state-size test and the bench note). */
  bytesPerFlow(): number {
    let total = 0;
    for (const v of Object.values(this)) {
      if (ArrayBuffer.isView(v) && v !== this.freeList) total += v.byteLength;
    }
    return total / this.capacity;
  }

  private grow(cap: number): void {
    const g = <T extends Int32Array | Uint16Array | Uint8Array | Int16Array | Float64Array | Uint32Array>(a: T | undefined, n: number, make: (n: number) => T): T => {
      const b = make(n);
      if (a !== undefined) b.set(a as never);
      return b;
    };
    this.orig = g(this.orig, cap * 4, (n) => new Int32Array(n));
    this.resp = g(this.resp, cap * 4, (n) => new Int32Array(n));
    this.origPort = g(this.origPort, cap, (n) => new Uint16Array(n));
    this.respPort = g(this.respPort, cap, (n) => new Uint16Array(n));
    this.proto = g(this.proto, cap, (n) => new Uint8Array(n));
    this.ipVersion = g(this.ipVersion, cap, (n) => new Uint8Array(n));
    this.flags = g(this.flags, cap, (n) => new Uint8Array(n));
    this.basis = g(this.basis, cap, (n) => new Uint8Array(n));
    this.vlanOuter = g(this.vlanOuter, cap, (n) => new Int16Array(n));
    this.vlanInner = g(this.vlanInner, cap, (n) => new Int16Array(n));
    this.firstTs = g(this.firstTs, cap, (n) => new Float64Array(n));
    this.lastTs = g(this.lastTs, cap, (n) => new Float64Array(n));
    this.lastSeenTs = g(this.lastSeenTs, cap, (n) => new Float64Array(n));
    this.next = g(this.next, cap, (n) => new Int32Array(n));
    this.hash = g(this.hash, cap, (n) => new Int32Array(n));
    this.index = g(this.index, cap, (n) => new Int32Array(n));
    this.hist = g(this.hist, cap * HISTORY_INLINE, (n) => new Uint8Array(n));
    this.histLen = g(this.histLen, cap, (n) => new Uint8Array(n));
    const e = cap * 2;
    this.pkts = g(this.pkts, e, (n) => new Float64Array(n));
    this.ipBytes = g(this.ipBytes, e, (n) => new Float64Array(n));
    this.frameBytes = g(this.frameBytes, e, (n) => new Float64Array(n));
    this.state = g(this.state, e, (n) => new Uint8Array(n));
    this.prevState = g(this.prevState, e, (n) => new Uint8Array(n));
    this.histSeen = g(this.histSeen, e, (n) => new Uint8Array(n));
    this.epFlags = g(this.epFlags, e, (n) => new Uint8Array(n));
    this.startSeq = g(this.startSeq, e, (n) => new Uint32Array(n));
    this.lastSeq = g(this.lastSeq, e, (n) => new Uint32Array(n));
    this.ackSeq = g(this.ackSeq, e, (n) => new Uint32Array(n));
    this.histLastSyn = g(this.histLastSyn, e, (n) => new Uint32Array(n));
    this.histLastFin = g(this.histLastFin, e, (n) => new Uint32Array(n));
    this.histLastRst = g(this.histLastRst, e, (n) => new Uint32Array(n));
    this.finCount = g(this.finCount, e, (n) => new Uint32Array(n));
    this.rxmitCount = g(this.rxmitCount, e, (n) => new Uint32Array(n));
    this.zeroWindowCount = g(this.zeroWindowCount, e, (n) => new Uint32Array(n));
    this.synCount = g(this.synCount, e, (n) => new Uint32Array(n));
    const fl = new Int32Array(cap);
    fl.set(this.freeList.subarray(0, this.freeTop));
    this.freeList = fl;
    this.capacity = cap;
  }

  /**
   * A cleared slot for a new flow (grows the arrays when full: then every array is replaced).
   * @returns the slot
   */
  alloc(): number {
    let s: number;
    if (this.freeTop > 0) s = this.freeList[--this.freeTop];
    else {
      if (this.highWater === this.capacity) this.grow(this.capacity * 2);
      s = this.highWater++;
    }
    this.clear(s);
    this.flags[s] = FlowFlag.InUse;
    this.count++;
    return s;
  }

  /** Releases a slot (its contents become meaningless). */
  free(s: number): void {
    this.flags[s] = 0;
    this.histMore.delete(s);
    this.freeList[this.freeTop++] = s;
    this.count--;
  }

  private clear(s: number): void {
    this.firstTs[s] = 0;
    this.lastTs[s] = 0;
    this.lastSeenTs[s] = 0;
    this.histLen[s] = 0;
    this.basis[s] = 0;
    this.next[s] = -1;
    for (let e = 2 * s; e < 2 * s + 2; e++) {
      this.pkts[e] = 0;
      this.ipBytes[e] = 0;
      this.frameBytes[e] = 0;
      this.state[e] = EndpointState.Inactive;
      this.prevState[e] = EndpointState.Inactive;
      this.histSeen[e] = 0;
      this.epFlags[e] = 0;
      this.startSeq[e] = 0;
      this.lastSeq[e] = 0;
      this.ackSeq[e] = 0;
      this.histLastSyn[e] = 0;
      this.histLastFin[e] = 0;
      this.histLastRst[e] = 0;
      this.finCount[e] = 0;
      this.rxmitCount[e] = 0;
      this.zeroWindowCount[e] = 0;
      this.synCount[e] = 0;
    }
  }

  /** Appends a history letter (char code of the upper-case letter or '^'); lower case for the responder. */
  addHistory(s: number, code: number, isOrig: boolean): void {
    const c = isOrig || code < 65 ? code : code | 0x20;
    const n = this.histLen[s];
    if (n < HISTORY_INLINE) {
      this.hist[s * HISTORY_INLINE + n] = c;
      this.histLen[s] = n + 1;
    } else {
      this.histMore.set(s, (this.histMore.get(s) ?? '') + String.fromCharCode(c));
    }
  }

  /** The flow's history letters as Zeek writes them (upper case originator, lower case responder). */
  history(s: number): string {
    const n = this.histLen[s];
    const o = s * HISTORY_INLINE;
    let h = '';
    for (let i = 0; i < n; i++) h += String.fromCharCode(this.hist[o + i]);
    if (n === HISTORY_INLINE) h += this.histMore.get(s) ?? '';
    return h;
  }

  /** Is the address (4 × uint32 words) the flow's originator / responder? */
  isOrigAddr(s: number, a: Uint32Array): boolean {
    const o = this.orig;
    const i = s * 4;
    return o[i + 3] === (a[3] | 0) && o[i + 2] === (a[2] | 0) && o[i + 1] === (a[1] | 0) && o[i] === (a[0] | 0);
  }

  isRespAddr(s: number, a: Uint32Array): boolean {
    const r = this.resp;
    const i = s * 4;
    return r[i + 3] === (a[3] | 0) && r[i + 2] === (a[2] | 0) && r[i + 1] === (a[1] | 0) && r[i] === (a[0] | 0);
  }

  /** Do originator and responder have the same address (a flow to itself)? */
  sameEndAddrs(s: number): boolean {
    const o = this.orig;
    const r = this.resp;
    const i = s * 4;
    return o[i] === r[i] && o[i + 1] === r[i + 1] && o[i + 2] === r[i + 2] && o[i + 3] === r[i + 3];
  }

  /** Sets both addresses from 4 × uint32 words each. */
  setAddrs(s: number, orig: Uint32Array, resp: Uint32Array): void {
    const i = s * 4;
    const o = this.orig;
    const r = this.resp;
    o[i] = orig[0] | 0;
    o[i + 1] = orig[1] | 0;
    o[i + 2] = orig[2] | 0;
    o[i + 3] = orig[3] | 0;
    r[i] = resp[0] | 0;
    r[i + 1] = resp[1] | 0;
    r[i + 2] = resp[2] | 0;
    r[i + 3] = resp[3] | 0;
  }

  /** Swaps originator and responder: addresses, ports and the two endpoints' state (Zeek's FlipRoles). */
  swapSides(s: number): void {
    const i = s * 4;
    for (let k = i; k < i + 4; k++) {
      const t = this.orig[k];
      this.orig[k] = this.resp[k];
      this.resp[k] = t;
    }
    const p = this.origPort[s];
    this.origPort[s] = this.respPort[s];
    this.respPort[s] = p;
    const a = 2 * s;
    const b = a + 1;
    for (const arr of [
      this.pkts, this.ipBytes, this.frameBytes, this.state, this.prevState, this.histSeen, this.epFlags, this.startSeq, this.lastSeq,
      this.ackSeq, this.histLastSyn, this.histLastFin, this.histLastRst, this.finCount, this.rxmitCount, this.zeroWindowCount, this.synCount,
    ]) {
      const t = arr[a];
      arr[a] = arr[b];
      arr[b] = t;
    }
  }
}

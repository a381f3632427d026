/**
 * TCP endpoint state machines, `history` letters and `conn_state`, computed the way Zeek computes them.
 *
 * Source: Zeek's `src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc` (Process, init_endpoint,
 * update_history, update_last_seq, Update*State, IsReuse) and `scripts/base/protocols/conn/main.zeek`
 * (function conn_state). Functions over one slot of the live FlowState (src/flow/flow.ts); nothing here allocates per packet.
 *
 * Deliberate differences from Zeek (each stated where it matters):
 * - checksums are not verified (as `zeek -C`), so no 'C' letter and no packet is discarded for a bad checksum;
 * - no reassembly, so no content-gap letter 'G' and no deferred close on pending data;
 * - Zeek's timers are not modelled: a connection attempt whose SYN is retried after Zeek's 5 s
 *   `tcp_attempt_delay` stays one flow here (its SYN retries are counted in `Endpoint.synCount`), where
 *   Zeek would log one S0 connection per attempt window;
 * - sequence numbers are compared in 32-bit signed sequence space only, without Zeek's wrap counting: once a
 *   direction has sent more than 2 GiB, its acknowledgements stop advancing `ackSeq` and orig_bytes/resp_bytes
 *   (payload from sequence numbers) are no longer exact (packets, IP bytes and frame bytes, which are counted,
 *   stay exact).
 */
import { EndpointState, EpFlag, FlowState, Hist, Basis, FlowFlag } from './flow.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

const CH_S = 83; // 'S'
const CH_H = 72; // 'H'
const CH_F = 70; // 'F'
const CH_R = 82; // 'R'
const CH_D = 68; // 'D'
const CH_A = 65; // 'A'
const CH_I = 73; // 'I'
const CH_Q = 81; // 'Q'
const CH_T = 84; // 'T'
const CH_W = 87; // 'W'
const CH_CARET = 94; // '^'

/** Zeek's TOO_LARGE_SEQ_DELTA: sequence jumps beyond ±1 MiB on SYN/RST are not trusted. */
const TOO_LARGE_SEQ_DELTA = 1048576;

/** Signed 32-bit difference a − b in sequence space (RFC 9293 §3.4). */
function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

/** Endpoint index of a side: 2 × slot for the originator, 2 × slot + 1 for the responder. */
export function endpointOf(s: number, isOrig: boolean): number {
  return isOrig ? 2 * s : 2 * s + 1;
}

function setState(st: FlowState, e: number, v: EndpointState): void {
  if (st.state[e] !== v) {
    st.prevState[e] = st.state[e];
    st.state[e] = v;
  }
}

/** Zeek Connection::CheckHistory: records `code` the first time `mask` is seen; returns true if seen before. */
function checkHistory(st: FlowState, s: number, e: number, isOrig: boolean, mask: number, code: number): boolean {
  if ((st.histSeen[e] & mask) === 0) {
    st.histSeen[e] |= mask;
    st.addHistory(s, code, isOrig);
    return false;
  }
  return true;
}

/**
 * Zeek's scaled letters ('T' retransmission, 'W' zero window): recorded at the 1st, 10th, 100th … occurrence
 * (Connection::ScaledHistoryEntry), i.e. when the running count is a power of ten.
 */
function scaledLetter(st: FlowState, s: number, isOrig: boolean, code: number, count: number): void {
  let t = 1;
  while (t < count) t *= 10;
  if (t === count) st.addHistory(s, code, isOrig);
}

function initEndpoint(st: FlowState, e: number, flags: number, seq: number, lastSeq: number): void {
  switch (st.state[e]) {
    case EndpointState.Inactive:
      if (flags & SYN) {
        st.ackSeq[e] = seq;
        st.startSeq[e] = seq;
      } else {
        // partial connection: number as though a SYN had been seen
        st.ackSeq[e] = (seq - 1) >>> 0;
        st.startSeq[e] = (seq - 1) >>> 0;
        lastSeq = seq;
      }
      st.lastSeq[e] = lastSeq;
      st.epFlags[e] |= EpFlag.SeqInit;
      break;
    case EndpointState.SynSent:
    case EndpointState.SynAckSent:
      if (flags & SYN && seq !== st.startSeq[e]) {
        st.startSeq[e] = seq;
        st.ackSeq[e] = seq;
        st.lastSeq[e] = lastSeq;
      }
      break;
    case EndpointState.Established:
    case EndpointState.Partial:
      if (flags & SYN) {
        st.startSeq[e] = seq;
        st.ackSeq[e] = seq;
        st.lastSeq[e] = lastSeq;
      }
      break;
    case EndpointState.Reset:
      if (flags & SYN && st.prevState[e] === EndpointState.Inactive) {
        st.startSeq[e] = seq;
        st.ackSeq[e] = seq;
        st.lastSeq[e] = lastSeq;
      }
      break;
    default:
      break;
  }
}

function updateHistory(st: FlowState, s: number, e: number, isOrig: boolean, flags: number, relSeq: number, len: number): void {
  const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
  if (bits > 1) {
    if (flags & FIN && flags & RST) checkHistory(st, s, e, isOrig, Hist.FinRst, CH_I);
    else checkHistory(st, s, e, isOrig, Hist.Multi, CH_Q);
  } else if (bits === 1) {
    if (flags & SYN) {
      const code = flags & ACK ? CH_H : CH_S;
      if (checkHistory(st, s, e, isOrig, Hist.Syn, code) && relSeq !== st.histLastSyn[e]) st.addHistory(s, code, isOrig);
      st.histLastSyn[e] = relSeq;
    }
    if (flags & FIN) {
      // for FINs the sequence number that matters is the one after any data in the packet
      const finSeq = (relSeq + len) >>> 0;
      if (checkHistory(st, s, e, isOrig, Hist.Fin, CH_F) && finSeq !== st.histLastFin[e]) st.addHistory(s, CH_F, isOrig);
      st.histLastFin[e] = finSeq;
    }
    if (flags & RST) {
      if (checkHistory(st, s, e, isOrig, Hist.Rst, CH_R) && relSeq !== st.histLastRst[e]) st.addHistory(s, CH_R, isOrig);
      st.histLastRst[e] = relSeq;
    }
  } else if (len > 0) {
    checkHistory(st, s, e, isOrig, Hist.Data, CH_D);
  } else if (flags & ACK) {
    checkHistory(st, s, e, isOrig, Hist.Ack, CH_A);
  }
}

function updateLastSeq(st: FlowState, s: number, e: number, isOrig: boolean, lastSeq: number, flags: number, len: number): void {
  const deltaLast = seqDelta(lastSeq, st.lastSeq[e]);
  if (flags & (SYN | RST) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
    // not trusted
  } else if (flags & FIN && st.lastSeq[e] === ((st.startSeq[e] + 1) >>> 0)) {
    st.lastSeq[e] = lastSeq;
  } else if (st.state[e] === EndpointState.Reset) {
    // nothing after a RST is trusted
  } else if (deltaLast > 0) {
    st.lastSeq[e] = lastSeq;
  } else if (len > 0) {
    scaledLetter(st, s, isOrig, CH_T, ++st.rxmitCount[e]);
  }
}

/**
 * Returns true when the packet closes this side (Zeek's do_close). `e` / `p` are the sender's and the peer's
 * endpoint indices; after a role flip they still name the sender's and the peer's state.
 */
function updateStateMachine(st: FlowState, s: number, e: number, p: number, isOrig: boolean, flags: number, seq: number, len: number): boolean {
  let doClose = false;
  switch (st.state[e]) {
    case EndpointState.Inactive: {
      if (flags & SYN) {
        if (isOrig) {
          setState(st, e, flags & ACK ? EndpointState.SynAckSent : EndpointState.SynSent);
        } else {
          if (!(flags & ACK) && st.state[p] === EndpointState.SynAckSent && seq === st.startSeq[e]) {
            // SYN / SYN-ACK seen in reverse order (Zeek flips the roles here): the sender becomes the originator
            flipRoles(st, s);
            const t = e;
            e = p;
            p = t;
            setState(st, p, EndpointState.Established);
          }
          if (st.state[p] === EndpointState.SynSent) setState(st, p, EndpointState.Established);
          setState(st, e, EndpointState.Established);
        }
      }
      if (flags & FIN) {
        setState(st, e, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(st, e, EndpointState.Reset);
        doClose = true;
      }
      if (st.state[e] === EndpointState.Inactive) {
        if (!isOrig && len === 0 && st.state[2 * s] === EndpointState.SynSent) {
          // an eccentric stack ACKs the SYN before its SYN-ACK: not a partial connection
        } else if (flags & ACK && st.state[p] === EndpointState.Established) {
          setState(st, e, EndpointState.Established);
        } else {
          setState(st, e, EndpointState.Partial);
        }
      }
      break;
    }
    case EndpointState.SynSent:
    case EndpointState.SynAckSent:
      if (flags & FIN) {
        setState(st, e, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(st, e, EndpointState.Reset);
        doClose = true;
      }
      break;
    case EndpointState.Established:
    case EndpointState.Partial:
      if (flags & SYN && st.state[e] === EndpointState.Partial && st.state[p] === EndpointState.Inactive && !(flags & ACK)) {
        setState(st, e, EndpointState.SynSent);
      }
      if (flags & FIN && !(flags & RST)) {
        setState(st, e, EndpointState.Closed);
        // the peer sent FIN then RST: that was a normal termination after all
        if (st.state[p] === EndpointState.Reset && st.prevState[p] === EndpointState.Closed) setState(st, p, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(st, e, EndpointState.Reset);
        doClose = true;
      }
      break;
    case EndpointState.Closed:
      if (flags & RST && st.state[p] !== EndpointState.Closed) {
        setState(st, e, EndpointState.Reset);
        if (!(st.epFlags[e] & EpFlag.DidClose)) doClose = true;
      }
      break;
    default:
      break;
  }
  if (doClose) st.epFlags[e] |= EpFlag.DidClose;
  return doClose;
}

/**
 * Swaps originator and responder (Zeek Connection::FlipRoles) and records '^'.
 * Only used for the rare SYN/SYN-ACK-reversed case; the choice of originator at flow creation is made by
 * the flow table before any letter is recorded.
 */
export function flipRoles(st: FlowState, s: number): void {
  st.swapSides(s);
  st.addHistory(s, CH_CARET, true);
  st.flags[s] |= FlowFlag.Inferred;
  st.basis[s] = Basis.SynSynackReversed;
}

/** Has either side closed (FIN or RST)? */
function eitherClosed(st: FlowState, s: number): boolean {
  return ((st.epFlags[2 * s] | st.epFlags[2 * s + 1]) & EpFlag.DidClose) !== 0;
}

/** Have both sides closed? */
export function bothClosed(st: FlowState, s: number): boolean {
  return (st.epFlags[2 * s] & st.epFlags[2 * s + 1] & EpFlag.DidClose) !== 0;
}

/**
 * Zeek TCPSessionAdapter::IsReuse: does this packet start a new connection on an existing 5-tuple?
 * Only a SYN can (or a SYN-ACK while the originator is inactive): a SYN with a new initial sequence number
 * on an open flow, or any SYN once either side has closed.
 */
export function isTcpReuse(st: FlowState, s: number, flags: number, seq: number): boolean {
  if (!(flags & SYN)) return false;
  const o = 2 * s;
  const r = o + 1;
  let connOrig = o;
  if (flags & ACK) {
    if (st.state[o] !== EndpointState.Inactive) return false;
    connOrig = r;
  }
  if (!eitherClosed(st, s)) {
    if (seq === st.startSeq[connOrig]) return false;
    if (!(flags & ACK) && st.state[connOrig] === EndpointState.SynAckSent && st.state[r] === EndpointState.Inactive && seq === st.startSeq[r]) {
      return false;
    }
  }
  return true;
}

/**
 * Feeds one TCP segment to the flow in slot `s` (Zeek TCPSessionAdapter::Process, without reassembly).
 *
 * @param isOrig the segment was sent by the originator
 * @param flags TCP flags byte
 * @param seq, ack absolute uint32 sequence / acknowledgement numbers
 * @param window advertised window (unscaled; only zero matters here)
 * @param len payload length in bytes (from the IP length fields)
 * @param ts packet time, seconds since the epoch
 */
export function tcpSegment(st: FlowState, s: number, isOrig: boolean, flags: number, seq: number, ack: number, window: number, len: number, ts: number): void {
  const e = endpointOf(s, isOrig);
  const p = e ^ 1;

  let segLen = len;
  if (flags & SYN) segLen++;
  if (flags & FIN) segLen++;
  if (flags & RST) segLen -= len;
  const seqOnePast = (seq + segLen) >>> 0;

  if (flags & SYN && !(flags & ACK)) st.synCount[e]++;
  if (flags & FIN) st.finCount[e]++;

  initEndpoint(st, e, flags, seq, seqOnePast);
  const relSeq = (seq - st.startSeq[e]) >>> 0;
  updateHistory(st, s, e, isOrig, flags, relSeq, len);

  // zero-window advertisement ('W'): boring with or after a RST, or after the peer's FIN
  if (window === 0 && !(flags & RST) && st.state[p] !== EndpointState.Closed && st.state[e] !== EndpointState.Reset) {
    scaledLetter(st, s, isOrig, CH_W, ++st.zeroWindowCount[e]);
  }

  if (!bothClosed(st, s)) st.lastTs[s] = ts;

  if (flags & ACK) {
    if (st.state[p] === EndpointState.Inactive) {
      const a = (ack - 1) >>> 0;
      st.startSeq[p] = a;
      st.ackSeq[p] = a;
      st.lastSeq[p] = a;
      st.epFlags[p] |= EpFlag.SeqInit;
    } else if (seqDelta(ack, st.startSeq[p]) >= 0 && !(flags & RST)) {
      const d = seqDelta(ack, st.ackSeq[p]);
      if (!(ack === 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0) st.ackSeq[p] = ack;
    }
  }

  updateLastSeq(st, s, e, isOrig, seqOnePast, flags, len);
  updateStateMachine(st, s, e, p, isOrig, flags, seq, len);
}

/** Zeek TCP_Endpoint::Size(): payload bytes endpoint `e` sent, from sequence numbers (orig_bytes / resp_bytes). */
export function endpointSize(st: FlowState, e: number): number {
  if (!(st.epFlags[e] & EpFlag.SeqInit)) return 0;
  const p = e ^ 1;
  const start = st.startSeq[e];
  const ackSeq = st.ackSeq[e];
  const lastSeq = st.lastSeq[e];
  const noDataAcked = ackSeq === start || ackSeq === ((start + 1) >>> 0);
  if (st.prevState[e] === EndpointState.SynSent && st.state[e] === EndpointState.Reset && st.state[p] === EndpointState.Inactive && !noDataAcked) {
    return 0;
  }
  const last = (lastSeq - start) >>> 0;
  const acked = (ackSeq - start) >>> 0;
  let size = seqDelta(lastSeq, ackSeq) > 0 ? last : acked;
  if (size) size--;
  if (st.finCount[e] > 0 && size !== 0) size--;
  return size;
}

/** Zeek's RSTOS0 history pattern: /^\^?S[^HAFGIQ]*R.*$/ */
const RSTOS0 = /^\^?S[^HAFGIQ]*R.*$/;

/**
 * conn_state of a TCP flow, exactly as Zeek's `conn_state()` in base/protocols/conn/main.zeek derives it
 * from the two endpoint states and the history.
 * @returns one of S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH
 */
export function tcpConnState(st: FlowState, s: number): string {
  const os = st.state[2 * s];
  const rs = st.state[2 * s + 1];
  const oInactive = os === EndpointState.Inactive || os === EndpointState.Partial;
  const rInactive = rs === EndpointState.Inactive || rs === EndpointState.Partial;
  if (rs === EndpointState.Reset) {
    if (
      os === EndpointState.SynSent ||
      os === EndpointState.SynAckSent ||
      (os === EndpointState.Reset && endpointSize(st, 2 * s) === 0 && endpointSize(st, 2 * s + 1) === 0)
    ) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === EndpointState.Reset) {
    if (rInactive) return RSTOS0.test(st.history(s)) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === EndpointState.Closed && os === EndpointState.Closed) return 'SF';
  if (os === EndpointState.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === EndpointState.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === EndpointState.SynSent && rs === EndpointState.Inactive) return 'S0';
  if (os === EndpointState.Established && rs === EndpointState.Established) return 'S1';
  return 'OTH';
}

/**
 * Feeds one UDP datagram (Zeek's UDP analyzer: each side becomes ACTIVE when it sends; 'D'/'d' once).
 */
export function udpDatagram(st: FlowState, s: number, isOrig: boolean, ts: number): void {
  const e = endpointOf(s, isOrig);
  st.state[e] = EndpointState.Active;
  checkHistory(st, s, e, isOrig, Hist.Data, CH_D);
  st.lastTs[s] = ts;
}

/** conn_state of a UDP flow (Zeek conn_state(): SF both sides sent, S0 only the originator, SHR only the responder). */
export function udpConnState(st: FlowState, s: number): string {
  const o = st.state[2 * s] === EndpointState.Active;
  const r = st.state[2 * s + 1] === EndpointState.Active;
  if (o) return r ? 'SF' : 'S0';
  return r ? 'SHR' : 'OTH';
}

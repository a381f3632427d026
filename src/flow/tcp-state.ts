/**
 * TCP endpoint state machines, `history` letters and `conn_state`, computed the way Zeek computes them.
 *
 * Source: Zeek's `src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc` (Process, init_endpoint,
 * update_history, update_last_seq, Update*State, IsReuse) and `scripts/base/protocols/conn/main.zeek`
 * (function conn_state). Pure functions over a Flow; nothing here allocates per packet except when a new
 * history letter is appended (a handful of times per flow).
 *
 * Deliberate differences from Zeek (each stated where it matters):
 * - checksums are not verified (as `zeek -C`), so no 'C' letter and no packet is discarded for a bad checksum;
 * - no reassembly, so no content-gap letter 'G' and no deferred close on pending data;
 * - Zeek's timers are not modelled: a connection attempt whose SYN is retried after Zeek's 5 s
 *   `tcp_attempt_delay` stays one flow here (its SYN retries are counted in `Endpoint.synCount`), where
 *   Zeek would log one S0 connection per attempt window;
 * - sequence-number wrap-around beyond 4 GiB per direction is not tracked (orig_bytes/resp_bytes modulo 2^32).
 */
import { Endpoint, EndpointState, Flow, Hist, swapAddrs } from './flow.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** Zeek's TOO_LARGE_SEQ_DELTA: sequence jumps beyond ±1 MiB on SYN/RST are not trusted. */
const TOO_LARGE_SEQ_DELTA = 1048576;

/** Signed 32-bit difference a − b in sequence space (RFC 9293 §3.4). */
function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

function setState(ep: Endpoint, s: EndpointState): void {
  if (ep.state !== s) {
    ep.prevState = ep.state;
    ep.state = s;
  }
}

/** Zeek Connection::CheckHistory: records `code` the first time `mask` is seen; returns true if seen before. */
function checkHistory(flow: Flow, ep: Endpoint, isOrig: boolean, mask: number, code: string): boolean {
  if ((ep.histSeen & mask) === 0) {
    ep.histSeen |= mask;
    flow.addHistory(code, isOrig);
    return false;
  }
  return true;
}

/**
 * Zeek's scaled letters ('T' retransmission, 'W' zero window): recorded at the 1st, 10th, 100th … occurrence
 * (Connection::ScaledHistoryEntry), i.e. when the running count is a power of ten.
 */
function scaledLetter(flow: Flow, isOrig: boolean, code: string, count: number): void {
  let t = 1;
  while (t < count) t *= 10;
  if (t === count) flow.addHistory(code, isOrig);
}

function initEndpoint(ep: Endpoint, flags: number, seq: number, lastSeq: number): void {
  switch (ep.state) {
    case EndpointState.Inactive:
      if (flags & SYN) {
        ep.ackSeq = seq;
        ep.startSeq = seq;
      } else {
        // partial connection: number as though a SYN had been seen
        ep.ackSeq = (seq - 1) >>> 0;
        ep.startSeq = (seq - 1) >>> 0;
        lastSeq = seq;
      }
      ep.lastSeq = lastSeq;
      ep.seqInitialised = true;
      break;
    case EndpointState.SynSent:
    case EndpointState.SynAckSent:
      if (flags & SYN && seq !== ep.startSeq) {
        ep.startSeq = seq;
        ep.ackSeq = seq;
        ep.lastSeq = lastSeq;
      }
      break;
    case EndpointState.Established:
    case EndpointState.Partial:
      if (flags & SYN) {
        ep.startSeq = seq;
        ep.ackSeq = seq;
        ep.lastSeq = lastSeq;
      }
      break;
    case EndpointState.Reset:
      if (flags & SYN && ep.prevState === EndpointState.Inactive) {
        ep.startSeq = seq;
        ep.ackSeq = seq;
        ep.lastSeq = lastSeq;
      }
      break;
    default:
      break;
  }
}

function updateHistory(flow: Flow, ep: Endpoint, isOrig: boolean, flags: number, relSeq: number, len: number): void {
  const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
  if (bits > 1) {
    if (flags & FIN && flags & RST) checkHistory(flow, ep, isOrig, Hist.FinRst, 'I');
    else checkHistory(flow, ep, isOrig, Hist.Multi, 'Q');
  } else if (bits === 1) {
    if (flags & SYN) {
      const code = flags & ACK ? 'H' : 'S';
      if (checkHistory(flow, ep, isOrig, Hist.Syn, code) && relSeq !== ep.histLastSyn) flow.addHistory(code, isOrig);
      ep.histLastSyn = relSeq;
    }
    if (flags & FIN) {
      // for FINs the sequence number that matters is the one after any data in the packet
      const finSeq = (relSeq + len) >>> 0;
      if (checkHistory(flow, ep, isOrig, Hist.Fin, 'F') && finSeq !== ep.histLastFin) flow.addHistory('F', isOrig);
      ep.histLastFin = finSeq;
    }
    if (flags & RST) {
      if (checkHistory(flow, ep, isOrig, Hist.Rst, 'R') && relSeq !== ep.histLastRst) flow.addHistory('R', isOrig);
      ep.histLastRst = relSeq;
    }
  } else if (len > 0) {
    checkHistory(flow, ep, isOrig, Hist.Data, 'D');
  } else if (flags & ACK) {
    checkHistory(flow, ep, isOrig, Hist.Ack, 'A');
  }
}

function updateLastSeq(flow: Flow, ep: Endpoint, isOrig: boolean, lastSeq: number, flags: number, len: number): void {
  const deltaLast = seqDelta(lastSeq, ep.lastSeq);
  if (flags & (SYN | RST) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
    // not trusted
  } else if (flags & FIN && ep.lastSeq === ((ep.startSeq + 1) >>> 0)) {
    ep.lastSeq = lastSeq;
  } else if (ep.state === EndpointState.Reset) {
    // nothing after a RST is trusted
  } else if (deltaLast > 0) {
    ep.lastSeq = lastSeq;
  } else if (len > 0) {
    scaledLetter(flow, isOrig, 'T', ++ep.rxmitCount);
  }
}

/** Returns true when the packet closes this side (Zeek's do_close). */
function updateStateMachine(flow: Flow, ep: Endpoint, peer: Endpoint, isOrig: boolean, flags: number, seq: number, len: number): boolean {
  let doClose = false;
  switch (ep.state) {
    case EndpointState.Inactive: {
      if (flags & SYN) {
        if (isOrig) {
          setState(ep, flags & ACK ? EndpointState.SynAckSent : EndpointState.SynSent);
        } else {
          if (!(flags & ACK) && peer.state === EndpointState.SynAckSent && seq === ep.startSeq) {
            // SYN / SYN-ACK seen in reverse order (Zeek flips the roles here)
            flipRoles(flow);
            setState(peer, EndpointState.Established);
          }
          if (peer.state === EndpointState.SynSent) setState(peer, EndpointState.Established);
          setState(ep, EndpointState.Established);
        }
      }
      if (flags & FIN) {
        setState(ep, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(ep, EndpointState.Reset);
        doClose = true;
      }
      if (ep.state === EndpointState.Inactive) {
        if (!isOrig && len === 0 && flow.orig.state === EndpointState.SynSent) {
          // an eccentric stack ACKs the SYN before its SYN-ACK: not a partial connection
        } else if (flags & ACK && peer.state === EndpointState.Established) {
          setState(ep, EndpointState.Established);
        } else {
          setState(ep, EndpointState.Partial);
        }
      }
      break;
    }
    case EndpointState.SynSent:
    case EndpointState.SynAckSent:
      if (flags & FIN) {
        setState(ep, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(ep, EndpointState.Reset);
        doClose = true;
      }
      break;
    case EndpointState.Established:
    case EndpointState.Partial:
      if (flags & SYN && ep.state === EndpointState.Partial && peer.state === EndpointState.Inactive && !(flags & ACK)) {
        setState(ep, EndpointState.SynSent);
      }
      if (flags & FIN && !(flags & RST)) {
        setState(ep, EndpointState.Closed);
        // the peer sent FIN then RST: that was a normal termination after all
        if (peer.state === EndpointState.Reset && peer.prevState === EndpointState.Closed) setState(peer, EndpointState.Closed);
        doClose = true;
      }
      if (flags & RST) {
        setState(ep, EndpointState.Reset);
        doClose = true;
      }
      break;
    case EndpointState.Closed:
      if (flags & RST && peer.state !== EndpointState.Closed) {
        setState(ep, EndpointState.Reset);
        if (!ep.didClose) doClose = true;
      }
      break;
    default:
      break;
  }
  return doClose;
}

/**
 * Swaps originator and responder (Zeek Connection::FlipRoles) and records '^'.
 * Only used for the rare SYN/SYN-ACK-reversed case; the choice of originator at flow creation is made by
 * the flow table before any letter is recorded.
 */
export function flipRoles(flow: Flow): void {
  swapAddrs(flow);
  const p = flow.origPort;
  flow.origPort = flow.respPort;
  flow.respPort = p;
  const ep = flow.orig;
  flow.orig = flow.resp;
  flow.resp = ep;
  flow.history += '^';
  flow.initiatorInferred = true;
  flow.initiatorBasis = 'syn-synack-reversed';
}

/**
 * Zeek TCPSessionAdapter::IsReuse: does this packet start a new connection on an existing 5-tuple?
 * Only a SYN can (or a SYN-ACK while the originator is inactive): a SYN with a new initial sequence number
 * on an open flow, or any SYN once either side has closed.
 */
export function isTcpReuse(flow: Flow, flags: number, seq: number): boolean {
  if (!(flags & SYN)) return false;
  let connOrig = flow.orig;
  if (flags & ACK) {
    if (flow.orig.state !== EndpointState.Inactive) return false;
    connOrig = flow.resp;
  }
  const closed = flow.orig.didClose || flow.resp.didClose;
  if (!closed) {
    if (seq === connOrig.startSeq) return false;
    if (!(flags & ACK) && connOrig.state === EndpointState.SynAckSent && flow.resp.state === EndpointState.Inactive && seq === flow.resp.startSeq) {
      return false;
    }
  }
  return true;
}

/**
 * Feeds one TCP segment to the flow (Zeek TCPSessionAdapter::Process, without reassembly).
 *
 * @param isOrig the segment was sent by the originator
 * @param flags TCP flags byte
 * @param seq, ack absolute uint32 sequence / acknowledgement numbers
 * @param window advertised window (unscaled; only zero matters here)
 * @param len payload length in bytes (from the IP length fields)
 * @param ts packet time, seconds since the epoch
 */
export function tcpSegment(flow: Flow, isOrig: boolean, flags: number, seq: number, ack: number, window: number, len: number, ts: number): void {
  const ep = isOrig ? flow.orig : flow.resp;
  const peer = isOrig ? flow.resp : flow.orig;

  let segLen = len;
  if (flags & SYN) segLen++;
  if (flags & FIN) segLen++;
  if (flags & RST) segLen -= len;
  const seqOnePast = (seq + segLen) >>> 0;

  if (flags & SYN && !(flags & ACK)) ep.synCount++;
  if (flags & FIN) ep.finCount++;

  initEndpoint(ep, flags, seq, seqOnePast);
  const relSeq = (seq - ep.startSeq) >>> 0;
  updateHistory(flow, ep, isOrig, flags, relSeq, len);

  // zero-window advertisement ('W'): boring with or after a RST, or after the peer's FIN
  if (window === 0 && !(flags & RST) && peer.state !== EndpointState.Closed && ep.state !== EndpointState.Reset) {
    scaledLetter(flow, isOrig, 'W', ++ep.zeroWindowCount);
  }

  if (!(flow.orig.didClose && flow.resp.didClose)) flow.lastTs = ts;

  if (flags & ACK) {
    if (peer.state === EndpointState.Inactive) {
      const a = (ack - 1) >>> 0;
      peer.startSeq = a;
      peer.ackSeq = a;
      peer.lastSeq = a;
      peer.seqInitialised = true;
    } else if (seqDelta(ack, peer.startSeq) >= 0 && !(flags & RST)) {
      const d = seqDelta(ack, peer.ackSeq);
      if (!(ack === 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0) peer.ackSeq = ack;
    }
  }

  updateLastSeq(flow, ep, isOrig, seqOnePast, flags, len);
  const doClose = updateStateMachine(flow, ep, peer, isOrig, flags, seq, len);
  // (flipRoles swaps the Endpoint objects, so `ep` still is the sender's side)
  if (doClose) ep.didClose = true;
}

/** Zeek TCP_Endpoint::Size(): payload bytes this side sent, from sequence numbers (orig_bytes / resp_bytes). */
export function endpointSize(ep: Endpoint, peer: Endpoint): number {
  if (!ep.seqInitialised) return 0;
  const noDataAcked = ep.ackSeq === ep.startSeq || ep.ackSeq === ((ep.startSeq + 1) >>> 0);
  if (ep.prevState === EndpointState.SynSent && ep.state === EndpointState.Reset && peer.state === EndpointState.Inactive && !noDataAcked) {
    return 0;
  }
  const last = (ep.lastSeq - ep.startSeq) >>> 0;
  const acked = (ep.ackSeq - ep.startSeq) >>> 0;
  let size = seqDelta(ep.lastSeq, ep.ackSeq) > 0 ? last : acked;
  if (size) size--;
  if (ep.finCount > 0 && size !== 0) size--;
  return size;
}

/** Zeek's RSTOS0 history pattern: /^\^?S[^HAFGIQ]*R.*$/ */
const RSTOS0 = /^\^?S[^HAFGIQ]*R.*$/;

/**
 * conn_state of a TCP flow, exactly as Zeek's `conn_state()` in base/protocols/conn/main.zeek derives it
 * from the two endpoint states and the history.
 * @returns one of S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH
 */
export function tcpConnState(flow: Flow): string {
  const os = flow.orig.state;
  const rs = flow.resp.state;
  const oInactive = os === EndpointState.Inactive || os === EndpointState.Partial;
  const rInactive = rs === EndpointState.Inactive || rs === EndpointState.Partial;
  if (rs === EndpointState.Reset) {
    if (
      os === EndpointState.SynSent ||
      os === EndpointState.SynAckSent ||
      (os === EndpointState.Reset && endpointSize(flow.orig, flow.resp) === 0 && endpointSize(flow.resp, flow.orig) === 0)
    ) {
      return 'REJ';
    }
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === EndpointState.Reset) {
    if (rInactive) return RSTOS0.test(flow.history) ? 'RSTOS0' : 'OTH';
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
export function udpDatagram(flow: Flow, isOrig: boolean, ts: number): void {
  const ep = isOrig ? flow.orig : flow.resp;
  ep.state = EndpointState.Active;
  checkHistory(flow, ep, isOrig, Hist.Data, 'D');
  flow.lastTs = ts;
}

/** conn_state of a UDP flow (Zeek conn_state(): SF both sides sent, S0 only the originator, SHR only the responder). */
export function udpConnState(flow: Flow): string {
  const o = flow.orig.state === EndpointState.Active;
  const r = flow.resp.state === EndpointState.Active;
  if (o) return r ? 'SF' : 'S0';
  return r ? 'SHR' : 'OTH';
}

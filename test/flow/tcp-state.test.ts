/**
 * conn_state for hand-built segment sequences, one per Zeek state.
 *
 * The expected values are derived by hand, not by running our code: for each sequence the comment walks the
 * endpoint states through Zeek's TCPSessionAdapter (UpdateInactiveState / UpdateSYN_SentState /
 * UpdateEstablishedState / UpdateClosedState) and then applies Zeek's conn_state() from
 * scripts/base/protocols/conn/main.zeek, quoted here:
 *
 *   local o_inactive = os == TCP_INACTIVE || os == TCP_PARTIAL;
 *   local r_inactive = rs == TCP_INACTIVE || rs == TCP_PARTIAL;
 *   if ( rs == TCP_RESET )
 *       {
 *       if ( os == TCP_SYN_SENT || os == TCP_SYN_ACK_SENT ||
 *            (os == TCP_RESET && c$orig$size == 0 && c$resp$size == 0) )
 *           return "REJ";
 *       else if ( o_inactive )
 *           return "RSTRH";
 *       else
 *           return "RSTR";
 *       }
 *   else if ( os == TCP_RESET )
 *       {
 *       if ( r_inactive )
 *           {
 *           if ( /\^?S[^HAFGIQ]*R.* / == c$history )   [pattern without the space; Zeek's == matches the whole string]
 *               return "RSTOS0";
 *           return "OTH";
 *           }
 *       return "RSTO";
 *       }
 *   else if ( rs == TCP_CLOSED && os == TCP_CLOSED )
 *       return "SF";
 *   else if ( os == TCP_CLOSED )
 *       return r_inactive ? "SH" : "S2";
 *   else if ( rs == TCP_CLOSED )
 *       return o_inactive ? "SHR" : "S3";
 *   else if ( os == TCP_SYN_SENT && rs == TCP_INACTIVE )
 *       return "S0";
 *   else if ( os == TCP_ESTABLISHED && rs == TCP_ESTABLISHED )
 *       return "S1";
 *   else
 *       return "OTH";
 *
 * History letters (same file, Conn::Info$history): S SYN w/o ACK, H SYN+ACK, A pure ACK, D data, F FIN,
 * R RST; upper case from the originator, lower case from the responder; A/D once per direction; S/H/F/R again
 * only when the sequence number differs from the last one of that kind.
 */
import { describe, expect, it } from 'vitest';
import { EndpointState, FlowState, Proto } from '../../src/flow/flow.js';
import { tcpConnState, tcpSegment } from '../../src/flow/tcp-state.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

/** Originator ISN and responder ISN used throughout. */
const O = 1000;
const R = 5000;

type Seg = [sender: 'o' | 'r', flags: number, seq: number, ack: number, len?: number];

/** The flow after the segments: its two endpoint states and history, and its slot for tcpConnState. */
interface Run {
  st: FlowState;
  s: number;
  orig: { state: number };
  resp: { state: number };
  history: string;
}

function run(segs: Seg[]): Run {
  const st = new FlowState(16);
  const s = st.alloc();
  st.proto[s] = Proto.TCP;
  st.ipVersion[s] = 4;
  st.origPort[s] = 40000;
  st.respPort[s] = 80;
  let t = 1000;
  for (const [who, flags, seq, ack, len = 0] of segs) {
    tcpSegment(st, s, who === 'o', flags, seq >>> 0, ack >>> 0, 65535, len, (t += 0.01));
  }
  return { st, s, orig: { state: st.state[2 * s] }, resp: { state: st.state[2 * s + 1] }, history: st.history(s) };
}

// the usual three-way handshake: orig SYN_SENT -> (SYN-ACK from resp) both ESTABLISHED
const HANDSHAKE: Seg[] = [
  ['o', SYN, O, 0],
  ['r', SYN | ACK, R, O + 1],
  ['o', ACK, O + 1, R + 1],
];

describe('tcpConnState follows Zeek conn_state() for each state', () => {
  it('S0: a lone SYN', () => {
    // UpdateInactiveState, is_orig, SYN w/o ACK: orig -> SYN_SENT. resp never sends: INACTIVE.
    // conn_state: rs not RESET/CLOSED, os not RESET/CLOSED; os == SYN_SENT && rs == INACTIVE -> S0.
    const f = run([['o', SYN, O, 0]]);
    expect(f.orig.state).toBe(EndpointState.SynSent);
    expect(f.resp.state).toBe(EndpointState.Inactive);
    expect(tcpConnState(f.st, f.s)).toBe('S0');
    expect(f.history).toBe('S');
  });

  it('S0 too for a retried SYN with the same ISN (one history letter: same sequence number)', () => {
    // 2nd SYN: orig in SYN_SENT, UpdateSYN_SentState changes nothing; 'S' not repeated (same rel seq 0).
    const f = run([['o', SYN, O, 0], ['o', SYN, O, 0]]);
    expect(tcpConnState(f.st, f.s)).toBe('S0');
    expect(f.history).toBe('S');
  });

  it('S1: handshake, no close', () => {
    // SYN: orig SYN_SENT. SYN-ACK from resp (INACTIVE, !is_orig, SYN+ACK): peer SYN_SENT -> ESTABLISHED,
    // endpoint -> ESTABLISHED. ACK: orig ESTABLISHED, UpdateEstablishedState no flags. os = rs = ESTABLISHED -> S1.
    const f = run(HANDSHAKE);
    expect(f.orig.state).toBe(EndpointState.Established);
    expect(f.resp.state).toBe(EndpointState.Established);
    expect(tcpConnState(f.st, f.s)).toBe('S1');
    expect(f.history).toBe('ShA');
  });

  it('SF: handshake, data, FIN both ways', () => {
    // After the handshake both ESTABLISHED; orig FIN -> CLOSED, resp FIN -> CLOSED (UpdateEstablishedState).
    // rs == CLOSED && os == CLOSED -> SF.
    const f = run([
      ...HANDSHAKE,
      ['o', PSH | ACK, O + 1, R + 1, 10],
      ['r', PSH | ACK, R + 1, O + 11, 20],
      ['o', FIN | ACK, O + 11, R + 21],
      ['r', FIN | ACK, R + 21, O + 12],
      ['o', ACK, O + 12, R + 22],
    ]);
    expect(f.orig.state).toBe(EndpointState.Closed);
    expect(f.resp.state).toBe(EndpointState.Closed);
    expect(tcpConnState(f.st, f.s)).toBe('SF');
    // S h A, then D (orig data) d (resp data), F f; the last pure ACK adds nothing (A already recorded)
    expect(f.history).toBe('ShADdFf');
  });

  it('REJ: SYN answered by RST-ACK', () => {
    // orig SYN_SENT; resp INACTIVE gets RST: -> RESET. rs == RESET and os == SYN_SENT -> REJ.
    const f = run([['o', SYN, O, 0], ['r', RST | ACK, 0, O + 1]]);
    expect(f.orig.state).toBe(EndpointState.SynSent);
    expect(f.resp.state).toBe(EndpointState.Reset);
    expect(tcpConnState(f.st, f.s)).toBe('REJ');
    expect(f.history).toBe('Sr');
  });

  it('S2: established, only the originator closes', () => {
    // orig FIN in ESTABLISHED -> CLOSED; resp stays ESTABLISHED (not r_inactive). os == CLOSED -> S2.
    const f = run([...HANDSHAKE, ['o', FIN | ACK, O + 1, R + 1]]);
    expect(tcpConnState(f.st, f.s)).toBe('S2');
    expect(f.history).toBe('ShAF');
  });

  it('S3: established, only the responder closes', () => {
    // resp FIN -> CLOSED; orig ESTABLISHED (not o_inactive). rs == CLOSED -> S3.
    const f = run([...HANDSHAKE, ['r', FIN | ACK, R + 1, O + 1]]);
    expect(tcpConnState(f.st, f.s)).toBe('S3');
    expect(f.history).toBe('ShAf');
  });

  it('RSTO: established, the originator aborts', () => {
    // orig RST in ESTABLISHED -> RESET; resp ESTABLISHED (not r_inactive). os == RESET -> RSTO.
    const f = run([...HANDSHAKE, ['o', RST | ACK, O + 1, R + 1]]);
    expect(tcpConnState(f.st, f.s)).toBe('RSTO');
    expect(f.history).toBe('ShAR');
  });

  it('RSTR: established, the responder aborts', () => {
    // resp RST -> RESET; os == ESTABLISHED: not SYN_SENT/SYN_ACK_SENT/RESET, not o_inactive -> RSTR.
    const f = run([...HANDSHAKE, ['r', RST | ACK, R + 1, O + 1]]);
    expect(tcpConnState(f.st, f.s)).toBe('RSTR');
    expect(f.history).toBe('ShAr');
  });

  it('RSTOS0: SYN then RST from the originator, no reply', () => {
    // orig SYN_SENT, then RST (UpdateSYN_SentState) -> RESET; resp INACTIVE (r_inactive).
    // history "SR" matches ^?S[^HAFGIQ]*R.* -> RSTOS0. (Zeek's own baseline for syn-then-rst.pcap: "SR, RSTOS0".)
    const f = run([['o', SYN, O, 0], ['o', RST, O + 1, 0]]);
    expect(f.orig.state).toBe(EndpointState.Reset);
    expect(f.resp.state).toBe(EndpointState.Inactive);
    expect(f.history).toBe('SR');
    expect(tcpConnState(f.st, f.s)).toBe('RSTOS0');
  });

  it('OTH rather than RSTOS0 when the originator RSTs without a SYN first', () => {
    // single RST from orig: INACTIVE -> RESET; resp INACTIVE; history "R" does not start with S -> OTH.
    // (Zeek's baseline for single-rst.pcap: "R, OTH".)
    const f = run([['o', RST, O, 0]]);
    expect(f.history).toBe('R');
    expect(tcpConnState(f.st, f.s)).toBe('OTH');
  });

  it('RSTRH: SYN-ACK then RST from the responder, no SYN from the originator', () => {
    // resp INACTIVE, !is_orig, SYN+ACK: endpoint -> ESTABLISHED (peer INACTIVE stays INACTIVE, weird
    // unsolicited_SYN_response). resp RST in ESTABLISHED -> RESET. os == INACTIVE: not SYN_SENT/SYN_ACK_SENT/RESET,
    // o_inactive -> RSTRH.
    const f = run([['r', SYN | ACK, R, O + 1], ['r', RST | ACK, R + 1, O + 1]]);
    expect(f.orig.state).toBe(EndpointState.Inactive);
    expect(f.resp.state).toBe(EndpointState.Reset);
    expect(tcpConnState(f.st, f.s)).toBe('RSTRH');
    expect(f.history).toBe('hr');
  });

  it('SH: SYN then FIN from the originator, no reply', () => {
    // orig SYN_SENT, FIN (UpdateSYN_SentState) -> CLOSED; resp INACTIVE (r_inactive). os == CLOSED -> SH.
    const f = run([['o', SYN, O, 0], ['o', FIN, O + 1, 0]]);
    expect(f.orig.state).toBe(EndpointState.Closed);
    expect(tcpConnState(f.st, f.s)).toBe('SH');
    expect(f.history).toBe('SF');
  });

  it('SHR: SYN-ACK then FIN from the responder, no SYN from the originator', () => {
    // resp -> ESTABLISHED on SYN-ACK, FIN -> CLOSED; orig INACTIVE (o_inactive). rs == CLOSED -> SHR.
    const f = run([['r', SYN | ACK, R, O + 1], ['r', FIN | ACK, R + 1, O + 1]]);
    expect(f.resp.state).toBe(EndpointState.Closed);
    expect(tcpConnState(f.st, f.s)).toBe('SHR');
    expect(f.history).toBe('hf');
  });

  it('OTH: midstream data both ways, no SYN, no close', () => {
    // first orig packet: INACTIVE, no SYN/FIN/RST, peer not ESTABLISHED -> PARTIAL; same for resp -> PARTIAL.
    // No RESET/CLOSED; not S0 (os != SYN_SENT), not S1 (not ESTABLISHED) -> OTH.
    const f = run([
      ['o', PSH | ACK, O + 1, R + 1, 10],
      ['r', PSH | ACK, R + 1, O + 11, 20],
    ]);
    expect(f.orig.state).toBe(EndpointState.Partial);
    expect(f.resp.state).toBe(EndpointState.Partial);
    expect(tcpConnState(f.st, f.s)).toBe('OTH');
    expect(f.history).toBe('Dd');
  });

  it('REJ also for RST both ways with no payload (os == RESET, both sizes 0)', () => {
    // orig SYN_SENT then resp RST-ACK (resp RESET, REJ already); then orig RST: orig SYN_SENT -> RESET.
    // rs == RESET, os == RESET, orig size 0 and resp size 0 (no payload either way) -> REJ.
    const f = run([['o', SYN, O, 0], ['r', RST | ACK, 0, O + 1], ['o', RST, O + 1, 0]]);
    expect(f.orig.state).toBe(EndpointState.Reset);
    expect(f.resp.state).toBe(EndpointState.Reset);
    expect(tcpConnState(f.st, f.s)).toBe('REJ');
  });
});

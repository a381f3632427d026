/**
 * Idle flows are finalised (src/flow/table.ts FlowTimeouts): their records are kept in creation order, they
 * leave the lookup, and a later packet of the same 5-tuple starts a new flow.
 */
import { describe, expect, it } from 'vitest';
import { PacketView } from '../../dissectors/packet.js';
import { FlowTable } from '../../src/flow/table.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

function pkt(v: PacketView, proto: 6 | 17, src: number, sp: number, dst: number, dp: number, flags = 0, seq = 0, ack = 0): PacketView {
  v.ipVersion = 4;
  v.transport = proto;
  v.src.set([0, 0, 0, src]);
  v.dst.set([0, 0, 0, dst]);
  v.srcPort = sp;
  v.dstPort = dp;
  v.tcpFlags = flags;
  v.seq = seq;
  v.ack = ack;
  v.window = 1000;
  v.ipTotalLen = 40;
  v.payloadLen = 0;
  return v;
}

const C = 0x0a000001;
const S = 0x0a000002;

describe('FlowTable timeouts', () => {
  const table = (sweepInterval = 10) => new FlowTable({ isServicePort: () => false, timeouts: { tcpClosed: 5, tcp: 100, udp: 30 }, sweepInterval });

  it('a closed TCP flow is finalised after its linger; records stay in creation order and unchanged', () => {
    const t = table();
    const v = new PacketView();
    t.update(pkt(v, 6, C, 40000, S, 443, SYN, 100), 0, 60);
    t.update(pkt(v, 6, S, 443, C, 40000, SYN | ACK, 500, 101), 0.1, 60);
    t.update(pkt(v, 6, C, 40000, S, 443, ACK, 101, 501), 0.2, 60);
    t.update(pkt(v, 6, C, 40000, S, 443, FIN | ACK, 101, 501), 1, 60);
    t.update(pkt(v, 6, S, 443, C, 40000, FIN | ACK, 501, 102), 1.1, 60);
    t.update(pkt(v, 6, C, 40000, S, 443, ACK, 102, 502), 1.2, 60);
    t.update(pkt(v, 17, C, 5000, S, 53), 2, 60);
    const before = t.records();
    expect(before.map((r) => r.connState)).toEqual(['SF', 'S0']);
    // 20 s later: the closed TCP flow (idle 18.8 s > 5) is finalised, the UDP flow (idle 18 s < 30) is not
    t.update(pkt(v, 17, C, 5001, S, 53), 21, 60);
    expect(t.liveCount).toBe(2);
    expect(t.size).toBe(3);
    expect(t.records().slice(0, 2)).toEqual(before);
    // a late packet of the finalised 5-tuple starts a new flow; the finalised one is not found any more
    expect(t.find(4, 6, Uint32Array.of(0, 0, 0, C), 40000, Uint32Array.of(0, 0, 0, S), 443, -1, -1)).toBe(-1);
    t.update(pkt(v, 6, C, 40000, S, 443, ACK, 102, 502), 40, 60);
    const after = t.records();
    expect(after).toHaveLength(4);
    expect(after[0]).toEqual(before[0]);
    expect(after[3].origPkts + after[3].respPkts).toBe(1);
  });

  it('UDP and open TCP flows are finalised after their idle timeouts, not before', () => {
    const t = table();
    const v = new PacketView();
    t.update(pkt(v, 17, C, 5000, S, 53), 0, 60);
    t.update(pkt(v, 6, C, 40001, S, 8014, SYN, 7), 0, 60);
    t.update(pkt(v, 17, C, 6000, S, 514), 25, 60);
    expect(t.liveCount).toBe(3);
    t.update(pkt(v, 17, C, 6000, S, 514), 45, 60); // UDP 5000 idle 45 s > 30: finalised
    expect(t.liveCount).toBe(2);
    // at 120 s: TCP idle 120 s > 100 and UDP 514 idle 75 s > 30 are finalised; the datagram starts a new flow
    t.update(pkt(v, 17, C, 6000, S, 514), 120, 60);
    expect(t.liveCount).toBe(1);
    expect(t.records().map((r) => [r.proto, r.respP, r.connState, r.origPkts])).toEqual([
      ['udp', 53, 'S0', 1],
      ['tcp', 8014, 'S0', 1],
      ['udp', 514, 'S0', 2],
      ['udp', 514, 'S0', 1],
    ]);
  });

  it('a packet after the idle timeout starts a new flow even before a sweep finalised the old one', () => {
    // sweeps only every 1000 s: the result must not depend on them
    for (const interval of [1000, 10]) {
      const t = table(interval);
      const v = new PacketView();
      t.update(pkt(v, 17, C, 5000, S, 53), 0, 60);
      t.update(pkt(v, 17, C, 5000, S, 53), 29, 60); // idle 29 s <= 30: same flow
      t.update(pkt(v, 17, C, 5000, S, 53), 60, 60); // idle 31 s > 30: a new flow
      t.update(pkt(v, 6, C, 40001, S, 8014, SYN, 7), 60, 60);
      t.update(pkt(v, 6, C, 40001, S, 8014, SYN, 7), 159, 60); // idle 99 s <= 100: same flow (a SYN retry)
      t.update(pkt(v, 6, C, 40001, S, 8014, SYN, 7), 260, 60); // idle 101 s > 100: a new flow
      expect(t.records().map((r) => [r.proto, r.origPkts])).toEqual([
        ['udp', 2],
        ['udp', 1],
        ['tcp', 2],
        ['tcp', 1],
      ]);
    }
  });
});

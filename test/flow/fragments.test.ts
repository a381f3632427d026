/**
 * Later IP fragments join their datagram's flow (src/flow/fragments.ts), through the engine as `analyse`
 * runs it. The public fragment captures are compared with tshark's per-frame decode grouped by datagram in
 * test/oracle/tshark-conv.test.ts and with Zeek in zeek-oracle.test.ts; here are the rules no public capture
 * exercises (reordering, timeouts, VLANs, non-flow datagrams), on IPv4/UDP fragments built from the lengths
 * written. Expected values follow from the frames fed.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import type { Frame } from '../../src/source/frame.js';
import { REASSEMBLY_TIMEOUT } from '../../src/flow/fragments.js';

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];

/**
 * An Ethernet (optionally 802.1Q-tagged) IPv4 fragment: `payload` bytes of IP payload at byte offset `off`
 * (a multiple of 8) of datagram `id`; the first fragment (off 0) starts with a UDP header 1234 -> 514.
 */
function frag(o: { id: number; off: number; payload: number; more: boolean; src?: number[]; dst?: number[]; proto?: number; vlan?: number }): Uint8Array {
  const tag = o.vlan === undefined ? 0 : 4;
  const f = new Uint8Array(14 + tag + 20 + o.payload);
  if (tag) {
    f[12] = 0x81;
    f[14] = (o.vlan! >> 8) & 0x0f;
    f[15] = o.vlan! & 0xff;
  }
  f[12 + tag] = 0x08;
  const ip = 14 + tag;
  f[ip] = 0x45;
  const total = 20 + o.payload;
  f[ip + 2] = total >> 8;
  f[ip + 3] = total & 0xff;
  f[ip + 4] = o.id >> 8;
  f[ip + 5] = o.id & 0xff;
  const fo = (o.off / 8) | (o.more ? 0x2000 : 0);
  f[ip + 6] = fo >> 8;
  f[ip + 7] = fo & 0xff;
  f[ip + 8] = 64;
  f[ip + 9] = o.proto ?? 17;
  f.set(o.src ?? A, ip + 12);
  f.set(o.dst ?? B, ip + 16);
  if (o.off === 0 && (o.proto ?? 17) === 17) {
    const u = ip + 20;
    f[u] = 1234 >> 8;
    f[u + 1] = 1234 & 0xff;
    f[u + 2] = 514 >> 8;
    f[u + 3] = 514 & 0xff;
    const ulen = 8 + 3000; // the whole datagram's UDP length
    f[u + 4] = ulen >> 8;
    f[u + 5] = ulen & 0xff;
  }
  return f;
}

function feed(frames: [number, Uint8Array][]) {
  const e = new Engine(EMPTY_PROFILE);
  frames.forEach(([t, data], i) => {
    const fr: Frame = { tsSec: Math.floor(t), tsNsec: Math.round((t % 1) * 1e9), linkType: 1, caplen: data.length, origLen: data.length, data, index: i + 1, interfaceId: 0 };
    e.feed(fr);
  });
  return e.result();
}

const first = frag({ id: 7, off: 0, payload: 1480, more: true });
const second = frag({ id: 7, off: 1480, payload: 1480, more: true });
const last = frag({ id: 7, off: 2960, payload: 48, more: false });
const ipLen = (f: Uint8Array) => (f[16] << 8) | f[17];

describe('later IP fragments join their datagram flow', () => {
  it('in order: three fragments = one flow of three packets, IP and wire bytes summed', () => {
    const r = feed([[100, first], [100.001, second], [100.002, last]]);
    expect(r.records).toHaveLength(1);
    const f = r.records[0];
    expect([f.proto, f.origH, f.origP, f.respH, f.respP, f.origPkts, f.respPkts]).toEqual(['udp', '10.0.0.1', 1234, '10.0.0.2', 514, 3, 0]);
    expect(f.origIpBytes).toBe(ipLen(first) + ipLen(second) + ipLen(last));
    expect(f.origFrameBytes).toBe(first.length + second.length + last.length);
    expect(f.lastTs).toBeCloseTo(100.002, 6);
    expect([r.counters.inFlows, r.counters.ipOther, r.counters.weird.fragment_orphan]).toEqual([3, 0, undefined]);
  });

  it('reordered: later fragments held until the first arrives, then moved into the flow (counters too)', () => {
    const r = feed([[100, last], [100.001, second], [100.002, first]]);
    expect(r.records).toHaveLength(1);
    expect([r.records[0].origPkts, r.records[0].origFrameBytes]).toEqual([3, first.length + second.length + last.length]);
    expect(r.records[0].ts).toBeCloseTo(100, 6); // the flow starts with its earliest fragment
    expect([r.counters.inFlows, r.counters.ipOther, r.counters.weird.fragment_orphan]).toEqual([3, 0, undefined]);
  });

  it('no first fragment: no flow, the later fragments are other IP and fragment_orphan', () => {
    const r = feed([[100, second], [100.001, last]]);
    expect(r.records).toHaveLength(0);
    expect([r.counters.inFlows, r.counters.ipOther, r.counters.weird.fragment_orphan]).toEqual([0, 2, 2]);
  });

  it(`a first fragment more than ${REASSEMBLY_TIMEOUT} s after the held ones: those expired as orphans`, () => {
    const r = feed([[100, second], [100 + REASSEMBLY_TIMEOUT + 1, first], [100 + REASSEMBLY_TIMEOUT + 1.5, last]]);
    expect([r.records[0].origPkts]).toEqual([2]);
    expect([r.counters.inFlows, r.counters.ipOther, r.counters.weird.fragment_orphan]).toEqual([2, 1, 1]);
  });

  it('a datagram that makes no flow (ICMP): its later fragments are other IP, no orphan', () => {
    const r = feed([[100, frag({ id: 9, off: 0, payload: 1480, more: true, proto: 1 })], [100.1, frag({ id: 9, off: 1480, payload: 100, more: false, proto: 1 })]]);
    expect(r.records).toHaveLength(0);
    expect([r.counters.inFlows, r.counters.ipOther, r.counters.weird.fragment_orphan]).toEqual([0, 2, undefined]);
  });

  it('fragments of a reply count for the responder; same id on another VLAN or from another source is another datagram', () => {
    const req = frag({ id: 1, off: 0, payload: 1480, more: false }); // unfragmented request 1234 -> 514 (id irrelevant)
    req[20] = 0; // no MF: a plain datagram
    const rep1 = frag({ id: 7, off: 0, payload: 1480, more: true, src: B, dst: A });
    rep1.set([514 >> 8, 514 & 0xff, 1234 >> 8, 1234 & 0xff], 34);
    const rep2 = frag({ id: 7, off: 1480, payload: 200, more: false, src: B, dst: A });
    const other = frag({ id: 7, off: 1480, payload: 200, more: false, src: B, dst: A, vlan: 5 });
    const stranger = frag({ id: 7, off: 1480, payload: 200, more: false, src: [10, 0, 0, 3], dst: A });
    const r = feed([[1, req], [2, rep1], [3, rep2], [4, other], [5, stranger]]);
    expect(r.records).toHaveLength(1);
    expect([r.records[0].origPkts, r.records[0].respPkts]).toEqual([1, 2]);
    expect(r.counters.weird.fragment_orphan).toBe(2);
  });

  it('a later fragment is never parsed as TCP/UDP, even when its bytes look like a header', () => {
    const bogus = frag({ id: 3, off: 8, payload: 40, more: false });
    bogus.set([0x00, 0x35, 0x00, 0x35, 0x00, 0x28], 34); // "ports 53 -> 53" where the data would be
    const r = feed([[1, bogus]]);
    expect(r.records).toHaveLength(0);
    expect(r.counters.weird.fragment_orphan).toBe(1);
  });
});

/**
 * Malformed and not-mine cases, each made by changing one field of a real frame (fixtures.ts). The
 * comment on each case quotes tshark 4.0's expert message for the same bytes (run on a one-frame pcap).
 * The DecodeError code, layer and offset are ours (packet.ts: `<layer>_<what>`, offset = where in the frame).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFrame, DecodeError, DecodeStatus, PacketView, registerLinkType,
} from '../../dissectors/index.js';
import { hex } from './helpers/capture.js';
import { FIXTURES } from './fixtures.js';

function frame(name: string): Uint8Array {
  const fx = FIXTURES.find((f) => f.name.startsWith(name));
  if (!fx) throw new Error(`no fixture ${name}`);
  return hex(fx.hex);
}
function patch(b: Uint8Array, off: number, ...bytes: number[]): Uint8Array {
  const c = b.slice();
  c.set(bytes, off);
  return c;
}
/** Ethernet / IPv4 (offset 14) / TCP (offset 34) SYN, 54 bytes: tcp/zeek-syn-then-rst.pcap frame 1 */
const SYN = frame('Ethernet / IPv4 / TCP SYN, no options');
/** Ethernet / IPv6 (14) / Routing (54, 24 bytes) / UDP (78), 86 bytes: ip/tcpdump-ipv6-routing-header.pcap frame 3 */
const V6UDP = frame('IPv6 / Routing header');

function decode(data: Uint8Array, linkType = 1, origLen = data.length): { st: DecodeStatus; v: PacketView } {
  const v = new PacketView();
  const st = decodeFrame(data, linkType, origLen, v);
  return { st, v };
}
function expectError(data: Uint8Array, code: string, layer: string, offset: number, linkType = 1): PacketView {
  const { st, v } = decode(data, linkType);
  expect(st).toBe(DecodeStatus.Malformed);
  expect(v.error).toBeInstanceOf(DecodeError);
  expect([v.error!.code, v.error!.layer, v.error!.offset]).toEqual([code, layer, offset]);
  return v;
}

describe('malformed headers (caplen == origLen)', () => {
  it('IPv4 IHL 4 — tshark: "Bogus IP header length (16, must be at least 20)"', () => {
    expectError(patch(SYN, 14, 0x44), 'ipv4_header_length_bogus', 'ip', 14);
  });
  it('IPv4 total length 19 < IHL*4 — tshark: "Bogus IP length"', () => {
    expectError(patch(SYN, 16, 0x00, 0x13), 'ipv4_total_length_bogus', 'ip', 16);
  });
  it('TCP data offset 4 — tshark: "Bogus TCP header length (16, must be at least 20)"', () => {
    const v = expectError(patch(SYN, 46, 0x40), 'tcp_data_offset_bogus', 'tcp', 46);
    expect(v.ipVersion).toBe(4); // the IP layer stays decoded
    expect(v.transport).toBe(0);
  });
  it('TCP data offset 15 (60 bytes) in a 20-byte segment — tshark: "Short segment ... Malformed Packet"', () => {
    expectError(patch(SYN, 46, 0xf0), 'tcp_header_exceeds_segment', 'tcp', 46);
  });
  it('UDP length 7 — tshark: "Bad length value 7 < 8"', () => {
    expectError(patch(V6UDP, 82, 0x00, 0x07), 'udp_length_bogus', 'udp', 82);
  });
  it('IPv6 version 5 under EtherType 0x86dd — tshark: "Bogus IPv6 version"', () => {
    expectError(patch(V6UDP, 14, 0x50), 'ipv6_version_bogus', 'ipv6', 14);
  });
  it('IPv6 Routing header length 9 (80 bytes) in a 32-byte payload — tshark: "Malformed Packet"', () => {
    expectError(patch(V6UDP, 55, 0x09), 'ipv6_ext_header_exceeds_payload', 'ipv6', 54);
  });
  it('IPv6 payload length 4: an extension header cannot fit', () => {
    expectError(patch(V6UDP, 18, 0x00, 0x04), 'ipv6_ext_header_exceeds_payload', 'ipv6', 54);
  });
  it('headers that do not fit in a frame that was captured whole', () => {
    expect(expectError(SYN.subarray(0, 10), 'eth_header_truncated', 'eth', 0)).toBeTruthy();
    const v = expectError(SYN.subarray(0, 30), 'ipv4_header_truncated', 'ip', 14);
    expect([v.error!.need, v.error!.have]).toEqual([20, 16]);
    expectError(frame('Ethernet / 802.1Q VID 0').subarray(0, 16), 'vlan_tag_truncated', 'vlan', 14);
    expectError(frame('Linux SLL v1 / IPv4').subarray(0, 15), 'sll_header_truncated', 'sll', 0, 113);
    expectError(frame('Linux SLL2 / IPv4').subarray(0, 19), 'sll2_header_truncated', 'sll2', 0, 276);
    expectError(new Uint8Array([2, 0, 0]), 'null_header_truncated', 'null', 0, 0);
    expectError(new Uint8Array(0), 'raw_header_truncated', 'raw', 0, 101);
  });
  it('LINKTYPE_RAW with IP version 5', () => {
    expectError(patch(SYN.subarray(14), 0, 0x55), 'raw_ip_version_bogus', 'raw', 0, 101);
  });
  it('LINKTYPE_IPV4 carrying IPv6 is a bogus IPv4 version', () => {
    expectError(V6UDP.subarray(14), 'ipv4_version_bogus', 'ip', 0, 228);
  });
  it('more than 16 VLAN tags', () => {
    const tags = new Uint8Array(17 * 4);
    for (let i = 0; i < 17; i++) tags.set([0x00, i, 0x81, 0x00], i * 4);
    const f = new Uint8Array(14 + tags.length + 40);
    f.set(SYN.subarray(0, 12));
    f.set([0x81, 0x00], 12);
    f.set(tags, 14);
    f.set(SYN.subarray(14), 14 + tags.length);
    expect(decode(f).st).toBe(DecodeStatus.Malformed);
    expect(decode(f).v.error!.code).toBe('ethertype_nesting_too_deep');
  });
  it('a bug in a dissector becomes Malformed / internal_error and never escapes', () => {
    const boom = new TypeError('boom');
    registerLinkType(147 /* LINKTYPE_USER0, unused by the pipeline */, () => { throw boom; });
    const { st, v } = decode(SYN, 147);
    expect(st).toBe(DecodeStatus.Malformed);
    expect(v.error!.code).toBe('internal_error');
    expect(v.error!.cause).toBe(boom);
  });
});

describe('soft anomalies and not-mine', () => {
  it('tiny first fragment: TCP header continues in the next fragment — Network + weird, not malformed', () => {
    // MF set, total length 28: 8 bytes of TCP in this fragment (tshark: decodes the ports, "Unreassembled fragment")
    const f = patch(patch(SYN, 16, 0x00, 0x1c), 20, 0x20, 0x00).subarray(0, 14 + 28);
    const { st, v } = decode(f);
    expect(st).toBe(DecodeStatus.Network);
    expect([v.isFragment, v.fragOffset, v.weird]).toEqual([true, 0, 'tcp_header_fragmented']);
  });
  it('802.3 length field instead of an EtherType: LLC, not IP', () => {
    const { st, v } = decode(patch(SYN, 12, 0x00, 0x28));
    expect([st, v.etherType]).toEqual([DecodeStatus.NotIp, 0]);
  });
  it('unknown EtherType: not IP, EtherType kept', () => {
    const { st, v } = decode(patch(SYN, 12, 0x88, 0xcc));
    expect([st, v.etherType]).toEqual([DecodeStatus.NotIp, 0x88cc]);
  });
  it('BSD loopback with an unknown address family', () => {
    const { st, v } = decode(new Uint8Array([7, 0, 0, 0, ...SYN.subarray(14)]), 0);
    expect([st, v.etherType]).toEqual([DecodeStatus.NotIp, 0]);
  });
  it('SLL protocol 0x0004 (802.2 LLC) and ARPHRD_NETLINK are not IP', () => {
    const sll = frame('Linux SLL v1 / IPv4');
    expect(decode(patch(sll, 14, 0x00, 0x04), 113).st).toBe(DecodeStatus.NotIp);
    expect(decode(patch(sll, 2, 0x03, 0x38), 113).st).toBe(DecodeStatus.NotIp);
  });
  it('PPPoE session carrying LCP (0xc021) is not IP', () => {
    const ppp = frame('PPPoE session');
    const { st, v } = decode(patch(ppp, 20, 0xc0, 0x21), 1, 379);
    expect([st, v.etherType]).toEqual([DecodeStatus.NotIp, 0]);
  });
  it('other IP protocols stop at the network layer', () => {
    const { st, v } = decode(patch(SYN, 23, 47 /* GRE */));
    expect([st, v.protocol, v.transport]).toEqual([DecodeStatus.Network, 47, 0]);
  });
});

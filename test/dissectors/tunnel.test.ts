/**
 * IP-in-IP tunnels (dissectors/tunnel.ts) beyond the public 6in4 frames, which the tshark oracle covers
 * (oracle.test.ts, app/ndpi-syslog.pcap frames 26-31): the rules that no public capture exercises, on frames
 * built from real bytes (the first frame of tcp/zeek-syn-then-rst.pcap, an IPv4 TCP SYN, as fixtures.ts
 * pastes it) wrapped in outer headers here. Expected values follow from the headers written, and each
 * wrapped frame's decode by tshark is checked where tshark is present.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame, DecodeStatus, PacketView } from '../../dissectors/index.js';
import { hasTshark } from '../helpers/shared.js';
import { hex, ip4 } from './helpers/capture.js';
import { FIXTURES } from './fixtures.js';

const SYN = FIXTURES.find((f) => f.source?.[0] === 'tcp/zeek-syn-then-rst.pcap' && f.source[1] === 1)!;
/** the IPv4 packet (TCP SYN 1.1.1.1:13131 -> 1.1.1.2:31313) without its Ethernet header */
const INNER = hex(SYN.hex).subarray(14);

/** IPv4 header (20 bytes) carrying `payload` with `protocol`; `mf` sets More Fragments. */
function ipv4(protocol: number, payload: Uint8Array, src: number[], dst: number[], mf = false): Uint8Array {
  const h = new Uint8Array(20 + payload.length);
  h[0] = 0x45;
  h[2] = (h.length >> 8) & 0xff;
  h[3] = h.length & 0xff;
  h[4] = 0x12;
  h[5] = 0x34;
  if (mf) h[6] = 0x20;
  h[8] = 64;
  h[9] = protocol;
  h.set(src, 12);
  h.set(dst, 16);
  h.set(payload, 20);
  return h;
}

/** IPv6 header (40 bytes) with next header `nh` carrying `payload`. */
function ipv6(nh: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(40 + payload.length);
  h[0] = 0x60;
  h[4] = (payload.length >> 8) & 0xff;
  h[5] = payload.length & 0xff;
  h[6] = nh;
  h[7] = 64;
  h.set([0x20, 0x01, 0x0d, 0xb8], 8); // 2001:db8::1
  h[23] = 1;
  h.set([0x20, 0x01, 0x0d, 0xb8], 24); // 2001:db8::2
  h[39] = 2;
  h.set(payload, 40);
  return h;
}

/** Ethernet II header with `etherType` in front of `payload`. */
function eth(etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  f.set(payload, 14);
  return f;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-tunnel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's protocol stack and the innermost ip.src/dst + tcp ports of a one-frame pcap holding `frame`. */
function tsharkDecode(frame: Uint8Array): string {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(frame.length, 8);
  rec.writeUInt32LE(frame.length, 12);
  const file = path.join(tmp, `f${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, Buffer.concat([hdr, rec, frame]));
  return execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=l', '-e', 'frame.protocols', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

describe('IP-in-IP tunnels', () => {
  const A = [192, 0, 2, 1];
  const B = [192, 0, 2, 2];

  it('IPv4 in IPv4 (protocol 4): the inner TCP SYN is the packet; tunnelDepth 1', () => {
    const f = eth(0x0800, ipv4(4, INNER, A, B));
    const v = new PacketView();
    expect(decodeFrame(f, 1, f.length, v)).toBe(DecodeStatus.Transport);
    expect([v.tunnelDepth, ip4(v.src), ip4(v.dst), v.srcPort, v.dstPort, v.tcpFlags, v.ipOffset]).toEqual([1, '1.1.1.1', '1.1.1.2', 13131, 31313, 0x02, 34]);
    if (hasTshark) expect(tsharkDecode(f)).toBe('eth:ethertype:ip:ip:tcp\t1.1.1.1\t1.1.1.2\t13131\t31313');
  });

  it('IPv4 in IPv6 (next header 4): inner IPv4 addresses only in word 3 (the IPv6 words are cleared)', () => {
    const f = eth(0x86dd, ipv6(4, INNER));
    const v = new PacketView();
    expect(decodeFrame(f, 1, f.length, v)).toBe(DecodeStatus.Transport);
    expect([v.ipVersion, v.tunnelDepth, [...v.src], [...v.dst].slice(0, 3)]).toEqual([4, 1, [0, 0, 0, 0x01010101], [0, 0, 0]]);
    if (hasTshark) expect(tsharkDecode(f)).toBe('eth:ethertype:ipv6:ip:tcp\t1.1.1.1\t1.1.1.2\t13131\t31313');
  });

  it('eight nested IPv4-in-IPv4 headers are decoded; a ninth is ip_tunnel_nesting_too_deep (malformed)', () => {
    let p = INNER;
    for (let i = 0; i < 8; i++) p = ipv4(4, p, A, B);
    const v = new PacketView();
    const f8 = eth(0x0800, p);
    expect(decodeFrame(f8, 1, f8.length, v)).toBe(DecodeStatus.Transport);
    expect(v.tunnelDepth).toBe(8);
    const f9 = eth(0x0800, ipv4(4, p, A, B));
    expect(decodeFrame(f9, 1, f9.length, v)).toBe(DecodeStatus.Malformed);
    expect(v.error?.code).toBe('ip_tunnel_nesting_too_deep');
  });

  it('a fragmented outer datagram is not decapsulated (Network, protocol 4, fragment fields of the outer)', () => {
    const f = eth(0x0800, ipv4(4, INNER, A, B, true));
    const v = new PacketView();
    expect(decodeFrame(f, 1, f.length, v)).toBe(DecodeStatus.Network);
    expect([v.tunnelDepth, v.protocol, v.isFragment, v.ipId, ip4(v.src)]).toEqual([0, 4, true, 0x1234, '192.0.2.1']);
  });

  it('protocol 41 with a version-4 inner header is malformed (ipv6_version_bogus)', () => {
    const f = eth(0x0800, ipv4(41, INNER, A, B));
    const v = new PacketView();
    expect(decodeFrame(f, 1, f.length, v)).toBe(DecodeStatus.Malformed);
    expect(v.error?.code).toBe('ipv6_version_bogus');
  });

  it('inner header cut by the snaplen: the outer packet stays (Network, protocol 4); captured whole: malformed', () => {
    const f = eth(0x0800, ipv4(4, INNER, A, B));
    const v = new PacketView();
    expect(decodeFrame(f.subarray(0, 34 + 10), 1, f.length, v)).toBe(DecodeStatus.Network);
    expect([v.tunnelDepth, v.protocol, ip4(v.src), ip4(v.dst), v.truncated]).toEqual([0, 4, '192.0.2.1', '192.0.2.2', true]);
    // the outer total length says only 10 inner bytes exist: the inner header cannot fit
    const short = eth(0x0800, ipv4(4, INNER.subarray(0, 10), A, B));
    expect(decodeFrame(short, 1, short.length, v)).toBe(DecodeStatus.Malformed);
    expect(v.error?.code).toBe('ipv4_header_truncated');
  });
});

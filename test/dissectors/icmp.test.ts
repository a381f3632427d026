/**
 * ICMP / ICMPv6 (dissectors/icmp.ts, icmpv6.ts, icmp-quote.ts) against tshark's decode of the same frames:
 * type, code and, for error messages, the quoted datagram's addresses and TCP/UDP ports (tshark decodes the
 * quote too: the second ip/ipv6 occurrence and the first tcp/udp one, as the outer packet has none).
 *
 * Frames: every ICMP/ICMPv6 frame of the public and shipped captures (the public ones hold 3 port-unreachable
 * errors, app/401trg-20171220_smb_psexec_add_user.pcap frames 330, 350, 393, and echo / neighbour discovery
 * messages), plus error messages built here around real packets (a TCP SYN and an IPv6 UDP DNS query from
 * the public captures, as fixtures.ts pastes them), each written to a one-frame pcap that tshark decodes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame, DecodeStatus, PacketView } from '../../dissectors/index.js';
import { describeTshark, hasShared, publicCapturesDir, repoRoot } from '../helpers/shared.js';
import { hex, ip4, ip6, readCapture } from './helpers/capture.js';
import { FIXTURES } from './fixtures.js';

const FIELDS = ['frame.number', 'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport'] as const;
type Row = Record<(typeof FIELDS)[number], string[]>;

function tsharkIcmp(file: string): Map<number, Row> {
  const args = ['-n', '-r', file, '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-Y', 'icmp || icmpv6', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=/t'];
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const rows = new Map<number, Row>();
  for (const line of (r.stdout ?? '').split('\n')) {
    if (!line) continue;
    const cols = line.split('\t');
    const row = {} as Row;
    FIELDS.forEach((f, i) => (row[f] = cols[i] ? cols[i].split('|') : []));
    rows.set(Number(row['frame.number'][0]), row);
  }
  return rows;
}

/** Our view must equal tshark's row; returns a description of the message for the summary. */
function check(where: string, v: PacketView, st: DecodeStatus, r: Row): string {
  expect(st, where).toBe(DecodeStatus.Network);
  const v6 = r['icmpv6.type'].length > 0 && r['icmp.type'].length === 0;
  const type = Number((v6 ? r['icmpv6.type'] : r['icmp.type'])[0]);
  const code = Number((v6 ? r['icmpv6.code'] : r['icmp.code'])[0]);
  expect([v.icmpType, v.icmpCode], `${where} type/code`).toEqual([type, code]);
  const quotedSrc = (v6 ? r['ipv6.src'] : r['ip.src'])[1];
  const isError = v6 ? type >= 1 && type <= 4 : [3, 4, 5, 11, 12].includes(type);
  if (!isError || quotedSrc === undefined) {
    expect(v.quotedIpVersion, `${where} no quote`).toBe(0);
    return `${v6 ? 'icmpv6' : 'icmp'} ${type}/${code}`;
  }
  expect(v.quotedIpVersion, `${where} quoted version`).toBe(v6 ? 6 : 4);
  const fmt = v6 ? ip6 : ip4;
  expect(fmt(v.quotedSrc), `${where} quoted src`).toBe(quotedSrc);
  expect(fmt(v.quotedDst), `${where} quoted dst`).toBe((v6 ? r['ipv6.dst'] : r['ip.dst'])[1]);
  const tcp = r['tcp.srcport'].length > 0;
  const udp = r['udp.srcport'].length > 0;
  if (tcp || udp) {
    expect(v.quotedProtocol, `${where} quoted protocol`).toBe(tcp ? 6 : 17);
    const p = tcp ? 'tcp' : 'udp';
    expect([v.quotedSrcPort, v.quotedDstPort], `${where} quoted ports`).toEqual([Number(r[`${p}.srcport`][0]), Number(r[`${p}.dstport`][0])]);
  } else {
    expect([v.quotedSrcPort, v.quotedDstPort], `${where} no quoted ports`).toEqual([-1, -1]);
  }
  return `${v6 ? 'icmpv6' : 'icmp'} ${type}/${code} quoting ${quotedSrc}:${v.quotedSrcPort} -> ${fmt(v.quotedDst)}:${v.quotedDstPort}`;
}

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng)$/.test(name)) out.push(p);
  }
  return out.sort();
}

/** Files tshark or the test reader cannot take whole (their own tests cover them). */
const SKIP = /libpcap-pcap-invalid-version-1|libpcap-pcapng-invalid-vers-1|libpcap-shb-option-too-long|linktype-reserved-field|ndpi-fuzz-2021-10-13/;

describeTshark('ICMP / ICMPv6 in the public and shipped captures equal tshark', () => {
  const files = [...(hasShared ? captures(publicCapturesDir) : []), ...captures(path.join(repoRoot, 'captures'))].filter((f) => !SKIP.test(f));
  const seen: string[] = [];
  for (const file of files) {
    it(path.basename(file), () => {
      const rows = tsharkIcmp(file);
      const v = new PacketView();
      let n = 0;
      for (const f of readCapture(file)) {
        if (f.linkType < 0) continue;
        const st = decodeFrame(f.data, f.linkType, f.origLen, v);
        const r = rows.get(f.index);
        if (!r) {
          expect(v.icmpType, `${file} frame ${f.index}: not ICMP for tshark`).toBe(-1);
          continue;
        }
        seen.push(`${path.basename(file)} #${f.index}: ${check(`${file} frame ${f.index}`, v, st, r)}`);
        n++;
      }
      expect(n).toBe(rows.size);
    });
  }
  it.skipIf(!hasShared)('the public port-unreachable errors are among them', () => {
    const psexec = seen.filter((s) => s.startsWith('401trg-20171220_smb_psexec_add_user.pcap') && s.includes('icmp 3/3'));
    expect(psexec).toEqual([
      '401trg-20171220_smb_psexec_add_user.pcap #330: icmp 3/3 quoting 192.168.10.10:53 -> 192.168.10.31:52328',
      '401trg-20171220_smb_psexec_add_user.pcap #350: icmp 3/3 quoting 192.168.10.10:53 -> 192.168.10.31:52328',
      '401trg-20171220_smb_psexec_add_user.pcap #393: icmp 3/3 quoting 192.168.10.10:53 -> 192.168.10.31:58186',
    ]);
  });
});

// ---- error messages built around real packets ----

const SYN_IP = hex(FIXTURES.find((f) => f.source?.[0] === 'tcp/zeek-syn-then-rst.pcap' && f.source[1] === 1)!.hex).subarray(14);
/** IPv6/UDP DNS query (ip/zeek-ipv6-fragmented-dns.pcap frame 1 without its Ethernet header), if a fixture has it */
const DNS6 = (() => {
  const fx = FIXTURES.find((f) => f.source?.[0] === 'ip/zeek-ipv6-fragmented-dns.pcap' && f.source[1] === 1 && !f.source[2]);
  if (fx) return hex(fx.hex).subarray(14);
  // built: 2001:db8::1:40000 -> 2001:db8::53:53, UDP length 20
  const p = new Uint8Array(40 + 20);
  p[0] = 0x60;
  p[5] = 20;
  p[6] = 17;
  p[7] = 64;
  p.set([0x20, 0x01, 0x0d, 0xb8], 8);
  p[23] = 1;
  p.set([0x20, 0x01, 0x0d, 0xb8], 24);
  p[39] = 0x53;
  p.set([40000 >> 8, 40000 & 0xff, 0, 53, 0, 20], 40);
  return p;
})();

function icmp4(type: number, code: number, quote: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + quote.length);
  f[12] = 0x08;
  const ip = 14;
  f[ip] = 0x45;
  const total = 20 + 8 + quote.length;
  f[ip + 2] = total >> 8;
  f[ip + 3] = total & 0xff;
  f[ip + 8] = 64;
  f[ip + 9] = 1;
  f.set([192, 0, 2, 254], ip + 12); // the router answering
  f.set(quote.subarray(12, 16), ip + 16); // to the quoted packet's source
  f[34] = type;
  f[35] = code;
  f.set(quote, 42);
  return f;
}

function icmp6(type: number, code: number, quote: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 40 + 8 + quote.length);
  f[12] = 0x86;
  f[13] = 0xdd;
  const ip = 14;
  f[ip] = 0x60;
  const plen = 8 + quote.length;
  f[ip + 4] = plen >> 8;
  f[ip + 5] = plen & 0xff;
  f[ip + 6] = 58;
  f[ip + 7] = 64;
  f.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe], ip + 8);
  f.set(quote.subarray(8, 24), ip + 24);
  f[54] = type;
  f[55] = code;
  f.set(quote, 62);
  return f;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-icmp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function onePcap(frame: Uint8Array, name: string): string {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20);
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(frame.length, 8);
  rec.writeUInt32LE(frame.length, 12);
  const file = path.join(tmp, name);
  writeFileSync(file, Buffer.concat([hdr, rec, frame]));
  return file;
}

describeTshark('ICMP / ICMPv6 error messages around real packets equal tshark', () => {
  const cases: [string, Uint8Array][] = [
    ['icmp 3/3 port unreachable, quoting a TCP SYN', icmp4(3, 3, SYN_IP)],
    ['icmp 3/13 communication administratively prohibited (RFC 1812)', icmp4(3, 13, SYN_IP)],
    ['icmp 3/10 host administratively prohibited', icmp4(3, 10, SYN_IP)],
    ['icmp 3/1 host unreachable', icmp4(3, 1, SYN_IP)],
    ['icmp 11/0 TTL exceeded in transit', icmp4(11, 0, SYN_IP)],
    ['icmp 3/3 with only the IP header + 8 bytes quoted (RFC 792 minimum)', icmp4(3, 3, SYN_IP.subarray(0, 28))],
    ['icmpv6 1/4 port unreachable, quoting an IPv6 UDP packet', icmp6(1, 4, DNS6)],
    ['icmpv6 1/1 communication administratively prohibited', icmp6(1, 1, DNS6)],
    ['icmpv6 1/3 address unreachable', icmp6(1, 3, DNS6)],
    ['icmpv6 3/0 hop limit exceeded', icmp6(3, 0, DNS6)],
  ];
  for (const [name, frame] of cases) {
    it(name, () => {
      const file = onePcap(frame, `${name.replace(/\W+/g, '_')}.pcap`);
      const r = tsharkIcmp(file).get(1)!;
      expect(r).toBeDefined();
      const v = new PacketView();
      const st = decodeFrame(frame, 1, frame.length, v);
      check(name, v, st, r);
      expect(v.quotedSrcPort).toBeGreaterThan(0);
      expect(v.weird).toBeNull();
    });
  }

  it('a quote shorter than the IP header + ports in a frame captured whole: addresses kept, icmp_quote_truncated', () => {
    const frame = icmp4(3, 3, SYN_IP.subarray(0, 16));
    const v = new PacketView();
    expect(decodeFrame(frame, 1, frame.length, v)).toBe(DecodeStatus.Network);
    expect([v.icmpType, v.icmpCode, v.quotedIpVersion, v.quotedSrcPort, v.weird]).toEqual([3, 3, 0, -1, 'icmp_quote_truncated']);
    const frame2 = icmp4(3, 3, SYN_IP.subarray(0, 20 + 2));
    expect(decodeFrame(frame2, 1, frame2.length, v)).toBe(DecodeStatus.Network);
    expect([v.quotedIpVersion, ip4(v.quotedSrc), v.quotedSrcPort, v.weird]).toEqual([4, '1.1.1.1', -1, 'icmp_quote_truncated']);
  });

  it('a quote cut by the snaplen: no anomaly beyond the truncation; an ICMPv4 quoting IPv6 is icmp_quote_bogus', () => {
    const frame = icmp4(3, 3, SYN_IP);
    const v = new PacketView();
    expect(decodeFrame(frame.subarray(0, 42 + 22), 1, frame.length, v)).toBe(DecodeStatus.Network);
    expect([v.truncated, v.icmpType, v.quotedSrcPort, v.weird]).toEqual([true, 3, -1, null]);
    const bogus = icmp4(3, 3, DNS6);
    expect(decodeFrame(bogus, 1, bogus.length, v)).toBe(DecodeStatus.Network);
    expect([v.quotedIpVersion, v.weird]).toEqual([0, 'icmp_quote_bogus']);
  });

  it('an ICMP error message shorter than its 8-byte header in a whole frame is malformed', () => {
    const frame = icmp4(3, 3, new Uint8Array(0)).subarray(0, 34 + 6);
    frame[17] = 26; // IP total length 26: 6 bytes of ICMP
    const v = new PacketView();
    expect(decodeFrame(frame, 1, frame.length, v)).toBe(DecodeStatus.Malformed);
    expect(v.error?.code).toBe('icmp_header_truncated');
  });
});

describe('ICMP echo is typed only', () => {
  it('no quote for informational messages', () => {
    const fx = FIXTURES.find((f) => f.name.includes('ICMPv6'))!;
    const data = hex(fx.hex);
    const v = new PacketView();
    decodeFrame(data, fx.linkType, fx.origLen ?? data.length, v);
    expect([v.icmpType, v.quotedIpVersion, v.quotedSrcPort]).toEqual([128, 0, -1]);
  });
});

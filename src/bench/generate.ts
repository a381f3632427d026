/**
 * Synthetic capture generator for benchmarks: a large, deterministic, realistic-looking capture of a
 * Symantec Endpoint Protection network, written as classic pcap or pcapng.
 *
 * Output
 * - Classic pcap: little-endian, microsecond timestamps, version 2.4, snaplen 65535, LINKTYPE_ETHERNET.
 * - pcapng: one Section Header Block, one Interface Description Block (Ethernet, if_tsresol = 6, i.e.
 *   microseconds) and one Enhanced Packet Block per frame.
 * - The file is streamed: frames are written straight into one reused buffer (4 MiB by default) that is
 *   flushed with `writeSync` when full, so memory does not grow with the number of packets. What does
 *   grow is O(flows) planning data (three typed arrays) and the state of the flows active at one time.
 *
 * Traffic
 * - Ethernet II carrying IPv4, or IPv6 for about `ipv6Share` of the flows (NBNS is IPv4 only; the other
 *   kinds are shifted so the overall share stays `ipv6Share`).
 * - Flow kinds (share of flows): TCP closed with FIN (about 62%), TCP ended by RST after data (6%), TCP
 *   SYN-only, i.e. dropped, 1-3 SYNs with 1 s / 2 s retransmission back-off (4%), TCP refused, SYN then
 *   RST/ACK (4%), UDP DNS (14%), UDP NBNS (5%), UDP syslog (5%).
 * - TCP: three-way handshake with MSS / SACK-permitted / window-scale options, a data phase of
 *   request/response bursts (full-size segments, PSH on the last of a burst, a pure ACK every second
 *   segment — 60-byte frames on IPv4 once padded), then FIN/ACK, ACK, FIN/ACK, ACK (or the three-packet
 *   FIN/ACK, FIN/ACK, ACK) or one RST/ACK. Sequence and acknowledgment numbers are consistent (random
 *   ISNs, SYN and FIN count one), so TCP analysers see clean connections (no lost or out-of-order segments).
 * - UDP: DNS (real A/AAAA queries and answers), NBNS (real name queries / positive responses, 137→137 for
 *   a client's first query to the WINS server) and syslog (BSD syslog text from SEPM to the collector).
 * - Servers: SEPM managers 10.10.0.10-12 (ports 8014, 443, 8443), SQL 10.10.0.20 (1433), DNS/WINS 10.10.0.2,
 *   syslog collector 10.10.0.30, internal non-SEP servers 10.30.0.1-20, Internet hosts in the documentation
 *   ranges 198.51.100.0/24 and 203.0.113.0/24; clients 10.20.0.1 upward (10.20.0.0/16); IPv6 counterparts
 *   fd00:0:10::/64, fd00:0:20::/64, fd00:0:30::/64, 2001:db8:ff::/64. Managers push to clients on 445,
 *   139 and 22; clients reach Group Update Providers (every 50th client) on 2967.
 * - Ports: the SEP ports above plus non-SEP ones (80, 443 to the Internet, 445/3389/636/88/135/8080 to
 *   internal servers, 53).
 * - Payloads: on the HTTP ports (8014, 80, 8080) every burst starts with a real HTTP request or response
 *   header whose Content-Length is the rest of the burst (8014 requests are SEP's `POST /secars/secars.dll`);
 *   everything else is random bytes. LDAP is on 636 (LDAPS): random bytes on 389 would be dissected as
 *   malformed LDAP by tshark.
 * - Every flow has its own 5-tuple (initiators take ports from a per-host counter that never wraps), so a
 *   conversation table (e.g. `tshark -z conv,tcp -z conv,udp`) has exactly one row per flow.
 * - Timing: flows start as a Poisson process over `durationSeconds`; within a flow, gaps are
 *   exponential around a per-flow mean (handshakes at the round-trip time). All flows are merged in time
 *   with a heap, so many are active at once; timestamps strictly increase across the file (ties are
 *   pushed 1 µs apart).
 * - Packet count is exact: each flow gets the packets its structure needs, and the rest is spread over
 *   the TCP data phases and syslog streams with heavy-tailed (Pareto) weights, so a few flows are large.
 *
 * Checksums: the IPv4 header checksum and the TCP and UDP checksums (IPv4 and IPv6) are all correct.
 * Random TCP payload bytes are slices of one random 64 KiB pattern starting at even offsets, so their sum
 * is a difference of two precomputed prefix sums and costs nothing per byte.
 *
 * Determinism: the output depends only on the options (`seed` feeds a small xoshiro128** PRNG); the same
 * options give byte-identical files, and pcap and pcapng outputs carry the same frames and timestamps.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export type CaptureFormat = 'pcap' | 'pcapng';

/** Generator options. */
export interface GenerateOptions {
  /** output path */
  out: string;
  /** exact number of packets to write */
  packets: number;
  /** number of flows (each one conversation of a conversation table) */
  flows: number;
  /** number of client hosts (10.20.0.1 upward; at most 65534) */
  hosts: number;
  /** PRNG seed (default 1) */
  seed?: number;
  /** file format (default pcap) */
  format?: CaptureFormat;
  /** share of flows carried over IPv6, 0..1 (default 0.1) */
  ipv6Share?: number;
  /** timestamp of the first flow start, seconds since the Unix epoch (default 1718006400 = 2024-06-10T08:00:00Z) */
  startTime?: number;
  /** flows start over this many seconds (default max(60, packets / 2500)) */
  durationSeconds?: number;
  /** size of the reused write buffer, bytes (default 4 MiB) */
  chunkBytes?: number;
}

/** Kinds of flow the generator makes. */
export const FLOW_KINDS = ['tcpClosed', 'tcpReset', 'tcpSynOnly', 'tcpRefused', 'udpDns', 'udpNbns', 'udpSyslog'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** What was written. */
export interface GenerateSummary {
  file: string;
  format: CaptureFormat;
  seed: number;
  /** packets written (always equals the `packets` option) */
  packets: number;
  /** file size, bytes */
  fileBytes: number;
  /** sum of the frame lengths, bytes */
  frameBytes: number;
  flows: {
    total: number;
    tcp: number;
    udp: number;
    ipv6: number;
    /** flows whose responder port is one of SEP's (8014, 443, 8443, 1433, 445, 139, 22, 2967, 514, 137) */
    sepPort: number;
    byKind: Record<FlowKind, number>;
  };
  /** largest number of flows active at one time */
  maxConcurrentFlows: number;
  /** first and last packet timestamps, seconds since the epoch (µs precision) */
  firstTimestamp: number;
  lastTimestamp: number;
}

// ---------------------------------------------------------------------------------------------------
// PRNG: xoshiro128** seeded through splitmix32.

/** Small deterministic PRNG (xoshiro128**). */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }
  /** uniform 32-bit unsigned integer */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  /** uniform in [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** uniform integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  /** exponential with the given mean */
  exp(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }
  /** log-uniform in [lo, hi] */
  logUniform(lo: number, hi: number): number {
    return Math.exp(Math.log(lo) + this.float() * (Math.log(hi) - Math.log(lo)));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Picks an index by weight. */
function pickWeighted(rng: Prng, cumulative: number[]): number {
  const r = rng.float() * cumulative[cumulative.length - 1];
  let i = 0;
  while (cumulative[i] <= r) i++;
  return i;
}

function cumulate(weights: number[]): number[] {
  const out: number[] = [];
  let s = 0;
  for (const w of weights) out.push((s += w));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Hosts and services.

interface Host {
  name: string;
  v4: number;
  v6: Uint8Array;
  /** sum of the address as 16-bit words (for pseudo-header checksums) */
  v4Sum: number;
  v6Sum: number;
  mac: Uint8Array;
  ttl: number;
  ipId: number;
  /** ephemeral port range and the next port / ports used */
  portLo: number;
  portHi: number;
  portNext: number;
  portsUsed: number;
  /** has this client sent its one NBNS 137→137 query to the WINS server */
  nbns137: boolean;
}

type Role = 'client' | 'manager' | 'sql' | 'gup' | 'server' | 'external' | 'dns' | 'syslog' | 'admin';

interface Service {
  port: number;
  from: Role;
  to: Role;
  weight: number;
}

/** SEP's ports (responder side) as counted in the summary. */
export const SEP_PORTS: ReadonlySet<number> = new Set([8014, 443, 8443, 1433, 445, 139, 22, 2967, 514, 137]);

const TCP_SERVICES: Service[] = [
  { port: 8014, from: 'client', to: 'manager', weight: 30 },
  { port: 443, from: 'client', to: 'manager', weight: 10 },
  { port: 8443, from: 'admin', to: 'manager', weight: 2 },
  { port: 1433, from: 'manager', to: 'sql', weight: 4 },
  { port: 445, from: 'manager', to: 'client', weight: 2 },
  { port: 139, from: 'manager', to: 'client', weight: 1 },
  { port: 22, from: 'manager', to: 'client', weight: 1 },
  { port: 2967, from: 'client', to: 'gup', weight: 6 },
  { port: 443, from: 'client', to: 'external', weight: 14 },
  { port: 80, from: 'client', to: 'external', weight: 6 },
  { port: 445, from: 'client', to: 'server', weight: 6 },
  { port: 3389, from: 'client', to: 'server', weight: 2 },
  { port: 636, from: 'client', to: 'server', weight: 2 },
  { port: 88, from: 'client', to: 'server', weight: 1 },
  { port: 135, from: 'client', to: 'server', weight: 1 },
  { port: 8080, from: 'client', to: 'server', weight: 2 },
];
const TCP_SERVICE_CUM = cumulate(TCP_SERVICES.map((s) => s.weight));

// flow kind codes (index into FLOW_KINDS)
const K_TCP_CLOSED = 0;
const K_TCP_RESET = 1;
const K_TCP_SYN_ONLY = 2;
const K_TCP_REFUSED = 3;
const K_UDP_DNS = 4;
const K_UDP_NBNS = 5;
const K_UDP_SYSLOG = 6;
const KIND_WEIGHTS = [62, 6, 4, 4, 14, 5, 5];
const KIND_CUM = cumulate(KIND_WEIGHTS);
const NBNS_SHARE = KIND_WEIGHTS[K_UDP_NBNS] / KIND_CUM[KIND_CUM.length - 1];

/** DNS variants: packets per flow (query/response, A+AAAA, lost query, retransmitted query). */
const DNS_VARIANT_PACKETS = [2, 4, 1, 3];
const DNS_VARIANT_CUM = cumulate([70, 20, 5, 5]);
/** NBNS variants: query/response, three unanswered queries, one unanswered query. */
const NBNS_VARIANT_PACKETS = [2, 3, 1];
const NBNS_VARIANT_CUM = cumulate([70, 20, 10]);

/** Packets a flow needs whatever its size (for TCP established flows: handshake + 2 data + teardown). */
function fixedPackets(kind: number, variant: number): number {
  switch (kind) {
    case K_TCP_CLOSED:
      return 3 + 2 + (variant & 2 ? 3 : 4);
    case K_TCP_RESET:
      return 3 + 2 + 1;
    case K_TCP_SYN_ONLY:
      return 1 + variant;
    case K_TCP_REFUSED:
      return 2;
    case K_UDP_DNS:
      return DNS_VARIANT_PACKETS[variant];
    case K_UDP_NBNS:
      return NBNS_VARIANT_PACKETS[variant];
    default:
      return 1; // syslog
  }
}

function isElastic(kind: number): boolean {
  return kind === K_TCP_CLOSED || kind === K_TCP_RESET || kind === K_UDP_SYSLOG;
}

function wordSum(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) | bytes[i + 1];
  return s;
}

function makeHost(name: string, v4: number, v6prefix: number[], v6last: number, macTail: number, ttl: number, portLo: number, portHi: number, rng: Prng, mac?: Uint8Array): Host {
  const v6 = new Uint8Array(16);
  for (let i = 0; i < v6prefix.length; i++) {
    v6[i * 2] = v6prefix[i] >>> 8;
    v6[i * 2 + 1] = v6prefix[i] & 0xff;
  }
  v6[14] = v6last >>> 8;
  v6[15] = v6last & 0xff;
  const m = mac ?? new Uint8Array([0x00, 0x50, 0x56, (macTail >>> 16) & 0xff, (macTail >>> 8) & 0xff, macTail & 0xff]);
  const span = portHi - portLo + 1;
  return {
    name,
    v4: v4 >>> 0,
    v6,
    v4Sum: (v4 >>> 16) + (v4 & 0xffff),
    v6Sum: wordSum(v6),
    mac: m,
    ttl,
    ipId: rng.int(65536),
    portLo,
    portHi,
    portNext: portLo + rng.int(span),
    portsUsed: 0,
    nbns137: false,
  };
}

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function v6String(a: Uint8Array): string {
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) w.push(((a[i] << 8) | a[i + 1]).toString(16));
  return w.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function ip4String(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

class Network {
  readonly clients: Host[] = [];
  readonly managers: Host[] = [];
  readonly gups: Host[] = [];
  readonly admins: Host[] = [];
  readonly servers: Host[] = [];
  readonly externals: Host[] = [];
  readonly sql: Host;
  readonly dns: Host;
  readonly syslog: Host;

  constructor(hosts: number, rng: Prng) {
    const router = new Uint8Array([0x00, 0x1b, 0x17, 0x00, 0x01, 0x01]);
    for (let i = 0; i < hosts; i++) {
      const n = i + 1;
      const c = makeHost(`WS-${String(n).padStart(5, '0')}`, ip4(10, 20, n >>> 8, n & 255), [0xfd00, 0, 0x20, 0], n, 0x200000 + n, 128, 49152, 65535, rng);
      this.clients.push(c);
      if (i % 50 === 0) this.gups.push(c);
      if (i < 5) this.admins.push(c);
    }
    for (let i = 0; i < 3; i++) {
      // SEPM servers initiate many flows (pushes, SQL, syslog): a widened dynamic port range
      this.managers.push(makeHost(`SEPM0${i + 1}`, ip4(10, 10, 0, 10 + i), [0xfd00, 0, 0x10, 0], 0x10 + i, 0x100010 + i, 128, 1025, 65535, rng));
    }
    this.sql = makeHost('SEPSQL01', ip4(10, 10, 0, 20), [0xfd00, 0, 0x10, 0], 0x20, 0x100020, 128, 49152, 65535, rng);
    this.dns = makeHost('DC01', ip4(10, 10, 0, 2), [0xfd00, 0, 0x10, 0], 0x2, 0x100002, 128, 49152, 65535, rng);
    this.syslog = makeHost('SYSLOG01', ip4(10, 10, 0, 30), [0xfd00, 0, 0x10, 0], 0x30, 0x100030, 64, 32768, 60999, rng);
    for (let i = 0; i < 20; i++) {
      this.servers.push(makeHost(`SRV${String(i + 1).padStart(2, '0')}`, ip4(10, 30, 0, i + 1), [0xfd00, 0, 0x30, 0], i + 1, 0x300000 + i + 1, 128, 49152, 65535, rng));
    }
    for (let i = 0; i < 10; i++) {
      const v4 = i < 6 ? ip4(198, 51, 100, 10 + i) : ip4(203, 0, 113, 5 + i);
      this.externals.push(makeHost(`ext${i}`, v4, [0x2001, 0x0db8, 0xff, 0], 0x100 + i, 0, 54, 49152, 65535, rng, router));
    }
  }

  pick(role: Role, rng: Prng, near?: Host): Host {
    switch (role) {
      case 'client':
        return this.clients[rng.int(this.clients.length)];
      case 'manager':
        // a client mostly talks to "its" manager
        if (near && rng.float() < 0.9) return this.managers[near.v4 % 3];
        return this.managers[rng.int(3)];
      case 'gup':
        return this.gups[rng.int(this.gups.length)];
      case 'admin':
        return this.admins[rng.int(this.admins.length)];
      case 'server':
        return this.servers[rng.int(this.servers.length)];
      case 'external':
        return this.externals[rng.int(this.externals.length)];
      case 'sql':
        return this.sql;
      case 'dns':
        return this.dns;
      case 'syslog':
        return this.syslog;
    }
  }
}

/** Next unused ephemeral port of an initiator. @throws RangeError when the host has none left */
function takePort(h: Host): number {
  const span = h.portHi - h.portLo + 1;
  if (h.portsUsed >= span) {
    throw new RangeError(`host ${h.name} has used all ${span} of its source ports: use fewer --flows or more --hosts`);
  }
  const p = h.portNext;
  h.portNext = p === h.portHi ? h.portLo : p + 1;
  h.portsUsed++;
  return p;
}

// ---------------------------------------------------------------------------------------------------
// Output sink.

class Sink {
  readonly buf: Buffer;
  pos = 0;
  written = 0;
  constructor(
    private readonly fd: number,
    size: number,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }
  /** makes room for n bytes; returns the offset to write at */
  reserve(n: number): number {
    if (this.pos + n > this.buf.length) this.flush();
    return this.pos;
  }
  flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.written += this.pos;
    this.pos = 0;
  }
}

// ---------------------------------------------------------------------------------------------------
// Checksums.

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

function sumRange(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Flow state.

interface Flow {
  idx: number;
  kind: number;
  variant: number;
  total: number;
  sent: number;
  /** TCP data packets (total − fixed) */
  data: number;
  next: number;
  a: Host;
  b: Host;
  aPort: number;
  bPort: number;
  v6: boolean;
  /** round-trip time and mean inter-packet gap, µs */
  rtt: number;
  gap: number;
  aSeq: number;
  bSeq: number;
  aIsn: number;
  burstFromA: boolean;
  burstLeft: number;
  unacked: number;
  /** mean burst length (segments) for each side */
  aBurst: number;
  bBurst: number;
  mss: number;
  dnsId: number;
  dnsName: string;
  nbnsName: string;
  nbnsTarget: Host | null;
  /** HTTP port (80, 8080, 8014): bursts start with an HTTP header */
  http: boolean;
  /** payload length of the current burst's last segment */
  lastLen: number;
}

const F_FIN = 0x01;
const F_SYN = 0x02;
const F_RST = 0x04;
const F_PSH = 0x08;
const F_ACK = 0x10;

const DNS_NAMES = [
  'sepm01.corp.example.com',
  'sepm02.corp.example.com',
  'liveupdate.symantecliveupdate.com',
  'stats.norton.com',
  'ent-shasta-rrs.symantec.com',
  'www.example.com',
  'dc01.corp.example.com',
  'fileserver.corp.example.com',
  'login.microsoftonline.com',
  'update.example.org',
];

const SYSLOG_MESSAGES = [
  'Virus found,IP Address: %IP%,Computer name: %HOST%,Source: Auto-Protect scan,Risk name: EICAR Test String,Occurrences: 1,Action taken: Cleaned by deletion',
  'Site: Site Default,Server Name: SEPM01,Domain Name: Default,The client has downloaded the content package successfully. Computer name: %HOST%',
  'Computer name: %HOST%,Event Description: Scan started on selected drives and folders and all extensions.',
  'Admin: admin,Domain Name: Default,Admin logged on successfully',
  'Computer name: %HOST%,IP Address: %IP%,Intrusion ID: 20000,Event Description: [SID: 23179] OS Attack: MS Windows SMB Remote Code Execution attack blocked',
  'Server Name: SEPM01,Domain Name: Default,Site: Site Default,Replication completed successfully',
];

const HTTP_PORTS: ReadonlySet<number> = new Set([80, 8080, 8014]);
const HTTP_PATHS = ['index.html', 'updates/catalog.xml', 'content/defs.zip', 'status', 'v1/telemetry', 'images/logo.png', 'downloads/pkg.bin'];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---------------------------------------------------------------------------------------------------
// The generator.

const PATTERN_BYTES = 65536;
const ETH = 14;
const TCP_SYN_OPTIONS = new Uint8Array([2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2]); // MSS 1460, NOP, WS 8, NOP, NOP, SACK_PERM

class Generator {
  private readonly rng: Prng;
  private readonly durationUs: number;
  private readonly net: Network;
  private readonly sink: Sink;
  private readonly pcapng: boolean;
  private readonly pattern: Uint8Array;
  /** prefix[i] = sum of the first i 16-bit words of the pattern */
  private readonly prefix: Float64Array;
  private readonly scratch = Buffer.alloc(2048);
  /** HTTP header for the next TCP segment (its first `prefixLen` bytes) */
  private readonly httpText = Buffer.alloc(2048);
  private prefixLen = 0;
  lastTs = -1;
  firstTs = -1;
  frameBytes = 0;
  packets = 0;

  constructor(rng: Prng, net: Network, sink: Sink, pcapng: boolean, durationUs: number) {
    this.durationUs = durationUs;
    this.rng = rng;
    this.net = net;
    this.sink = sink;
    this.pcapng = pcapng;
    this.pattern = new Uint8Array(PATTERN_BYTES);
    for (let i = 0; i < PATTERN_BYTES; i += 4) {
      const v = rng.u32();
      this.pattern[i] = v & 255;
      this.pattern[i + 1] = (v >>> 8) & 255;
      this.pattern[i + 2] = (v >>> 16) & 255;
      this.pattern[i + 3] = v >>> 24;
    }
    this.prefix = new Float64Array(PATTERN_BYTES / 2 + 1);
    for (let i = 0; i < PATTERN_BYTES / 2; i++) this.prefix[i + 1] = this.prefix[i] + ((this.pattern[2 * i] << 8) | this.pattern[2 * i + 1]);
  }

  // ----- flow set-up

  startFlow(idx: number, kind: number, variant: number, total: number, t: number, v6Prob: number): Flow {
    const rng = this.rng;
    const net = this.net;
    let a: Host;
    let b: Host;
    let bPort: number;
    let aPort = -1;
    let nbnsTarget: Host | null = null;
    const v6 = kind !== K_UDP_NBNS && rng.float() < v6Prob;
    if (kind <= K_TCP_REFUSED) {
      const s = TCP_SERVICES[pickWeighted(rng, TCP_SERVICE_CUM)];
      a = net.pick(s.from, rng);
      b = net.pick(s.to, rng, a);
      if (b === a) b = s.to === 'gup' ? net.clients[(net.clients.indexOf(a) + 1) % net.clients.length] : b;
      bPort = s.port;
    } else if (kind === K_UDP_DNS) {
      a = rng.float() < 0.95 ? net.pick('client', rng) : net.pick('manager', rng);
      b = net.dns;
      bPort = 53;
    } else if (kind === K_UDP_NBNS) {
      bPort = 137;
      if (rng.float() < 0.3) {
        // SEPM resolving a client's name before a push
        a = net.pick('manager', rng);
        b = net.pick('client', rng);
        nbnsTarget = b;
      } else {
        a = net.pick('client', rng);
        if (!a.nbns137) {
          a.nbns137 = true;
          aPort = 137;
          b = net.dns; // WINS
        } else {
          b = net.pick('client', rng);
          if (b === a) b = net.clients[(net.clients.indexOf(a) + 1) % net.clients.length];
        }
        nbnsTarget = net.pick('client', rng);
      }
    } else {
      a = net.pick('manager', rng);
      b = net.syslog;
      bPort = 514;
    }
    if (aPort < 0) aPort = takePort(a);
    const external = b.ttl === 54;
    const rtt = external ? rng.range(15000, 90000) : rng.range(150, 2500);
    let gap: number;
    if (kind === K_UDP_SYSLOG) gap = rng.logUniform(50_000, 5_000_000);
    else gap = Math.max(rtt / 4, rng.logUniform(100, 60_000));
    // a large flow sends faster: its expected span stays within half the start window (at least 2 s)
    gap = Math.max(20, Math.min(gap, Math.max(2e6, this.durationUs / 2) / total));
    const big = rng.float() < 0.8;
    return {
      idx,
      kind,
      variant,
      total,
      sent: 0,
      data: total - fixedPackets(kind, variant) + 2,
      next: t,
      a,
      b,
      aPort,
      bPort,
      v6,
      rtt,
      gap,
      aSeq: 0,
      bSeq: 0,
      aIsn: rng.u32(),
      burstFromA: false,
      burstLeft: 0,
      unacked: 0,
      // most flows are downloads (small requests, large responses); some are uploads
      aBurst: big ? 1 : rng.logUniform(2, 60),
      bBurst: big ? rng.logUniform(2, 60) : 1,
      mss: v6 ? 1440 : 1460,
      dnsId: rng.int(65536),
      dnsName: kind === K_UDP_DNS ? dnsNameFor(rng, a) : '',
      nbnsName: nbnsTarget ? nbnsTarget.name : '',
      nbnsTarget,
      http: kind <= K_TCP_REFUSED && HTTP_PORTS.has(bPort),
      lastLen: 0,
    };
  }

  // ----- per-packet stepping: writes the flow's next packet at time t and returns the gap to the one after

  step(f: Flow, t: number): number {
    const n = f.sent++;
    switch (f.kind) {
      case K_TCP_CLOSED:
      case K_TCP_RESET:
        return this.stepTcp(f, n, t);
      case K_TCP_SYN_ONLY:
        this.tcp(f, true, F_SYN, f.aIsn, 0, 0, t, true);
        return 1_000_000 * (1 << n); // retransmission back-off 1 s, 2 s
      case K_TCP_REFUSED:
        if (n === 0) {
          this.tcp(f, true, F_SYN, f.aIsn, 0, 0, t, true);
          return f.rtt;
        }
        this.tcp(f, false, F_RST | F_ACK, 0, (f.aIsn + 1) >>> 0, 0, t, false);
        return 0;
      case K_UDP_DNS:
        return this.stepDns(f, n, t);
      case K_UDP_NBNS:
        return this.stepNbns(f, n, t);
      default:
        this.syslogPacket(f, t);
        return this.gapAround(f.gap);
    }
  }

  private gapAround(mean: number): number {
    return Math.max(1, Math.round(this.rng.exp(mean)));
  }

  private stepTcp(f: Flow, n: number, t: number): number {
    if (n === 0) {
      f.aSeq = (f.aIsn + 1) >>> 0;
      this.tcp(f, true, F_SYN, f.aIsn, 0, 0, t, true);
      return f.rtt;
    }
    if (n === 1) {
      const bIsn = this.rng.u32();
      f.bSeq = (bIsn + 1) >>> 0;
      this.tcp(f, false, F_SYN | F_ACK, bIsn, f.aSeq, 0, t, true);
      return this.gapAround(60);
    }
    if (n === 2) {
      this.tcp(f, true, F_ACK, f.aSeq, f.bSeq, 0, t, false);
      return this.gapAround(Math.min(f.gap, 500));
    }
    const d = n - 3;
    if (d < f.data) {
      this.dataPacket(f, t);
      return d + 1 < f.data ? this.gapAround(f.gap) : this.gapAround(Math.max(f.gap, 2000));
    }
    const k = d - f.data;
    const closerIsA = (f.variant & 1) === 0;
    if (f.kind === K_TCP_RESET) {
      if (closerIsA) this.tcp(f, true, F_RST | F_ACK, f.aSeq, f.bSeq, 0, t, false);
      else this.tcp(f, false, F_RST | F_ACK, f.bSeq, f.aSeq, 0, t, false);
      return 0;
    }
    const three = (f.variant & 2) !== 0;
    // closer C, other O
    const cA = closerIsA;
    if (k === 0) {
      this.fin(f, cA, F_FIN | F_ACK, t);
      return three ? f.rtt : this.gapAround(f.rtt / 2);
    }
    if (three) {
      if (k === 1) {
        this.fin(f, !cA, F_FIN | F_ACK, t);
        return this.gapAround(50);
      }
      this.fin(f, cA, F_ACK, t);
      return 0;
    }
    if (k === 1) {
      this.fin(f, !cA, F_ACK, t);
      return this.gapAround(f.rtt);
    }
    if (k === 2) {
      this.fin(f, !cA, F_FIN | F_ACK, t);
      return f.rtt;
    }
    this.fin(f, cA, F_ACK, t);
    return 0;
  }

  /** a teardown packet from A (fromA) or B, advancing the sender's sequence for FIN */
  private fin(f: Flow, fromA: boolean, flags: number, t: number): void {
    if (fromA) {
      this.tcp(f, true, flags, f.aSeq, f.bSeq, 0, t, false);
      if (flags & F_FIN) f.aSeq = (f.aSeq + 1) >>> 0;
    } else {
      this.tcp(f, false, flags, f.bSeq, f.aSeq, 0, t, false);
      if (flags & F_FIN) f.bSeq = (f.bSeq + 1) >>> 0;
    }
  }

  private dataPacket(f: Flow, t: number): void {
    const rng = this.rng;
    if (f.unacked >= 2) {
      // the receiver acknowledges
      if (f.burstFromA) this.tcp(f, false, F_ACK, f.bSeq, f.aSeq, 0, t, false);
      else this.tcp(f, true, F_ACK, f.aSeq, f.bSeq, 0, t, false);
      f.unacked = 0;
      return;
    }
    let prefixLen = 0;
    if (f.burstLeft === 0) {
      // a new burst from the other side (request / response alternation)
      f.burstFromA = !f.burstFromA;
      const mean = f.burstFromA ? f.aBurst : f.bBurst;
      f.burstLeft = mean <= 1 ? 1 : 1 + Math.floor(rng.exp(mean));
      f.lastLen = mean <= 1 ? rng.range(60, 900) : rng.range(40, f.mss);
      f.unacked = 0;
      if (f.http) prefixLen = this.httpHeader(f);
    }
    f.burstLeft--;
    const last = f.burstLeft === 0;
    const len = last ? f.lastLen : f.mss;
    const flags = last ? F_ACK | F_PSH : F_ACK;
    this.prefixLen = prefixLen;
    if (f.burstFromA) {
      this.tcp(f, true, flags, f.aSeq, f.bSeq, len, t, false);
      f.aSeq = (f.aSeq + len) >>> 0;
    } else {
      this.tcp(f, false, flags, f.bSeq, f.aSeq, len, t, false);
      f.bSeq = (f.bSeq + len) >>> 0;
    }
    this.prefixLen = 0;
    f.unacked++;
  }

  /**
   * Writes into `httpText` the HTTP request or response header that starts the burst just begun, and
   * reshapes the burst so that its bytes are exactly the header plus its Content-Length (a GET request
   * has no body and is exactly its header). The header's length is made even (optional whitespace after
   * a header value) so the body that follows in the segment starts word-aligned. Returns that length.
   */
  private httpHeader(f: Flow): number {
    const rng = this.rng;
    const host = (f.v6 ? `[${v6String(f.b.v6)}]` : ip4String(f.b.v4)) + (f.bPort === 80 ? '' : `:${f.bPort}`);
    let head: string;
    let get = false;
    if (!f.burstFromA) {
      head = 'HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nContent-Type: application/octet-stream';
    } else if (f.bPort === 8014) {
      head = `POST /secars/secars.dll?h=${rng.u32().toString(16).toUpperCase()}&aid=${rng.int(100000)}&action=16 HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Smc\r\nContent-Type: application/octet-stream`;
    } else if (f.burstLeft === 1 && rng.float() < 0.6) {
      get = true;
      head = `GET /${HTTP_PATHS[rng.int(HTTP_PATHS.length)]} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*`;
    } else {
      head = `POST /api/${HTTP_PATHS[rng.int(HTTP_PATHS.length)]} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/octet-stream`;
    }
    let text: string;
    let burstTotal: number;
    if (get) {
      text = `${head}\r\n\r\n`;
      if (text.length & 1) text = `${head} \r\n\r\n`;
      burstTotal = text.length;
    } else {
      const build = (h: string, body: number): string => `${h}\r\nContent-Length: ${body}\r\n\r\n`;
      let total = (f.burstLeft - 1) * f.mss + f.lastLen;
      const min = build(head, 0).length + 16;
      if (total < min) total = min + rng.int(400);
      // body length B with len(header(B)) + B = total and an even header length (optionally with a trailing
      // space after the Content-Type value); at a digit-count boundary there may be none: grow total
      const solve = (h: string, t: number): number => {
        for (let digits = 1; digits <= 10; digits++) {
          const body = t - build(h, 0).length - (digits - 1);
          if (body >= 0 && String(body).length === digits && (build(h, body).length & 1) === 0) return body;
        }
        return -1;
      };
      let body = -1;
      for (;;) {
        body = solve(head, total);
        if (body >= 0) break;
        body = solve(head + ' ', total);
        if (body >= 0) {
          head += ' ';
          break;
        }
        total++;
      }
      text = build(head, body);
      if (text.length + body !== total || text.length & 1) throw new Error('internal: HTTP Content-Length did not settle');
      burstTotal = total;
    }
    const n = this.httpText.write(text, 0, 'latin1');
    f.burstLeft = Math.ceil(burstTotal / f.mss);
    f.lastLen = burstTotal - (f.burstLeft - 1) * f.mss;
    return n;
  }

  private stepDns(f: Flow, n: number, t: number): number {
    switch (f.variant) {
      case 0: // query, response
        this.dns(f, n === 1, 1, t);
        return f.rtt;
      case 1: // A query, A response, AAAA query, AAAA response
        this.dns(f, n % 2 === 1, n < 2 ? 1 : 28, t);
        return n === 1 ? this.gapAround(100) : f.rtt;
      case 2: // unanswered query
        this.dns(f, false, 1, t);
        return 0;
      default: // query, retransmitted query (same id) 1 s later, response
        this.dns(f, n === 2, 1, t);
        return n === 0 ? 1_000_000 : f.rtt;
    }
  }

  private stepNbns(f: Flow, n: number, t: number): number {
    if (f.variant === 0) {
      this.nbns(f, n === 1, t);
      return f.rtt;
    }
    this.nbns(f, false, t);
    return 1_500_000;
  }

  // ----- frame writers

  /**
   * Reserves room for the record of a frame whose transport header + payload is `l4len` bytes, writes
   * the record header and the Ethernet + IP headers; returns the offset of the transport header.
   */
  private begin(f: Flow, fromA: boolean, proto: number, l4len: number, t: number): number {
    // strictly increasing timestamps
    if (t <= this.lastTs) t = this.lastTs + 1;
    this.lastTs = t;
    if (this.firstTs < 0) this.firstTs = t;
    const ipLen = f.v6 ? 40 : 20;
    let frameLen = ETH + ipLen + l4len;
    const wire = frameLen;
    if (frameLen < 60) frameLen = 60;
    const sink = this.sink;
    const recHdr = this.pcapng ? 28 : 16;
    const padded = this.pcapng ? (frameLen + 3) & ~3 : frameLen;
    const total = recHdr + padded + (this.pcapng ? 4 : 0);
    const o = sink.reserve(total);
    const b = sink.buf;
    if (this.pcapng) {
      b.writeUInt32LE(6, o);
      b.writeUInt32LE(total, o + 4);
      b.writeUInt32LE(0, o + 8);
      const hi = Math.floor(t / 4294967296);
      b.writeUInt32LE(hi, o + 12);
      b.writeUInt32LE(t - hi * 4294967296, o + 16);
      b.writeUInt32LE(frameLen, o + 20);
      b.writeUInt32LE(frameLen, o + 24);
      for (let i = recHdr + frameLen; i < recHdr + padded; i++) b[o + i] = 0;
      b.writeUInt32LE(total, o + total - 4);
    } else {
      const sec = Math.floor(t / 1e6);
      b.writeUInt32LE(sec, o);
      b.writeUInt32LE(t - sec * 1e6, o + 4);
      b.writeUInt32LE(frameLen, o + 8);
      b.writeUInt32LE(frameLen, o + 12);
    }
    sink.pos = o + total;
    this.packets++;
    this.frameBytes += frameLen;
    const e = o + recHdr;
    const src = fromA ? f.a : f.b;
    const dst = fromA ? f.b : f.a;
    b.set(dst.mac, e);
    b.set(src.mac, e + 6);
    // Ethernet padding
    for (let i = wire; i < frameLen; i++) b[e + i] = 0;
    const ip = e + ETH;
    if (f.v6) {
      b[e + 12] = 0x86;
      b[e + 13] = 0xdd;
      b[ip] = 0x60;
      b[ip + 1] = 0;
      b[ip + 2] = 0;
      b[ip + 3] = 0;
      b[ip + 4] = l4len >>> 8;
      b[ip + 5] = l4len & 255;
      b[ip + 6] = proto;
      b[ip + 7] = src.ttl;
      b.set(src.v6, ip + 8);
      b.set(dst.v6, ip + 24);
    } else {
      b[e + 12] = 0x08;
      b[e + 13] = 0x00;
      const totalLen = 20 + l4len;
      b[ip] = 0x45;
      b[ip + 1] = 0;
      b[ip + 2] = totalLen >>> 8;
      b[ip + 3] = totalLen & 255;
      const id = src.ipId;
      src.ipId = (id + 1) & 0xffff;
      b[ip + 4] = id >>> 8;
      b[ip + 5] = id & 255;
      b[ip + 6] = proto === 6 ? 0x40 : 0; // DF on TCP
      b[ip + 7] = 0;
      b[ip + 8] = src.ttl;
      b[ip + 9] = proto;
      b[ip + 10] = 0;
      b[ip + 11] = 0;
      b.writeUInt32BE(src.v4, ip + 12);
      b.writeUInt32BE(dst.v4, ip + 16);
      const c = ~fold(sumRange(b, ip, ip + 20)) & 0xffff;
      b[ip + 10] = c >>> 8;
      b[ip + 11] = c & 255;
    }
    return ip + ipLen;
  }

  private pseudoSum(f: Flow, proto: number, l4len: number): number {
    return (f.v6 ? f.a.v6Sum + f.b.v6Sum : f.a.v4Sum + f.b.v4Sum) + proto + l4len;
  }

  private tcp(f: Flow, fromA: boolean, flags: number, seq: number, ack: number, payload: number, t: number, synOpts: boolean): void {
    const hdr = synOpts ? 32 : 20;
    const l4len = hdr + payload;
    const l4 = this.begin(f, fromA, 6, l4len, t);
    const b = this.sink.buf;
    const sp = fromA ? f.aPort : f.bPort;
    const dp = fromA ? f.bPort : f.aPort;
    b[l4] = sp >>> 8;
    b[l4 + 1] = sp & 255;
    b[l4 + 2] = dp >>> 8;
    b[l4 + 3] = dp & 255;
    b.writeUInt32BE(seq >>> 0, l4 + 4);
    b.writeUInt32BE(flags & F_ACK ? ack >>> 0 : 0, l4 + 8);
    b[l4 + 12] = (hdr / 4) << 4;
    b[l4 + 13] = flags;
    // window: 64240 in SYNs (unscaled), else 1026 or 2052 ×256 (window scale 8); 0 in a bare RST
    const win = flags & F_SYN ? 64240 : flags & F_RST && !(flags & F_ACK) ? 0 : fromA ? 1026 : 2052;
    b[l4 + 14] = win >>> 8;
    b[l4 + 15] = win & 255;
    b[l4 + 16] = 0;
    b[l4 + 17] = 0;
    b[l4 + 18] = 0;
    b[l4 + 19] = 0;
    if (synOpts) b.set(TCP_SYN_OPTIONS, l4 + 20);
    let s = this.pseudoSum(f, 6, l4len) + sumRange(b, l4, l4 + hdr);
    // payload: an HTTP header (even length) if one is pending, then a slice of the pattern at an even offset
    const pre = this.prefixLen;
    if (pre > 0) {
      this.httpText.copy(b, l4 + hdr, 0, pre);
      s += sumRange(b, l4 + hdr, l4 + hdr + pre);
    }
    const rest = payload - pre;
    if (rest > 0) {
      const po = this.rng.int((PATTERN_BYTES - rest) >>> 1) * 2;
      b.set(this.pattern.subarray(po, po + rest), l4 + hdr + pre);
      s += this.prefix[(po >>> 1) + (rest >>> 1)] - this.prefix[po >>> 1];
      if (rest & 1) s += this.pattern[po + rest - 1] << 8;
    }
    const c = ~fold(s) & 0xffff;
    b[l4 + 16] = c >>> 8;
    b[l4 + 17] = c & 255;
  }

  private udp(f: Flow, fromA: boolean, payload: Buffer, len: number, t: number): void {
    const l4len = 8 + len;
    const l4 = this.begin(f, fromA, 17, l4len, t);
    const b = this.sink.buf;
    const sp = fromA ? f.aPort : f.bPort;
    const dp = fromA ? f.bPort : f.aPort;
    b[l4] = sp >>> 8;
    b[l4 + 1] = sp & 255;
    b[l4 + 2] = dp >>> 8;
    b[l4 + 3] = dp & 255;
    b[l4 + 4] = l4len >>> 8;
    b[l4 + 5] = l4len & 255;
    b[l4 + 6] = 0;
    b[l4 + 7] = 0;
    payload.copy(b, l4 + 8, 0, len);
    let c = ~fold(this.pseudoSum(f, 17, l4len) + sumRange(b, l4, l4 + l4len)) & 0xffff;
    if (c === 0) c = 0xffff;
    b[l4 + 6] = c >>> 8;
    b[l4 + 7] = c & 255;
  }

  private dns(f: Flow, response: boolean, qtype: number, t: number): void {
    const p = this.scratch;
    const id = (f.dnsId + (qtype === 28 ? 1 : 0)) & 0xffff;
    p.writeUInt16BE(id, 0);
    p.writeUInt16BE(response ? 0x8180 : 0x0100, 2);
    p.writeUInt16BE(1, 4);
    p.writeUInt16BE(response ? 1 : 0, 6);
    p.writeUInt32BE(0, 8);
    let o = 12;
    for (const label of f.dnsName.split('.')) {
      p[o++] = label.length;
      o += p.write(label, o, 'latin1');
    }
    p[o++] = 0;
    p.writeUInt16BE(qtype, o);
    p.writeUInt16BE(1, o + 2);
    o += 4;
    if (response) {
      p.writeUInt16BE(0xc00c, o);
      p.writeUInt16BE(qtype, o + 2);
      p.writeUInt16BE(1, o + 4);
      p.writeUInt32BE(300, o + 6);
      o += 10;
      const h = hashString(f.dnsName);
      if (qtype === 28) {
        p.writeUInt16BE(16, o);
        p.writeUInt32BE(0x20010db8, o + 2);
        p.writeUInt32BE(0x00ff0000, o + 6);
        p.writeUInt32BE(0, o + 10);
        p.writeUInt32BE(h & 0xffff, o + 14);
        o += 18;
      } else {
        p.writeUInt16BE(4, o);
        p.writeUInt32BE(f.dnsName.endsWith('corp.example.com') ? ip4(10, 10, 0, 10 + (h % 3)) : ip4(198, 51, 100, 10 + (h % 6)), o + 2);
        o += 6;
      }
    }
    this.udp(f, !response, p, o, t);
  }

  private nbns(f: Flow, response: boolean, t: number): void {
    const p = this.scratch;
    p.writeUInt16BE(f.dnsId, 0);
    p.writeUInt16BE(response ? 0x8500 : 0x0100, 2);
    p.writeUInt16BE(response ? 0 : 1, 4);
    p.writeUInt16BE(response ? 1 : 0, 6);
    p.writeUInt32BE(0, 8);
    let o = 12;
    p[o++] = 32;
    const name = f.nbnsName.toUpperCase().padEnd(15, ' ').slice(0, 15);
    for (let i = 0; i < 16; i++) {
      const c = i < 15 ? name.charCodeAt(i) : 0x00;
      p[o++] = 0x41 + (c >>> 4);
      p[o++] = 0x41 + (c & 15);
    }
    p[o++] = 0;
    p.writeUInt16BE(0x0020, o);
    p.writeUInt16BE(0x0001, o + 2);
    o += 4;
    if (response) {
      p.writeUInt32BE(300000, o);
      p.writeUInt16BE(6, o + 4);
      p.writeUInt16BE(0, o + 6);
      p.writeUInt32BE((f.nbnsTarget ?? f.b).v4, o + 8);
      o += 12;
    }
    this.udp(f, !response, p, o, t);
  }

  private syslogPacket(f: Flow, t: number): void {
    const rng = this.rng;
    const d = new Date(Math.floor(t / 1000));
    const day = String(d.getUTCDate()).padStart(2, ' ');
    const hh = String(d.getUTCHours()).padStart(2, '0');
    const mm = String(d.getUTCMinutes()).padStart(2, '0');
    const ss = String(d.getUTCSeconds()).padStart(2, '0');
    const client = this.net.clients[rng.int(this.net.clients.length)];
    const msg = SYSLOG_MESSAGES[rng.int(SYSLOG_MESSAGES.length)].replace('%HOST%', client.name).replace('%IP%', ip4String(client.v4));
    const text = `<${rng.float() < 0.2 ? 132 : 134}>${MONTHS[d.getUTCMonth()]} ${day} ${hh}:${mm}:${ss} ${f.a.name} SymantecServer: ${msg}`;
    const len = this.scratch.write(text, 0, 'latin1');
    this.udp(f, true, this.scratch, len, t);
  }
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function dnsNameFor(rng: Prng, a: Host): string {
  if (rng.float() < 0.25) return `${a.name.toLowerCase()}.corp.example.com`;
  return DNS_NAMES[rng.int(DNS_NAMES.length)];
}

// ---------------------------------------------------------------------------------------------------
// Heap of active flows keyed by (next, idx).

class FlowHeap {
  private readonly a: Flow[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): Flow | undefined {
    return this.a[0];
  }
  push(f: Flow): void {
    const a = this.a;
    let i = a.length;
    a.push(f);
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (!less(f, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = f;
  }
  /** removes the top */
  pop(): void {
    const a = this.a;
    const last = a.pop()!;
    if (a.length > 0) this.siftDown(last);
  }
  /** the top's key changed (grew): restore the order */
  updateTop(): void {
    this.siftDown(this.a[0]);
  }
  private siftDown(f: Flow): void {
    const a = this.a;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(a[r], a[l]) ? r : l;
      if (!less(a[c], f)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = f;
  }
}

function less(x: Flow, y: Flow): boolean {
  return x.next < y.next || (x.next === y.next && x.idx < y.idx);
}

// ---------------------------------------------------------------------------------------------------

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
}

/**
 * Writes a synthetic capture (see the module comment).
 * @throws RangeError for impossible options (e.g. fewer packets than the flows need)
 */
export function generateCapture(opts: GenerateOptions): GenerateSummary {
  const seed = opts.seed ?? 1;
  const format = opts.format ?? 'pcap';
  const ipv6Share = opts.ipv6Share ?? 0.1;
  const P = opts.packets;
  const F = opts.flows;
  checkInt('packets', P, 1, 2 ** 40);
  checkInt('flows', F, 1, 2 ** 31);
  checkInt('hosts', opts.hosts, 1, 65534);
  checkInt('seed', seed, 0, 2 ** 32 - 1);
  if (format !== 'pcap' && format !== 'pcapng') throw new RangeError(`format must be pcap or pcapng, got ${String(format)}`);
  if (!(ipv6Share >= 0 && ipv6Share <= 1)) throw new RangeError(`ipv6Share must be in [0, 1], got ${ipv6Share}`);
  if (F > P) throw new RangeError(`flows (${F}) cannot exceed packets (${P})`);
  const rng = new Prng(seed);

  // ---- plan: kind, variant and packet count of every flow
  const kinds = new Uint8Array(F);
  const variants = new Uint8Array(F);
  const counts = new Float64Array(F);
  let fixedSum = 0;
  let elastic = 0;
  for (let i = 0; i < F; i++) {
    const k = pickWeighted(rng, KIND_CUM);
    let v = 0;
    if (k === K_TCP_CLOSED || k === K_TCP_RESET) v = rng.int(4);
    else if (k === K_TCP_SYN_ONLY) v = rng.int(3);
    else if (k === K_UDP_DNS) v = pickWeighted(rng, DNS_VARIANT_CUM);
    else if (k === K_UDP_NBNS) v = pickWeighted(rng, NBNS_VARIANT_CUM);
    kinds[i] = k;
    variants[i] = v;
    counts[i] = fixedPackets(k, v);
    fixedSum += counts[i];
    if (isElastic(k)) elastic++;
  }
  // the smallest flows first if the budget is short: turn the costliest into 1-packet flows
  if (fixedSum > P) {
    for (let i = 0; i < F && fixedSum > P; i++) {
      // a one-packet DNS query (variant 2) is the cheapest flow there is
      fixedSum -= counts[i] - 1;
      if (isElastic(kinds[i])) elastic--;
      kinds[i] = K_UDP_DNS;
      variants[i] = 2;
      counts[i] = 1;
    }
  }
  let rest = P - fixedSum;
  if (rest > 0 && elastic === 0) {
    // someone must absorb the extra packets: make the first flow a syslog stream
    fixedSum -= counts[0] - 1;
    rest = P - fixedSum;
    kinds[0] = K_UDP_SYSLOG;
    variants[0] = 0;
    counts[0] = 1;
    elastic = 1;
  }
  if (rest > 0) {
    // heavy-tailed (Pareto, alpha 1.2) weights over the elastic flows
    const w = new Float64Array(F);
    let W = 0;
    for (let i = 0; i < F; i++) {
      if (!isElastic(kinds[i])) continue;
      w[i] = Math.min(1e6, Math.pow(1 - rng.float(), -1 / 1.2));
      W += w[i];
    }
    let given = 0;
    for (let i = 0; i < F; i++) {
      if (w[i] === 0) continue;
      const x = Math.floor((rest * w[i]) / W);
      counts[i] += x;
      given += x;
    }
    // leftover (fewer than the elastic flows): one each, round-robin from a random flow
    let i = rng.int(F);
    while (given < rest) {
      if (w[i] > 0) {
        counts[i]++;
        given++;
      }
      i = (i + 1) % F;
    }
  }

  // ---- simulate
  const fd = openSync(opts.out, 'w');
  const sink = new Sink(fd, Math.max(1 << 16, opts.chunkBytes ?? 4 << 20));
  try {
    writeFileHeader(sink, format);
    const net = new Network(opts.hosts, rng);
    const duration = (opts.durationSeconds ?? Math.max(60, P / 2500)) * 1e6;
    const gen = new Generator(rng, net, sink, format === 'pcapng', duration);
    const heap = new FlowHeap();
    const startUs = Math.round((opts.startTime ?? 1718006400) * 1e6);
    const meanArrival = duration / F;
    const v6Prob = Math.min(1, ipv6Share / (1 - NBNS_SHARE));
    const byKind = Object.fromEntries(FLOW_KINDS.map((k) => [k, 0])) as Record<FlowKind, number>;
    let tcpFlows = 0;
    let v6Flows = 0;
    let sepFlows = 0;
    let started = 0;
    let nextStart = startUs;
    let maxActive = 0;
    while (gen.packets < P) {
      const top = heap.peek();
      if (started < F && (top === undefined || nextStart <= top.next)) {
        const f = gen.startFlow(started, kinds[started], variants[started], counts[started], nextStart, v6Prob);
        byKind[FLOW_KINDS[f.kind]]++;
        if (f.kind <= K_TCP_REFUSED) tcpFlows++;
        if (f.v6) v6Flows++;
        if (SEP_PORTS.has(f.bPort)) sepFlows++;
        heap.push(f);
        if (heap.size > maxActive) maxActive = heap.size;
        started++;
        nextStart += Math.max(1, Math.round(rng.exp(meanArrival)));
        continue;
      }
      const f = top!;
      const gap = gen.step(f, f.next);
      if (f.sent >= f.total) heap.pop();
      else {
        f.next += Math.max(1, Math.round(gap));
        heap.updateTop();
      }
    }
    sink.flush();
    return {
      file: opts.out,
      format,
      seed,
      packets: gen.packets,
      fileBytes: sink.written,
      frameBytes: gen.frameBytes,
      flows: { total: F, tcp: tcpFlows, udp: F - tcpFlows, ipv6: v6Flows, sepPort: sepFlows, byKind },
      maxConcurrentFlows: maxActive,
      firstTimestamp: gen.firstTs / 1e6,
      lastTimestamp: gen.lastTs / 1e6,
    };
  } finally {
    closeSync(fd);
  }
}

function writeFileHeader(sink: Sink, format: CaptureFormat): void {
  const b = sink.buf;
  if (format === 'pcap') {
    b.writeUInt32LE(0xa1b2c3d4, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8);
    b.writeUInt32LE(0, 12);
    b.writeUInt32LE(65535, 16);
    b.writeUInt32LE(1, 20);
    sink.pos = 24;
    return;
  }
  // Section Header Block with shb_userappl
  const app = Buffer.from('sepflow synthetic capture generator (src/bench/generate.ts)', 'utf8');
  const appPad = (app.length + 3) & ~3;
  const shbLen = 24 + 4 + appPad + 4 + 4;
  let o = 0;
  b.writeUInt32LE(0x0a0d0d0a, o);
  b.writeUInt32LE(shbLen, o + 4);
  b.writeUInt32LE(0x1a2b3c4d, o + 8);
  b.writeUInt16LE(1, o + 12);
  b.writeUInt16LE(0, o + 14);
  b.writeUInt32LE(0xffffffff, o + 16);
  b.writeUInt32LE(0xffffffff, o + 20);
  o += 24;
  b.writeUInt16LE(4, o); // shb_userappl
  b.writeUInt16LE(app.length, o + 2);
  b.fill(0, o + 4, o + 4 + appPad);
  app.copy(b, o + 4);
  o += 4 + appPad;
  b.writeUInt32LE(0, o); // opt_endofopt
  o += 4;
  b.writeUInt32LE(shbLen, o);
  o += 4;
  // Interface Description Block: Ethernet, snaplen 65535, if_name, if_tsresol = 6
  const ifName = Buffer.from('synthetic0', 'utf8');
  const namePad = (ifName.length + 3) & ~3;
  const idbLen = 16 + 4 + namePad + 8 + 4 + 4;
  const idb = o;
  b.writeUInt32LE(1, o);
  b.writeUInt32LE(idbLen, o + 4);
  b.writeUInt16LE(1, o + 8);
  b.writeUInt16LE(0, o + 10);
  b.writeUInt32LE(65535, o + 12);
  o += 16;
  b.writeUInt16LE(2, o); // if_name
  b.writeUInt16LE(ifName.length, o + 2);
  b.fill(0, o + 4, o + 4 + namePad);
  ifName.copy(b, o + 4);
  o += 4 + namePad;
  b.writeUInt16LE(9, o); // if_tsresol
  b.writeUInt16LE(1, o + 2);
  b.writeUInt32LE(6, o + 4); // value 6 + 3 bytes padding
  o += 8;
  b.writeUInt32LE(0, o);
  o += 4;
  b.writeUInt32LE(idbLen, o);
  o += 4;
  if (o - idb !== idbLen) throw new Error('internal: IDB length');
  sink.pos = o;
}

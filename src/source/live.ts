/**
 * Live capture through libpcap, with the `cap` package: the only module that imports `cap`.
 *
 * `cap` 0.2.1 aborts the whole process (an assertion in its binding.cc) when the interface it captures on
 * goes down, and its packet callback hands out a shared buffer that the next packet overwrites. So the
 * capture runs in a child process — this same module, started with `CHILD_FLAG` — that copies each packet
 * into a frame record and streams it to the parent; the parent (`LiveSource`) is an ordinary `FrameSource`
 * that `Engine.consume` reads like a file. When the child dies, the parent still holds every frame it sent,
 * checks the interface and ends with `endReason` `interface-down` or `capture-failed`.
 *
 * Child → parent protocol (both are Unix socket pairs created by `child_process.spawn`):
 * - fd 3, control: JSON lines `{"type":"ready","linkType":N}`, `{"type":"stats","received":N,"dropped":N}`
 *   (every 500 ms and once at the end), `{"type":"error","code":"live_…","message":"…"}`.
 * - fd 4, frames: records of a 16-byte little-endian header — tsSec u32, tsNsec u32, caplen u32,
 *   origLen u32 — then `caplen` bytes.
 * - stdin: the parent ends it to stop the capture; the child then flushes and exits 0.
 *
 * What `cap` 0.2.1 cannot do, and how this module copes:
 * - no libpcap timestamps: a frame is stamped when the child receives it (performance.timeOrigin +
 *   performance.now(), sub-microsecond resolution; later than the kernel's stamp by the event-loop latency).
 * - no `pcap_stats()`: `received` counts frames libpcap delivered to sepflow; `dropped` counts frames sepflow
 *   itself discarded because analysis fell more than `queueLimitBytes` behind. Kernel drops are not visible
 *   (`kernelDropped` is always null).
 * - a fixed 65535-byte libpcap snaplen and always promiscuous: `snaplen` cuts frames in the child (origLen
 *   stays the wire length); non-promiscuous capture is refused with `live_option_unsupported`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Frame, FrameSource, InterfaceStatistics, SourceStats } from './frame.js';

/** argv[2] that makes this module run as the capture child. */
export const CHILD_FLAG = '--sepflow-capture-child';

/** Largest frame libpcap hands to `cap` (cap 0.2.1 sets this snaplen itself), bytes. */
export const MAX_SNAPLEN = 65535;

/** Codes of LiveError, each with its own suggestion. */
export type LiveErrorCode =
  | 'live_cap_unavailable'
  | 'live_permission_denied'
  | 'live_interface_unknown'
  | 'live_filter_invalid'
  | 'live_option_unsupported'
  | 'live_open_failed';

/**
 * A live capture that cannot start. `message` says what went wrong (one sentence, names the interface);
 * `suggestion` says how to fix it.
 */
export class LiveError extends Error {
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    readonly suggestion: string,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

/** A capture interface as libpcap lists it. */
export interface InterfaceInfo {
  name: string;
  /** libpcap's description (pseudo-devices have one), or null */
  description: string | null;
  /** addresses with prefix length, e.g. `10.0.0.5/24`, `::1/128` */
  addresses: string[];
  loopback: boolean;
  /** Linux operstate (`up`, `down`, `unknown`), or null where /sys does not tell */
  state: string | null;
}

/** Counters of a live capture. */
export interface LiveStats {
  /** frames libpcap delivered to sepflow (after the BPF filter) */
  received: number;
  /** frames sepflow discarded because analysis fell behind (its queue exceeded `queueLimitBytes`) */
  dropped: number;
  /** frames the kernel or interface dropped: not available from cap 0.2.1 (no pcap_stats), always null */
  kernelDropped: null;
}

/** How a live capture ended. */
export type LiveEnd = 'stopped' | 'interface-down' | 'capture-failed';

export interface LiveOptions {
  /** interface name as `sepflow interfaces` lists it */
  iface: string;
  /** BPF filter (pcap-filter(7)); empty = everything */
  filter: string;
  /** bytes kept of each frame, 1..65535 */
  snaplen: number;
  /** must be true: cap 0.2.1 always opens the interface in promiscuous mode */
  promisc: boolean;
  /** libpcap's kernel buffer, bytes (default 16 MiB) */
  bufferBytes?: number;
  /** frame bytes the child may hold while the parent is behind before it drops, bytes (default 64 MiB) */
  queueLimitBytes?: number;
}

interface CapModule {
  Cap: {
    new (): CapInstance;
    deviceList(): { name: string; description?: string; addresses: { addr: string; netmask?: string }[]; flags?: string }[];
  };
}
interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(ev: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
}

const CAP_FIX =
  'Live capture needs the optional module "cap", which is built against libpcap when sepflow is installed. ' +
  'Install the libpcap headers (Debian/Ubuntu: sudo apt-get install libpcap-dev; Fedora/RHEL: sudo dnf install libpcap-devel; ' +
  'macOS: xcode-select --install) and a C++ compiler, then run "npm rebuild cap" in the sepflow directory (or reinstall sepflow). ' +
  'Every other command works without it.';

let capCache: CapModule | null = null;

/** Loads `cap` lazily. @throws LiveError `live_cap_unavailable` when it is absent or was not built */
function loadCap(): CapModule {
  if (capCache) return capCache;
  try {
    capCache = createRequire(import.meta.url)('cap') as CapModule;
    return capCache;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'cap'/.test((e as Error).message) ? 'is not installed' : 'was not built';
    throw new LiveError('live_cap_unavailable', `the capture module "cap" ${why} (${firstLine((e as Error).message)}).`, CAP_FIX);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Prefix length of a netmask (`255.255.255.0` → 24, `ffff:ffff::` → 32); null when not contiguous. */
function prefixLength(mask: string | undefined): number | null {
  if (!mask) return null;
  let bits = '';
  if (mask.includes(':')) {
    const full = mask.includes('::') ? mask.replace('::', ':' + '0:'.repeat(8 - mask.split(':').filter(Boolean).length)).replace(/^:|:$/g, '') : mask;
    for (const g of full.split(':')) bits += parseInt(g || '0', 16).toString(2).padStart(16, '0');
  } else {
    for (const o of mask.split('.')) bits += Number(o).toString(2).padStart(8, '0');
  }
  const n = bits.indexOf('0');
  if (n === -1) return bits.length;
  return bits.slice(n).includes('1') ? null : n;
}

function operstate(name: string): string | null {
  try {
    return readFileSync(`/sys/class/net/${name}/operstate`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Lists the interfaces libpcap can capture on, with their addresses.
 * @throws LiveError `live_cap_unavailable`
 */
export function listInterfaces(): InterfaceInfo[] {
  const cap = loadCap();
  return cap.Cap.deviceList().map((d) => ({
    name: d.name,
    description: d.description ?? null,
    addresses: d.addresses.map((a) => {
      const p = prefixLength(a.netmask);
      return p === null ? a.addr : `${a.addr}/${p}`;
    }),
    loopback: (d.flags ?? '').includes('LOOPBACK'),
    state: operstate(d.name),
  }));
}

/** Is the interface administratively up? null when the system does not say (not Linux, pseudo-device). */
export function interfaceUp(name: string): boolean | null {
  try {
    const flags = parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return (flags & 0x1) !== 0; // IFF_UP
  } catch (e) {
    // the interface vanished (a USB adapter unplugged, a namespace deleted): down; no /sys at all: unknown
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      try {
        readFileSync('/sys/class/net/lo/flags');
        return false;
      } catch {
        return null;
      }
    }
    return null;
  }
}

/**
 * The default BPF filter: every TCP and UDP port of the SEP services in force (the catalogue's defaults with
 * the site profile's overrides), plus ICMP (refusals), also inside one 802.1Q tag (span ports often carry
 * tagged frames).
 * @param services the services in force, e.g. `engine.services.services`
 */
export function defaultFilter(services: readonly { entry: { transport: 'tcp' | 'udp' }; ports: readonly number[] }[]): string {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  for (const s of services) for (const p of s.ports) (s.entry.transport === 'tcp' ? tcp : udp).add(p);
  const list = (ports: Set<number>) => [...ports].sort((a, b) => a - b).join(' or ');
  const parts = ['icmp', 'icmp6'];
  if (tcp.size) parts.push(`(tcp port (${list(tcp)}))`);
  if (udp.size) parts.push(`(udp port (${list(udp)}))`);
  const f = parts.join(' or ');
  return `${f} or (vlan and (${f}))`;
}

/** LINKTYPE_* number for cap's link-type answer (https://www.tcpdump.org/linktypes.html). */
export function linkTypeOf(capAnswer: string): number | null {
  switch (capAnswer) {
    case 'NULL':
      return 0;
    case 'ETHERNET':
      return 1;
    case 'IEEE802_11_RADIO':
      return 127;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'RAW':
      return 101;
  }
  const m = /^Unknown linktype (\d+)$/.exec(capAnswer);
  if (!m) return null;
  const dlt = Number(m[1]);
  // DLT values below 104 other than the ones above differ between systems; from 104 on DLT = LINKTYPE
  return dlt >= 104 ? dlt : null;
}

/** Maps libpcap's open error text to a LiveError. */
export function classifyOpenError(iface: string, text: string): LiveError {
  const t = firstLine(text);
  if (/permission|not permitted|EPERM|EACCES/i.test(t)) {
    return new LiveError(
      'live_permission_denied',
      `no permission to capture on ${iface} (${t}).`,
      'Capturing needs the CAP_NET_RAW and CAP_NET_ADMIN capabilities: run sepflow as root (sudo sepflow live …), ' +
        'or grant them to node once: sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(command -v node)")".',
    );
  }
  if (/no such device|doesn't exist|does not exist|No such file/i.test(t)) {
    return new LiveError('live_interface_unknown', `there is no interface ${iface} (${t}).`, 'Run "sepflow interfaces" to list the interfaces you can capture on.');
  }
  if (/syntax error|illegal|unknown (host|port|protocol)|parse error|expression/i.test(t)) {
    return new LiveError('live_filter_invalid', `the capture filter is not valid BPF (${t}).`, 'See pcap-filter(7), e.g. -f "tcp port 8014 or udp port 514"; -f "" captures everything.');
  }
  return new LiveError('live_open_failed', `cannot capture on ${iface} (${t}).`, 'Check that the interface exists and is up ("sepflow interfaces", "ip link").');
}

/** Control message from the child. */
type ChildMessage =
  | { type: 'ready'; linkType: number }
  | { type: 'stats'; received: number; dropped: number }
  | { type: 'error'; code: LiveErrorCode; message: string; suggestion: string };

/** The parent side: a FrameSource over the child's frame stream. Create with `openLive`. */
export class LiveSource implements FrameSource {
  /** the interface name */
  readonly path: string;
  /** libpcap delivers frames as a pcap file would hold them */
  readonly format = 'pcap' as const;
  readonly stats: SourceStats = { frames: 0, bytesRead: 0, anomalyCounts: {}, anomalies: [], fault: null };
  private readonly counted: LiveStats = { received: 0, dropped: 0, kernelDropped: null };
  /** why the capture ended (null while it runs) */
  endReason: LiveEnd | null = null;
  /** one sentence about a failure (`capture-failed`, `interface-down`), else null */
  endMessage: string | null = null;
  private stopping = false;
  private exited: Promise<void>;
  private stderrTail = '';
  private readonly startTs = Date.now() / 1000;

  constructor(
    readonly options: LiveOptions,
    /** LINKTYPE_* of the frames */
    readonly linkType: number,
    private readonly child: ChildProcess,
    private readonly control: ReturnType<typeof createInterface>,
  ) {
    this.path = options.iface;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-4096);
    });
    control.on('line', (line) => {
      const m = parseMessage(line);
      if (m?.type === 'stats') {
        this.counted.received = m.received;
        this.counted.dropped = m.dropped;
      }
    });
  }

  /** The capture's counters now (the child reports every 500 ms; frames already read count as received). */
  get live(): LiveStats {
    const c = this.counted;
    return { received: Math.max(c.received, this.stats.frames + c.dropped), dropped: c.dropped, kernelDropped: null };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    const stream = this.child.stdio[4] as net.Socket;
    let carry: Buffer | null = null;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      let off = 0;
      while (buf.length - off >= 16) {
        const caplen = buf.readUInt32LE(off + 8);
        if (buf.length - off < 16 + caplen) break;
        const frame: Frame = {
          tsSec: buf.readUInt32LE(off),
          tsNsec: buf.readUInt32LE(off + 4),
          linkType: this.linkType,
          caplen,
          origLen: buf.readUInt32LE(off + 12),
          data: buf.subarray(off + 16, off + 16 + caplen),
          index: this.stats.frames + 1,
          interfaceId: 0,
        };
        off += 16 + caplen;
        this.stats.frames++;
        this.stats.bytesRead += 16 + caplen;
        yield frame;
      }
      if (off < buf.length) carry = buf.subarray(off);
    }
    await this.exited;
    this.finish();
  }

  /**
   * Records the counters as the report's interface statistics, as dumpcap fills a pcapng ISB from
   * pcap_stats(): `ifRecv` and `filterAccept` = frames libpcap delivered (Linux counts after the filter),
   * `usrDeliv` = frames analysed, `osDrop` = frames sepflow dropped — null when none, because the kernel's
   * own drops are not visible through cap 0.2.1 and 0 would claim more than is known; `ifDrop` null.
   */
  private recordStats(ended: boolean): void {
    const l = this.live;
    const st: InterfaceStatistics = {
      section: 0,
      interfaceId: 0,
      name: this.options.iface,
      ts: Date.now() / 1000,
      startTs: this.startTs,
      endTs: ended ? Date.now() / 1000 : null,
      ifRecv: l.received,
      ifDrop: null,
      filterAccept: l.received,
      osDrop: l.dropped > 0 ? l.dropped : null,
      usrDeliv: l.received - l.dropped,
    };
    this.stats.interfaceStats = [st];
  }

  /** Sets endReason once the child has gone. */
  private finish(): void {
    if (this.endReason) return;
    this.recordStats(true);
    if (this.stopping) {
      this.endReason = 'stopped';
      return;
    }
    const up = interfaceUp(this.options.iface);
    if (up === false || (up === null && !Object.hasOwn(os.networkInterfaces(), this.options.iface))) {
      this.endReason = 'interface-down';
      this.endMessage = `interface ${this.options.iface} went down; capture stopped.`;
      return;
    }
    const why = this.stderrTail
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/This may not actually work$/.test(l))
      .pop();
    this.endReason = 'capture-failed';
    this.endMessage = `capture on ${this.options.iface} stopped unexpectedly (${why ?? `capture process exited with ${this.child.exitCode ?? this.child.signalCode}`}).`;
  }

  /** Stops the capture: the child flushes what it holds and exits; iteration then ends. Idempotent. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.stopping = true;
      this.child.stdin?.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(t);
    }
    this.control.close();
    this.finish();
  }
}

function parseMessage(line: string): ChildMessage | null {
  try {
    return JSON.parse(line) as ChildMessage;
  } catch {
    return null;
  }
}

/**
 * Starts a live capture and waits until libpcap has opened the interface.
 * @throws LiveError when capture is impossible (cap missing, no permission, unknown interface, bad filter)
 */
export async function openLive(options: LiveOptions): Promise<LiveSource> {
  if (!options.promisc) {
    throw new LiveError(
      'live_option_unsupported',
      '--no-promisc is not available: the capture module (cap 0.2.1) always opens the interface in promiscuous mode.',
      'Leave it out; on a span port promiscuous mode is what you want. A host that must not be promiscuous needs another capture tool.',
    );
  }
  if (!Number.isInteger(options.snaplen) || options.snaplen < 1 || options.snaplen > MAX_SNAPLEN) {
    throw new LiveError('live_option_unsupported', `--snaplen ${options.snaplen} is out of range.`, `Give a whole number of bytes from 1 to ${MAX_SNAPLEN}.`);
  }
  const names = listInterfaces().map((i) => i.name);
  if (!names.includes(options.iface)) {
    throw new LiveError('live_interface_unknown', `there is no capture interface "${options.iface}".`, `Valid interfaces: ${names.join(', ') || '(none)'}; "sepflow interfaces" lists them with their addresses.`);
  }
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, CHILD_FLAG, JSON.stringify(options)], {
    stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const control = createInterface({ input: child.stdio[3] as net.Socket });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4096)));
  const first = await new Promise<ChildMessage | { type: 'exit' }>((resolve) => {
    control.once('line', (l) => resolve(parseMessage(l) ?? { type: 'exit' }));
    child.once('exit', () => resolve({ type: 'exit' }));
    child.once('error', () => resolve({ type: 'exit' }));
  });
  if (first.type === 'ready') return new LiveSource(options, first.linkType, child, control);
  child.kill('SIGKILL');
  control.close();
  if (first.type === 'error') throw new LiveError(first.code, first.message, first.suggestion);
  throw new LiveError('live_open_failed', `the capture process for ${options.iface} ended before capturing (${firstLine(stderr.trim()) || 'no message'}).`, 'Run "sepflow interfaces" to check the interface; report a bug if it persists.');
}

// ---------------------------------------------------------------------------------------------------------
// The child: runs only when this file is started with CHILD_FLAG.

function runChild(options: LiveOptions): void {
  const control = new net.Socket({ fd: 3, readable: false, writable: true });
  const frames = new net.Socket({ fd: 4, readable: false, writable: true });
  const send = (m: ChildMessage) => control.write(JSON.stringify(m) + '\n');
  const fail = (e: LiveError) => {
    send({ type: 'error', code: e.code, message: e.message, suggestion: e.suggestion });
    control.end(() => process.exit(2));
  };
  let cap: CapModule;
  try {
    cap = loadCap();
  } catch (e) {
    fail(e as LiveError);
    return;
  }
  const c = new cap.Cap();
  const buffer = Buffer.alloc(MAX_SNAPLEN);
  let answer: string;
  try {
    answer = c.open(options.iface, options.filter, options.bufferBytes ?? 16 << 20, buffer);
  } catch (e) {
    fail(classifyOpenError(options.iface, (e as Error).message));
    return;
  }
  const linkType = linkTypeOf(answer);
  if (linkType === null) {
    c.close();
    fail(new LiveError('live_open_failed', `${options.iface} has a link type sepflow cannot decode (${answer}).`, 'Capture on an Ethernet interface (or "any").'));
    return;
  }
  send({ type: 'ready', linkType });

  const limit = options.queueLimitBytes ?? 64 << 20;
  const snaplen = options.snaplen;
  let received = 0;
  let dropped = 0;
  let stage = Buffer.allocUnsafe(1 << 20);
  let staged = 0;
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (staged === 0) return;
    frames.write(stage.subarray(0, staged));
    stage = Buffer.allocUnsafe(1 << 20);
    staged = 0;
  };
  c.on('packet', (nbytes) => {
    received++;
    const caplen = Math.min(nbytes, snaplen);
    if (frames.writableLength + staged > limit) {
      dropped++;
      return;
    }
    if (staged + 16 + caplen > stage.length) flush();
    const ms = performance.timeOrigin + performance.now();
    const sec = Math.floor(ms / 1000);
    stage.writeUInt32LE(sec, staged);
    stage.writeUInt32LE(Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)), staged + 4);
    stage.writeUInt32LE(caplen, staged + 8);
    stage.writeUInt32LE(nbytes, staged + 12);
    buffer.copy(stage, staged + 16, 0, caplen);
    staged += 16 + caplen;
    // the binding emits a burst synchronously; flush once it has returned to the event loop
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  const stats = setInterval(() => send({ type: 'stats', received, dropped }), 500);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    c.close();
    clearInterval(stats);
    flush();
    send({ type: 'stats', received, dropped });
    frames.end(() => control.end(() => process.exit(0)));
  };
  // Ctrl-C reaches the whole process group: the parent decides when to stop (it ends our stdin)
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runChild(JSON.parse(process.argv[3]) as LiveOptions);
}

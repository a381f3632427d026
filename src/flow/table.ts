/**
 * FlowTable: the bidirectional 5-tuple (+ VLAN) table that turns decoded packets into flows.
 *
 * Lookup hashes the two endpoints symmetrically (so both directions land in one bucket) into a number; buckets
 * are an int32 array of chain heads, chains run through `FlowState.next`. Live flows are slots of the
 * struct-of-arrays FlowState (LIVE_FLOW_BYTES each, bucket heads included); finalised flows move to the
 * columnar FlowArchive (ARCHIVED_FLOW_BYTES each). Per packet the table computes and compares numbers and
 * allocates nothing; a new flow allocates only when the arrays double.
 *
 * Originator: the sender of the first SYN without ACK. Without one (capture started mid-stream, or the
 * SYN was lost), the roles are inferred and `initiatorInferred` is set: the side on a SEP catalogue
 * listening port is the responder (the `isServicePort` predicate, built from the catalogue and the site's
 * port overrides); failing that, a SYN-ACK's sender is the responder; failing that, a port below 1024
 * facing one above it is the responder; failing that, the first packet's sender is the originator.
 * A flow whose roles were decided against the first packet's direction gets Zeek's '^' history letter.
 */
import type { PacketView } from '../../dissectors/packet.js';
import { Basis, EndpointState, FlowFlag, FlowState, Proto, type IcmpErrorEntry } from './flow.js';
import { bothClosed, isTcpReuse, tcpSegment, udpDatagram } from './tcp-state.js';
import { FlowArchive, HostTable, type PackedFlows } from './archive.js';
import type { FlowRecord } from './record.js';

export { flowUid } from './archive.js';

const SYN = 0x02;
const ACK = 0x10;

/** Is `port` a listening port of some SEP service over `proto` (6 TCP, 17 UDP)? */
export type ServicePortPredicate = (proto: number, port: number) => boolean;

/** One endpoint (address words and port) as 32 bits: the xor of the words, with the port, multiplied through. */
function endpointKey(a: Uint32Array, port: number): number {
  return Math.imul((a[0] ^ a[1] ^ a[2] ^ a[3]) + Math.imul(port, 0x9e3779b1), 0x85ebca6b);
}

/**
 * Bucket hash of a 5-tuple + VLAN ids, the same for both directions (the two endpoints' keys are xored), finished
 * with an avalanche so that the low bits the bucket index uses depend on every input. Collisions only cost a
 * longer chain: every lookup compares the full key.
 */
function tupleHash(ipVersion: number, proto: number, a: Uint32Array, aPort: number, b: Uint32Array, bPort: number, vlanOuter: number, vlanInner: number): number {
  let h = endpointKey(a, aPort) ^ endpointKey(b, bPort) ^ Math.imul(proto + (ipVersion << 8) + (vlanOuter << 12) + vlanInner * 0x10001, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}

export interface FlowTableOptions {
  isServicePort: ServicePortPredicate;
  /** expiry of idle flows (see FlowTable); defaults: DEFAULT_TIMEOUTS */
  timeouts?: FlowTimeouts;
  /** capture seconds between two sweeps for idle flows (default SWEEP_INTERVAL) */
  sweepInterval?: number;
}

/**
 * When a flow no packet has touched for a while is finalised: moved from the live state (LIVE_FLOW_BYTES) to
 * the archive (ARCHIVED_FLOW_BYTES), taken out of the lookup, and kept in creation order for the report. A
 * later packet of the same 5-tuple then starts a new flow, as Zeek's inactivity timeouts do. Seconds of
 * capture time.
 */
export interface FlowTimeouts {
  /** a TCP flow both sides closed (FIN or RST; Zeek's tcp_close_delay is 5 s) */
  tcpClosed: number;
  /** any other TCP flow (Zeek's tcp_inactivity_timeout is 300 s) */
  tcp: number;
  /** a UDP flow (Zeek's udp_inactivity_timeout is 60 s) */
  udp: number;
}

/**
 * Deliberately longer than Zeek's, so that flows are split only after really long silences (the reports of
 * captures shorter than the UDP timeout are exactly those of a table that never expires anything).
 */
export const DEFAULT_TIMEOUTS: Readonly<FlowTimeouts> = { tcpClosed: 120, tcp: 3600, udp: 900 };

/**
 * Capture seconds between two sweeps for idle flows. Only memory depends on it: a packet of a flow idle past its
 * timeout starts a new flow whether or not a sweep has finalised the old one yet (see `update`).
 */
export const SWEEP_INTERVAL = 60;

export class FlowTable {
  /** the live flows (slots) */
  readonly state = new FlowState(1024);
  /** chain heads, one per bucket (-1 = empty); always at least 2 × the state's capacity, a power of two */
  private heads: Int32Array;
  private mask: number;
  readonly hosts = new HostTable();
  /** finalised flows (finished by timeout, by TCP port reuse, or by `finish`) */
  private readonly archive = new FlowArchive(this.hosts);
  /** one-row archive used to make records of live flows without finalising them */
  private readonly scratch = new FlowArchive(this.hosts);
  /** ICMP errors by flow creation index (rare: allocated with a flow's first error) */
  private readonly icmp = new Map<number, IcmpErrorEntry[]>();
  private readonly timeouts: FlowTimeouts;
  private readonly sweepInterval: number;
  /** capture time of the next sweep for idle flows (seconds) */
  private nextSweep = -1;
  /** flows created so far (the next flow's creation index) */
  private created = 0;
  private readonly isServicePort: ServicePortPredicate;

  constructor(opts: FlowTableOptions) {
    this.isServicePort = opts.isServicePort;
    this.timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
    this.sweepInterval = opts.sweepInterval ?? SWEEP_INTERVAL;
    this.heads = new Int32Array(this.state.capacity * 2).fill(-1);
    this.mask = this.heads.length - 1;
  }

  /** Number of flows not finalised yet (LIVE_FLOW_BYTES each; see FlowTimeouts). */
  get liveCount(): number {
    return this.state.count;
  }

  /** Number of flows created so far. */
  get size(): number {
    return this.created;
  }

  /** Number of finalised flows (ARCHIVED_FLOW_BYTES each). */
  get archivedCount(): number {
    return this.archive.length;
  }

  /** Measured bytes per live flow and per archived flow, from the arrays' sizes (state and bucket heads). */
  bytesPerFlow(): { live: number; archived: number } {
    return { live: this.state.bytesPerFlow() + this.heads.byteLength / this.state.capacity, archived: this.archive.bytesPerFlow() };
  }

  /**
   * Finalises the flows idle past their timeout at capture time `now` (seconds): each moves to the archive and
   * leaves the lookup. Called by `update` every SWEEP_INTERVAL seconds of capture time; cost O(slots) per
   * sweep. (`update` also finalises a flow it finds idle past its timeout, so results never depend on when the
   * sweeps run.)
   */
  sweep(now: number): void {
    const st = this.state;
    const n = st.highWater;
    for (let s = 0; s < n; s++) {
      if (!(st.flags[s] & FlowFlag.InUse)) continue;
      if (now - st.lastSeenTs[s] > this.idleLimit(s)) this.finalise(s);
    }
    this.nextSweep = now + this.sweepInterval;
  }

  /** The idle timeout of live slot `s`, seconds (FlowTimeouts by its protocol and state). */
  private idleLimit(s: number): number {
    const st = this.state;
    const t = this.timeouts;
    if (st.proto[s] !== Proto.TCP) return t.udp;
    return bothClosed(st, s) || st.state[2 * s] === EndpointState.Reset || st.state[2 * s + 1] === EndpointState.Reset ? t.tcpClosed : t.tcp;
  }

  /** Moves live slot `s` to the archive and frees it. */
  private finalise(s: number): void {
    this.archive.append(this.state, s);
    this.unlink(s);
    this.state.free(s);
  }

  /** Records of all flows in the order they started, finalised ones included (new array; made now). */
  records(): FlowRecord[] {
    const out = new Array<FlowRecord>(this.created);
    const a = this.archive;
    for (let r = 0; r < a.length; r++) {
      const i = a.indexOf(r);
      out[i] = a.record(r, this.icmp.get(i));
    }
    const st = this.state;
    const sc = this.scratch;
    for (let s = 0; s < st.highWater; s++) {
      if (!(st.flags[s] & FlowFlag.InUse)) continue;
      sc.clear();
      sc.append(st, s);
      const i = st.index[s];
      out[i] = sc.record(0, this.icmp.get(i));
    }
    return out;
  }

  /**
   * Finalises every live flow and returns all flows as PackedFlows (for a worker thread to send back). The
   * table is spent afterwards: feed it no more packets.
   */
  pack(): PackedFlows {
    const st = this.state;
    for (let s = 0; s < st.highWater; s++) if (st.flags[s] & FlowFlag.InUse) this.finalise(s);
    return this.archive.pack(this.icmp);
  }

  /**
   * Accounts one decoded packet whose status was DecodeStatus.Transport (TCP or UDP).
   * @param view the decoded packet (read only here)
   * @param ts packet time in seconds since the epoch
   * @param frameLen the frame's original (wire) length in bytes
   * @returns the slot of the flow the packet was counted in (valid until the next call)
   */
  update(view: PacketView, ts: number, frameLen: number): number {
    if (ts >= this.nextSweep) {
      if (this.nextSweep < 0) this.nextSweep = ts + this.sweepInterval;
      else this.sweep(ts);
    }
    const proto = view.transport;
    const h = tupleHash(view.ipVersion, proto, view.src, view.srcPort, view.dst, view.dstPort, view.vlanOuter, view.vlanInner);
    const st = this.state;

    let s = this.heads[h & this.mask];
    let isOrig = true;
    while (s >= 0) {
      if (st.hash[s] === h && st.proto[s] === proto && st.ipVersion[s] === view.ipVersion && st.vlanOuter[s] === view.vlanOuter && st.vlanInner[s] === view.vlanInner) {
        if (st.origPort[s] === view.srcPort && st.respPort[s] === view.dstPort && st.isOrigAddr(s, view.src) && st.isRespAddr(s, view.dst)) {
          isOrig = true;
          break;
        }
        if (st.origPort[s] === view.dstPort && st.respPort[s] === view.srcPort && st.isOrigAddr(s, view.dst) && st.isRespAddr(s, view.src)) {
          isOrig = false;
          break;
        }
      }
      s = st.next[s];
    }

    if (s >= 0 && ts - st.lastSeenTs[s] > this.idleLimit(s)) {
      // idle past its timeout (not swept yet): that flow is over, the packet starts a new one
      this.finalise(s);
      s = -1;
    }
    if (s >= 0 && proto === Proto.TCP && isTcpReuse(st, s, view.tcpFlags, view.seq)) {
      // a new connection on the same 5-tuple: the old one is finished
      this.finalise(s);
      s = -1;
    }
    if (s < 0) {
      s = this.create(view, h);
      isOrig = st.origPort[s] === view.srcPort && st.isOrigAddr(s, view.src);
      if (st.origPort[s] === st.respPort[s] && st.sameEndAddrs(s)) isOrig = true;
      st.firstTs[s] = ts;
    }

    const e = isOrig ? 2 * s : 2 * s + 1;
    st.pkts[e]++;
    st.ipBytes[e] += view.ipTotalLen;
    st.frameBytes[e] += frameLen;
    st.lastSeenTs[s] = ts;
    if (view.truncated) st.flags[s] |= FlowFlag.Partial;

    if (proto === Proto.TCP) {
      tcpSegment(st, s, isOrig, view.tcpFlags, view.seq, view.ack, view.window, view.payloadLen, ts);
    } else {
      udpDatagram(st, s, isOrig, ts);
    }
    return s;
  }

  /**
   * The live flow of a 5-tuple + VLAN ids, in either direction (the most recent one when a TCP 5-tuple was
   * reused), as its slot, or -1. Computes and compares numbers only (no allocation). Used to attach ICMP
   * errors, whose quoted datagram names the flow they answer.
   * @param a, b addresses as 4 × uint32 words (IPv4 in word 3), with their ports
   */
  find(ipVersion: number, proto: number, a: Uint32Array, aPort: number, b: Uint32Array, bPort: number, vlanOuter: number, vlanInner: number): number {
    const h = tupleHash(ipVersion, proto, a, aPort, b, bPort, vlanOuter, vlanInner);
    const st = this.state;
    let s = this.heads[h & this.mask];
    while (s >= 0) {
      if (st.hash[s] === h && st.proto[s] === proto && st.ipVersion[s] === ipVersion && st.vlanOuter[s] === vlanOuter && st.vlanInner[s] === vlanInner) {
        if (st.origPort[s] === aPort && st.respPort[s] === bPort && st.isOrigAddr(s, a) && st.isRespAddr(s, b)) return s;
        if (st.origPort[s] === bPort && st.respPort[s] === aPort && st.isOrigAddr(s, b) && st.isRespAddr(s, a)) return s;
      }
      s = st.next[s];
    }
    return -1;
  }

  /** The ICMP-error list of live slot `s` (created empty on first use; kept when the flow is finalised). */
  icmpErrors(s: number): IcmpErrorEntry[] {
    const i = this.state.index[s];
    let list = this.icmp.get(i);
    if (list === undefined) {
      list = [];
      this.icmp.set(i, list);
    }
    return list;
  }

  /** Is live slot `s` still the flow created as number `index` (not finalised, slot not reused)? */
  holds(s: number, index: number): boolean {
    const st = this.state;
    return s >= 0 && s < st.capacity && (st.flags[s] & FlowFlag.InUse) !== 0 && st.index[s] === index;
  }

  /**
   * Counts packets into a live flow's endpoint without the TCP/UDP state machine (later IP fragments).
   * @param firstTs, lastTs times of the first and last of them, seconds since the epoch
   */
  countExtra(s: number, isOrig: boolean, pkts: number, ipBytes: number, frameBytes: number, firstTs: number, lastTs: number, partial: boolean): void {
    const st = this.state;
    const e = isOrig ? 2 * s : 2 * s + 1;
    st.pkts[e] += pkts;
    st.ipBytes[e] += ipBytes;
    st.frameBytes[e] += frameBytes;
    if (firstTs < st.firstTs[s]) st.firstTs[s] = firstTs;
    if (lastTs > st.lastSeenTs[s]) st.lastSeenTs[s] = lastTs;
    // a UDP flow lasts until its last packet (Zeek's duration); a TCP flow's end is its state machine's
    if (st.proto[s] === Proto.UDP && lastTs > st.lastTs[s]) st.lastTs[s] = lastTs;
    if (partial) st.flags[s] |= FlowFlag.Partial;
  }

  private unlink(s: number): void {
    const st = this.state;
    const b = st.hash[s] & this.mask;
    let p = this.heads[b];
    if (p === s) this.heads[b] = st.next[s];
    else {
      while (p >= 0 && st.next[p] !== s) p = st.next[p];
      if (p >= 0) st.next[p] = st.next[s];
    }
    st.next[s] = -1;
  }

  /** Rebuilds the bucket heads for a grown state (every live slot re-chained by its stored hash). */
  private rehash(): void {
    const st = this.state;
    this.heads = new Int32Array(st.capacity * 2).fill(-1);
    this.mask = this.heads.length - 1;
    for (let s = 0; s < st.highWater; s++) {
      if (!(st.flags[s] & FlowFlag.InUse)) continue;
      const b = st.hash[s] & this.mask;
      st.next[s] = this.heads[b];
      this.heads[b] = s;
    }
  }

  private create(view: PacketView, h: number): number {
    const proto = view.transport;
    const sp = view.srcPort;
    const dp = view.dstPort;
    let senderIsOrig = true;
    let basis: number;
    let inferred = true;
    const flags = view.tcpFlags;
    if (proto === Proto.TCP && flags & SYN && !(flags & ACK)) {
      basis = Basis.Syn;
      inferred = false;
    } else {
      const srcSvc = this.isServicePort(proto, sp);
      const dstSvc = this.isServicePort(proto, dp);
      if (dstSvc && !srcSvc) {
        basis = Basis.CataloguePort;
      } else if (srcSvc && !dstSvc) {
        basis = Basis.CataloguePort;
        senderIsOrig = false;
      } else if (proto === Proto.TCP && flags & SYN && flags & ACK) {
        basis = Basis.SynAck;
        senderIsOrig = false;
      } else if (sp < 1024 && dp >= 1024) {
        basis = Basis.WellKnownPort;
        senderIsOrig = false;
      } else if (dp < 1024 && sp >= 1024) {
        basis = Basis.WellKnownPort;
      } else {
        basis = Basis.FirstPacket;
      }
      if (proto === Proto.UDP && senderIsOrig) {
        // the first datagram's sender is the originator (Zeek's definition); not an inference
        inferred = false;
        basis = Basis.FirstDatagram;
      }
    }
    const st = this.state;
    const cap = st.capacity;
    const s = st.alloc();
    if (st.capacity !== cap) this.rehash();
    st.ipVersion[s] = view.ipVersion;
    st.proto[s] = proto;
    st.vlanOuter[s] = view.vlanOuter;
    st.vlanInner[s] = view.vlanInner;
    st.origPort[s] = senderIsOrig ? sp : dp;
    st.respPort[s] = senderIsOrig ? dp : sp;
    if (senderIsOrig) st.setAddrs(s, view.src, view.dst);
    else st.setAddrs(s, view.dst, view.src);
    if (inferred) st.flags[s] |= FlowFlag.Inferred;
    st.basis[s] = basis;
    if (!senderIsOrig) st.addHistory(s, 94 /* '^' */, true);
    st.hash[s] = h;
    const b = h & this.mask;
    st.next[s] = this.heads[b];
    this.heads[b] = s;
    st.index[s] = this.created++;
    return s;
  }
}

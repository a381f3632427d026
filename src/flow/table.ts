/**
 * FlowTable: the bidirectional 5-tuple (+ VLAN) table that turns decoded packets into flows.
 *
 * Lookup hashes the two endpoints symmetrically (so both directions land in one bucket) into a number and
 * chains colliding flows through `Flow.next`; per packet it computes numbers and compares numbers, and
 * allocates only when a new flow starts.
 *
 * Originator: the sender of the first SYN without ACK. Without one (capture started mid-stream, or the
 * SYN was lost), the roles are inferred and `initiatorInferred` is set: the side on a SEP catalogue
 * listening port is the responder (the `isServicePort` predicate, built from the catalogue and the site's
 * port overrides); failing that, a SYN-ACK's sender is the responder; failing that, a port below 1024
 * facing one above it is the responder; failing that, the first packet's sender is the originator.
 * A flow whose roles were decided against the first packet's direction gets Zeek's '^' history letter.
 */
import type { PacketView } from '../../dissectors/packet.js';
import { EndpointState, Flow, Proto, isOrigAddr, isRespAddr, sameEndAddrs, setAddrs } from './flow.js';
import { isTcpReuse, tcpSegment, udpDatagram } from './tcp-state.js';
import { toRecord, type FlowRecord } from './record.js';

const SYN = 0x02;
const ACK = 0x10;

/** Is `port` a listening port of some SEP service over `proto` (6 TCP, 17 UDP)? */
export type ServicePortPredicate = (proto: number, port: number) => boolean;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

function endpointHash(a: Uint32Array, port: number): number {
  let h = 0x811c9dc5;
  h = mix(h, a[0]);
  h = mix(h, a[1]);
  h = mix(h, a[2]);
  h = mix(h, a[3]);
  return mix(h, port);
}

/** Bucket hash of a 5-tuple + VLAN ids, the same for both directions. */
function tupleHash(ipVersion: number, proto: number, a: Uint32Array, aPort: number, b: Uint32Array, bPort: number, vlanOuter: number, vlanInner: number): number {
  let h = (endpointHash(a, aPort) ^ endpointHash(b, bPort)) | 0;
  h = mix(h, proto);
  h = mix(h, vlanOuter);
  h = mix(h, vlanInner);
  return mix(h, ipVersion);
}

/** The uid of the n-th flow of an analysis (n from 1): `C` + n in base 36, zero-padded to 6 digits, e.g. `C00000a`. */
export function flowUid(n: number): string {
  return `C${n.toString(36).padStart(6, '0')}`;
}

export interface FlowTableOptions {
  isServicePort: ServicePortPredicate;
  /** expiry of idle flows (see FlowTable); defaults: DEFAULT_TIMEOUTS */
  timeouts?: FlowTimeouts;
}

/**
 * When a flow no packet has touched for a while is finalised: turned into its FlowRecord (≈455 bytes instead of
 * ≈943 bytes of live state), taken out of the lookup, and kept in creation order for the report. A later packet
 * of the same 5-tuple then starts a new flow, as Zeek's inactivity timeouts do. Seconds of capture time.
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

/** Capture seconds between two sweeps for idle flows. */
const SWEEP_INTERVAL = 10;

export class FlowTable {
  private readonly buckets = new Map<number, Flow>();
  /** every flow in creation order, including those retired by port reuse */
  private readonly all: (Flow | FlowRecord)[] = [];
  /** the flows not finalised yet (order irrelevant), each knowing its index in `all` (Flow.index) */
  private live: Flow[] = [];
  private readonly timeouts: FlowTimeouts;
  /** capture time of the next sweep for idle flows (seconds) */
  private nextSweep = -1;
  private nextUid = 1;
  private readonly isServicePort: ServicePortPredicate;

  constructor(opts: FlowTableOptions) {
    this.isServicePort = opts.isServicePort;
    this.timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  }

  /** Number of flows not finalised yet (live state ≈943 bytes each; see FlowTimeouts). */
  get liveCount(): number {
    return this.live.length;
  }

  /**
   * Finalises the flows idle past their timeout at capture time `now` (seconds): each becomes its record in
   * `all`, and leaves the lookup. Called by `update` every SWEEP_INTERVAL seconds of capture time; cost
   * O(live flows) per sweep, nothing per packet.
   */
  sweep(now: number): void {
    const t = this.timeouts;
    let keep = 0;
    const live = this.live;
    for (let i = 0; i < live.length; i++) {
      const f = live[i];
      const idle = now - f.lastSeenTs;
      let limit: number;
      if (f.proto === Proto.TCP) limit = (f.orig.didClose && f.resp.didClose) || f.orig.state === EndpointState.Reset || f.resp.state === EndpointState.Reset ? t.tcpClosed : t.tcp;
      else limit = t.udp;
      if (idle > limit) {
        if (this.all[f.index] === f) this.all[f.index] = toRecord(f);
        this.unlink(f); // (a no-op for a flow already retired by TCP port reuse)
      } else {
        live[keep++] = f;
      }
    }
    live.length = keep;
    this.nextSweep = now + SWEEP_INTERVAL;
  }

  /** Number of flows created so far. */
  get size(): number {
    return this.all.length;
  }

  /** Records of all flows in the order they started, finalised ones included (new array; records are made now for live flows). */
  records(): FlowRecord[] {
    return this.all.map((f) => (f instanceof Flow ? toRecord(f) : f));
  }

  /**
   * Accounts one decoded packet whose status was DecodeStatus.Transport (TCP or UDP).
   * @param view the decoded packet (read only here)
   * @param ts packet time in seconds since the epoch
   * @param frameLen the frame's original (wire) length in bytes
   * @returns the flow the packet was counted in
   */
  update(view: PacketView, ts: number, frameLen: number): Flow {
    if (ts >= this.nextSweep) {
      if (this.nextSweep < 0) this.nextSweep = ts + SWEEP_INTERVAL;
      else this.sweep(ts);
    }
    const proto = view.transport;
    const h = tupleHash(view.ipVersion, proto, view.src, view.srcPort, view.dst, view.dstPort, view.vlanOuter, view.vlanInner);

    let flow = this.buckets.get(h) ?? null;
    let isOrig = true;
    while (flow !== null) {
      if (flow.proto === proto && flow.ipVersion === view.ipVersion && flow.vlanOuter === view.vlanOuter && flow.vlanInner === view.vlanInner) {
        if (flow.origPort === view.srcPort && flow.respPort === view.dstPort && isOrigAddr(flow, view.src) && isRespAddr(flow, view.dst)) {
          isOrig = true;
          break;
        }
        if (flow.origPort === view.dstPort && flow.respPort === view.srcPort && isOrigAddr(flow, view.dst) && isRespAddr(flow, view.src)) {
          isOrig = false;
          break;
        }
      }
      flow = flow.next;
    }

    if (flow !== null && proto === Proto.TCP && isTcpReuse(flow, view.tcpFlags, view.seq)) {
      this.unlink(flow);
      flow = null;
    }
    if (flow === null) {
      flow = this.create(view, h);
      isOrig = flow.origPort === view.srcPort && isOrigAddr(flow, view.src);
      if (flow.origPort === flow.respPort && sameEndAddrs(flow)) isOrig = true;
      flow.firstTs = ts;
    }

    const ep = isOrig ? flow.orig : flow.resp;
    ep.pkts++;
    ep.ipBytes += view.ipTotalLen;
    ep.frameBytes += frameLen;
    if (ep.firstTs < 0) ep.firstTs = ts;
    ep.lastTs = ts;
    flow.lastSeenTs = ts;
    if (view.truncated) flow.partial = true;

    if (proto === Proto.TCP) {
      tcpSegment(flow, isOrig, view.tcpFlags, view.seq, view.ack, view.window, view.payloadLen, ts);
    } else {
      udpDatagram(flow, isOrig, ts);
    }
    return flow;
  }

  /**
   * The current flow of a 5-tuple + VLAN ids, in either direction (the most recent one when a TCP 5-tuple was
   * reused), or null. Computes and compares numbers only (no allocation). Used to attach ICMP errors, whose
   * quoted datagram names the flow they answer.
   * @param a, b addresses as 4 × uint32 words (IPv4 in word 3), with their ports
   */
  find(ipVersion: number, proto: number, a: Uint32Array, aPort: number, b: Uint32Array, bPort: number, vlanOuter: number, vlanInner: number): Flow | null {
    let flow = this.buckets.get(tupleHash(ipVersion, proto, a, aPort, b, bPort, vlanOuter, vlanInner)) ?? null;
    while (flow !== null) {
      if (flow.proto === proto && flow.ipVersion === ipVersion && flow.vlanOuter === vlanOuter && flow.vlanInner === vlanInner) {
        if (flow.origPort === aPort && flow.respPort === bPort && isOrigAddr(flow, a) && isRespAddr(flow, b)) return flow;
        if (flow.origPort === bPort && flow.respPort === aPort && isOrigAddr(flow, b) && isRespAddr(flow, a)) return flow;
      }
      flow = flow.next;
    }
    return null;
  }

  private unlink(flow: Flow): void {
    const head = this.buckets.get(flow.hash);
    if (head === flow) {
      if (flow.next) this.buckets.set(flow.hash, flow.next);
      else this.buckets.delete(flow.hash);
    } else {
      let f = head ?? null;
      while (f !== null && f.next !== flow) f = f.next;
      if (f !== null) f.next = flow.next;
    }
    flow.next = null;
  }

  private create(view: PacketView, h: number): Flow {
    const proto = view.transport;
    const sp = view.srcPort;
    const dp = view.dstPort;
    let senderIsOrig = true;
    let basis: string;
    let inferred = true;
    const flags = view.tcpFlags;
    if (proto === Proto.TCP && flags & SYN && !(flags & ACK)) {
      basis = 'syn';
      inferred = false;
    } else {
      const srcSvc = this.isServicePort(proto, sp);
      const dstSvc = this.isServicePort(proto, dp);
      if (dstSvc && !srcSvc) {
        basis = 'catalogue-port';
      } else if (srcSvc && !dstSvc) {
        basis = 'catalogue-port';
        senderIsOrig = false;
      } else if (proto === Proto.TCP && flags & SYN && flags & ACK) {
        basis = 'syn-ack';
        senderIsOrig = false;
      } else if (sp < 1024 && dp >= 1024) {
        basis = 'well-known-port';
        senderIsOrig = false;
      } else if (dp < 1024 && sp >= 1024) {
        basis = 'well-known-port';
      } else {
        basis = 'first-packet';
      }
      if (proto === Proto.UDP && senderIsOrig) {
        // the first datagram's sender is the originator (Zeek's definition); not an inference
        inferred = false;
        basis = 'first-datagram';
      }
    }
    const uid = flowUid(this.nextUid++);
    const flow = new Flow(uid, view.ipVersion, proto, view.vlanOuter, view.vlanInner, senderIsOrig ? sp : dp, senderIsOrig ? dp : sp);
    if (senderIsOrig) setAddrs(flow, view.src, view.dst);
    else setAddrs(flow, view.dst, view.src);
    flow.initiatorInferred = inferred;
    flow.initiatorBasis = basis;
    if (!senderIsOrig) flow.history = '^';
    flow.hash = h;
    flow.next = this.buckets.get(h) ?? null;
    this.buckets.set(h, flow);
    flow.index = this.all.length;
    this.all.push(flow);
    this.live.push(flow);
    return flow;
  }
}

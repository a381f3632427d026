/**
 * FragmentTable: later IP fragments join the flow their datagram's first fragment opened.
 *
 * Only the first fragment of a fragmented datagram (offset 0) carries the TCP/UDP header, so only it can be
 * put in a flow by ports; the later ones (offset > 0) are matched to it by the datagram's identity, as the
 * receiver's reassembly would (RFC 791 §3.2 for IPv4: source, destination, protocol, identification;
 * RFC 8200 §4.5 for IPv6: source, destination, Fragment header identification), plus the VLAN ids of the flow
 * key. No reassembly is done: each later fragment is counted in the flow as one packet with its own IP total
 * length and wire length; it never reaches a TCP/UDP dissector or the TCP state machine.
 *
 * - First fragment seen (TCP/UDP decoded): the datagram is registered with its flow; later fragments are
 *   counted in that flow, in the direction of their source.
 * - First fragment of a datagram that makes no flow (ICMP, ESP, a TCP/UDP header split over fragments):
 *   registered without a flow; its later fragments stay "other IP", no anomaly.
 * - Later fragments before their first fragment (reordering): held as counts on the datagram's entry and moved
 *   into the flow when the first fragment arrives.
 * - Later fragments whose first fragment never arrives within REASSEMBLY_TIMEOUT seconds of the datagram's
 *   first fragment seen (or before the end of the input) are orphans: counted by the engine as the
 *   anomaly `fragment_orphan`, one per fragment.
 *
 * Memory: one entry per fragmented datagram, allocated when its first fragment (of any offset) is seen;
 * entries older than REASSEMBLY_TIMEOUT are dropped as new ones arrive, and at most MAX_DATAGRAMS are kept
 * (the oldest goes first). Per later fragment only numbers are computed and compared (no allocation).
 */
import type { PacketView } from '../../dissectors/packet.js';
import type { FlowTable } from './table.js';

/** Seconds after which an incomplete datagram is given up: RFC 8200 §4.5's 60 s (Linux: 30 s IPv4, 60 s IPv6). */
export const REASSEMBLY_TIMEOUT = 60;
/** Most datagrams tracked at once; beyond it the oldest is given up. */
export const MAX_DATAGRAMS = 65536;

class Datagram {
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** the live slot of the first fragment's flow, -1 while it is unseen or when the datagram makes no flow */
  slot = -1;
  /** that flow's creation index (a finalised flow's slot may be reused: FlowTable.holds checks both) */
  flowIndex = -1;
  /** the first fragment (offset 0) was seen */
  haveFirst = false;
  /** the first fragment was sent by the flow's originator */
  isOrig = true;
  /** later fragments held before the first fragment arrived */
  pendingPkts = 0;
  pendingIpBytes = 0;
  pendingFrameBytes = 0;
  pendingFirstTs = 0;
  pendingLastTs = 0;
  pendingPartial = false;
  /** time the entry was made (seconds) */
  bornTs = 0;
  next: Datagram | null = null;
  dead = false;
  constructor(
    readonly hash: number,
    readonly ipVersion: number,
    readonly protocol: number,
    readonly id: number,
    readonly vlanOuter: number,
    readonly vlanInner: number,
  ) {}
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return (h ^ (h >>> 15)) | 0;
}

function sameAddr(a: Uint32Array, b: Uint32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export class FragmentTable {
  /** @param table the flow table first fragments' flows live in */
  constructor(private readonly table: FlowTable) {}

  private readonly buckets = new Map<number, Datagram>();
  /** entries in creation order (for expiry); `head` is the oldest live index */
  private readonly order: Datagram[] = [];
  private head = 0;
  private live = 0;
  /** later fragments given up without their first fragment (expired or evicted) */
  private expiredOrphans = 0;

  /** Datagrams currently tracked. */
  get size(): number {
    return this.live;
  }

  private hashOf(v: PacketView): number {
    let h = 0x811c9dc5;
    const s = v.src;
    const d = v.dst;
    h = mix(h, s[0]);
    h = mix(h, s[1]);
    h = mix(h, s[2]);
    h = mix(h, s[3]);
    h = mix(h, d[0]);
    h = mix(h, d[1]);
    h = mix(h, d[2]);
    h = mix(h, d[3]);
    h = mix(h, v.protocol);
    h = mix(h, v.ipId);
    h = mix(h, v.vlanOuter);
    h = mix(h, v.vlanInner);
    return mix(h, v.ipVersion);
  }

  private find(v: PacketView, h: number): Datagram | null {
    let e = this.buckets.get(h) ?? null;
    while (e !== null) {
      if (
        e.id === v.ipId &&
        e.protocol === v.protocol &&
        e.ipVersion === v.ipVersion &&
        e.vlanOuter === v.vlanOuter &&
        e.vlanInner === v.vlanInner &&
        sameAddr(e.src, v.src) &&
        sameAddr(e.dst, v.dst)
      ) {
        return e;
      }
      e = e.next;
    }
    return null;
  }

  /** The datagram's entry unless it has timed out (a timed-out one is given up: the identification is reused). */
  private current(v: PacketView, h: number, ts: number): Datagram | null {
    const e = this.find(v, h);
    if (e !== null && ts - e.bornTs > REASSEMBLY_TIMEOUT) {
      this.remove(e);
      return null;
    }
    return e;
  }

  private create(v: PacketView, h: number, ts: number): Datagram {
    this.expire(ts);
    const e = new Datagram(h, v.ipVersion, v.protocol, v.ipId, v.vlanOuter, v.vlanInner);
    e.src.set(v.src);
    e.dst.set(v.dst);
    e.bornTs = ts;
    e.next = this.buckets.get(h) ?? null;
    this.buckets.set(h, e);
    this.order.push(e);
    this.live++;
    return e;
  }

  /** Drops datagrams older than the timeout (and the oldest beyond MAX_DATAGRAMS), counting their orphans. */
  private expire(ts: number): void {
    const o = this.order;
    while (this.head < o.length) {
      const e = o[this.head];
      if (!e.dead && ts - e.bornTs <= REASSEMBLY_TIMEOUT && this.live < MAX_DATAGRAMS) break;
      if (!e.dead) this.remove(e);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > o.length) {
      o.splice(0, this.head);
      this.head = 0;
    }
  }

  private remove(e: Datagram): void {
    if (!e.haveFirst) this.expiredOrphans += e.pendingPkts;
    e.dead = true;
    this.live--;
    const first = this.buckets.get(e.hash);
    if (first === e) {
      if (e.next) this.buckets.set(e.hash, e.next);
      else this.buckets.delete(e.hash);
    } else {
      let p = first ?? null;
      while (p !== null && p.next !== e) p = p.next;
      if (p !== null) p.next = e.next;
    }
    e.next = null;
  }

  /**
   * Registers a first fragment (view.isFragment, fragOffset 0).
   * @param slot the live slot of the flow the fragment was counted in (FlowTable.update's result), or -1 when
   *   its datagram makes no flow
   * @param ts packet time, seconds since the epoch
   * @returns the number of held later fragments that were moved into `flow` (the caller moves them from
   *   its "other IP" count to its "in flows" count)
   */
  first(view: PacketView, slot: number, ts: number): number {
    const h = this.hashOf(view);
    let e = this.current(view, h, ts);
    if (e === null) e = this.create(view, h, ts);
    e.haveFirst = true;
    e.slot = slot;
    if (slot < 0) return 0;
    const st = this.table.state;
    e.flowIndex = st.index[slot];
    e.isOrig = st.isOrigAddr(slot, view.src) && st.origPort[slot] === view.srcPort;
    const moved = e.pendingPkts;
    if (moved > 0) {
      this.table.countExtra(slot, e.isOrig, moved, e.pendingIpBytes, e.pendingFrameBytes, e.pendingFirstTs, e.pendingLastTs, e.pendingPartial);
      e.pendingPkts = 0;
      e.pendingIpBytes = 0;
      e.pendingFrameBytes = 0;
    }
    return moved;
  }

  /**
   * Accounts a later fragment (view.isFragment, fragOffset > 0).
   * @param frameLen the frame's length on the wire, bytes
   * @returns true when it was counted in its datagram's flow; false when it stays "other IP" (its datagram
   *   makes no flow, or its first fragment has not been seen yet: then it is held)
   */
  later(view: PacketView, ts: number, frameLen: number): boolean {
    const h = this.hashOf(view);
    let e = this.current(view, h, ts);
    if (e === null) e = this.create(view, h, ts);
    if (e.slot >= 0) {
      // a flow finalised since its first fragment (idle timeout, TCP port reuse) takes no more packets
      if (!this.table.holds(e.slot, e.flowIndex)) return false;
      // direction: the fragment's source is the first fragment's source
      const st = this.table.state;
      const isOrig = st.sameEndAddrs(e.slot) ? e.isOrig : st.isOrigAddr(e.slot, view.src);
      this.table.countExtra(e.slot, isOrig, 1, view.ipTotalLen, frameLen, ts, ts, view.truncated);
      return true;
    }
    if (!e.haveFirst) {
      if (e.pendingPkts === 0) e.pendingFirstTs = ts;
      e.pendingPkts++;
      e.pendingIpBytes += view.ipTotalLen;
      e.pendingFrameBytes += frameLen;
      if (ts > e.pendingLastTs) e.pendingLastTs = ts;
      if (view.truncated) e.pendingPartial = true;
    }
    return false;
  }

  /** Later fragments whose first fragment was never seen: given up so far plus those still held. */
  orphans(): number {
    let n = this.expiredOrphans;
    for (let i = this.head; i < this.order.length; i++) {
      const e = this.order[i];
      if (!e.dead && !e.haveFirst) n += e.pendingPkts;
    }
    return n;
  }
}

/**
 * FlowArchive: finalised flows in compact columnar form (typed arrays), so that a capture of millions of flows
 * keeps ~`ARCHIVED_FLOW_BYTES` bytes per finished flow instead of a record object; FlowRecords are made from
 * it only when the report needs them. Host addresses are interned (HostTable): each distinct address is
 * formatted once, and every record of it shares one string.
 */
import { formatAddress } from './address.js';
import { FlowFlag, INITIATOR_BASES, Proto, type FlowState, type IcmpErrorEntry } from './flow.js';
import type { FlowRecord } from './record.js';
import { endpointSize, tcpConnState, udpConnState } from './tcp-state.js';

/** Zeek conn_state values, stored by index. */
export const CONN_STATES = ['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'] as const;
const CONN_STATE_INDEX = new Map<string, number>(CONN_STATES.map((c, i) => [c, i]));

/**
 * Bytes per archived flow: creation index, two host ids, history id (int32) + two ports, two VLAN ids (16-bit) +
 * protocol, IP version, conn_state, flags, basis (uint8) + first time, last time, duration, 2 × packets,
 * 2 × IP bytes, 2 × frame bytes, 2 × payload bytes (float64) + originator SYNs (uint32).
 */
export const ARCHIVED_FLOW_BYTES = 16 + 8 + 5 + 11 * 8 + 4;

/** Interned host addresses: id ↔ (version, words) ↔ text. */
export class HostTable {
  private readonly v4 = new Map<number, number>();
  private readonly v6 = new Map<string, number>();
  /** address text by id (dotted quad; RFC 5952 for IPv6) */
  readonly text: string[] = [];

  /**
   * The id of an address (interned on first use).
   * @param words the address's 4 big-endian 32-bit words (as stored in FlowState, int32), starting at `at`
   */
  id(version: number, words: Int32Array, at: number): number {
    if (version === 4) {
      const k = words[at + 3] >>> 0;
      let id = this.v4.get(k);
      if (id === undefined) {
        id = this.text.length;
        this.text.push(formatAddress(4, 0, 0, 0, k));
        this.v4.set(k, id);
      }
      return id;
    }
    const w0 = words[at] >>> 0;
    const w1 = words[at + 1] >>> 0;
    const w2 = words[at + 2] >>> 0;
    const w3 = words[at + 3] >>> 0;
    const k = `${w0}.${w1}.${w2}.${w3}`;
    let id = this.v6.get(k);
    if (id === undefined) {
      id = this.text.length;
      this.text.push(formatAddress(6, w0, w1, w2, w3));
      this.v6.set(k, id);
    }
    return id;
  }
}

/** The uid of the n-th flow of an analysis (n from 1): `C` + n in base 36, zero-padded to 6 digits, e.g. `C00000a`. */
export function flowUid(n: number): string {
  return `C${n.toString(36).padStart(6, '0')}`;
}

/**
 * A whole number read from a Float64Array, as a small integer where it fits: V8 keeps such a field unboxed, where
 * a float64 value costs a 16-byte heap number per field and record (8 count fields: ~128 bytes per record).
 */
function count(x: number): number {
  return x <= 0x3fffffff ? x | 0 : x;
}

/** The icmpErrors of every record without any: one shared, frozen empty list (saves ~32 bytes per record). */
const NO_ICMP_ERRORS = Object.freeze([]) as unknown as NonNullable<FlowRecord['icmpErrors']>;

function icmpOut(list: IcmpErrorEntry[] | undefined): NonNullable<FlowRecord['icmpErrors']> {
  if (list === undefined || list.length === 0) return NO_ICMP_ERRORS;
  return list.map((e) => ({ type: e.type, code: e.code, from: e.from, count: e.count, firstTs: e.firstTs }));
}

/** The columns of a FlowArchive, by name (each trimmed to the archive's length). */
export type ArchiveColumns = Record<(typeof COLUMN_NAMES)[number], Int32Array | Uint16Array | Int16Array | Uint8Array | Float64Array | Uint32Array>;

const COLUMN_NAMES = [
  'index', 'origHost', 'respHost', 'historyId', 'origPort', 'respPort', 'vlanOuter', 'vlanInner', 'proto', 'ipVersion', 'connState',
  'flags', 'basis', 'firstTs', 'lastSeenTs', 'duration', 'origPkts', 'respPkts', 'origIpBytes', 'respIpBytes', 'origFrameBytes',
  'respFrameBytes', 'origBytes', 'respBytes', 'origSyns',
] as const;

/**
 * Finalised flows as plain data that structured clone copies cheaply (typed arrays and two string lists): what a
 * worker thread sends back (src/parallel/). `unpackRecords` makes the FlowRecords.
 */
export interface PackedFlows {
  /** number of flows; every flow of the analysis, rows in any order (`columns.index` is the creation index) */
  length: number;
  columns: ArchiveColumns;
  /** address text by host id */
  hosts: string[];
  /** history text by history id */
  histories: string[];
  /** ICMP errors by flow creation index */
  icmp: [number, IcmpErrorEntry[]][];
}

/**
 * The FlowRecords of packed flows, in creation order (uids `flowUid(index + 1)`).
 * @throws Error when the creation indexes are not 0 … length − 1, each once
 */
export function unpackRecords(p: PackedFlows): FlowRecord[] {
  const hosts = new HostTable();
  hosts.text.push(...p.hosts);
  const a = new FlowArchive(hosts, 1);
  a.adopt(p);
  const icmp = new Map(p.icmp);
  const out = new Array<FlowRecord>(p.length);
  for (let r = 0; r < p.length; r++) {
    const i = a.index[r];
    if (i < 0 || i >= p.length || out[i] !== undefined) throw new Error(`packed flows: creation index ${i} out of range or repeated`);
    out[i] = a.record(r, icmp.get(i));
  }
  return out;
}

/** Growable columnar storage of finalised flows. Rows are appended in the order flows are finalised. */
export class FlowArchive {
  length = 0;
  private cap = 0;
  readonly hosts: HostTable;
  /** distinct history strings, by id */
  private readonly histories: string[] = [];
  private readonly historyIds = new Map<string, number>();

  index!: Int32Array;
  origHost!: Int32Array;
  respHost!: Int32Array;
  historyId!: Int32Array;
  origPort!: Uint16Array;
  respPort!: Uint16Array;
  vlanOuter!: Int16Array;
  vlanInner!: Int16Array;
  proto!: Uint8Array;
  ipVersion!: Uint8Array;
  connState!: Uint8Array;
  flags!: Uint8Array;
  basis!: Uint8Array;
  firstTs!: Float64Array;
  lastSeenTs!: Float64Array;
  duration!: Float64Array;
  origPkts!: Float64Array;
  respPkts!: Float64Array;
  origIpBytes!: Float64Array;
  respIpBytes!: Float64Array;
  origFrameBytes!: Float64Array;
  respFrameBytes!: Float64Array;
  origBytes!: Float64Array;
  respBytes!: Float64Array;
  origSyns!: Uint32Array;

  constructor(hosts: HostTable, initial = 1024) {
    this.hosts = hosts;
    this.grow(initial);
  }

  /** Measured bytes per row of the columns (for the state-size test). */
  bytesPerFlow(): number {
    let total = 0;
    for (const v of Object.values(this)) if (ArrayBuffer.isView(v)) total += v.byteLength;
    return total / this.cap;
  }

  private grow(cap: number): void {
    const g = <T extends Int32Array | Uint16Array | Uint8Array | Int16Array | Float64Array | Uint32Array>(a: T | undefined, make: (n: number) => T): T => {
      const b = make(cap);
      if (a !== undefined) b.set(a as never);
      return b;
    };
    this.index = g(this.index, (n) => new Int32Array(n));
    this.origHost = g(this.origHost, (n) => new Int32Array(n));
    this.respHost = g(this.respHost, (n) => new Int32Array(n));
    this.historyId = g(this.historyId, (n) => new Int32Array(n));
    this.origPort = g(this.origPort, (n) => new Uint16Array(n));
    this.respPort = g(this.respPort, (n) => new Uint16Array(n));
    this.vlanOuter = g(this.vlanOuter, (n) => new Int16Array(n));
    this.vlanInner = g(this.vlanInner, (n) => new Int16Array(n));
    this.proto = g(this.proto, (n) => new Uint8Array(n));
    this.ipVersion = g(this.ipVersion, (n) => new Uint8Array(n));
    this.connState = g(this.connState, (n) => new Uint8Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.basis = g(this.basis, (n) => new Uint8Array(n));
    this.firstTs = g(this.firstTs, (n) => new Float64Array(n));
    this.lastSeenTs = g(this.lastSeenTs, (n) => new Float64Array(n));
    this.duration = g(this.duration, (n) => new Float64Array(n));
    this.origPkts = g(this.origPkts, (n) => new Float64Array(n));
    this.respPkts = g(this.respPkts, (n) => new Float64Array(n));
    this.origIpBytes = g(this.origIpBytes, (n) => new Float64Array(n));
    this.respIpBytes = g(this.respIpBytes, (n) => new Float64Array(n));
    this.origFrameBytes = g(this.origFrameBytes, (n) => new Float64Array(n));
    this.respFrameBytes = g(this.respFrameBytes, (n) => new Float64Array(n));
    this.origBytes = g(this.origBytes, (n) => new Float64Array(n));
    this.respBytes = g(this.respBytes, (n) => new Float64Array(n));
    this.origSyns = g(this.origSyns, (n) => new Uint32Array(n));
    this.cap = cap;
  }

  /** The archive as PackedFlows (copies of the columns, trimmed to its length). */
  pack(icmp: ReadonlyMap<number, IcmpErrorEntry[]>): PackedFlows {
    const columns = {} as ArchiveColumns;
    const self = this as unknown as Record<string, ArchiveColumns[keyof ArchiveColumns]>;
    for (const name of COLUMN_NAMES) columns[name] = self[name].slice(0, this.length);
    return { length: this.length, columns, hosts: this.hosts.text.slice(), histories: this.histories.slice(), icmp: [...icmp] };
  }

  /** Takes over packed columns and history texts (this archive must be empty; its host table holds `p.hosts`). */
  adopt(p: PackedFlows): void {
    const self = this as unknown as Record<string, ArchiveColumns[keyof ArchiveColumns]>;
    for (const name of COLUMN_NAMES) self[name] = p.columns[name];
    this.histories.push(...p.histories);
    this.length = p.length;
    this.cap = p.length;
  }

  private historyIdOf(h: string): number {
    let id = this.historyIds.get(h);
    if (id === undefined) {
      id = this.histories.length;
      this.histories.push(h);
      this.historyIds.set(h, id);
    }
    return id;
  }

  /**
   * Appends the finalised flow of live slot `s` (its state is read, not changed).
   * @returns the row
   */
  append(st: FlowState, s: number): number {
    if (this.length === this.cap) this.grow(this.cap * 2);
    const r = this.length++;
    const tcp = st.proto[s] === Proto.TCP;
    const v = st.ipVersion[s];
    this.index[r] = st.index[s];
    this.origHost[r] = this.hosts.id(v, st.orig, s * 4);
    this.respHost[r] = this.hosts.id(v, st.resp, s * 4);
    const history = st.history(s);
    this.historyId[r] = this.historyIdOf(history);
    this.origPort[r] = st.origPort[s];
    this.respPort[r] = st.respPort[s];
    this.vlanOuter[r] = st.vlanOuter[s];
    this.vlanInner[r] = st.vlanInner[s];
    this.proto[r] = st.proto[s];
    this.ipVersion[r] = v;
    this.connState[r] = CONN_STATE_INDEX.get(tcp ? tcpConnState(st, s) : udpConnState(st, s))!;
    this.flags[r] = st.flags[s];
    this.basis[r] = st.basis[s];
    this.firstTs[r] = st.firstTs[s];
    this.lastSeenTs[r] = st.lastSeenTs[s];
    this.duration[r] = Math.max(0, st.lastTs[s] - st.firstTs[s]);
    const o = 2 * s;
    this.origPkts[r] = st.pkts[o];
    this.respPkts[r] = st.pkts[o + 1];
    this.origIpBytes[r] = st.ipBytes[o];
    this.respIpBytes[r] = st.ipBytes[o + 1];
    this.origFrameBytes[r] = st.frameBytes[o];
    this.respFrameBytes[r] = st.frameBytes[o + 1];
    this.origBytes[r] = tcp ? endpointSize(st, o) : 0;
    this.respBytes[r] = tcp ? endpointSize(st, o + 1) : 0;
    this.origSyns[r] = st.synCount[o];
    return r;
  }

  /**
   * The FlowRecord of row `r`.
   * @param icmp the ICMP errors attached to the flow, if any
   */
  record(r: number, icmp: IcmpErrorEntry[] | undefined): FlowRecord {
    const tcp = this.proto[r] === Proto.TCP;
    const vo = this.vlanOuter[r];
    const vi = this.vlanInner[r];
    const f = this.flags[r];
    return {
      uid: flowUid(this.index[r] + 1),
      ts: this.firstTs[r],
      lastTs: this.lastSeenTs[r],
      proto: tcp ? 'tcp' : 'udp',
      ipVersion: this.ipVersion[r] as 4 | 6,
      origH: this.hosts.text[this.origHost[r]],
      origP: this.origPort[r],
      respH: this.hosts.text[this.respHost[r]],
      respP: this.respPort[r],
      vlan: vo >= 0 ? vo : null,
      vlanInner: vi >= 0 && vi !== vo ? vi : null,
      duration: this.duration[r],
      origPkts: count(this.origPkts[r]),
      respPkts: count(this.respPkts[r]),
      origIpBytes: count(this.origIpBytes[r]),
      respIpBytes: count(this.respIpBytes[r]),
      origFrameBytes: count(this.origFrameBytes[r]),
      respFrameBytes: count(this.respFrameBytes[r]),
      origBytes: count(this.origBytes[r]),
      respBytes: count(this.respBytes[r]),
      connState: CONN_STATES[this.connState[r]],
      history: this.histories[this.historyId[r]],
      initiatorInferred: (f & FlowFlag.Inferred) !== 0,
      initiatorBasis: INITIATOR_BASES[this.basis[r]],
      origSyns: this.origSyns[r],
      partial: (f & FlowFlag.Partial) !== 0,
      icmpErrors: icmpOut(icmp),
    };
  }
}

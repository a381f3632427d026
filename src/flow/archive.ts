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
  const a = new FlowArchive(hosts);
  a.adopt(p);
  const icmp = new Map(p.icmp);
  const out = new Array<FlowRecord>(p.length);
  for (let r = 0; r < p.length; r++) {
    const i = a.indexOf(r);
    if (i < 0 || i >= p.length || out[i] !== undefined) throw new Error(`packed flows: creation index ${i} out of range or repeated`);
    out[i] = a.record(r, icmp.get(i));
  }
  return out;
}

/** Rows per chunk of a FlowArchive (2^14: ~2 MB of columns per chunk). */
const CHUNK_BITS = 14;
export const ARCHIVE_CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = ARCHIVE_CHUNK_ROWS - 1;

/** One chunk of archived flows: every column for ARCHIVE_CHUNK_ROWS rows (or views of a packed column). */
class Chunk {
  index: Int32Array;
  origHost: Int32Array;
  respHost: Int32Array;
  historyId: Int32Array;
  origPort: Uint16Array;
  respPort: Uint16Array;
  vlanOuter: Int16Array;
  vlanInner: Int16Array;
  proto: Uint8Array;
  ipVersion: Uint8Array;
  connState: Uint8Array;
  flags: Uint8Array;
  basis: Uint8Array;
  firstTs: Float64Array;
  lastSeenTs: Float64Array;
  duration: Float64Array;
  origPkts: Float64Array;
  respPkts: Float64Array;
  origIpBytes: Float64Array;
  respIpBytes: Float64Array;
  origFrameBytes: Float64Array;
  respFrameBytes: Float64Array;
  origBytes: Float64Array;
  respBytes: Float64Array;
  origSyns: Uint32Array;

  constructor(n: number) {
    this.index = new Int32Array(n);
    this.origHost = new Int32Array(n);
    this.respHost = new Int32Array(n);
    this.historyId = new Int32Array(n);
    this.origPort = new Uint16Array(n);
    this.respPort = new Uint16Array(n);
    this.vlanOuter = new Int16Array(n);
    this.vlanInner = new Int16Array(n);
    this.proto = new Uint8Array(n);
    this.ipVersion = new Uint8Array(n);
    this.connState = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.basis = new Uint8Array(n);
    this.firstTs = new Float64Array(n);
    this.lastSeenTs = new Float64Array(n);
    this.duration = new Float64Array(n);
    this.origPkts = new Float64Array(n);
    this.respPkts = new Float64Array(n);
    this.origIpBytes = new Float64Array(n);
    this.respIpBytes = new Float64Array(n);
    this.origFrameBytes = new Float64Array(n);
    this.respFrameBytes = new Float64Array(n);
    this.origBytes = new Float64Array(n);
    this.respBytes = new Float64Array(n);
    this.origSyns = new Uint32Array(n);
  }
}

type Column = ArchiveColumns[keyof ArchiveColumns];

/**
 * Columnar storage of finalised flows, appended in the order flows are finalised. Columns are kept in chunks of
 * ARCHIVE_CHUNK_ROWS rows, so growing never copies (nor leaves the old, doubled-away arrays to the garbage
 * collector) and the unused tail is less than one chunk.
 */
export class FlowArchive {
  length = 0;
  readonly hosts: HostTable;
  private chunks: Chunk[] = [];
  /** distinct history strings, by id */
  private readonly histories: string[] = [];
  private readonly historyIds = new Map<string, number>();

  constructor(hosts: HostTable) {
    this.hosts = hosts;
  }

  /** Measured bytes per row of the columns (for the state-size test): one chunk's arrays ÷ its rows. */
  bytesPerFlow(): number {
    const c = this.chunks[0] ?? new Chunk(ARCHIVE_CHUNK_ROWS);
    let total = 0;
    for (const v of Object.values(c)) if (ArrayBuffer.isView(v)) total += v.byteLength;
    return total / ARCHIVE_CHUNK_ROWS;
  }

  /** Empties the archive (its chunks are kept for reuse only when it held at most one: the scratch archive). */
  clear(): void {
    this.length = 0;
    if (this.chunks.length > 1) this.chunks = [];
  }

  /** Creation index of the flow in row `r`. */
  indexOf(r: number): number {
    return this.chunks[r >>> CHUNK_BITS].index[r & CHUNK_MASK];
  }

  /** The archive as PackedFlows (each column copied into one array of the archive's length). */
  pack(icmp: ReadonlyMap<number, IcmpErrorEntry[]>): PackedFlows {
    const columns = {} as ArchiveColumns;
    const n = this.length;
    for (const name of COLUMN_NAMES) {
      const first = (this.chunks[0] ?? new Chunk(0))[name] as Column;
      const out = new (first.constructor as new (n: number) => Column)(n);
      for (let k = 0; k * ARCHIVE_CHUNK_ROWS < n; k++) {
        const part = this.chunks[k][name] as Column;
        out.set(part.subarray(0, Math.min(ARCHIVE_CHUNK_ROWS, n - k * ARCHIVE_CHUNK_ROWS)) as never, k * ARCHIVE_CHUNK_ROWS);
      }
      columns[name] = out;
    }
    return { length: n, columns, hosts: this.hosts.text.slice(), histories: this.histories.slice(), icmp: [...icmp] };
  }

  /** Takes over packed columns (as views, chunk by chunk) and history texts; the archive must be empty. */
  adopt(p: PackedFlows): void {
    const n = p.length;
    this.chunks = [];
    for (let k = 0; k * ARCHIVE_CHUNK_ROWS < n; k++) {
      const c = new Chunk(0) as unknown as Record<string, Column>;
      const from = k * ARCHIVE_CHUNK_ROWS;
      const to = Math.min(n, from + ARCHIVE_CHUNK_ROWS);
      for (const name of COLUMN_NAMES) c[name] = p.columns[name].subarray(from, to);
      this.chunks.push(c as unknown as Chunk);
    }
    this.histories.push(...p.histories);
    this.length = n;
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
    const r = this.length++;
    const k = r >>> CHUNK_BITS;
    if (k === this.chunks.length) this.chunks.push(new Chunk(ARCHIVE_CHUNK_ROWS));
    const c = this.chunks[k];
    const i = r & CHUNK_MASK;
    const tcp = st.proto[s] === Proto.TCP;
    const v = st.ipVersion[s];
    c.index[i] = st.index[s];
    c.origHost[i] = this.hosts.id(v, st.orig, s * 4);
    c.respHost[i] = this.hosts.id(v, st.resp, s * 4);
    c.historyId[i] = this.historyIdOf(st.history(s));
    c.origPort[i] = st.origPort[s];
    c.respPort[i] = st.respPort[s];
    c.vlanOuter[i] = st.vlanOuter[s];
    c.vlanInner[i] = st.vlanInner[s];
    c.proto[i] = st.proto[s];
    c.ipVersion[i] = v;
    c.connState[i] = CONN_STATE_INDEX.get(tcp ? tcpConnState(st, s) : udpConnState(st, s))!;
    c.flags[i] = st.flags[s];
    c.basis[i] = st.basis[s];
    c.firstTs[i] = st.firstTs[s];
    c.lastSeenTs[i] = st.lastSeenTs[s];
    c.duration[i] = Math.max(0, st.lastTs[s] - st.firstTs[s]);
    const o = 2 * s;
    c.origPkts[i] = st.pkts[o];
    c.respPkts[i] = st.pkts[o + 1];
    c.origIpBytes[i] = st.ipBytes[o];
    c.respIpBytes[i] = st.ipBytes[o + 1];
    c.origFrameBytes[i] = st.frameBytes[o];
    c.respFrameBytes[i] = st.frameBytes[o + 1];
    c.origBytes[i] = tcp ? endpointSize(st, o) : 0;
    c.respBytes[i] = tcp ? endpointSize(st, o + 1) : 0;
    c.origSyns[i] = st.synCount[o];
    return r;
  }

  /**
   * The FlowRecord of row `r`.
   * @param icmp the ICMP errors attached to the flow, if any
   */
  record(r: number, icmp: IcmpErrorEntry[] | undefined): FlowRecord {
    const c = this.chunks[r >>> CHUNK_BITS];
    const i = r & CHUNK_MASK;
    const tcp = c.proto[i] === Proto.TCP;
    const vo = c.vlanOuter[i];
    const vi = c.vlanInner[i];
    const f = c.flags[i];
    return {
      uid: flowUid(c.index[i] + 1),
      ts: c.firstTs[i],
      lastTs: c.lastSeenTs[i],
      proto: tcp ? 'tcp' : 'udp',
      ipVersion: c.ipVersion[i] as 4 | 6,
      origH: this.hosts.text[c.origHost[i]],
      origP: c.origPort[i],
      respH: this.hosts.text[c.respHost[i]],
      respP: c.respPort[i],
      vlan: vo >= 0 ? vo : null,
      vlanInner: vi >= 0 && vi !== vo ? vi : null,
      duration: c.duration[i],
      origPkts: count(c.origPkts[i]),
      respPkts: count(c.respPkts[i]),
      origIpBytes: count(c.origIpBytes[i]),
      respIpBytes: count(c.respIpBytes[i]),
      origFrameBytes: count(c.origFrameBytes[i]),
      respFrameBytes: count(c.respFrameBytes[i]),
      origBytes: count(c.origBytes[i]),
      respBytes: count(c.respBytes[i]),
      connState: CONN_STATES[c.connState[i]],
      history: this.histories[c.historyId[i]],
      initiatorInferred: (f & FlowFlag.Inferred) !== 0,
      initiatorBasis: INITIATOR_BASES[c.basis[i]],
      origSyns: c.origSyns[i],
      partial: (f & FlowFlag.Partial) !== 0,
      icmpErrors: icmpOut(icmp),
    };
  }
}

/**
 * The analysis engine: source → decode → flow table, then classification, roles and compliance.
 *
 * `Engine` holds the only mutable state (the flow table and counters) and is fed one frame at a time, so
 * `sepflow analyse` (files) and later live capture drive the same code. `Engine.result()` is a pure
 * function of what was fed: it builds flow records, hosts, classifications and findings.
 */
import { DecodeStatus, PacketView } from '../dissectors/packet.js';
import { decodeFrame } from '../dissectors/index.js';
import type { CaptureFault, Frame, FrameSource, InterfaceStatistics } from './source/frame.js';
import { FlowTable } from './flow/table.js';
import { FragmentTable } from './flow/fragments.js';
import { formatAddress } from './flow/address.js';
import type { FlowRecord } from './flow/record.js';
import { unpackRecords, type PackedFlows } from './flow/archive.js';
import type { Classification } from './compliance/classify.js';
import type { EvidenceQuality } from './compliance/evidence.js';
import type { Expectation } from './compliance/expected.js';
import { judge } from './compliance/judge.js';
import { DuplicateFilter } from './flow/duplicates.js';
import type { HostRow } from './compliance/matrix.js';
import type { SiteProfile } from './compliance/profile.js';
import type { HostInfo } from './compliance/roles.js';
import type { Finding } from './compliance/rules.js';
import { ServiceIndex } from './compliance/services.js';

/** What one input file contributed. */
export interface FileSummary {
  path: string;
  format: 'pcap' | 'pcapng';
  /** frames read */
  packets: number;
  /** bytes of the file consumed */
  bytesRead: number;
  /** damage that stopped reading early (frames before it were analysed), or null */
  fault: CaptureFault | null;
  /** file-level anomalies (e.g. `pcap_ts_fraction_invalid`) with counts */
  anomalies: Record<string, number>;
  /** capture statistics per interface the file recorded (pcapng ISBs); empty when none */
  interfaceStats: InterfaceStatistics[];
}

/** Packet-level counters over all inputs. */
export interface DecodeCounters {
  packets: number;
  /** packets counted in a TCP/UDP flow, later IP fragments of a flow's datagram included */
  inFlows: number;
  /**
   * IP packets in no TCP/UDP flow: other protocols, and later fragments of datagrams that make no flow or
   * whose first fragment was not seen (those are also counted as weird `fragment_orphan`)
   */
  ipOther: number;
  /** frames that carry no IP (ARP, LLDP, ...) */
  notIp: number;
  /** frames whose link type has no dissector, by LINKTYPE number */
  unsupportedLinkTypes: Record<string, number>;
  /** malformed packets by DecodeError code */
  malformed: Record<string, number>;
  /** soft per-packet anomalies by name */
  weird: Record<string, number>;
  /** packets cut by the snaplen before their headers ended */
  truncated: number;
  /** span-port copies of a packet seen a moment earlier (src/flow/duplicates.ts): counted, not put in flows */
  duplicates: number;
}

export interface AnalysisResult {
  files: FileSummary[];
  counters: DecodeCounters;
  /** first and last packet time, seconds since the epoch (0 when no packet) */
  firstTs: number;
  lastTs: number;
  records: FlowRecord[];
  classes: Map<string, Classification>;
  hosts: Map<string, HostInfo>;
  findings: Finding[];
  evidence: EvidenceQuality;
  /** host names the inputs carry (pcapng Name Resolution Blocks), address text → name; later files win */
  names: Map<string, string>;
  /**
   * packets the capturing systems dropped: Σ (isb_ifdrop + isb_osdrop) over every interface of every input
   * that recorded either; null when no input recorded drop counters (classic pcap never does)
   */
  droppedPackets: number | null;
  expectations: Expectation[];
  matrix: HostRow[];
  profile: SiteProfile;
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

export class Engine {
  readonly services: ServiceIndex;
  private table: FlowTable;
  private readonly view = new PacketView();
  /** fragmented datagrams: later fragments join the flow of their first fragment */
  private frags: FragmentTable;
  readonly counters: DecodeCounters = { packets: 0, inFlows: 0, ipOther: 0, notIp: 0, unsupportedLinkTypes: {}, malformed: {}, weird: {}, truncated: 0, duplicates: 0 };
  private readonly dups = new DuplicateFilter();
  readonly files: FileSummary[] = [];
  /** host names from the inputs (see AnalysisResult.names) */
  readonly names = new Map<string, string>();
  firstTs = 0;
  lastTs = 0;
  /** a packet with a timestamp was seen (firstTs / lastTs are set) */
  private timed = false;

  /** remove span-port duplicates before flows are built (they are counted either way) */
  private readonly dedupe: boolean;

  /**
   * @param profile the site profile
   * @param options `dedupe` (default true): keep span-port duplicates (src/flow/duplicates.ts) out of the flows;
   *   false counts every packet in its flow, as tshark and Zeek do
   */
  constructor(
    readonly profile: SiteProfile,
    options: { dedupe?: boolean } = {},
  ) {
    this.dedupe = options.dedupe ?? true;
    this.services = new ServiceIndex(profile);
    this.table = new FlowTable({ isServicePort: this.services.isServicePort });
    this.frags = new FragmentTable(this.table);
  }

  /** Decodes one frame and accounts it (the hot path: no allocation unless a flow starts). */
  feed(frame: Frame): void {
    const c = this.counters;
    c.packets++;
    const ts = frame.tsSec + frame.tsNsec / 1e9;
    // time 0 = no timestamp (pcapng simple packet blocks): not a capture time. Times before 1970 are negative.
    if (ts !== 0) {
      if (!this.timed) {
        this.timed = true;
        this.firstTs = ts;
        this.lastTs = ts;
      } else if (ts < this.firstTs) this.firstTs = ts;
      else if (ts > this.lastTs) this.lastTs = ts;
    }
    const v = this.view;
    const status = decodeFrame(frame.data, frame.linkType, frame.origLen, v);
    if (v.truncated) c.truncated++;
    if (v.weird !== null) bump(c.weird, v.weird);
    // wire length as tshark counts it: a stripped FCS (Frame.fcsLen) still was on the wire
    const wireLen = frame.origLen + (frame.fcsLen ?? 0);
    switch (status) {
      case DecodeStatus.Transport: {
        // frames without a timestamp (pcapng simple packet blocks) cannot be told from repeats: never duplicates
        if (ts !== 0 && this.dups.isDuplicate(v, ts)) {
          c.duplicates++;
          if (this.dedupe) break;
        }
        const flow = this.table.update(v, ts, wireLen);
        c.inFlows++;
        if (v.isFragment) this.moveHeld(this.frags.first(v, flow, ts));
        break;
      }
      case DecodeStatus.Network:
        // an ICMP error quoting a TCP/UDP packet is evidence about that packet's flow
        if (v.quotedSrcPort >= 0) this.icmpError(v, ts);
        // a later IP fragment joins its datagram's flow (src/flow/fragments.ts); never parsed as TCP/UDP
        if (v.isFragment) {
          if (v.fragOffset === 0) this.frags.first(v, -1, ts);
          else if (this.frags.later(v, ts, wireLen)) {
            c.inFlows++;
            break;
          }
        }
        c.ipOther++;
        break;
      case DecodeStatus.NotIp:
        c.notIp++;
        break;
      case DecodeStatus.UnsupportedLinkType:
        bump(c.unsupportedLinkTypes, String(frame.linkType));
        break;
      case DecodeStatus.Malformed:
        bump(c.malformed, v.error?.code ?? 'malformed');
        break;
    }
  }

  /**
   * Attaches an ICMP / ICMPv6 error to the flow of the packet it quotes (looked up by the quoted 5-tuple and the
   * error's VLAN ids), aggregated by (type, code, sender). An error about a flow not seen (yet) is counted as
   * weird `icmp_error_flow_unseen`. Allocates only for the first error of each (flow, type, code, sender).
   */
  private icmpError(v: PacketView, ts: number): void {
    const slot = this.table.find(v.quotedIpVersion, v.quotedProtocol, v.quotedSrc, v.quotedSrcPort, v.quotedDst, v.quotedDstPort, v.vlanOuter, v.vlanInner);
    if (slot < 0) {
      bump(this.counters.weird, 'icmp_error_flow_unseen');
      return;
    }
    const list = this.table.icmpErrors(slot);
    const s = v.src;
    const from = formatAddress(v.ipVersion, s[0], s[1], s[2], s[3]);
    for (const e of list) {
      if (e.type === v.icmpType && e.code === v.icmpCode && e.from === from) {
        e.count++;
        if (ts < e.firstTs) e.firstTs = ts;
        if (ts > e.lastTs) e.lastTs = ts;
        return;
      }
    }
    list.push({ type: v.icmpType, code: v.icmpCode, from, count: 1, firstTs: ts, lastTs: ts });
  }

  /** Held later fragments just moved into a flow were counted as other IP: count them in flows instead. */
  private moveHeld(n: number): void {
    if (n === 0) return;
    this.counters.ipOther -= n;
    this.counters.inFlows += n;
  }

  /** Reads a whole source into the engine; records its summary (also when it ended on a fault). */
  async consume(source: FrameSource): Promise<FileSummary> {
    try {
      if (source.pump) await source.pump((frame) => this.feed(frame));
      else for await (const frame of source) this.feed(frame);
    } finally {
      await source.close();
    }
    return this.summarize(source);
  }

  /**
   * Records the summary of a source whose frames were fed (by `consume`, or frame by frame, e.g. merged with
   * other sources by source/merge.ts): call once per source, after its iteration ended.
   */
  summarize(source: FrameSource): FileSummary {
    const s = source.stats;
    const summary: FileSummary = {
      path: source.path,
      format: source.format,
      packets: s.frames,
      bytesRead: s.bytesRead,
      fault: s.fault,
      anomalies: { ...s.anomalyCounts },
      interfaceStats: s.interfaceStats ? s.interfaceStats.map((x) => ({ ...x })) : [],
    };
    if (s.names) for (const [a, n] of s.names) this.names.set(a, n);
    this.files.push(summary);
    return summary;
  }

  /** Number of flows so far. */
  get flowCount(): number {
    return this.table.size;
  }

  /** A copy of the counters with later fragments whose first fragment never came as weird `fragment_orphan`. */
  private countersWithOrphans(): DecodeCounters {
    const c = structuredClone(this.counters);
    const orphans = this.frags.orphans();
    if (orphans > 0) c.weird.fragment_orphan = (c.weird.fragment_orphan ?? 0) + orphans;
    return c;
  }

  /**
   * Everything fed so far as plain data, before judging: flow records in creation order, counters, files,
   * names (see PartialResult). Copies; the engine can go on being fed.
   * @param release drop the flow and fragment state afterwards (the engine then holds only counters and
   *   files): `sepflow analyse` frees the ~0.9 kB per flow of live state before the compliance pass
   */
  partial(release = false): PartialResult {
    const records = this.table.records();
    const counters = this.countersWithOrphans();
    if (release) {
      this.table = new FlowTable({ isServicePort: this.services.isServicePort });
      this.frags = new FragmentTable(this.table);
    }
    return { files: this.files.slice(), counters, firstTs: this.firstTs, lastTs: this.lastTs, records, names: new Map(this.names) };
  }

  /**
   * Everything fed so far with the flows packed (PackedFlows: typed arrays, cheap to send from a worker thread;
   * `unpackPartial` makes the PartialResult). Finalises every flow: the engine is spent afterwards.
   */
  packedPartial(): PackedPartial {
    const flows = this.table.pack();
    const counters = this.countersWithOrphans();
    this.table = new FlowTable({ isServicePort: this.services.isServicePort });
    this.frags = new FragmentTable(this.table);
    return { files: this.files.slice(), counters, firstTs: this.firstTs, lastTs: this.lastTs, flows, names: new Map(this.names) };
  }

  /** Builds records, hosts, classifications and findings from everything fed so far (pure w.r.t. the engine). */
  result(): AnalysisResult {
    return judgePartial(this.partial(), this.services, this.profile);
  }

  /**
   * The result, freeing the flow state as soon as the records are made (peak memory: flow state + records, then
   * records + compliance pass, never all three). The engine's flow table is empty afterwards.
   */
  takeResult(): AnalysisResult {
    return judgePartial(this.partial(true), this.services, this.profile);
  }
}

/**
 * What one engine accumulated, before the compliance pass: plain data (structured-clonable, so worker threads
 * can return it) that `mergePartials` (src/merge-results.ts) combines and `judgePartial` turns into a result.
 */
export interface PartialResult {
  files: FileSummary[];
  /** counters, later fragments without a first fragment already counted as weird `fragment_orphan` */
  counters: DecodeCounters;
  /** first and last packet time, seconds since the epoch (0 when no packet) */
  firstTs: number;
  lastTs: number;
  /** flow records in the order the flows started (uids `C` + sequence in that order) */
  records: FlowRecord[];
  /** host names from the inputs, address text → name */
  names: Map<string, string>;
}

/** A PartialResult whose flows are still packed (Engine.packedPartial). */
export interface PackedPartial extends Omit<PartialResult, 'records'> {
  flows: PackedFlows;
}

/** The PartialResult of a packed one (records made from the packed flows, in creation order). */
export function unpackPartial(p: PackedPartial): PartialResult {
  const { flows, ...rest } = p;
  return { ...rest, records: unpackRecords(flows) };
}

/** Σ (ifDrop + osDrop) over all interface statistics of all inputs; null when none recorded a drop counter. */
function droppedPackets(files: readonly FileSummary[]): number | null {
  let total: number | null = null;
  for (const f of files) {
    for (const st of f.interfaceStats) {
      if (st.ifDrop === null && st.osDrop === null) continue;
      total = (total ?? 0) + (st.ifDrop ?? 0) + (st.osDrop ?? 0);
    }
  }
  return total;
}

/**
 * The compliance pass over a partial result (host roles, classification, evidence, rules, matrix): pure, the
 * same partial gives the same result. Takes ownership of `p`'s arrays (no copies).
 */
export function judgePartial(p: PartialResult, services: ServiceIndex, profile: SiteProfile): AnalysisResult {
  const dropped = droppedPackets(p.files);
  const j = judge({
    records: p.records,
    services,
    profile,
    captureSeconds: Math.max(0, p.lastTs - p.firstTs),
    names: p.names,
    droppedPackets: dropped,
    duplicateFrames: p.counters.duplicates,
  });
  return {
    files: p.files,
    counters: p.counters,
    firstTs: p.firstTs,
    lastTs: p.lastTs,
    records: p.records,
    classes: j.classes,
    hosts: j.hosts,
    findings: j.findings,
    evidence: j.evidence,
    names: p.names,
    droppedPackets: dropped,
    expectations: j.expectations,
    matrix: j.matrix,
    profile,
  };
}

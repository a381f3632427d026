/**
 * The report model: one plain, JSON-ready object built from an AnalysisResult. Every writer (text, JSON)
 * renders this object and nothing else.
 *
 * Flow records use Zeek conn.log field names (`ts`, `uid`, `id.orig_h` … `history`), plus
 * `sep_service`, `initiator_inferred` and a few fields Zeek does not have (documented on ReportFlow).
 *
 * The flows are not held as objects: `Report.flows` is a ReportFlows, a view over the result's flow records
 * that makes each ReportFlow when asked (on 100,000 flows the objects would be ~32 MB next to the records);
 * the JSON writer renders the records directly.
 */
import type { AnalysisResult } from '../engine.js';
import type { Classification } from '../compliance/classify.js';
import type { FlowRecord } from '../flow/record.js';
import type { Finding, Severity } from '../compliance/rules.js';
import { SEVERITIES } from '../compliance/rules.js';

/** A flow as reported: Zeek conn.log names, times in seconds since the epoch, sizes in bytes. */
export interface ReportFlow {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  proto: 'tcp' | 'udp';
  /** seconds */
  duration: number;
  orig_bytes: number;
  resp_bytes: number;
  conn_state: string;
  history: string;
  orig_pkts: number;
  orig_ip_bytes: number;
  resp_pkts: number;
  resp_ip_bytes: number;
  /** catalogue id of the SEP service the flow is, or null */
  sep_service: string | null;
  /** how its roles fit the service: expected, reversed, wrong-role, none */
  sep_fit: string;
  /** true when the originator was not seen sending a SYN without ACK */
  initiator_inferred: boolean;
  /** what the originator was chosen by: syn, first-datagram, catalogue-port, syn-ack, well-known-port, first-packet */
  initiator_basis: string;
  /** bytes summed from frame wire lengths (as tshark's conversation table counts) */
  orig_frame_bytes: number;
  resp_frame_bytes: number;
  /** outer VLAN id, null when untagged */
  vlan: number | null;
  /** SYNs without ACK from the originator (attempts, counting retries) */
  orig_syns: number;
  /** some packet was cut by the snaplen */
  partial: boolean;
  /**
   * ICMP / ICMPv6 errors quoting a packet of the flow, per (type, code, from): port unreachable, administratively
   * prohibited, host unreachable, time exceeded... `first_ts` seconds since the epoch. Empty when none.
   */
  icmp_errors: { type: number; code: number; from: string; count: number; first_ts: number }[];
}

export interface ReportHost {
  address: string;
  /** host name the capture gives for the address (pcapng Name Resolution Block), or null */
  name: string | null;
  /** the roles the rules used */
  roles: string[];
  /** `declared` (site profile), `inferred` (traffic) or `unknown` */
  source: 'declared' | 'inferred' | 'unknown';
  declared: string[];
  inferred: { role: string; confidence: string; basis: string; flows: string[] }[];
  pkts_out: number;
  pkts_in: number;
  bytes_out: number;
  bytes_in: number;
  first_ts: number;
  last_ts: number;
}

export interface ReportFinding {
  rule: string;
  /** why the capture cannot prove this finding (then severity is info and it never fails a run) */
  inconclusive?: string;
  severity: Severity;
  message: string;
  seed_row: number | null;
  service: string | null;
  flows: string[];
  hosts: string[];
  remediation?: string;
  first_ts?: number;
  last_ts?: number;
  attempts?: number;
}

export interface Report {
  tool: { name: 'sepflow'; version: string };
  capture: {
    files: {
      path: string;
      format: string;
      packets: number;
      bytes_read: number;
      fault: { code: string; offset: number; message: string } | null;
      anomalies: Record<string, number>;
    }[];
    packets: number;
    packets_in_flows: number;
    ip_other: number;
    not_ip: number;
    truncated: number;
    /** packet and file anomalies by kind: malformed codes, unsupported link types (`linktype_<n>`), weirds, file anomalies */
    anomalies: Record<string, number>;
    first_ts: number | null;
    last_ts: number | null;
    /** seconds */
    duration: number;
    /**
     * what the capturing systems recorded about their own completeness: pcapng Interface Statistics Blocks
     * (last counters per interface; packet counts, null = not recorded) and the drops they add up to
     */
    evidence: {
      interface_statistics: {
        file: string;
        section: number;
        interface: number;
        name: string | null;
        received: number | null;
        dropped_by_interface: number | null;
        dropped_by_os: number | null;
        accepted_by_filter: number | null;
        delivered_to_user: number | null;
        start_ts: number | null;
        end_ts: number | null;
      }[];
      /** Σ (dropped_by_interface + dropped_by_os); null when no input recorded drop counters */
      kernel_drops: number | null;
    };
  };
  /** what the capture can and cannot prove; stated first in the text report */
  evidence: {
    sidedness: string;
    two_way_tcp_flows: number;
    one_way_acked_tcp_flows: number;
    /** seconds */
    capture_seconds: number;
    heartbeat_seconds: number;
    dropped_packets: number | null;
    duplicate_frames: number | null;
    caveats: string[];
  };
  site: {
    file: string | null;
    sep_version: string | null;
    client_transport: string;
    push_deployment: boolean;
    syslog_required: boolean;
  };
  /** per host with a SEP role: each SEP service it takes part in, with its status and flows */
  matrix: {
    address: string;
    name: string | null;
    roles: string[];
    source: string;
    services: { services: string[]; direction: string; status: string; peers: string[]; flows: string[]; reason?: string }[];
  }[];
  summary: { flows: number; sep_flows: number; hosts: number; findings: Record<Severity, number>; inconclusive: number };
  hosts: ReportHost[];
  findings: ReportFinding[];
  /** one per flow record, in the records' order; made on demand (see ReportFlows) */
  flows: ReportFlows;
}

/** `x` rounded to 6 decimals (microseconds, for times in seconds), as the report gives every time. */
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The ReportFlow of one record: `service` is the catalogue id of its SEP service or null, `fit` how its roles fit
 * it (`none` when not a SEP flow). The one definition of the shape: the JSON writer's direct rendering of
 * records is tested against JSON.stringify of these objects.
 */
export function toReportFlow(r: FlowRecord, service: string | null, fit: string): ReportFlow {
  return {
    ts: round6(r.ts),
    uid: r.uid,
    'id.orig_h': r.origH,
    'id.orig_p': r.origP,
    'id.resp_h': r.respH,
    'id.resp_p': r.respP,
    proto: r.proto,
    duration: round6(r.duration),
    orig_bytes: r.origBytes,
    resp_bytes: r.respBytes,
    conn_state: r.connState,
    history: r.history,
    orig_pkts: r.origPkts,
    orig_ip_bytes: r.origIpBytes,
    resp_pkts: r.respPkts,
    resp_ip_bytes: r.respIpBytes,
    sep_service: service,
    sep_fit: fit,
    initiator_inferred: r.initiatorInferred,
    initiator_basis: r.initiatorBasis,
    orig_frame_bytes: r.origFrameBytes,
    resp_frame_bytes: r.respFrameBytes,
    vlan: r.vlan,
    orig_syns: r.origSyns,
    partial: r.partial,
    icmp_errors: (r.icmpErrors ?? []).map((e) => ({ type: e.type, code: e.code, from: e.from, count: e.count, first_ts: round6(e.firstTs) })),
  };
}

/**
 * The report's flows: a read-only sequence of ReportFlow, one per flow record in the records' order, each made
 * when asked (iteration, `at`) and not kept: two calls give equal but distinct objects. It holds the records
 * (a copy of the array, not of the records, which are immutable) and, per flow, the SEP service id and fit
 * (8 bytes each), not the ReportFlow objects.
 *
 * `JSON.stringify` sees it as the array of all ReportFlow (`toJSON`), so a report stringified whole is what it
 * always was; the JSON writer (src/report/json.ts) renders the records without making the objects.
 */
export class ReportFlows implements Iterable<ReportFlow> {
  readonly #records: readonly FlowRecord[];
  readonly #service: (string | null)[];
  readonly #fit: string[];
  readonly #sepCount: number;
  /** number of flows */
  readonly length: number;

  /** @param classes classification per record uid; a record without one is no SEP flow (service null, fit `none`) */
  constructor(records: readonly FlowRecord[], classes: ReadonlyMap<string, Classification>) {
    const n = records.length;
    this.#records = records.slice();
    this.#service = new Array<string | null>(n);
    this.#fit = new Array<string>(n);
    let sep = 0;
    // the classifications are usually in the records' order: walk both, look up only where they part
    const keys = classes.keys();
    const values = classes.values();
    for (let i = 0; i < n; i++) {
      const uid = records[i].uid;
      let cl = values.next().value as Classification | undefined;
      if (keys.next().value !== uid) cl = classes.get(uid);
      const service = cl?.service?.entry.id ?? null;
      this.#service[i] = service;
      this.#fit[i] = cl?.fit ?? 'none';
      if (service !== null) sep++;
    }
    this.#sepCount = sep;
    this.length = n;
  }

  /** number of flows whose `sep_service` is not null */
  get sepCount(): number {
    return this.#sepCount;
  }

  /** The i-th flow (a new object each call), undefined outside 0 ≤ i < length. Negative i does not count from the end. */
  at(i: number): ReportFlow | undefined {
    if (!(i >= 0 && i < this.length) || !Number.isInteger(i)) return undefined;
    return toReportFlow(this.#records[i], this.#service[i], this.#fit[i]);
  }

  /** The arrays behind the flows, index i for flow i (for writers: no object per flow); not to be changed. */
  columns(): { records: readonly FlowRecord[]; service: readonly (string | null)[]; fit: readonly string[] } {
    return { records: this.#records, service: this.#service, fit: this.#fit };
  }

  *[Symbol.iterator](): Generator<ReportFlow, void, undefined> {
    for (let i = 0; i < this.length; i++) yield toReportFlow(this.#records[i], this.#service[i], this.#fit[i]);
  }

  /** All flows as an array of new objects (all alive at once: ~320 bytes per flow). */
  toArray(): ReportFlow[] {
    return [...this];
  }

  /** What JSON.stringify serialises in place of this object: `toArray()`. */
  toJSON(): ReportFlow[] {
    return this.toArray();
  }
}

function toFinding(f: Finding): ReportFinding {
  const out: ReportFinding = {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    seed_row: f.seedRow,
    service: f.service,
    flows: f.flows,
    hosts: f.hosts,
  };
  if (f.inconclusive) out.inconclusive = f.inconclusive;
  if (f.remediation) out.remediation = f.remediation;
  if (f.firstTs !== undefined) out.first_ts = round6(f.firstTs);
  if (f.lastTs !== undefined) out.last_ts = round6(f.lastTs);
  if (f.attempts !== undefined) out.attempts = f.attempts;
  return out;
}

/**
 * Builds the report object. Its `flows` keep the result's flow records (not copied: the records are immutable)
 * and make each ReportFlow on demand; everything else is plain data.
 * @param version sepflow's version string
 */
export function buildReport(result: AnalysisResult, version: string): Report {
  const c = result.counters;
  const anomalies: Record<string, number> = {};
  const add = (k: string, n: number) => (anomalies[k] = (anomalies[k] ?? 0) + n);
  for (const [k, n] of Object.entries(c.malformed)) add(k, n);
  for (const [k, n] of Object.entries(c.weird)) add(k, n);
  for (const [k, n] of Object.entries(c.unsupportedLinkTypes)) add(`linktype_unsupported_${k}`, n);
  for (const f of result.files) {
    for (const [k, n] of Object.entries(f.anomalies)) add(k, n);
    if (f.fault) add(f.fault.code, 1);
  }
  if (c.truncated) add('snaplen_truncated', c.truncated);

  const findingsBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of result.findings) findingsBySeverity[f.severity]++;

  const flows = new ReportFlows(result.records, result.classes);

  const hosts: ReportHost[] = [...result.hosts.values()].map((h) => ({
    address: h.address,
    name: h.name ?? result.names.get(h.address) ?? null,
    roles: h.roles,
    source: h.declared.length ? 'declared' : h.roles.length ? 'inferred' : 'unknown',
    declared: h.declared,
    inferred: h.inferred.map((i) => ({ role: i.role, confidence: i.confidence, basis: i.basis, flows: i.flows })),
    pkts_out: h.pktsOut,
    pkts_in: h.pktsIn,
    bytes_out: h.bytesOut,
    bytes_in: h.bytesIn,
    first_ts: round6(h.firstTs),
    last_ts: round6(h.lastTs),
  }));

  return {
    tool: { name: 'sepflow', version },
    capture: {
      files: result.files.map((f) => ({
        path: f.path,
        format: f.format,
        packets: f.packets,
        bytes_read: f.bytesRead,
        fault: f.fault ? { code: f.fault.code, offset: f.fault.offset, message: f.fault.message } : null,
        anomalies: f.anomalies,
      })),
      packets: c.packets,
      packets_in_flows: c.inFlows,
      ip_other: c.ipOther,
      not_ip: c.notIp,
      truncated: c.truncated,
      anomalies,
      first_ts: c.packets ? round6(result.firstTs) : null,
      last_ts: c.packets ? round6(result.lastTs) : null,
      duration: c.packets ? round6(result.lastTs - result.firstTs) : 0,
      evidence: {
        interface_statistics: result.files.flatMap((f) =>
          f.interfaceStats.map((st) => ({
            file: f.path,
            section: st.section,
            interface: st.interfaceId,
            name: st.name,
            received: st.ifRecv,
            dropped_by_interface: st.ifDrop,
            dropped_by_os: st.osDrop,
            accepted_by_filter: st.filterAccept,
            delivered_to_user: st.usrDeliv,
            start_ts: st.startTs === null ? null : round6(st.startTs),
            end_ts: st.endTs === null ? null : round6(st.endTs),
          })),
        ),
        kernel_drops: result.droppedPackets,
      },
    },
    evidence: {
      sidedness: result.evidence.sidedness,
      two_way_tcp_flows: result.evidence.twoWayTcpFlows,
      one_way_acked_tcp_flows: result.evidence.oneWayAckedTcpFlows,
      capture_seconds: round6(result.evidence.captureSeconds),
      heartbeat_seconds: result.evidence.heartbeatSeconds,
      dropped_packets: result.evidence.droppedPackets,
      duplicate_frames: result.evidence.duplicateFrames,
      caveats: result.evidence.caveats,
    },
    site: {
      file: result.profile.file,
      sep_version: result.profile.sepVersionText,
      client_transport: result.profile.policy.clientTransport,
      push_deployment: result.profile.policy.pushDeployment,
      syslog_required: result.profile.policy.syslogRequired,
    },
    matrix: result.matrix.map((row) => ({
      address: row.address,
      name: row.name,
      roles: row.roles,
      source: row.source,
      services: row.cells.map((c) => {
        const cell: Report['matrix'][number]['services'][number] = { services: c.services, direction: c.direction, status: c.status, peers: c.peers, flows: c.flows };
        if (c.reason) cell.reason = c.reason;
        return cell;
      }),
    })),
    summary: {
      flows: flows.length,
      sep_flows: flows.sepCount,
      hosts: hosts.length,
      findings: findingsBySeverity,
      inconclusive: result.findings.filter((f) => f.inconclusive).length,
    },
    hosts,
    findings: result.findings.map(toFinding),
    flows,
  };
}

/**
 * MapSnapshot: what the live per-host map and the line output show at one moment, built from the report
 * model (`buildReport(engine.result())`) and nothing else, so the map, the events and the report written on
 * exit can never disagree.
 *
 * Hosts are grouped by role (declared or inferred) in a fixed role order, hosts without a SEP role last.
 * Each host lists its SEP services in and out with a status — from the compliance matrix for hosts with a
 * role; for hosts without one, `unexpected` where a finding rests on the flow, else `none` — and a short
 * reason for any problem. Times are seconds since the epoch, sizes bytes, rates per second of wall time.
 */
import type { Report, ReportFinding, ReportFlow } from '../report/model.js';
import type { Severity } from '../compliance/rules.js';
import type { LiveStats } from '../source/live.js';
import type { Speed } from './pacing.js';

/** A service's or host's status; `none` = nothing to judge (a host without a SEP role). */
export type Status = 'ok' | 'blocked-dropped' | 'blocked-refused' | 'blocked-half-open' | 'unexpected' | 'absent' | 'inconclusive' | 'none';

/** Severity of a status for sorting and for a host's overall status (higher is worse). */
export const STATUS_RANK: Readonly<Record<Status, number>> = {
  none: 0,
  ok: 1,
  inconclusive: 2,
  absent: 3,
  unexpected: 4,
  'blocked-half-open': 5,
  'blocked-refused': 6,
  'blocked-dropped': 7,
};

/** Is this status a problem a person should look at? */
export function isProblem(s: Status): boolean {
  return STATUS_RANK[s] >= STATUS_RANK.absent;
}

/** One SEP service of one host, in one direction. */
export interface ServiceView {
  /** stable within a host: direction, service ids and status */
  key: string;
  /** catalogue ids (an expectation may accept several, e.g. client-http and client-https) */
  services: string[];
  /** `out`: the host opens it; `in`: the host is reached */
  direction: 'in' | 'out';
  /** responder ports seen in its flows, or the ports in force when no flow was seen */
  ports: number[];
  status: Status;
  peers: string[];
  /** flow uids */
  flows: string[];
  /** reason for a problem in a sentence fragment (≤ ~60 characters), null when ok */
  reason: string | null;
  /** the same in two or three words for the map's row (`dropped: 4 SYNs, no answer`), null when ok */
  brief: string | null;
}

export interface HostView {
  address: string;
  name: string | null;
  roles: string[];
  source: 'declared' | 'inferred' | 'unknown';
  /** role group label, e.g. `sepm`, `client`, `sepm/gup`, `(no SEP role)` */
  group: string;
  /** worst status of its services (`none` when it has nothing judged) */
  status: Status;
  /** reason for the worst problem, null when none */
  reason: string | null;
  /** the same in a few words, null when none */
  brief: string | null;
  services: ServiceView[];
  pktsOut: number;
  pktsIn: number;
  bytesOut: number;
  bytesIn: number;
  firstTs: number;
  lastTs: number;
  /** indices into MapSnapshot.findings of the findings that name this host */
  findings: number[];
}

/** What the watch session knows besides the report. */
export interface WatchMeta {
  mode: 'live' | 'replay';
  /** interface name, or the files */
  label: string;
  speed: Speed;
  state: 'running' | 'paused' | 'ended';
  /** why it ended: end-of-input, stopped, duration, interface-down, capture-failed; null while running */
  endReason: string | null;
  /** one sentence about a failure, else null */
  endMessage: string | null;
  /** wall seconds since the session started */
  elapsed: number;
  /** packets per wall second over the last second or so */
  pps: number;
  /** live capture counters, null for a replay */
  live: LiveStats | null;
}

export interface MapSnapshot {
  /** increases by one per snapshot */
  seq: number;
  meta: WatchMeta;
  packets: number;
  firstTs: number | null;
  lastTs: number | null;
  flows: number;
  sepFlows: number;
  findingsBySeverity: Record<Severity, number>;
  inconclusive: number;
  /** in display order: by role group, then address */
  hosts: HostView[];
  findings: ReportFinding[];
  /** flows by host address (each flow under both its ends) */
  flowsByHost: ReadonlyMap<string, ReportFlow[]>;
  /** the report the snapshot was built from */
  report: Report;
}

/** Role order of the groups; roles not listed sort after these, then hosts without a role. */
export const ROLE_ORDER = ['sepm', 'sql', 'embedded_db', 'console', 'reporting_console', 'gup', 'client', 'mac_client', 'syslog', 'rmm', 'content_analysis', 'cloud_console', 'spc', 'ajaxswing'];
export const NO_ROLE = '(no SEP role)';

/** Plain-words name of a role group, e.g. `sepm` → `managers`. */
export function groupTitle(group: string): string {
  const words: Record<string, string> = {
    sepm: 'managers',
    sql: 'SQL servers',
    embedded_db: 'embedded databases',
    console: 'consoles',
    reporting_console: 'reporting consoles',
    gup: 'group update providers',
    client: 'Windows clients',
    mac_client: 'Macs',
    syslog: 'syslog servers',
  };
  return group === NO_ROLE ? NO_ROLE : (words[group] ?? group);
}

function groupRank(group: string): number {
  if (group === NO_ROLE) return 1e6;
  const ranks = group.split('/').map((r) => {
    const i = ROLE_ORDER.indexOf(r);
    return i === -1 ? ROLE_ORDER.length : i;
  });
  return Math.min(...ranks);
}

function asStatus(s: string): Status {
  return s in STATUS_RANK ? (s as Status) : 'unexpected';
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Short reason for a cell's status, from its flows. */
/** SYNs (counting retries) of the flows that got no answer; at least one per flow. */
function unansweredSyns(flows: ReportFlow[]): number {
  return flows.filter((x) => x.resp_pkts === 0).reduce((n, x) => n + Math.max(1, x.orig_syns), 0) || flows.length;
}

function reasonOf(status: Status, dir: 'in' | 'out', flows: ReportFlow[], peers: string[], ports: number[], matrixReason: string | undefined): string | null {
  const f = flows.find((x) => x.conn_state !== 'SF') ?? flows[0];
  const peer = f ? (dir === 'out' ? f['id.resp_h'] : f['id.orig_h']) : (peers[0] ?? '?');
  const port = f ? f['id.resp_p'] : (ports[0] ?? 0);
  const where = dir === 'out' ? `${peer}:${port}` : `${port} from ${peer}`;
  switch (status) {
    case 'ok':
    case 'none':
      return null;
    case 'blocked-dropped': {
      const syns = unansweredSyns(flows);
      return `dropped: ${plural(syns, 'SYN')} to ${where}, no answer`;
    }
    case 'blocked-refused':
      return `refused: RST ${dir === 'out' ? `from ${peer}:${port}` : `to ${peer} on ${port}`}`;
    case 'blocked-half-open':
      return `half-open: SYN-ACK never acknowledged (${where})`;
    case 'unexpected': {
      const why = matrixReason === 'reversed' ? 'reversed direction' : matrixReason === 'wrong-role' ? 'roles do not fit' : (matrixReason ?? 'finding');
      return `${why} (${dir === 'out' ? `to ${peer}:${port}` : `${port} from ${peer}`})`;
    }
    case 'absent':
      return `absent: ${matrixReason ?? `no flow on ${ports.join('/')}`}`;
    case 'inconclusive':
      return `inconclusive: ${matrixReason ?? 'the capture cannot tell'}`;
  }
}

/** Two or three words for a status (the map row's reason). */
function briefOf(status: Status, flows: ReportFlow[], matrixReason: string | undefined): string | null {
  switch (status) {
    case 'ok':
    case 'none':
      return null;
    case 'blocked-dropped': {
      const syns = unansweredSyns(flows);
      return `dropped: ${plural(syns, 'SYN')}, no answer`;
    }
    case 'blocked-refused':
      return 'refused (RST)';
    case 'blocked-half-open':
      return 'half-open';
    case 'unexpected':
      return matrixReason === 'reversed' ? 'reversed direction' : matrixReason === 'wrong-role' ? 'roles do not fit' : (matrixReason ?? 'unexpected');
    case 'absent':
      return 'expected, absent';
    case 'inconclusive':
      return 'inconclusive';
  }
}

/**
 * Builds a snapshot from a report.
 * @param portsOf ports in force for a catalogue id (site overrides applied), for services not seen yet
 */
export function buildSnapshot(report: Report, meta: WatchMeta, seq: number, portsOf: (id: string) => readonly number[]): MapSnapshot {
  const flowByUid = new Map<string, ReportFlow>();
  const flowsByHost = new Map<string, ReportFlow[]>();
  const addTo = (h: string, f: ReportFlow) => {
    let l = flowsByHost.get(h);
    if (!l) flowsByHost.set(h, (l = []));
    l.push(f);
  };
  for (const f of report.flows) {
    flowByUid.set(f.uid, f);
    addTo(f['id.orig_h'], f);
    if (f['id.resp_h'] !== f['id.orig_h']) addTo(f['id.resp_h'], f);
  }
  const findingsByHost = new Map<string, number[]>();
  const findingByFlow = new Map<string, ReportFinding>();
  report.findings.forEach((fd, i) => {
    for (const h of new Set(fd.hosts)) {
      let l = findingsByHost.get(h);
      if (!l) findingsByHost.set(h, (l = []));
      l.push(i);
    }
    for (const uid of fd.flows) if (!findingByFlow.has(uid)) findingByFlow.set(uid, fd);
  });
  const matrix = new Map(report.matrix.map((r) => [r.address, r]));

  const hosts: HostView[] = report.hosts.map((h) => {
    const row = matrix.get(h.address);
    const services: ServiceView[] = [];
    if (row) {
      for (const c of row.services) {
        const flows = c.flows.map((u) => flowByUid.get(u)).filter((x): x is ReportFlow => !!x);
        const seen = [...new Set(flows.map((x) => x['id.resp_p']))];
        const ports = seen.length ? seen : [...new Set(c.services.flatMap((id) => portsOf(id)))];
        const status = asStatus(c.status);
        const dir = c.direction === 'in' ? 'in' : 'out';
        services.push({
          key: `${dir}|${c.services.join('|')}|${status}`,
          services: c.services,
          direction: dir,
          ports,
          status,
          peers: c.peers,
          flows: c.flows,
          reason: reasonOf(status, dir, flows, c.peers, ports, c.reason),
          brief: briefOf(status, flows, c.reason),
        });
      }
    } else {
      // no SEP role: its SEP flows, unexpected where a finding rests on them
      const groups = new Map<string, ServiceView & { fl: ReportFlow[] }>();
      for (const f of flowsByHost.get(h.address) ?? []) {
        if (!f.sep_service) continue;
        const dir = f['id.orig_h'] === h.address ? 'out' : 'in';
        const status: Status = findingByFlow.has(f.uid) ? 'unexpected' : 'none';
        const key = `${dir}|${f.sep_service}|${status}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { key, services: [f.sep_service], direction: dir, ports: [], status, peers: [], flows: [], reason: null, brief: null, fl: [] }));
        g.fl.push(f);
        g.flows.push(f.uid);
        const peer = dir === 'out' ? f['id.resp_h'] : f['id.orig_h'];
        if (!g.peers.includes(peer)) g.peers.push(peer);
        if (!g.ports.includes(f['id.resp_p'])) g.ports.push(f['id.resp_p']);
      }
      for (const { fl, ...g } of groups.values()) {
        const fd = findingByFlow.get(g.flows.find((u) => findingByFlow.has(u)) ?? '');
        const unexpected = g.status === 'unexpected';
        services.push({ ...g, reason: unexpected ? reasonOf('unexpected', g.direction, fl, g.peers, g.ports, fd?.rule) : null, brief: unexpected ? briefOf('unexpected', fl, fd?.rule) : null });
      }
    }
    let worst: ServiceView | null = null;
    for (const s of services) if (!worst || STATUS_RANK[s.status] > STATUS_RANK[worst.status]) worst = s;
    const findings = findingsByHost.get(h.address) ?? [];
    let status: Status = worst?.status ?? 'none';
    let reason = worst && isProblem(worst.status) ? worst.reason : null;
    let brief = worst && isProblem(worst.status) ? worst.brief : null;
    if (!isProblem(status) && findings.some((i) => !report.findings[i].inconclusive)) {
      // a finding names the host although none of its services is in trouble (e.g. the peer of a reversed flow)
      const f = report.findings[findings.find((i) => !report.findings[i].inconclusive)!];
      status = 'unexpected';
      reason = f.message.length > 70 ? f.message.slice(0, 69) + '…' : f.message;
      brief = f.rule;
    }
    return {
      address: h.address,
      name: row?.name ?? null,
      roles: h.roles,
      source: h.source,
      group: h.roles.length ? h.roles.join('/') : NO_ROLE,
      status,
      reason,
      brief,
      services,
      pktsOut: h.pkts_out,
      pktsIn: h.pkts_in,
      bytesOut: h.bytes_out,
      bytesIn: h.bytes_in,
      firstTs: h.first_ts,
      lastTs: h.last_ts,
      findings,
    };
  });
  hosts.sort((a, b) => groupRank(a.group) - groupRank(b.group) || a.group.localeCompare(b.group) || compareAddresses(a.address, b.address));

  return {
    seq,
    meta,
    packets: report.capture.packets,
    firstTs: report.capture.first_ts,
    lastTs: report.capture.last_ts,
    flows: report.summary.flows,
    sepFlows: report.summary.sep_flows,
    findingsBySeverity: report.summary.findings,
    inconclusive: report.summary.inconclusive,
    hosts,
    findings: report.findings,
    flowsByHost,
    report,
  };
}

/** Orders IPv4 numerically, then IPv6 as text. */
export function compareAddresses(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  if (pa.length === 4 && pb.length === 4) {
    for (let i = 0; i < 4; i++) {
      const d = Number(pa[i]) - Number(pb[i]);
      if (d) return d;
    }
    return 0;
  }
  if (pa.length === 4) return -1;
  if (pb.length === 4) return 1;
  return a.localeCompare(b);
}

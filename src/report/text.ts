/**
 * Text report for a terminal or a file: summary, findings by severity with evidence and remediation,
 * hosts by role, and the SEP flows. Plain text (no escape codes), lines ≤ ~100 columns where possible.
 */
import type { Report, ReportFlow } from './model.js';
import { formatTime } from './time.js';

function time(ts: number | null | undefined): string {
  if (ts === null || ts === undefined) return '-';
  return formatTime(ts, 'report');
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function endpoint(h: string, p: number): string {
  return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
}

/** Renders the report as text. */
export function renderText(r: Report): string {
  const out: string[] = [];
  const c = r.capture;
  out.push(`sepflow ${r.tool.version} - SEP traffic-compliance report`);
  out.push('');
  for (const f of c.files) {
    out.push(`Capture   ${f.path} (${f.format}, ${f.packets} packets${f.fault ? `, READ STOPPED at byte ${f.fault.offset}: ${f.fault.message}` : ''})`);
  }
  out.push(`          ${time(c.first_ts)} -> ${time(c.last_ts)} (${c.duration.toFixed(1)} s)`);
  out.push(`          ${c.packets} packets: ${c.packets_in_flows} in ${r.summary.flows} TCP/UDP flows, ${c.ip_other} other IP, ${c.not_ip} not IP`);
  const anomalies = Object.entries(c.anomalies);
  out.push(`          anomalies: ${anomalies.length ? anomalies.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`);
  out.push(`          ${captureStatistics(c.evidence)}`);
  out.push(
    r.site.file
      ? `Site      ${r.site.file}: SEP ${r.site.sep_version ?? '(version not declared)'}, client transport ${r.site.client_transport}` +
          `${r.site.push_deployment ? ', push deployment under way' : ''}${r.site.syslog_required ? ', syslog required' : ''}`
      : 'Site      no site profile (--site): roles are inferred from the traffic',
  );
  const e = r.evidence;
  out.push(
    `Evidence  ${e.sidedness}: ${e.two_way_tcp_flows} two-way TCP flows; span ${e.capture_seconds.toFixed(0)} s vs ${e.heartbeat_seconds} s heartbeat; ` +
      `drops ${e.dropped_packets ?? 'not recorded'}; duplicates ${e.duplicate_frames ?? 'not measured'}`,
  );
  for (const c of e.caveats) out.push(`          ! ${c}`);
  out.push('');

  const s = r.summary.findings;
  out.push(`Findings  ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info (${r.summary.inconclusive} of them inconclusive)`);
  if (r.findings.length === 0) out.push('  none');
  for (const f of r.findings) {
    const sev = f.inconclusive ? 'INCONC.' : f.severity.toUpperCase();
    out.push(`  ${pad(sev, 8)}${f.rule}${f.seed_row ? `  (vendor table row ${f.seed_row})` : ''}`);
    out.push(`         ${f.message}`);
    if (f.first_ts !== undefined) out.push(`         first attempt ${time(f.first_ts)}, last ${time(f.last_ts)}`);
    if (f.remediation) out.push(`         remediation: ${f.remediation}`);
    if (f.flows.length) out.push(`         flows: ${f.flows.slice(0, 12).join(' ')}${f.flows.length > 12 ? ` (+${f.flows.length - 12} more)` : ''}`);
  }
  out.push('');

  out.push('Hosts by role');
  const byRole = new Map<string, typeof r.hosts>();
  for (const h of r.hosts) {
    const key = h.roles.length ? h.roles.join('/') : '(no SEP role)';
    let l = byRole.get(key);
    if (!l) byRole.set(key, (l = []));
    l.push(h);
  }
  const keys = [...byRole.keys()].sort((a, b) => (a === '(no SEP role)' ? 1 : b === '(no SEP role)' ? -1 : a.localeCompare(b)));
  for (const k of keys) {
    for (const h of byRole.get(k)!) {
      const how =
        h.source === 'declared'
          ? 'declared'
          : h.source === 'inferred'
            ? `inferred (${h.inferred.map((i) => `${i.confidence}: ${i.basis}`).join('; ')})`
            : '';
      const addr = h.name ? `${h.address} (${h.name})` : h.address;
      out.push(`  ${pad(k, 18)} ${pad(addr, 16)} out ${h.pkts_out}/in ${h.pkts_in} pkts  ${how}`);
    }
  }
  out.push('');

  out.push('SEP services per host (status: ok, blocked-dropped, blocked-refused, blocked-half-open, absent, inconclusive, unexpected)');
  if (r.matrix.length === 0) out.push('  no host with a SEP role');
  for (const row of r.matrix) {
    out.push(`  ${row.address}${row.name ? ` (${row.name})` : ''}  ${row.roles.join('/')} [${row.source}]`);
    for (const c of row.services) {
      const arrow = c.direction === 'out' ? '->' : '<-';
      const peers = c.peers.length > 3 ? `${c.peers.slice(0, 3).join(', ')} +${c.peers.length - 3}` : c.peers.join(', ') || '-';
      out.push(`      ${pad(c.status, 18)} ${pad(c.services.join('|'), 26)} ${arrow} ${peers}${c.reason && c.status !== 'ok' ? `  (${c.reason})` : ''}`);
    }
  }
  out.push('');

  // the SEP flows, each made as a ReportFlow only for its line
  const service = r.flows.columns().service;
  let sep = 0;
  for (const s of service) if (s !== null) sep++;
  out.push(`SEP flows (${sep} of ${r.flows.length}; all flows are in --format json)`);
  for (let i = 0; i < service.length; i++) if (service[i] !== null) out.push(`  ${flowLine(r.flows.at(i)!)}`);
  return out.join('\n') + '\n';
}

/** One line on the capturing system's own statistics (pcapng ISBs): received and dropped per interface. */
function captureStatistics(ev: Report['capture']['evidence']): string {
  if (ev.interface_statistics.length === 0) return 'capture statistics: none recorded in the input (kernel drops unknown)';
  const parts = ev.interface_statistics.map((st) => {
    const n = (v: number | null): string => (v === null ? '?' : String(v));
    return `${st.name ?? `interface ${st.interface}`}: ${n(st.received)} received, ${n(st.dropped_by_interface)} dropped by the interface, ${n(st.dropped_by_os)} by the OS`;
  });
  return `capture statistics: kernel drops ${ev.kernel_drops ?? 'not recorded'} (${parts.join('; ')})`;
}

function flowLine(f: ReportFlow): string {
  return [
    pad(f.uid, 8),
    pad(f.proto, 4),
    pad(`${endpoint(f['id.orig_h'], f['id.orig_p'])} -> ${endpoint(f['id.resp_h'], f['id.resp_p'])}`, 40),
    pad(f.sep_service ?? '-', 22),
    pad(f.conn_state, 7),
    pad(f.history || '-', 12),
    `${f.orig_pkts}/${f.resp_pkts} pkts`,
    f.initiator_inferred ? ' (originator inferred)' : '',
    f.sep_fit !== 'expected' && f.sep_fit !== 'none' ? ` [${f.sep_fit}]` : '',
    f.icmp_errors.map((e) => ` icmp ${e.type}/${e.code} from ${e.from} x${e.count}`).join(''),
  ].join(' ');
}

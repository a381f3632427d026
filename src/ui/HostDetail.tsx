/**
 * HostDetail: one host in full — roles and how they are known, traffic totals, every SEP service with its
 * status and reason, the findings that name it with their evidence (vendor table row, flows, remediation),
 * and its flows with Zeek conn_state and history. Scrolls when longer than the screen.
 */
import type { HostView, MapSnapshot } from '../watch/snapshot.js';
import { STATUS_RANK } from '../watch/snapshot.js';
import { Lines } from './Lines.js';
import { bytes, dateTime, fit, SEVERITY_COLOR, STATUS_STYLE, wrap, type Line } from './style.js';

const MAX_FLOWS = 500;

/** All lines of a host's detail for `width` columns (not yet scrolled). */
export function hostDetailLines(s: MapSnapshot, h: HostView, width: number): Line[] {
  const out: Line[] = [];
  const text = (t: string, style: Omit<Line[number], 'text'> = {}, indent = 0) => {
    for (const l of wrap(t, width - indent, 2)) out.push([{ text: ' '.repeat(indent) + l, ...style }]);
  };
  const st = STATUS_STYLE[h.status];
  const how = h.source === 'declared' ? 'declared in the site profile' : h.source === 'inferred' ? 'inferred from the traffic' : 'no SEP role';
  out.push([
    { text: h.address, bold: true },
    { text: h.name ? ` (${h.name})` : '' },
    { text: `  ${h.roles.join('/') || '-'}`, color: 'cyan' },
    { text: ` ${how}  `, dim: true },
    { text: `${st.glyph} ${st.word}`, color: st.color, bold: true },
  ]);
  const host = s.report.hosts.find((x) => x.address === h.address);
  for (const i of host?.inferred ?? []) text(`inferred ${i.role} (${i.confidence}): ${i.basis}`, { dim: true }, 2);
  text(`seen ${dateTime(h.firstTs)} .. ${dateTime(h.lastTs)}; sent ${h.pktsOut} pkts ${bytes(h.bytesOut)}, received ${h.pktsIn} pkts ${bytes(h.bytesIn)}`, {}, 0);
  out.push([]);

  out.push([{ text: `SEP services (${h.services.length})`, bold: true }]);
  if (h.services.length === 0) text('none seen', { dim: true }, 2);
  for (const x of [...h.services].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status])) {
    const xs = STATUS_STYLE[x.status];
    const arrow = x.direction === 'out' ? '→' : '←';
    const peers = x.peers.length > 3 ? `${x.peers.slice(0, 3).join(', ')} +${x.peers.length - 3}` : x.peers.join(', ') || '-';
    const head = `${xs.glyph} ${x.direction.padEnd(3)} ${x.services.join('|')} ${x.ports.join('/')} ${arrow} ${peers}: ${xs.word}`;
    const lines = wrap(head + (x.reason ? ` (${x.reason})` : ''), width - 2, 6);
    lines.forEach((l, i) => out.push([{ text: '  ' + l, color: i === 0 ? xs.color : undefined }]));
  }
  out.push([]);

  const findings = h.findings.map((i) => s.findings[i]);
  out.push([{ text: `Findings (${findings.length})`, bold: true }]);
  if (findings.length === 0) text('none', { dim: true }, 2);
  for (const f of findings) {
    out.push([
      { text: '  ' },
      { text: f.inconclusive ? 'INCONCLUSIVE' : f.severity.toUpperCase(), color: SEVERITY_COLOR[f.severity], bold: true },
      { text: ` ${f.rule}` },
      { text: f.seed_row ? `  (vendor table row ${f.seed_row})` : '', dim: true },
    ]);
    text(f.message, {}, 4);
    if (f.inconclusive) text(`inconclusive: ${f.inconclusive}`, { dim: true }, 4);
    if (f.attempts !== undefined) text(`${f.attempts} attempts, first ${dateTime(f.first_ts ?? null)}, last ${dateTime(f.last_ts ?? null)}`, { dim: true }, 4);
    if (f.remediation) text(`remediation: ${f.remediation}`, { color: 'green' }, 4);
    if (f.flows.length) text(`flows: ${f.flows.slice(0, 8).join(' ')}${f.flows.length > 8 ? ` +${f.flows.length - 8}` : ''}`, { dim: true }, 4);
  }
  out.push([]);

  const flows = s.flowsByHost.get(h.address) ?? [];
  out.push([{ text: `Flows (${flows.length})`, bold: true }, { text: '  uid, proto, peer, port, service, conn_state, history, pkts out/in', dim: true }]);
  for (const f of flows.slice(0, MAX_FLOWS)) {
    const out_ = f['id.orig_h'] === h.address;
    const peer = out_ ? f['id.resp_h'] : f['id.orig_h'];
    const port = f['id.resp_p'];
    const pk = out_ ? `${f.orig_pkts}/${f.resp_pkts}` : `${f.resp_pkts}/${f.orig_pkts}`;
    const bad = ['S0', 'REJ', 'RSTOS0', 'SH'].includes(f.conn_state);
    out.push(
      fit(
        [
          { text: `  ${f.uid.padEnd(9)}${f.proto.padEnd(4)}${out_ ? '→' : '←'} ${peer.padEnd(16)}${String(port).padEnd(6)}` },
          { text: (f.sep_service ?? '-').padEnd(18), dim: !f.sep_service },
          { text: f.conn_state.padEnd(7), color: bad ? 'red' : undefined, bold: bad },
          { text: (f.history || '-').padEnd(11) },
          { text: pk },
        ],
        width,
      ),
    );
  }
  if (flows.length > MAX_FLOWS) text(`… ${flows.length - MAX_FLOWS} more flows in the report (--format json)`, { dim: true }, 2);
  return out.map((l) => fit(l, width));
}

/** The detail scrolled to `top` (clamped), `height` rows. @returns lines and the clamped top */
export function scrollDetail(lines: Line[], top: number, height: number): { lines: Line[]; top: number } {
  const t = Math.max(0, Math.min(top, lines.length - height));
  return { lines: lines.slice(t, t + height), top: t };
}

export function HostDetail(props: { snapshot: MapSnapshot; host: HostView; top: number; width: number; height: number }) {
  const all = hostDetailLines(props.snapshot, props.host, props.width);
  return <Lines lines={scrollDetail(all, props.top, props.height).lines} />;
}

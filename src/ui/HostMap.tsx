/**
 * HostMap: the per-host map — hosts grouped by role, one line each:
 *
 *   › ✗ 10.10.1.23      decl out ✗8014  dropped: 4 SYNs, no answer                        4p
 *
 * selection marker, status glyph, address, `decl`/`infr` (roles declared in the site profile or inferred
 * from the traffic), services out and in (the direction with the worst status first, problems first, with
 * their glyph; ok ones plain in green) with the worst problem in a few words after its direction, and on the
 * right packets (and on wider terminals bytes and last seen).
 * The view scrolls to keep the selected host in sight.
 */
import type { HostView, MapSnapshot, ServiceView } from '../watch/snapshot.js';
import { groupTitle, isProblem, STATUS_RANK } from '../watch/snapshot.js';
import { Lines } from './Lines.js';
import { bytes, clock, count, fit, lineLength, padLine, STATUS_STYLE, type Line, type Segment } from './style.js';

/** What the map shows: only hosts with problems or findings (`f`), and a search text (`/`). */
export interface MapFilter {
  onlyProblems: boolean;
  query: string;
}

/** Does the host need attention (a problem status or a conclusive finding)? */
export function hasProblem(h: HostView, s: MapSnapshot): boolean {
  return isProblem(h.status) || h.findings.some((i) => !s.findings[i].inconclusive);
}

/** The hosts the map shows, in display order. Search matches address, name and roles, case-insensitive. */
export function visibleHosts(s: MapSnapshot | null, f: MapFilter): HostView[] {
  if (!s) return [];
  const q = f.query.trim().toLowerCase();
  return s.hosts.filter(
    (h) =>
      (!f.onlyProblems || hasProblem(h, s)) &&
      (!q || h.address.toLowerCase().includes(q) || (h.name ?? '').toLowerCase().includes(q) || h.roles.some((r) => r.includes(q))),
  );
}

function serviceTokens(services: ServiceView[], dir: 'in' | 'out'): Segment[] {
  const mine = services.filter((x) => x.direction === dir).sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  const seen = new Set<string>();
  const out: Segment[] = [];
  for (const x of mine) {
    const ports = x.ports.join('/') || x.services.join('|');
    const k = `${x.status}|${ports}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const st = STATUS_STYLE[x.status];
    const glyph = x.status === 'ok' || x.status === 'none' ? '' : st.glyph;
    out.push({ text: ' ' }, { text: glyph + ports, color: x.status === 'none' ? undefined : st.color, bold: glyph !== '' });
  }
  return out.length ? [{ text: ` ${dir}`, dim: true }, ...out] : [];
}

/** One host's line. */
export function hostLine(h: HostView, selected: boolean, width: number): Line {
  const st = STATUS_STYLE[h.status];
  const wide = width >= 110;
  const right: Line = [{ text: ` ${count(h.pktsOut + h.pktsIn)}p`.padStart(7) }];
  if (wide) right.push({ text: ` ${bytes(h.bytesOut + h.bytesIn)}`.padStart(10), dim: true }, { text: ` ${clock(h.lastTs)}`, dim: true });
  const src = h.source === 'declared' ? 'decl' : h.source === 'inferred' ? 'infr' : '    ';
  const left: Line = [
    { text: selected ? '› ' : '  ', bold: true, color: 'cyan' },
    { text: st.glyph, color: st.color, bold: true },
    { text: ' ' },
    { text: h.address.padEnd(15), bold: selected },
    { text: ` ${src}`, dim: true },
  ];
  // the direction with the worst service first, so problems survive the cut at the right edge
  const worst = (d: 'in' | 'out') => Math.max(0, ...h.services.filter((x) => x.direction === d).map((x) => STATUS_RANK[x.status]));
  const dirs: ('in' | 'out')[] = worst('in') > worst('out') ? ['in', 'out'] : ['out', 'in'];
  const tokens: Line = [...(wide && h.name ? [{ text: ` ${h.name}`, color: 'cyan' }] : []), ...serviceTokens(h.services, dirs[0]), ...serviceTokens(h.services, dirs[1])];
  const room = width - lineLength(left) - lineLength(right);
  const brief: Line = h.brief ? [{ text: '  ' }, { text: h.brief, color: st.color }] : [];
  // the problem in a few words after all services when it fits; else all services when they fit (their
  // glyphs tell the status); else the worst direction, the problem, the rest (cut)
  const middle: Line =
    lineLength(tokens) + lineLength(brief) <= room
      ? [...tokens, ...brief]
      : lineLength(tokens) <= room
        ? tokens
        : [...serviceTokens(h.services, dirs[0]), ...brief, ...serviceTokens(h.services, dirs[1])];
  return [...left, ...padLine(middle, room), ...right];
}

/**
 * The map's body lines for `height` rows: group headings and host lines, scrolled so that the selected
 * host is in view.
 */
export function hostMapLines(s: MapSnapshot | null, hosts: HostView[], selected: string | null, width: number, height: number): Line[] {
  if (!s) return [[{ text: 'waiting for the first snapshot…', dim: true }]];
  if (hosts.length === 0) {
    const why = s.hosts.length === 0 ? (s.meta.state === 'ended' ? 'no host was seen.' : 'no host seen yet: waiting for SEP traffic…') : 'no host matches (f: show all, / then Esc: clear the search).';
    return [[{ text: why, dim: true }]];
  }
  // the rows (group headings and hosts) as cheap descriptors; only the visible window is laid out
  const rows: ({ group: string; n: number } | HostView)[] = [];
  let selRow = 0;
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i];
    if (i === 0 || hosts[i - 1].group !== h.group) {
      let n = 0;
      for (let j = i; j < hosts.length && hosts[j].group === h.group; j++) n++;
      rows.push({ group: h.group, n });
    }
    if (h.address === selected) selRow = rows.length;
    rows.push(h);
  }
  const top = rows.length <= height ? 0 : Math.max(0, Math.min(selRow - Math.floor(height / 3), rows.length - height));
  const view = rows.slice(top, top + height).map((r): Line => {
    if ('address' in r) return hostLine(r, r.address === selected, width);
    const title = `── ${groupTitle(r.group)}${groupTitle(r.group) !== r.group ? ` (${r.group})` : ''} · ${r.n} `;
    return [{ text: title + '─'.repeat(Math.max(0, width - title.length)), dim: true }];
  });
  if (top > 0) view[0] = fit([{ text: `  ↑ ${top} more`, dim: true }], width);
  if (top + height < rows.length) view[view.length - 1] = fit([{ text: `  ↓ ${rows.length - top - height} more`, dim: true }], width);
  return view;
}

export function HostMap(props: { snapshot: MapSnapshot | null; hosts: HostView[]; selected: string | null; width: number; height: number }) {
  return <Lines lines={hostMapLines(props.snapshot, props.hosts, props.selected, props.width, props.height)} />;
}

/**
 * Header: two lines — what is watched and its state (replaying ×speed, paused, finished; capturing,
 * stopped, interface down) with the newest capture time; then packets, rate, drops, flows, hosts and
 * findings by severity.
 */
import type { MapSnapshot } from '../watch/snapshot.js';
import { Lines } from './Lines.js';
import { clock, count, fit, lineLength, SEVERITY_COLOR, type Line, type Segment } from './style.js';
import { inDateRange } from '../report/time.js';

function stateSegment(s: MapSnapshot): Segment {
  const m = s.meta;
  if (m.state === 'paused') return { text: '❚❚ paused', color: 'yellow', bold: true };
  if (m.state === 'ended') {
    if (m.endReason === 'interface-down') return { text: '■ interface down', color: 'red', bold: true };
    if (m.endReason === 'capture-failed') return { text: '■ capture failed', color: 'red', bold: true };
    if (m.mode === 'replay' && m.endReason === 'end-of-input') return { text: '■ finished', color: 'cyan', bold: true };
    return { text: '■ stopped', color: 'cyan', bold: true };
  }
  if (m.mode === 'live') return { text: '● capturing', color: 'green', bold: true };
  return { text: `▶ ${m.speed === 'max' ? 'max speed' : `×${m.speed}`}`, color: 'green', bold: true };
}

/** The header's lines for `width` columns. */
export function headerLines(s: MapSnapshot | null, width: number): Line[] {
  if (!s) return [[{ text: 'sepflow', bold: true }, { text: '  starting…' }], []];
  const m = s.meta;
  const right: Line = [{ text: s.lastTs === null ? 'no packet yet' : inDateRange(s.lastTs) ? `${clock(s.lastTs)} UTC` : clock(s.lastTs), dim: s.lastTs === null }];
  const title: Line = [{ text: 'sepflow ', bold: true }, { text: `${m.mode} ` }];
  const state = stateSegment(s);
  const room = width - lineLength(title) - lineLength(right) - state.text.length - 4;
  const label = m.label.length > room ? '…' + m.label.slice(m.label.length - Math.max(1, room - 1)) : m.label;
  const left: Line = [...title, { text: label, color: 'cyan' }, { text: '  ' }, state];
  const gap = Math.max(1, width - lineLength(left) - lineLength(right));
  const l1: Line = [...left, { text: ' '.repeat(gap) }, ...right];

  const drops =
    m.live !== null
      ? `rcvd ${count(m.live.received)} dropped ${count(m.live.dropped)}`
      : `drops ${s.report.evidence.dropped_packets ?? '-'}`;
  const f = s.findingsBySeverity;
  const base = `${count(s.packets)} pkts ${count(m.pps)}/s  ${drops}  ${count(s.flows)} flows  ${count(s.hosts.length)} hosts  `;
  const long: Line = [
    { text: base },
    { text: 'findings ' },
    { text: `${f.high} high`, color: f.high ? SEVERITY_COLOR.high : undefined, bold: f.high > 0 },
    { text: ` ${f.medium} med`, color: f.medium ? SEVERITY_COLOR.medium : undefined },
    { text: ` ${f.low} low` },
    { text: ` ${f.info} info`, dim: true },
  ];
  const short: Line = [
    { text: base },
    { text: `${f.high}H`, color: f.high ? SEVERITY_COLOR.high : undefined, bold: f.high > 0 },
    { text: ` ${f.medium}M`, color: f.medium ? SEVERITY_COLOR.medium : undefined },
    { text: ` ${f.low}L ${f.info}I` },
  ];
  return [fit(l1, width), fit(lineLength(long) <= width ? long : short, width)];
}

export function Header({ snapshot, width }: { snapshot: MapSnapshot | null; width: number }) {
  return <Lines lines={headerLines(snapshot, width)} />;
}

/**
 * Footer: two lines — the selected host's reason (or the search being typed, or a message), then the keys.
 */
import type { HostView, MapSnapshot } from '../watch/snapshot.js';
import { Lines } from './Lines.js';
import { bytes, fit, STATUS_STYLE, type Line } from './style.js';

export interface FooterState {
  view: 'map' | 'detail' | 'help';
  searching: boolean;
  query: string;
  onlyProblems: boolean;
}

export function footerLines(s: MapSnapshot | null, host: HostView | null, st: FooterState, width: number): Line[] {
  let info: Line;
  if (st.searching) info = [{ text: '/', color: 'cyan', bold: true }, { text: st.query }, { text: '▏', color: 'cyan' }, { text: '   Enter: keep  Esc: clear', dim: true }];
  else if (s?.meta.endMessage) info = [{ text: s.meta.endMessage, color: 'red' }];
  else if (host) {
    const hs = STATUS_STYLE[host.status];
    info = [
      { text: host.address, bold: true },
      { text: ` ${host.roles.join('/') || 'no SEP role'}: ` },
      host.reason
        ? { text: host.reason, color: hs.color }
        : { text: `${hs.word}; out ${host.pktsOut} pkts ${bytes(host.bytesOut)}, in ${host.pktsIn} pkts ${bytes(host.bytesIn)}`, dim: true },
    ];
  } else info = [];
  if (!st.searching && st.query) info = [{ text: `search "${st.query}"  `, color: 'cyan' }, ...info];

  const ended = s?.meta.state === 'ended';
  let keys: string;
  if (st.view === 'help') keys = 'any key: back';
  else if (st.view === 'detail') keys = '↑↓ scroll  Esc back  ? help  q quit';
  else {
    const pause = s?.meta.mode === 'replay' && !ended ? (s.meta.state === 'paused' ? '  space resume' : '  space pause') : '';
    keys = `↑↓ move  ⏎ detail  f ${st.onlyProblems ? 'all hosts' : 'problems'}  / search${pause}  ? help  q quit`;
  }
  if (ended) keys += ' (writes the report)';
  return [fit(info, width), fit([{ text: keys, dim: true }], width)];
}

export function Footer(props: { snapshot: MapSnapshot | null; host: HostView | null; state: FooterState; width: number }) {
  return <Lines lines={footerLines(props.snapshot, props.host, props.state, props.width)} />;
}

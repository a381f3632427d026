/**
 * Help: keys and the status legend (`?` opens it, any key closes it).
 */
import { Lines } from './Lines.js';
import { fit, STATUS_STYLE, type Line } from './style.js';
import type { Status } from '../watch/snapshot.js';

const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'move between hosts (PgUp PgDn, g G: page, first, last)'],
  ['Enter', "a host's detail: services, findings with evidence, flows"],
  ['Esc ← Backspace', 'back to the map'],
  ['f', 'only hosts with problems or findings / all hosts'],
  ['/', 'search by address, name or role; Enter keeps it, Esc clears it'],
  ['space', 'pause / resume a replay'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit; the report is written on the way out'],
];

const MEANING: Record<Status, string> = {
  ok: 'talks as the SEP port table expects',
  'blocked-dropped': 'SYNs never answered: a firewall drops them, or the host is down',
  'blocked-refused': 'refused with a RST (or an ICMP unreachable)',
  'blocked-half-open': 'answered, but the initiator never completed the handshake',
  unexpected: 'a SEP port in the wrong direction, between the wrong roles, or a local-only port on the wire',
  absent: 'expected for its role, never seen',
  inconclusive: 'the capture cannot tell (too short, one-sided, drops)',
  none: 'no SEP role: nothing to judge',
};

/** The help's lines (19 at most: it fits the body of an 80×24 map; cut to `height`). */
export function helpLines(width: number, live: boolean, height = 19): Line[] {
  const out: Line[] = [[{ text: 'Keys', bold: true }]];
  for (const [k, what] of KEYS) {
    if (live && k === 'space') continue;
    out.push([{ text: `  ${k.padEnd(16)}`, color: 'cyan' }, { text: what }]);
  }
  out.push([{ text: 'Status', bold: true }]);
  for (const [s, st] of Object.entries(STATUS_STYLE) as [Status, (typeof STATUS_STYLE)[Status]][]) {
    out.push([{ text: `  ${st.glyph} `, color: st.color, bold: true }, { text: st.word.padEnd(20), color: st.color }, { text: MEANING[s], dim: true }]);
  }
  out.push([{ text: 'decl/infr: roles declared (--site) or inferred; ports in green are ok, problems first', dim: true }]);
  return out.slice(0, height).map((l) => fit(l, width));
}

export function Help({ width, live, height }: { width: number; live: boolean; height: number }) {
  return <Lines lines={helpLines(width, live, height)} />;
}

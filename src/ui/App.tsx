/**
 * App: the live per-host map. Renders the newest snapshot from a SnapshotStore — header, map (or a host's
 * detail, or the help), footer — in `rows − 1` lines of `columns` characters (one row spare, so Ink updates
 * in place instead of clearing the screen), and handles the keyboard:
 * arrows/j k move, Enter detail, Esc back, f problems only, / search, space pause (replay), ? help, q quit.
 */
import { Box, useInput, useStdout, type Key } from 'ink';
import { useEffect, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import type { MapSnapshot } from '../watch/snapshot.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { Help } from './Help.js';
import { HostDetail, hostDetailLines } from './HostDetail.js';
import { HostMap, visibleHosts } from './HostMap.js';
import { Lines } from './Lines.js';
import type { SnapshotStore } from './store.js';

/** What the keys can ask of whoever runs the app. */
export interface AppControls {
  /** pause or resume a replay; absent for a live capture */
  togglePause?: () => void;
  /** stop watching and write the report */
  quit: () => void;
}

export interface AppProps {
  store: SnapshotStore;
  controls: AppControls;
  /** fixed size (tests); default: the terminal's, following resizes */
  size?: { columns: number; rows: number };
}

/** Smallest usable terminal. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const on = () => setSize(read());
    stdout.on('resize', on);
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

/** The app's own state: which view, which host, the filter and the search. */
export interface UiState {
  view: 'map' | 'detail' | 'help';
  /** the view `help` returns to */
  back: 'map' | 'detail';
  /** selected host address (null: the first one shown) */
  selected: string | null;
  onlyProblems: boolean;
  query: string;
  /** the search line is being typed */
  searching: boolean;
  /** first detail line shown */
  detailTop: number;
}

export const INITIAL_UI: UiState = { view: 'map', back: 'map', selected: null, onlyProblems: false, query: '', searching: false, detailTop: 0 };

/** What a key asks of the outside world. */
export type KeyEffect = 'quit' | 'pause' | null;

/** The subset of Ink's Key the app reads. */
export type KeyInfo = Pick<Key, 'upArrow' | 'downArrow' | 'leftArrow' | 'pageUp' | 'pageDown' | 'return' | 'escape' | 'backspace' | 'delete' | 'ctrl' | 'meta'>;

/**
 * Applies one key press (pure).
 * @param snapshot the newest snapshot (the hosts the map shows are derived from it and the state)
 * @param detailLength lines of the selected host's detail
 * @param bodyHeight rows of the map / detail area
 */
export function handleKey(
  st: UiState,
  input: string,
  key: KeyInfo,
  snapshot: MapSnapshot | null,
  detailLength: number,
  bodyHeight: number,
): { state: UiState; effect: KeyEffect } {
  const same = { state: st, effect: null };
  if (key.ctrl && input === 'c') return { state: st, effect: 'quit' };
  if (st.searching) {
    if (key.escape) return { state: { ...st, query: '', searching: false }, effect: null };
    if (key.return) return { state: { ...st, searching: false }, effect: null };
    if (key.backspace || key.delete) return { state: { ...st, query: st.query.slice(0, -1) }, effect: null };
    if (input && !key.ctrl && !key.meta && !key.upArrow && !key.downArrow) return { state: { ...st, query: st.query + input }, effect: null };
    return same;
  }
  if (input === 'q') return { state: st, effect: 'quit' };
  if (st.view === 'help') return { state: { ...st, view: st.back }, effect: null };
  if (input === '?') return { state: { ...st, back: st.view, view: 'help' }, effect: null };
  if (input === ' ') return { state: st, effect: 'pause' };
  if (st.view === 'detail') {
    const scroll = (d: number) => ({ state: { ...st, detailTop: Math.max(0, Math.min(st.detailTop + d, detailLength - bodyHeight)) }, effect: null });
    if (key.escape || key.leftArrow || key.backspace || key.delete || key.return) return { state: { ...st, view: 'map' }, effect: null };
    if (key.upArrow || input === 'k') return scroll(-1);
    if (key.downArrow || input === 'j') return scroll(1);
    if (key.pageUp) return scroll(-bodyHeight);
    if (key.pageDown) return scroll(bodyHeight);
    return same;
  }
  const hosts = visibleHosts(snapshot, st);
  const i = Math.max(0, hosts.findIndex((h) => h.address === st.selected));
  const move = (d: number) => (hosts.length ? { state: { ...st, selected: hosts[Math.max(0, Math.min(hosts.length - 1, i + d))].address }, effect: null } : same);
  if (key.upArrow || input === 'k') return move(-1);
  if (key.downArrow || input === 'j') return move(1);
  if (key.pageUp) return move(-bodyHeight);
  if (key.pageDown) return move(bodyHeight);
  if (input === 'g') return move(-hosts.length);
  if (input === 'G') return move(hosts.length);
  if (key.return && hosts.length) return { state: { ...st, selected: hosts[i].address, detailTop: 0, view: 'detail' }, effect: null };
  if (input === 'f') return { state: { ...st, onlyProblems: !st.onlyProblems }, effect: null };
  if (input === '/') return { state: { ...st, query: '', searching: true }, effect: null };
  if (key.escape && st.query) return { state: { ...st, query: '' }, effect: null };
  return same;
}

/**
 * Ink hands over plain text that arrives in one read (fast typing, a paste, tmux send-keys) as one input:
 * split it into one key per character (`\r` = Enter, DEL = Backspace).
 */
export function splitKeys(input: string, key: KeyInfo): [string, KeyInfo][] {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || input.includes('\x1b')) return [[input, key]];
  const none: KeyInfo = { upArrow: false, downArrow: false, leftArrow: false, pageUp: false, pageDown: false, return: false, escape: false, backspace: false, delete: false, ctrl: false, meta: false };
  return chars.map((c): [string, KeyInfo] =>
    c === '\r' || c === '\n' ? ['', { ...none, return: true }] : c === '\x7f' || c === '\b' ? ['', { ...none, backspace: true }] : [c, none],
  );
}

export function App({ store, controls, size }: AppProps) {
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { columns, rows } = useTerminalSize(size);
  // keys can arrive faster than renders: the state lives in a ref that every key updates at once
  const ui = useRef<UiState>(INITIAL_UI);
  const [, rerender] = useReducer((n: number) => n + 1, 0);

  const width = Math.max(20, columns);
  const height = Math.max(1, rows - 1);
  const bodyHeight = Math.max(1, height - 4);
  const st = ui.current;
  const hosts = visibleHosts(snapshot, st);
  const current = hosts.find((h) => h.address === st.selected) ?? hosts[0] ?? null;
  const latest = useRef({ snapshot, width, bodyHeight });
  latest.current = { snapshot, width, bodyHeight };

  useInput((input, key) => {
    for (const [i, k] of splitKeys(input, key)) {
      const l = latest.current;
      const cur = ui.current;
      const sel = visibleHosts(l.snapshot, cur).find((h) => h.address === cur.selected) ?? visibleHosts(l.snapshot, cur)[0];
      const detailLength = cur.view === 'detail' && l.snapshot && sel ? hostDetailLines(l.snapshot, sel, l.width).length : 0;
      const r = handleKey(cur, i, k, l.snapshot, detailLength, l.bodyHeight);
      ui.current = r.state;
      if (r.effect === 'quit') return controls.quit();
      if (r.effect === 'pause') controls.togglePause?.();
    }
    rerender();
  });

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return <Lines lines={[[{ text: `sepflow: the terminal is ${columns}×${rows}; the map needs at least ${MIN_COLUMNS}×${MIN_ROWS}.` }], [{ text: 'q quits.', dim: true }]]} />;
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header snapshot={snapshot} width={width} />
      <Box flexDirection="column" height={bodyHeight}>
        {st.view === 'help' ? (
          <Help width={width} live={snapshot?.meta.mode === 'live'} height={bodyHeight} />
        ) : st.view === 'detail' && snapshot && current ? (
          <HostDetail snapshot={snapshot} host={current} top={st.detailTop} width={width} height={bodyHeight} />
        ) : (
          <HostMap snapshot={snapshot} hosts={hosts} selected={current?.address ?? null} width={width} height={bodyHeight} />
        )}
      </Box>
      <Footer snapshot={snapshot} host={current} state={st} width={width} />
    </Box>
  );
}

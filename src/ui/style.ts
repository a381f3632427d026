/**
 * Styles and formatting for the terminal map: one glyph and colour per status, line segments cut to a
 * width, numbers and times in short forms. Pure; no Ink here.
 */
import type { Status } from '../watch/snapshot.js';
import { formatTime } from '../report/time.js';

/** A run of text with one style. */
export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

/** One screen line. */
export type Line = Segment[];

/** Glyph, colour and word per status (the word is what the help and the detail view print). */
export const STATUS_STYLE: Readonly<Record<Status, { glyph: string; color: string; word: string }>> = {
  ok: { glyph: '✓', color: 'green', word: 'ok' },
  'blocked-dropped': { glyph: '✗', color: 'red', word: 'blocked-dropped' },
  'blocked-refused': { glyph: '⊘', color: 'red', word: 'blocked-refused' },
  'blocked-half-open': { glyph: '◐', color: 'red', word: 'blocked-half-open' },
  unexpected: { glyph: '!', color: 'yellow', word: 'unexpected' },
  absent: { glyph: '○', color: 'yellow', word: 'expected-but-absent' },
  inconclusive: { glyph: '?', color: 'gray', word: 'inconclusive' },
  none: { glyph: '·', color: 'gray', word: 'no SEP role' },
};

export const SEVERITY_COLOR: Readonly<Record<string, string>> = { high: 'red', medium: 'yellow', low: 'cyan', info: 'gray' };

/** Character count of a line. */
export function lineLength(l: Line): number {
  let n = 0;
  for (const s of l) n += [...s.text].length;
  return n;
}

/** Cuts a line to `width` characters, ending in `…` when cut. */
export function fit(l: Line, width: number): Line {
  if (width <= 0) return [];
  if (lineLength(l) <= width) return l;
  const out: Line = [];
  let left = width - 1;
  for (const s of l) {
    const chars = [...s.text];
    if (chars.length <= left) {
      out.push(s);
      left -= chars.length;
      continue;
    }
    if (left > 0) out.push({ ...s, text: chars.slice(0, left).join('') });
    out.push({ text: '…', dim: true });
    break;
  }
  if (out.length === 0 || out[out.length - 1].text !== '…') out.push({ text: '…', dim: true });
  return out;
}

/** Pads a line with spaces to exactly `width` (cutting it when longer). */
export function padLine(l: Line, width: number): Line {
  const f = fit(l, width);
  const n = lineLength(f);
  return n < width ? [...f, { text: ' '.repeat(width - n) }] : f;
}

/** Wraps plain text to lines of at most `width`, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 0): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    const limit = out.length === 0 ? width : width - indent;
    if (cur && (cur + ' ' + w).length > limit) {
      out.push(cur);
      cur = w;
    } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur || out.length === 0) out.push(cur);
  return out.map((l, i) => (i === 0 ? l : ' '.repeat(indent) + l));
}

/** 999, 1.2k, 45k, 1.2M. */
export function count(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  if (n < 10_000_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${Math.round(n / 1e6)}M`;
}

/** 512 B, 1.2 kB, 3.4 MB (powers of 1000). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

/** `01:40:52` (UTC) for a time in seconds since the epoch; `@<seconds> s` beyond the date range; `-` for null. */
export function clock(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '-';
  return formatTime(ts, 'clock');
}

/** `2026-11-30 01:40:52 UTC`; `@<seconds> s (beyond the date range)` when no date can show it. */
export function dateTime(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '-';
  return formatTime(ts, 'dateTime');
}

/**
 * Capture timestamps as text, in one place. A timestamp is seconds since the epoch, read from the file;
 * any value is legal file content (a pcapng interface with `if_tsresol = 0` whose fields hold microseconds,
 * a damaged timestamp-high field), and a JavaScript Date holds only ±8.64e15 ms (year 275760), so a time
 * outside that range — or not a number at all — is written as the number itself, never thrown over.
 */

/** The styles: `report` `2026-11-30 01:40:47.835 UTC`, `stamp` `2026-11-30 01:40:47.835`,
 * `dateTime` `2026-11-30 01:40:47 UTC`, `clock` `01:40:47` (all UTC). */
export type TimeStyle = 'report' | 'stamp' | 'dateTime' | 'clock';

/**
 * The ISO form (`2026-11-30T01:40:47.835Z`) of `ts` seconds since the epoch.
 * @returns null when a Date cannot hold the time (non-finite, or beyond ±8.64e12 s)
 */
export function isoTime(ts: number): string | null {
  if (!Number.isFinite(ts)) return null;
  const d = new Date(ts * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** True when `ts` (seconds since the epoch) can be written as a date. */
export function inDateRange(ts: number): boolean {
  return isoTime(ts) !== null;
}

/** `@9223372034881.6 s (beyond the date range)`, `@NaN s (not a time)`: a time no date can show. */
export function outOfRange(ts: number): string {
  return Number.isNaN(ts) ? `@${ts} s (not a time)` : `@${ts} s (beyond the date range)`;
}

/**
 * `ts` seconds since the epoch as text in `style`; a time a Date cannot hold as {@link outOfRange} (the
 * `clock` style, for narrow columns, as just `@<seconds> s`). Never throws.
 */
export function formatTime(ts: number, style: TimeStyle): string {
  const iso = isoTime(ts);
  if (iso === null) return style === 'clock' ? `@${ts} s` : outOfRange(ts);
  // years beyond 9999 (or before 0) are written `+275760-…`/`-000001-…`: cut at the T and the dot, not at fixed columns
  const t = iso.indexOf('T');
  switch (style) {
    case 'report':
      return iso.replace('T', ' ').replace(/\.(\d{3})Z$/, '.$1 UTC');
    case 'stamp':
      return iso.replace('T', ' ').replace('Z', '');
    case 'dateTime':
      return iso.slice(0, t + 9).replace('T', ' ') + ' UTC';
    case 'clock':
      return iso.slice(t + 1, t + 9);
  }
}

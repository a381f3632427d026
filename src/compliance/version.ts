/**
 * SEP product versions as the vendor writes them — "12.1", "12.1.5", "12.1.6 MP10", "14.0.1", "14.2",
 * "14.3 RU8" — parsed into comparable number tuples, and the catalogue's version ranges
 * (catalogue/README.md: `from` inclusive, `until` inclusive of the whole line, e.g. "12.1.x").
 *
 * Not semver: SEP versions have no pre-release tags and carry maintenance-pack (MP) / release-update
 * (RU) suffixes, so semver would reject "14.3 RU8".
 */

/** A parsed version: [major, minor, patch, mp-or-ru]; missing parts are 0. */
export type SepVersion = readonly [number, number, number, number];

const VERSION_RE = /^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\s*(?:RU|MP)\s*(\d+))?\s*$/i;

/**
 * Parses a SEP version string.
 * @returns the tuple, or null when the text is not a version (e.g. "fourteen").
 */
export function parseSepVersion(text: string): SepVersion | null {
  const m = VERSION_RE.exec(text);
  if (!m) return null;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)];
}

/** Orders two versions: negative when a < b, 0 when equal, positive when a > b. */
export function compareSepVersions(a: SepVersion, b: SepVersion): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `v` lies in a catalogue range.
 * @param from first version (inclusive), or null for "all"
 * @param until last version line, inclusive of the whole line ("12.1.x" = every 12.1 release); null = open
 */
export function versionInRange(v: SepVersion, from: string | null, until: string | null): boolean {
  if (from !== null) {
    const f = parseSepVersion(from.replace(/\.x$/, ''));
    if (f && compareSepVersions(v, f) < 0) return false;
  }
  if (until !== null) {
    const parts = until.replace(/\.x$/, '').split('.').map(Number);
    // compare only as many components as `until` names: 12.1.x covers 12.1.*, 14 covers 14.*
    for (let i = 0; i < parts.length; i++) {
      if (v[i] < parts[i]) return true;
      if (v[i] > parts[i]) return false;
    }
  }
  return true;
}

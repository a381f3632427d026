/**
 * A one-line progress bar on standard error while `sepflow analyse` reads its inputs, only when standard error
 * is a terminal (nothing on a pipe or a file): bytes read of the total size, percent, packets per second, e.g.
 *   `[##########----------]  48%  341.2 / 709.9 MB  512,340 packets/s`
 * Redrawn every 250 ms (a timer, so it costs the hot path nothing; it fires between file reads) and erased
 * when reading ends. Sizes of inputs that are not regular files (standard input) are unknown: then only the
 * bytes read and the rate are shown.
 */
import { statSync } from 'node:fs';
import type { FrameSource } from '../source/frame.js';

/** The part of a terminal stream the bar needs. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Size in bytes of each input that is a regular file; null for the others (standard input, pipes). */
function sizeOf(path: string): number | null {
  if (path === '-') return null;
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/**
 * The bar's text (pure, for tests).
 * @param read bytes read so far; @param total bytes in all inputs, or null when unknown
 * @param pps packets per second; @param width bar width in characters
 */
export function progressLine(read: number, total: number | null, pps: number, width = 20): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const rate = `${Math.round(pps).toLocaleString('en-US')} packets/s`;
  if (total === null || total <= 0) return `${mb(read)} MB read  ${rate}`;
  const f = Math.min(1, read / total);
  const done = Math.round(f * width);
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${String(Math.floor(f * 100)).padStart(3)}%  ${mb(read)} / ${mb(total)} MB  ${rate}`;
}

/**
 * Starts the bar for `sources` when `out` is a terminal; returns the function that stops and erases it
 * (a no-op when nothing was started).
 * @param packets returns the number of packets processed so far
 */
export function startProgress(sources: readonly FrameSource[], packets: () => number, out: ProgressStream, intervalMs = 250): () => void {
  if (!out.isTTY) return () => {};
  const sizes = sources.map((s) => sizeOf(s.path));
  const total = sizes.some((s) => s === null) ? null : sizes.reduce<number>((a, b) => a + (b ?? 0), 0);
  const t0 = process.hrtime.bigint();
  let shown = false;
  const timer = setInterval(() => {
    const read = sources.reduce((n, s) => n + s.stats.bytesRead, 0);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const line = progressLine(read, total, secs > 0 ? packets() / secs : 0);
    out.write(`\r${line.slice(0, Math.max(10, (out.columns || 80) - 1))}\x1b[K`);
    shown = true;
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (shown) out.write('\r\x1b[K');
  };
}

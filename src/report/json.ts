/**
 * The JSON report, written in pieces: the same bytes as `JSON.stringify(report, null, 2) + '\n'`, without
 * ever holding the whole text. On 100,000 flows that text is ~90 MB (one-byte string) on top of the report
 * object it is made from; written this way the largest piece is the report without its flows (hosts, matrix,
 * findings), then the flows go out in batches of 256, each stringified by JSON.stringify itself.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Report } from './model.js';

/** Flows stringified per piece (~0.9 kB of text each: pieces of ~230 kB). */
const BATCH = 256;

/**
 * Writes `report` as indented JSON through `write`, byte for byte what `JSON.stringify(report, null, 2) + '\n'`
 * gives (the `flows` array is the last key of Report, so the head is stringified with `flows: []` and the
 * flows are spliced in batch by batch).
 * @param write receives consecutive pieces of the text
 */
export function writeJsonReport(report: Report, write: (chunk: string) => void): void {
  const head = JSON.stringify({ ...report, flows: [] }, null, 2);
  const tail = '"flows": []\n}';
  if (report.flows.length === 0 || !head.endsWith(tail)) {
    // (the second test only guards against a future key after `flows`: then fall back to the plain way)
    write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  write(head.slice(0, head.length - tail.length) + '"flows": [\n');
  // a batch stringified as `{ flows: batch }` is indented exactly as in the whole report: cut its first two
  // lines and its last two, and what is left are the batch's flows, each at the report's depth
  const open = '{\n  "flows": [\n';
  const close = '\n  ]\n}';
  const flows = report.flows;
  for (let i = 0; i < flows.length; i += BATCH) {
    const text = JSON.stringify({ flows: flows.slice(i, i + BATCH) }, null, 2);
    write((i > 0 ? ',\n' : '') + text.slice(open.length, text.length - close.length));
  }
  write('\n  ]\n}\n');
}

/**
 * Writes the JSON report to a file (created or truncated) with synchronous writes of each piece.
 * @throws the file system's error when the file cannot be opened or written
 */
export function writeJsonReportFile(report: Report, path: string): void {
  const fd = openSync(path, 'w');
  try {
    writeJsonReport(report, (chunk) => {
      const b = Buffer.from(chunk, 'utf8');
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * The JSON report, written in pieces: the same bytes as `JSON.stringify(report, null, 2) + '\n'`, without
 * ever holding the whole text. On 100,000 flows that text is ~90 MB (one-byte string) on top of the report
 * object it is made from; written this way the largest piece is the report without its flows (hosts, matrix,
 * findings) and each flow is stringified on its own (~0.9 kB) and handed to `write` in chunks of ~64 KiB.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Report } from './model.js';

/** Size (UTF-16 code units) at which buffered flow texts are handed to `write`. */
const CHUNK = 64 * 1024;

/**
 * Writes `report` as indented JSON through `write`, byte for byte what `JSON.stringify(report, null, 2) + '\n'`
 * gives (the `flows` array is the last key of Report, so the head is stringified with `flows: []` and the
 * flows are spliced in one by one; a JSON string never contains a raw newline, so re-indenting each flow's
 * text by replacing `\n` is exact).
 * @param write receives consecutive pieces of the text (each ≤ ~64 KiB plus one flow, except the head)
 */
export function writeJsonReport(report: Report, write: (chunk: string) => void): void {
  const head = JSON.stringify({ ...report, flows: [] }, null, 2);
  const tail = '"flows": []\n}';
  if (report.flows.length === 0 || !head.endsWith(tail)) {
    // (the second test only guards against a future key after `flows`: then fall back to the plain way)
    write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  let buf = head.slice(0, head.length - tail.length) + '"flows": [\n    ';
  const flows = report.flows;
  for (let i = 0; i < flows.length; i++) {
    if (i > 0) buf += ',\n    ';
    buf += JSON.stringify(flows[i], null, 2).replace(/\n/g, '\n    ');
    if (buf.length >= CHUNK) {
      write(buf);
      buf = '';
    }
  }
  write(buf + '\n  ]\n}\n');
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

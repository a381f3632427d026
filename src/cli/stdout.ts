/**
 * Synchronous writes to standard output with backpressure: a large report (90 MB of JSON for 100,000 flows)
 * piped into a slow reader (`| jq`, `| less`) waits for the reader instead of queueing the whole text in memory
 * as `process.stdout.write` does. When libuv has made the pipe non-blocking (EAGAIN), the write sleeps 1 ms and
 * tries again. A reader that went away (EPIPE) ends sepflow quietly with status 141, as bin/sepflow.js does for
 * asynchronous writes.
 */
import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to file descriptor `fd` (default 1, standard output), blocking until done.
 * @throws the file system's error for anything but EAGAIN (retried) and EPIPE (exit 141)
 */
export function writeAllSync(bytes: Uint8Array, fd = 1): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(141);
      else throw e;
    }
  }
}

/**
 * Exit statuses and the user-facing error type of the CLI (one error boundary in main.ts).
 */
import type { CaptureOpenError } from '../source/frame.js';

/** Exit statuses, as documented in `sepflow --help` and the README. */
export const Exit = {
  /** no finding at or above --fail-on */
  Ok: 0,
  /** at least one finding at or above --fail-on */
  Findings: 1,
  /** bad usage, or an input that could not be read at all (nothing was analysed) */
  Usage: 2,
  /** the report was written, but an input was damaged and read only up to the damage */
  PartialInput: 3,
  /** live capture: the report was written, but the capture ended early (the interface went down or the capture failed) */
  CaptureEnded: 4,
  /** a bug in sepflow (an exception nobody expected); the message asks for a report */
  Internal: 70,
} as const;

/** An error meant for the user: printed as one line `sepflow: <message>` and mapped to an exit status. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = Exit.Usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Open errors about the file system, not the file's content: they have no meaningful byte offset. */
const FILE_SYSTEM_ERRORS = new Set(['file_not_found', 'file_is_directory', 'file_permission_denied', 'file_read_error', 'file_stdin_terminal']);

/**
 * The one stderr line (without the `sepflow: ` prefix) for an input that cannot be read at all: the file,
 * what is wrong, the error code and, for problems in the content, the byte offset, e.g.
 * `x.pcap: pcap format version 2.5 is not supported (...). [pcap_version_unsupported at byte 4]`.
 */
export function openErrorLine(e: CaptureOpenError): string {
  return `${e.file}: ${e.message} [${e.code}${FILE_SYSTEM_ERRORS.has(e.code) ? '' : ` at byte ${e.offset}`}]`;
}

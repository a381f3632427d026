/**
 * Exit statuses and the user-facing error type of the CLI (one error boundary in main.ts).
 */

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

/**
 * The capture inputs of a command, opened together before any is read.
 */
import { CaptureOpenError, type FrameSource } from '../source/frame.js';
import { openCapture } from '../source/open.js';
import { openErrorLine, UserError } from './errors.js';

/**
 * Opens every input before anything is read: an unreadable one stops the run with its one line (openErrorLine)
 * and the inputs already opened are closed.
 * @throws UserError for an input that cannot be opened; other errors as they are
 */
export async function openInputs(files: readonly string[]): Promise<FrameSource[]> {
  const sources: FrameSource[] = [];
  try {
    for (const f of files) sources.push(await openCapture(f));
  } catch (e) {
    for (const s of sources) await s.close();
    if (e instanceof CaptureOpenError) throw new UserError(openErrorLine(e));
    throw e;
  }
  return sources;
}

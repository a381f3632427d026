/**
 * startUi: shows the map full-screen on a terminal (the alternate screen, so the shell's screen comes back
 * unchanged and the report printed afterwards is not mixed with the map) until `close()`.
 */
import { render } from 'ink';
import { App, type AppControls } from './App.js';
import type { SnapshotStore } from './store.js';

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

export interface UiHandle {
  /** unmounts the app and restores the screen; idempotent */
  close(): void;
}

/**
 * @param onFrame called with the time each frame took to draw, ms (a PacedStore paces itself with it)
 */
export function startUi(
  store: SnapshotStore,
  controls: AppControls,
  io: { stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream } = process,
  onFrame?: (ms: number) => void,
): UiHandle {
  io.stdout.write(ENTER_ALT);
  let open = true;
  // leave the alternate screen even when the process ends without close() (a crash)
  const onExit = () => {
    if (open) io.stdout.write(LEAVE_ALT);
  };
  process.once('exit', onExit);
  const inst = render(<App store={store} controls={controls} />, {
    stdout: io.stdout,
    stdin: io.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 20,
    onRender: onFrame ? (m) => onFrame(m.renderTime) : undefined,
  });
  return {
    close() {
      if (!open) return;
      inst.unmount();
      inst.cleanup();
      io.stdout.write(LEAVE_ALT);
      open = false;
      process.off('exit', onExit);
    },
  };
}

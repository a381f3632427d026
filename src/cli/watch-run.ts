/**
 * What `sepflow live` and `sepflow replay` share: run a WatchSession over opened sources, show it (the Ink
 * map on a terminal, else one line per state change, or JSON lines), stop on q / Ctrl-C / SIGINT / SIGTERM /
 * --duration / the end of the input / the interface going down, then write the report through the same
 * buildReport → renderText (or JSON) as `sepflow analyse`, and return the exit status.
 */
import { writeFileSync } from 'node:fs';
import type { Engine } from '../engine.js';
import { EMPTY_PROFILE, loadProfile, ProfileError, type SiteProfile } from '../compliance/profile.js';
import { severityRank, type Severity } from '../compliance/rules.js';
import { renderText } from '../report/text.js';
import type { FrameSource } from '../source/frame.js';
import type { LiveSource } from '../source/live.js';
import { eventJson, eventLine } from '../watch/events.js';
import type { Speed } from '../watch/pacing.js';
import type { PcapngWriter } from '../watch/pcapng-writer.js';
import { WatchSession } from '../watch/session.js';
import { Exit, UserError } from './errors.js';
import { VERSION } from './version.js';

/** Loads `--site`, or the empty profile. @throws UserError naming the file, line and key */
export function loadSite(file: string | undefined): SiteProfile {
  if (!file) return EMPTY_PROFILE;
  try {
    return loadProfile(file);
  } catch (e) {
    if (e instanceof ProfileError) throw new UserError(e.message);
    throw e;
  }
}

export interface WatchRunOptions {
  mode: 'live' | 'replay';
  /** interface name, or the files joined */
  label: string;
  engine: Engine;
  /** opened sources, read in order */
  sources: FrameSource[];
  speed: Speed;
  /** false: never the map (--no-ui) */
  ui: boolean;
  jsonLines: boolean;
  /** write the report here on exit instead of standard output */
  report?: string;
  format: 'text' | 'json';
  failOn: Severity;
  /** live: stop after this many seconds */
  duration?: number;
  /** live: the capture (stats, stopping) */
  live?: LiveSource;
  /** live: -w recorder, closed at the end */
  recorder?: PcapngWriter;
  io: { stderr: (line: string) => void; stdout: (text: string) => void };
  /** the terminal, for the map (default: the process's) */
  tty?: { stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream };
}

/** Runs a live or replay session to its end and writes the report. @returns the exit status */
export async function runWatch(o: WatchRunOptions): Promise<number> {
  const session = new WatchSession(o.engine, {
    mode: o.mode,
    label: o.label,
    speed: o.speed,
    version: VERSION,
    liveStats: o.live ? () => o.live!.live : undefined,
    onFrame: o.recorder ? (f) => o.recorder!.write(f) : undefined,
  });
  const tty = o.tty ?? { stdout: process.stdout, stdin: process.stdin };
  const useUi = o.ui && !o.jsonLines && !!tty.stdout.isTTY && !!tty.stdin.isTTY;

  let quit: () => void = () => {};
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) {
      o.io.stderr('sepflow: interrupted again: exiting without writing the report');
      process.exit(130);
    }
    session.stop('stopped');
    quit();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = o.duration !== undefined ? setTimeout(() => session.stop('duration'), o.duration * 1000) : null;
  // a reader that goes away (`sepflow replay … | head`) ends the session quietly, as it would end tcpdump
  let stdoutGone = false;
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutGone = true;
    session.stop('stopped');
    quit();
  };
  process.stdout.on('error', onStdoutError);
  const out = (text: string) => {
    if (!stdoutGone) o.io.stdout(text);
  };

  let ui: { close(): void } | null = null;
  try {
    if (useUi) {
      // React's development build checks and times every render (and keeps the timings): 3× the work
      process.env.NODE_ENV ??= 'production';
      const [{ startUi }, { PacedStore }] = await Promise.all([import('../ui/run.js'), import('../ui/store.js')]);
      const store = new PacedStore();
      session.subscribe((s) => store.offer(s));
      ui = startUi(
        store,
        {
          quit: () => {
            session.stop('stopped');
            quit();
          },
          togglePause: o.mode === 'replay' ? () => session.togglePause() : undefined,
        },
        tty,
        (ms) => store.reportFrame(ms),
      );
      const close = ui.close;
      ui = {
        close: () => {
          store.close();
          close();
        },
      };
    } else {
      session.onEvents((events) => out(events.map((e) => (o.jsonLines ? eventJson(e) : eventLine(e)) + '\n').join('')));
    }
    const final = await session.run(o.sources, o.live ? () => o.live!.close() : undefined);
    // a finished replay stays on screen until the person quits
    if (ui && session.endReason === 'end-of-input') await quitting;
    ui?.close();
    ui = null;
    const st = o.live?.stats.interfaceStats?.[0];
    o.recorder?.close(st ? { startTs: st.startTs ?? st.ts, endTs: st.endTs ?? st.ts, ifRecv: st.ifRecv, filterAccept: st.filterAccept, osDrop: st.osDrop, usrDeliv: st.usrDeliv } : undefined);

    const report = final.report;
    const text = o.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderText(report);
    if (o.report) {
      try {
        writeFileSync(o.report, text);
      } catch (e) {
        throw new UserError(`${o.report}: cannot write the report: ${(e as Error).message}`);
      }
    } else if (o.jsonLines) {
      out(JSON.stringify({ type: 'report', report }) + '\n');
    } else {
      out(text);
    }

    let damaged = false;
    for (const f of report.capture.files) {
      if (!f.fault) continue;
      damaged = true;
      o.io.stderr(`sepflow: ${f.path}: read stopped at byte ${f.fault.offset} (${f.fault.code}): ${f.fault.message} The report covers the ${f.packets} packets before it.`);
    }
    if (o.live && o.live.live.dropped > 0) {
      o.io.stderr(`sepflow: ${o.live.live.dropped} of ${o.live.live.received} packets were dropped because analysis fell behind; the report does not cover them.`);
    }
    if (session.endReason === 'interface-down' || session.endReason === 'capture-failed') {
      o.io.stderr(`sepflow: ${session.endMessage ?? 'the capture ended early.'} The report covers the ${report.capture.packets} packets before it${o.report ? ` (written to ${o.report})` : ''}.`);
      return Exit.CaptureEnded;
    }
    if (damaged) return Exit.PartialInput;
    const threshold = severityRank(o.failOn);
    return report.findings.some((f) => !f.inconclusive && severityRank(f.severity) >= threshold) ? Exit.Findings : Exit.Ok;
  } finally {
    ui?.close();
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // the listener stays: an EPIPE from the last write (the report) is emitted after this returns
    for (const s of o.sources) await s.close();
  }
}

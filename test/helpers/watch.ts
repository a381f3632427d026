/**
 * Snapshots of real replayed captures for the map and event tests: a capture fed through Engine.consume
 * (the path every source takes), with a snapshot — the full analysis, as the watch session takes it —
 * after chosen numbers of packets.
 */
import path from 'node:path';
import { Engine } from '../../src/engine.js';
import { EMPTY_PROFILE, loadProfile } from '../../src/compliance/profile.js';
import { buildReport } from '../../src/report/model.js';
import { openCapture } from '../../src/source/open.js';
import { buildSnapshot, type MapSnapshot, type WatchMeta } from '../../src/watch/snapshot.js';
import { repoRoot } from './shared.js';

export const labPcap = path.join(repoRoot, 'captures', 'sep-lab.pcap');
export const labSite = path.join(repoRoot, 'captures', 'sep-lab.site.yaml');

export function meta(over: Partial<WatchMeta> = {}): WatchMeta {
  return { mode: 'replay', label: 'captures/sep-lab.pcap', speed: 1, state: 'running', endReason: null, endMessage: null, elapsed: 1, pps: 0, live: null, ...over };
}

/**
 * Replays `file` (default the shipped lab capture with its site profile; `site: null` for none) and takes a
 * snapshot after each packet count in `cuts`; counts at or beyond the capture's end give snapshots of the
 * finished replay (state ended).
 */
export async function snapshotsOf(cuts: number[], opts: { file?: string; site?: string | null } = {}): Promise<MapSnapshot[]> {
  const site = opts.site === undefined ? labSite : opts.site;
  const engine = new Engine(site ? loadProfile(site) : EMPTY_PROFILE);
  const out: MapSnapshot[] = [];
  const take = (m: WatchMeta) => out.push(buildSnapshot(buildReport(engine.result(), 'test'), m, out.length + 1, (id) => engine.services.byId(id)?.ports ?? []));
  const want = [...cuts].sort((a, b) => a - b);
  let i = 0;
  const source = await openCapture(opts.file ?? labPcap);
  await engine.consume({
    path: source.path,
    format: source.format,
    get stats() {
      return source.stats;
    },
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      let fed = 0;
      for await (const f of source) {
        // resumed only after the engine fed the previous frame: `fed` frames are in
        while (i < want.length && want[i] <= fed) {
          take(meta());
          i++;
        }
        yield f;
        fed++;
      }
    },
  });
  while (i++ < want.length) take(meta({ state: 'ended', endReason: 'end-of-input' }));
  return out;
}

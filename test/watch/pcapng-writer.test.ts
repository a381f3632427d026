/**
 * PcapngWriter (`sepflow live -w`): every frame of the shipped capture written and read back — by sepflow's
 * own pcapng reader and by tshark — with the same bytes, lengths, link type and microsecond timestamps, the
 * interface name, and the closing Interface Statistics Block's counters.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/source/open.js';
import type { Frame } from '../../src/source/frame.js';
import { PcapngWriter } from '../../src/watch/pcapng-writer.js';
import { describeTshark, repoRoot } from '../helpers/shared.js';

const lab = path.join(repoRoot, 'captures', 'sep-lab.pcap');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function frames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of await openCapture(file)) out.push({ ...f, data: Uint8Array.from(f.data) });
  return out;
}

async function writeLab(file: string, cut = 65535): Promise<Frame[]> {
  const src = await frames(lab);
  const w = new PcapngWriter(file, src[0].linkType, cut, 'lo', 'sepflow test');
  for (const f of src) {
    const caplen = Math.min(f.caplen, cut);
    w.write({ ...f, caplen, data: f.data.subarray(0, caplen) });
  }
  w.close({ startTs: 1_700_000_000.5, endTs: 1_700_000_010.25, ifRecv: src.length + 3, filterAccept: src.length + 3, osDrop: 3, usrDeliv: src.length });
  expect(w.frames).toBe(src.length);
  return src;
}

describe('PcapngWriter', () => {
  it('round-trips every frame through sepflow’s pcapng reader', async () => {
    const out = path.join(tmp, 'lab.pcapng');
    const src = await writeLab(out);
    const source = await openCapture(out);
    const back: Frame[] = [];
    for await (const f of source) back.push({ ...f, data: Uint8Array.from(f.data) });
    expect(source.format).toBe('pcapng');
    expect(source.stats.fault).toBeNull();
    expect(back.length).toBe(src.length);
    for (let i = 0; i < src.length; i++) {
      expect(back[i].linkType).toBe(src[i].linkType);
      expect(back[i].tsSec).toBe(src[i].tsSec);
      expect(back[i].tsNsec).toBe(Math.floor(src[i].tsNsec / 1000) * 1000);
      expect(back[i].origLen).toBe(src[i].origLen);
      expect(Buffer.from(back[i].data).equals(Buffer.from(src[i].data))).toBe(true);
    }
    const st = source.stats.interfaceStats?.[0];
    expect(st?.name).toBe('lo');
    expect(st?.ifRecv).toBe(src.length + 3);
    expect(st?.filterAccept).toBe(src.length + 3);
    expect(st?.osDrop).toBe(3);
    expect(st?.usrDeliv).toBe(src.length);
    expect(st?.startTs).toBeCloseTo(1_700_000_000.5, 5);
    expect(st?.endTs).toBeCloseTo(1_700_000_010.25, 5);
  });

  it('keeps the wire length of frames cut by the snaplen', async () => {
    const out = path.join(tmp, 'cut.pcapng');
    const src = await writeLab(out, 60);
    const back = await frames(out);
    const long = src.findIndex((f) => f.origLen > 60);
    expect(long).toBeGreaterThanOrEqual(0);
    expect(back[long].caplen).toBe(60);
    expect(back[long].origLen).toBe(src[long].origLen);
  });
});

describeTshark('PcapngWriter output read by tshark', () => {
  it('tshark reads the same number of frames with the same lengths and the interface name', async () => {
    const out = path.join(tmp, 'tshark.pcapng');
    const src = await writeLab(out);
    const lines = execFileSync('tshark', ['-n', '-r', out, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_name'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(lines.length).toBe(src.length);
    lines.forEach((l, i) => expect(l).toBe(`${src[i].origLen}\t${src[i].caplen}\tlo`));
  });
});

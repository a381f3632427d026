/**
 * Flow-state memory (issue 6: "flow state lives in a structure whose memory per flow is known and stated"):
 * the bytes per live flow (FlowState + bucket heads) and per finalised flow (FlowArchive) measured from the
 * typed arrays themselves equal the stated constants and stay within the 300-byte budget; and the packed form
 * a worker thread sends back makes exactly the records the table makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../../src/bench/generate.js';
import { ARCHIVED_FLOW_BYTES, unpackRecords } from '../../src/flow/archive.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { Engine } from '../../src/engine.js';
import { LIVE_FLOW_BYTES } from '../../src/flow/flow.js';
import { FlowTable } from '../../src/flow/table.js';
import { openCapture } from '../../src/source/open.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures');
const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bytes per flow', () => {
  it('live flows: the arrays hold LIVE_FLOW_BYTES per slot (≤ 300); archived flows ARCHIVED_FLOW_BYTES', () => {
    const t = new FlowTable({ isServicePort: () => false });
    const b = t.bytesPerFlow();
    expect(b.live).toBe(LIVE_FLOW_BYTES);
    expect(b.archived).toBe(ARCHIVED_FLOW_BYTES);
    expect(LIVE_FLOW_BYTES).toBeLessThanOrEqual(300);
    expect(ARCHIVED_FLOW_BYTES).toBeLessThanOrEqual(300);
  });

  it('still so after the arrays grew past their first capacity (10,000 flows)', async () => {
    const out = path.join(dir, 'g.pcapng');
    generateCapture({ out, packets: 60000, flows: 10000, hosts: 200, seed: 5, format: 'pcapng', ipv6Share: 0.1 });
    const e = new Engine(EMPTY_PROFILE);
    await e.consume(await openCapture(out));
    expect(e.flowCount).toBe(10000);
    const table = (e as unknown as { table: FlowTable }).table;
    expect(table.state.capacity).toBeGreaterThan(1024);
    const b = table.bytesPerFlow();
    expect(b.live).toBe(LIVE_FLOW_BYTES);
    expect(b.archived).toBe(ARCHIVED_FLOW_BYTES);
  });
});

describe('packed flows (what a --jobs worker sends back)', () => {
  const files = ['sep-lab.pcapng', 'sep-icmp.pcap', 'sep-violations.pcap', 'sep-blocked.pcapng'];
  it.each(files)('%s: unpacked records equal the table records', async (name) => {
    const a = new Engine(EMPTY_PROFILE);
    await a.consume(await openCapture(path.join(CAPTURES, name)));
    const records = a.partial().records;
    const b = new Engine(EMPTY_PROFILE);
    await b.consume(await openCapture(path.join(CAPTURES, name)));
    const packed = b.packedPartial();
    const unpacked = unpackRecords(structuredClone(packed.flows));
    expect(records.length).toBeGreaterThan(0);
    expect(unpacked).toEqual(records);
  });

  it('a generated capture with finalised and live flows, IPv6 and several histories', async () => {
    const out = path.join(dir, 'p.pcap');
    generateCapture({ out, packets: 20000, flows: 2000, hosts: 100, seed: 9, format: 'pcap', ipv6Share: 0.3 });
    const a = new Engine(EMPTY_PROFILE);
    await a.consume(await openCapture(out));
    const records = a.partial().records;
    const b = new Engine(EMPTY_PROFILE);
    await b.consume(await openCapture(out));
    const unpacked = unpackRecords(structuredClone(b.packedPartial().flows));
    expect(unpacked).toEqual(records);
    expect(new Set(records.map((r) => r.history)).size).toBeGreaterThan(3);
    expect(records.some((r) => r.ipVersion === 6)).toBe(true);
  });
});

/**
 * The streamed JSON report (src/report/json.ts) is byte for byte JSON.stringify(report, null, 2) + '\n', with the
 * flows rendered straight from the flow records (ReportFlows, src/report/model.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type AnalysisResult } from '../../src/engine.js';
import { EMPTY_PROFILE, loadProfile } from '../../src/compliance/profile.js';
import type { Classification } from '../../src/compliance/classify.js';
import type { FlowRecord } from '../../src/flow/record.js';
import { openCapture } from '../../src/source/open.js';
import { buildReport, ReportFlows, toReportFlow, type Report } from '../../src/report/model.js';
import { writeJsonBytes, writeJsonReport, writeJsonReportFile } from '../../src/report/json.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures');

async function resultOf(name: string, site: boolean): Promise<AnalysisResult> {
  const engine = new Engine(site ? loadProfile(path.join(CAPTURES, `${name}.site.yaml`)) : EMPTY_PROFILE);
  await engine.consume(await openCapture(path.join(CAPTURES, `${name}.pcapng`)));
  return engine.result();
}

async function reportOf(name: string, site: boolean): Promise<Report> {
  return buildReport(await resultOf(name, site), '0.0.0-test');
}

function streamed(report: Report): { text: string; chunks: string[] } {
  const chunks: string[] = [];
  writeJsonReport(report, (c) => chunks.push(c));
  return { text: chunks.join(''), chunks };
}

/** writeJsonBytes' text, checking each piece is whole UTF-8 and at most 256 kB (unless one string needs more). */
function bytesText(value: unknown): string {
  const pieces: string[] = [];
  writeJsonBytes(value, (b) => {
    expect(Buffer.from(b.toString('utf8'), 'utf8').equals(b)).toBe(true);
    pieces.push(b.toString('utf8'));
  });
  return pieces.join('');
}

const expected = (v: unknown) => {
  const t = JSON.stringify(v, null, 2) as string | undefined;
  return t === undefined ? '' : t + '\n';
};

/** A result with these records and classifications in place of the capture's. */
function withRecords(base: AnalysisResult, records: FlowRecord[], classes = new Map<string, Classification>()): AnalysisResult {
  return { ...base, records, classes };
}

const classification = (uid: string, id: string | null, fit: Classification['fit']): Classification =>
  ({ uid, service: id === null ? null : ({ entry: { id } } as unknown as Classification['service']), candidates: [], fit }) as Classification;

describe('writeJsonReport', () => {
  for (const name of ['sep-lab', 'sep-violations', 'sep-icmp']) {
    it(`${name}: same text as JSON.stringify`, async () => {
      const report = await reportOf(name, true);
      expect(report.flows.length).toBeGreaterThan(0);
      expect(streamed(report).text).toBe(JSON.stringify(report, null, 2) + '\n');
    });
  }

  it('many flows: written in several pieces of ≤ 256 kB, still the same text; awkward strings kept', async () => {
    const base = await resultOf('sep-lab', false);
    const records: FlowRecord[] = [];
    const classes = new Map<string, Classification>();
    for (let i = 0; i < 400; i++) {
      for (const r of base.records) {
        const uid = `C${i}-${r.uid}`;
        records.push({ ...r, uid, history: i % 7 ? r.history : 'a\nb"\u2028é\\\ud800' });
        const c = base.classes.get(r.uid);
        if (c) classes.set(uid, { ...c, uid });
      }
    }
    const report = buildReport(withRecords(base, records, classes), 't');
    const { text, chunks } = streamed(report);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(256 * 1024);
    expect(text).toBe(JSON.stringify(report, null, 2) + '\n');
  });

  it('plain arrays of flows (a report made by hand) and no flows: same text', async () => {
    const base = await reportOf('sep-lab', false);
    for (const flows of [[...base.flows], []]) {
      const report = { ...base, flows } as unknown as Report;
      expect(streamed(report).text).toBe(JSON.stringify(report, null, 2) + '\n');
    }
    const empty = buildReport(withRecords(await resultOf('sep-lab', false), []), 't');
    expect(streamed(empty).text).toBe(JSON.stringify(empty, null, 2) + '\n');
  });

  it('writeJsonReportFile writes the same bytes', async () => {
    const report = await reportOf('sep-icmp', true);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sepflow-json-'));
    try {
      const file = path.join(dir, 'r.json');
      writeJsonReportFile(report, file);
      expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(report, null, 2) + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// numbers the writer formats itself: integers, microsecond times, and everything String() must handle
const awkwardNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 - 1e-6, 2 ** 53 - 1, 2 ** 53, 1e15, 1e21, 1e-6, 5e-7, 4.9e-7, -5e-7, 1e-7, NaN, Infinity, -Infinity, 0.1, 1.5, -1.5, 1e300, -1e-300),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.double({ min: 0, max: 2 ** 33, noNaN: true }),
  fc.double({ min: 2 ** 32, max: 1e13, noNaN: true }),
  // capture times: seconds since the epoch with up to 9 decimals
  fc.tuple(fc.integer({ min: 0, max: 4_400_000_000 }), fc.integer({ min: 0, max: 999_999_999 })).map(([s, ns]) => s + ns / 1e9),
  fc.integer({ min: 0, max: 4_294_967_296_000_000 }).map((k) => k / 1e6),
);
// strings that need escapes, non-ASCII, lone surrogates, and long ones
const awkwardString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '"', '\\', '\n', '\u2028', '\u007f', '\ud800', '\udc00x', '😀', 'é', '10.0.0.1', 'fe80::1', 'ShADadfF', 'C000001'),
  fc.string({ minLength: 60, maxLength: 200 }),
);

const icmpError = fc.record({ type: awkwardNumber, code: awkwardNumber, from: awkwardString, count: awkwardNumber, firstTs: awkwardNumber });

const record = fc.record({
  uid: awkwardString,
  ts: awkwardNumber,
  lastTs: awkwardNumber,
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  ipVersion: fc.constantFrom(4 as const, 6 as const),
  origH: awkwardString,
  origP: awkwardNumber,
  respH: awkwardString,
  respP: awkwardNumber,
  vlan: fc.option(awkwardNumber),
  vlanInner: fc.option(awkwardNumber),
  duration: awkwardNumber,
  origPkts: awkwardNumber,
  respPkts: awkwardNumber,
  origIpBytes: awkwardNumber,
  respIpBytes: awkwardNumber,
  origFrameBytes: awkwardNumber,
  respFrameBytes: awkwardNumber,
  origBytes: awkwardNumber,
  respBytes: awkwardNumber,
  connState: awkwardString,
  history: awkwardString,
  initiatorInferred: fc.boolean(),
  initiatorBasis: awkwardString,
  origSyns: awkwardNumber,
  partial: fc.boolean(),
  icmpErrors: fc.option(fc.array(icmpError, { maxLength: 20 }), { nil: undefined }),
}) as fc.Arbitrary<FlowRecord>;

const flowsOf = (records: FlowRecord[], meta: { service: string | null; fit: Classification['fit'] }[]) => {
  const classes = new Map<string, Classification>();
  records.forEach((r, i) => {
    const m = meta[i % Math.max(meta.length, 1)];
    if (m) classes.set(r.uid, classification(r.uid, m.service, m.fit));
  });
  return new ReportFlows(records, classes);
};
const meta = fc.array(fc.record({ service: fc.option(awkwardString), fit: fc.constantFrom('expected' as const, 'reversed' as const, 'wrong-role' as const, 'none' as const) }), { maxLength: 4 });

describe('flows rendered from the records = JSON.stringify of the ReportFlow objects', () => {
  it('random records with awkward numbers and strings', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), meta, fc.integer({ min: 0, max: 3 }), (records, m, depth) => {
        const flows = flowsOf(records, m);
        // at the report's depth (flows of the top-level object) and others
        let value: unknown = { flows };
        for (let d = 0; d < depth; d++) value = [{ x: value }];
        expect(bytesText(value)).toBe(expected(value));
      }),
      { numRuns: 400 },
    );
  });

  it('records with values of unexpected types go the general way, as JSON.stringify renders them', () => {
    const odd = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.constant(new Date(0)));
    const keys = ['uid', 'ts', 'origH', 'origP', 'duration', 'history', 'vlan', 'partial', 'initiatorInferred', 'icmpErrors', 'origSyns'] as const;
    fc.assert(
      fc.property(fc.array(fc.tuple(record, fc.constantFrom(...keys), odd), { minLength: 1, maxLength: 8 }), meta, (items, m) => {
        const records = items.map(([r, k, v]) => ({ ...r, [k]: v }) as FlowRecord);
        const flows = flowsOf(records, m);
        let text: string | Error;
        let want: string | Error;
        try {
          want = expected({ flows });
        } catch (e) {
          want = e as Error;
        }
        try {
          text = bytesText({ flows });
        } catch (e) {
          text = e as Error;
        }
        if (want instanceof Error) expect(text).toBeInstanceOf(Error);
        else expect(text).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('ICMP errors: none, undefined, many', () => {
    const base = { uid: 'C1', ts: 1.5, lastTs: 2, proto: 'udp', ipVersion: 4, origH: 'a', origP: 1, respH: 'b', respP: 2, vlan: null, vlanInner: null, duration: 0.25, origPkts: 1, respPkts: 0, origIpBytes: 1, respIpBytes: 0, origFrameBytes: 1, respFrameBytes: 0, origBytes: 0, respBytes: 0, connState: 'S0', history: 'D', initiatorInferred: false, initiatorBasis: 'first-datagram', origSyns: 0, partial: false } as FlowRecord;
    const err = (i: number) => ({ type: 3, code: i, from: `10.0.0.${i}`, count: i + 1, firstTs: 1.0000005 * i });
    for (const icmpErrors of [undefined, [], [err(1)], Array.from({ length: 40 }, (_, i) => err(i))]) {
      const flows = new ReportFlows([{ ...base, icmpErrors }, { ...base, uid: 'C2' }], new Map());
      expect(bytesText({ flows })).toBe(expected({ flows }));
    }
  });
});

describe('writeJsonBytes = JSON.stringify(value, null, 2) + newline', () => {
  it('any JSON-like value, with undefined, functions, toJSON, Dates, sparse arrays, class instances', () => {
    class Point {
      constructor(
        public x: number,
        public y?: string,
      ) {}
    }
    const extra = fc.oneof(
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.constant(Symbol('s')),
      fc.date({ noInvalidDate: true }),
      fc.constant({ toJSON: (k: string) => `key:${k}` }),
      fc.constant({ toJSON: () => undefined }),
      fc.constant(new Point(1, 'é')),
      // eslint-disable-next-line no-sparse-arrays
      fc.constant([1, , 3]),
      fc.constant(Object.create(null) as object),
      fc.constant(new Map([[1, 2]])),
      awkwardNumber,
      awkwardString,
    );
    const value = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), extra, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(fc.oneof(awkwardString, fc.constantFrom('0', '10', '__proto__', 'a b')), tie('value'), { maxKeys: 5 }),
    })).value;
    fc.assert(
      fc.property(value, (v) => {
        expect(bytesText(v)).toBe(expected(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('deep nesting and long strings', () => {
    let deep: unknown = ['x'];
    for (let i = 0; i < 200; i++) deep = { [`k${i}`]: deep, n: i };
    expect(bytesText(deep)).toBe(expected(deep));
    const long = { s: 'é"'.repeat(300_000), a: ['x'.repeat(600_000)] };
    expect(bytesText(long)).toBe(expected(long));
  });

  it('throws on cycles and BigInt, as JSON.stringify', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = { up: cyc };
    expect(() => writeJsonBytes(cyc, () => {})).toThrow(TypeError);
    expect(() => writeJsonBytes({ n: 1n }, () => {})).toThrow(TypeError);
  });
});

describe('ReportFlows', () => {
  it('makes each ReportFlow on demand, in record order; JSON.stringify sees the array', async () => {
    const result = await resultOf('sep-violations', true);
    const flows = new ReportFlows(result.records, result.classes);
    expect(flows.length).toBe(result.records.length);
    const all = [...flows];
    expect(all.map((f) => f.uid)).toEqual(result.records.map((r) => r.uid));
    expect(flows.at(0)).toEqual(all[0]);
    expect(flows.at(0)).not.toBe(flows.at(0));
    expect(flows.at(-1)).toBeUndefined();
    expect(flows.at(flows.length)).toBeUndefined();
    expect(flows.toArray()).toEqual(all);
    expect(JSON.parse(JSON.stringify({ flows })).flows).toEqual(JSON.parse(JSON.stringify(all)));
    expect(flows.sepCount).toBe(all.filter((f) => f.sep_service !== null).length);
    expect(flows.sepCount).toBeGreaterThan(0);
    result.records.forEach((r, i) => {
      const c = result.classes.get(r.uid);
      expect(all[i]).toEqual(toReportFlow(r, c?.service?.entry.id ?? null, c?.fit ?? 'none'));
    });
    // equal views are equal to vitest (element by element), different ones are not
    expect(new ReportFlows(result.records, result.classes)).toEqual(flows);
    expect(new ReportFlows(result.records.slice(1), result.classes)).not.toEqual(flows);
  });

  it('classifications in another order than the records, or missing: looked up by uid', async () => {
    const result = await resultOf('sep-lab', true);
    const reversed = new Map([...result.classes].reverse());
    const some = new Map([...result.classes].filter((_, i) => i % 3 === 0));
    for (const classes of [reversed, some]) {
      const flows = [...new ReportFlows(result.records, classes)];
      result.records.forEach((r, i) => {
        const c = classes.get(r.uid);
        expect(flows[i].sep_service).toBe(c?.service?.entry.id ?? null);
        expect(flows[i].sep_fit).toBe(c?.fit ?? 'none');
      });
    }
  });

  it('buildReport summary counts match the flows', async () => {
    const report = await reportOf('sep-lab', true);
    expect(report.summary.flows).toBe(report.flows.length);
    expect(report.summary.sep_flows).toBe([...report.flows].filter((f) => f.sep_service !== null).length);
  });
});

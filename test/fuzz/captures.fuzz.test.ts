/**
 * Property test: real captures mutated at random (bit flips, cut points, corrupted length fields) never
 * make sepflow throw, hang, or lose what it read: reading ends (on EOF or a reported fault) in bounded
 * time, the engine's result is built, and damage shows up as a fault or counted anomalies.
 *
 * Inputs are the shipped captures (pcap and pcapng, real protocol stacks), so it runs on a fresh clone;
 * fast-check shrinks any failure to a minimal mutation and prints its seed for replay.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { Engine } from '../../src/engine.js';
import { CaptureOpenError } from '../../src/source/frame.js';
import { openCaptureStream } from '../../src/source/open.js';
import { repoRoot } from '../helpers/shared.js';

const PER_INPUT_MS = 2_000;

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'length'; at: number; value: number };

function mutate(orig: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(orig);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] ^= 1 << m.bit;
    else if (m.kind === 'cut') b = b.subarray(0, at);
    else if (at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, at - (at % 4)); // length fields are 4-byte aligned in both formats
  }
  return b;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.constant(0x7ffffff0), fc.integer({ min: 0, max: 70000 })),
  }),
);

/** Analyses bytes as sepflow analyse would (via the stream reader); resolves with what happened. */
async function analyse(bytes: Buffer): Promise<{ opened: boolean; packets: number; fault: string | null; anomalies: number }> {
  let source;
  try {
    source = await openCaptureStream(Readable.from([bytes]), 'fuzz');
  } catch (e) {
    // a file that cannot be opened must be refused with a typed, coded error — anything else is a bug
    expect(e).toBeInstanceOf(CaptureOpenError);
    expect((e as CaptureOpenError).code).toMatch(/^[a-z0-9_]+$/);
    return { opened: false, packets: 0, fault: null, anomalies: 0 };
  }
  const engine = new Engine(EMPTY_PROFILE);
  const summary = await engine.consume(source);
  const result = engine.result(); // the report's input must still be built
  expect(result.counters.packets).toBe(summary.packets);
  const anomalies = Object.values(summary.anomalies).reduce((a, b) => a + b, 0) + Object.values(result.counters.malformed).reduce((a, b) => a + b, 0);
  return { opened: true, packets: summary.packets, fault: summary.fault?.code ?? null, anomalies };
}

/**
 * Byte offsets where a record (pcap) or block (pcapng) ends, i.e. where the file may end cleanly; the first
 * entry is the end of the file header (pcap) or of the first block (pcapng: the SHB).
 * Parsed here independently of the readers: pcap = 24-byte header, then 16-byte record headers with incl_len at
 * +8 (little-endian µs/ns files only); pcapng = blocks whose total length is at +4 (little-endian sections).
 */
function boundaries(b: Buffer): number[] {
  const out: number[] = [];
  if (b.readUInt32BE(0) === 0x0a0d0d0a) {
    for (let o = 0; o + 12 <= b.length; ) {
      const len = b.readUInt32LE(o + 4);
      o += len;
      out.push(o);
    }
  } else {
    for (let o = 24; o + 16 <= b.length; ) {
      out.push(o);
      o += 16 + b.readUInt32LE(o + 8);
    }
    out.push(b.length);
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no result within ${ms} ms: a hang`)), ms))]);
}

describe('fuzz: mutated real captures', () => {
  for (const name of ['sep-lab.pcap', 'sep-lab.pcapng', 'sep-icmp.pcapng']) {
    const orig = readFileSync(path.join(repoRoot, 'captures', name));
    it(`${name}: no exception, no hang, damage reported`, async () => {
      const clean = await analyse(orig);
      expect(clean.fault).toBeNull();
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
          const bytes = mutate(orig, muts);
          const r = await withTimeout(analyse(bytes), PER_INPUT_MS);
          if (!r.opened) return;
          expect(r.packets).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 150, seed: 20261130, endOnFailure: true },
      );
    }, 120_000);

    it(`${name}: a cut inside a record or block is a fault, never a clean end; a cut on a boundary is clean`, async () => {
      const bounds = boundaries(orig);
      const clean = await analyse(orig);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: bounds[0] + 1, max: orig.length - 1 }), async (at) => {
          const r = await withTimeout(analyse(orig.subarray(0, at)), PER_INPUT_MS);
          if (bounds.includes(at)) {
            expect(r.fault).toBeNull();
          } else {
            expect(r.fault).toMatch(/truncated/);
          }
          expect(r.packets).toBeLessThan(clean.packets);
        }),
        { numRuns: 150, seed: 20261130, endOnFailure: true },
      );
    }, 120_000);
  }
});

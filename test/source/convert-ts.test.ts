/**
 * `convertTs` (pcapng timestamps → seconds + nanoseconds) against exact BigInt arithmetic, for every decimal
 * resolution of the number fast path, around the borders between its division, long-division and rounding
 * cases (exact multiples of the unit, one below and above, t near 2^53), and for random timestamps.
 */
import { describe, expect, it } from 'vitest';
import { convertTs, type Iface, type TsOut } from '../../src/source/pcapng-blocks.js';

function iface(exp: number, offsetSec = 0): Iface {
  return { linkType: 1, name: null, snaplen: 0, unitsPerSecond: 10 ** exp, unitsBig: 10n ** BigInt(exp), fastMul: 10 ** (9 - exp), offsetSec };
}

/** The exact answer: floor(t / units) + offset, and the remainder in ns (truncated). */
function exact(f: Iface, t: bigint): [number, number] {
  return [Number(t / f.unitsBig) + f.offsetSec, Number(((t % f.unitsBig) * 1_000_000_000n) / f.unitsBig)];
}

describe('convertTs', () => {
  it('equals BigInt arithmetic at the borders and at random, for 10^0 .. 10^9 units per second', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const out: TsOut = { sec: 0, nsec: 0 };
    let checked = 0;
    for (let exp = 0; exp <= 9; exp++) {
      const f = iface(exp, exp % 2 === 0 ? 0 : -3600);
      const u = f.unitsBig;
      const ts: bigint[] = [0n, 1n, u - 1n, u, u + 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n + 5n, 2n ** 64n - 1n];
      // exact multiples of the unit (and their neighbours) just below and above 2^53 - 2^32 and 2^53
      for (const border of [2n ** 53n - 2n ** 32n, 2n ** 53n, 1_700_000_000n * u]) {
        const m = (border / u) * u;
        for (const d of [-u, -1n, 0n, 1n, u - 1n, u, u + 1n]) ts.push(m + d);
      }
      for (let i = 0; i < 3000; i++) ts.push((BigInt(rand() % 0x400000) << 32n) | BigInt(rand() * 2 + (rand() & 1)));
      for (let i = 0; i < 3000; i++) ts.push(1_700_000_000n * u + BigInt(rand()) * BigInt(rand() % 1000));
      for (const t of ts) {
        if (t < 0n || t >= 2n ** 64n) continue;
        const [sec, nsec] = exact(f, t);
        if (!Number.isSafeInteger(sec - f.offsetSec)) continue;
        convertTs(f, Number(t >> 32n), Number(t & 0xffffffffn), out);
        expect([out.sec, out.nsec], `10^${exp} units, t = ${t}`).toEqual([sec, nsec]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });
});

/**
 * Garbage in: decodeFrame must never throw, whatever the bytes (seeded PRNG, so a failure is reproducible).
 *  - pure random frames (0..200 bytes) for every supported link type and a few unsupported ones;
 *  - mutated real frames (fixtures.ts with 1..6 random bytes overwritten, random snaplen cut or origLen),
 *    which get much deeper into the IP/TCP/UDP dissectors than random bytes do.
 * Every result must also be self-consistent (status vs the layers filled in, error iff Malformed).
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, DecodeError, DecodeStatus, PacketView } from '../../dissectors/index.js';
import { hex } from './helpers/capture.js';
import { FIXTURES } from './fixtures.js';

/** mulberry32: small seeded PRNG, uniform in [0, 1) */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276];

function checkInvariants(st: DecodeStatus, v: PacketView, data: Uint8Array, linkType: number, origLen: number, where: string): void {
  expect(Object.values(DecodeStatus), where).toContain(st);
  expect(v.truncated, where).toBe(data.length < origLen);
  expect([v.capLen, v.origLen, v.linkType], where).toEqual([data.length, origLen, linkType]);
  if (st === DecodeStatus.Malformed) {
    expect(v.error, where).toBeInstanceOf(DecodeError);
    expect(v.error!.code, `${where}: ${v.error!.message} ${String(v.error!.cause)}`).not.toBe('internal_error');
    expect(v.error!.offset, where).toBeGreaterThanOrEqual(0);
    expect(v.error!.offset, where).toBeLessThanOrEqual(Math.max(data.length, origLen));
    return;
  }
  expect(v.error, where).toBeNull();
  if (st === DecodeStatus.UnsupportedLinkType) {
    expect(LINK_TYPES, where).not.toContain(linkType);
    return;
  }
  if (st === DecodeStatus.NotIp) expect(v.ipVersion, where).toBe(0);
  if (st === DecodeStatus.Network || st === DecodeStatus.Transport) {
    expect([4, 6], where).toContain(v.ipVersion);
    expect(v.ipOffset + (v.ipVersion === 4 ? 20 : 40), where).toBeLessThanOrEqual(data.length);
    expect(v.ipHeaderLen, where).toBeGreaterThanOrEqual(v.ipVersion === 4 ? 20 : 40);
    expect(v.ipTotalLen, where).toBeGreaterThanOrEqual(v.ipVersion === 4 ? v.ipHeaderLen : 40);
  }
  if (st === DecodeStatus.Network) expect(v.transport, where).toBe(0);
  if (st === DecodeStatus.Transport) {
    expect([6, 17], where).toContain(v.transport);
    expect(v.fragOffset, where).toBe(0);
    expect(v.payloadLen, where).toBeGreaterThanOrEqual(0);
    expect(v.payloadOffset, where).toBe(v.ipOffset + v.ipHeaderLen + v.transportHeaderLen);
    // the fixed transport header was captured
    expect(v.payloadOffset - v.transportHeaderLen + (v.transport === 6 ? 20 : 8), where).toBeLessThanOrEqual(data.length);
  }
  if (v.vlanCount === 0) expect([v.vlanOuter, v.vlanInner], where).toEqual([-1, -1]);
}

describe('garbage never throws', () => {
  it('random bytes, every link type (8 x 2500 frames) plus unsupported link types', () => {
    const rnd = prng(0x5e9f10);
    const view = new PacketView();
    const buf = new Uint8Array(256);
    for (const lt of [...LINK_TYPES, 2, 105, 0xffff]) {
      for (let i = 0; i < 2500; i++) {
        const len = Math.floor(rnd() * 201);
        for (let j = 0; j < len; j++) buf[j] = Math.floor(rnd() * 256);
        // bias the first bytes toward what the link layer expects so more frames reach IP
        if (len > 0 && rnd() < 0.5) {
          if (lt === 101 || lt === 228 || lt === 229) buf[0] = rnd() < 0.5 ? 0x45 : 0x60;
          if (lt === 1 && len > 14) { buf[12] = 0x08; buf[13] = 0x00; buf[14] = 0x40 | (buf[14] & 0x0f); }
        }
        const data = buf.subarray(0, len);
        const origLen = rnd() < 0.3 ? len + Math.floor(rnd() * 1500) : len;
        let st: DecodeStatus;
        expect(() => { st = decodeFrame(data, lt, origLen, view); }).not.toThrow();
        checkInvariants(st!, view, data, lt, origLen, `link ${lt} frame ${i}`);
      }
    }
  });

  it('mutated real frames (every fixture x 300 mutations)', () => {
    const rnd = prng(0xdecade);
    const view = new PacketView();
    let malformed = 0;
    let total = 0;
    for (const fx of FIXTURES) {
      const orig = hex(fx.hex);
      for (let i = 0; i < 300; i++) {
        const m = orig.slice();
        const n = 1 + Math.floor(rnd() * 6);
        for (let k = 0; k < n; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        const r = rnd();
        const cut = r < 0.3 ? Math.floor(rnd() * (m.length + 1)) : m.length;
        const data = m.subarray(0, cut);
        const origLen = r < 0.15 ? cut : (fx.origLen ?? m.length);
        let st: DecodeStatus;
        expect(() => { st = decodeFrame(data, fx.linkType, origLen, view); }).not.toThrow();
        checkInvariants(st!, view, data, fx.linkType, origLen, `${fx.name} mutation ${i}`);
        if (st! === DecodeStatus.Malformed) malformed++;
        total++;
      }
    }
    // the mutations do reach the error paths (and not only them)
    expect(malformed).toBeGreaterThan(total / 50);
    expect(malformed).toBeLessThan(total / 2);
  });
});

/**
 * Unit fixtures (fixtures.ts): each real frame through decodeFrame, every PacketView field compared with
 * tshark's decode of the same frame; fields a fixture does not name must be at their reset value.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, DecodeStatus, PacketView } from '../../dissectors/index.js';
import { describeShared, pub } from '../helpers/shared.js';
import { hex, ip4, ip6, readCapture } from './helpers/capture.js';
import { FIXTURES, type Fixture } from './fixtures.js';

function checkView(fx: Fixture, view: PacketView, st: DecodeStatus, data: Uint8Array): void {
  const w = fx.want;
  expect({ status: st, error: view.error?.code ?? null, truncated: view.truncated, weird: view.weird }).toEqual({
    status: w.status,
    error: w.error ?? null,
    truncated: w.truncated ?? false,
    weird: w.weird ?? null,
  });
  expect(view.linkType).toBe(fx.linkType);
  expect(view.capLen).toBe(data.length);
  expect(view.origLen).toBe(fx.origLen ?? data.length);
  if (w.etherType !== undefined) expect(view.etherType).toBe(w.etherType);
  expect([view.vlanCount, view.vlanOuter, view.vlanInner]).toEqual(w.vlan ?? [0, -1, -1]);
  expect(view.tunnelDepth).toBe(w.tunnel ?? 0);

  if (w.ip) {
    expect(view.ipVersion).toBe(w.ip.v);
    if (w.ip.v === 4) {
      expect([view.src[0], view.src[1], view.src[2], view.dst[0], view.dst[1], view.dst[2]]).toEqual([0, 0, 0, 0, 0, 0]);
      expect(ip4(view.src)).toBe(w.ip.src);
      expect(ip4(view.dst)).toBe(w.ip.dst);
    } else {
      expect(ip6(view.src)).toBe(w.ip.src);
      expect(ip6(view.dst)).toBe(w.ip.dst);
    }
    expect(view.ipTotalLen).toBe(w.ip.totalLen);
    expect(view.ipHeaderLen).toBe(w.ip.headerLen);
    expect(view.protocol).toBe(w.ip.protocol);
    expect([view.isFragment, view.ipId, view.fragOffset]).toEqual(w.ip.frag ? [true, ...w.ip.frag] : [false, 0, 0]);
  } else {
    expect(view.ipVersion).toBe(0);
    expect(view.src.every((x) => x === 0) && view.dst.every((x) => x === 0)).toBe(true);
  }

  if (w.tcp) {
    const t = w.tcp;
    expect(view.transport).toBe(6);
    expect([view.srcPort, view.dstPort, view.tcpFlags, view.seq, view.ack, view.window, view.transportHeaderLen, view.payloadLen])
      .toEqual([t.src, t.dst, t.flags, t.seq, t.ack, t.window, t.hdrLen, t.payloadLen]);
    expect(view.payloadOffset).toBe(view.ipOffset + view.ipHeaderLen + t.hdrLen);
  } else if (w.udp) {
    expect(view.transport).toBe(17);
    expect([view.srcPort, view.dstPort, view.transportHeaderLen, view.payloadLen]).toEqual([w.udp.src, w.udp.dst, 8, w.udp.payloadLen]);
    expect(view.payloadOffset).toBe(view.ipOffset + view.ipHeaderLen + 8);
  } else {
    expect([view.transport, view.srcPort, view.dstPort, view.tcpFlags, view.payloadLen]).toEqual([0, 0, 0, 0, 0]);
  }
}

describe('dissector fixtures (real frames, expectations from tshark)', () => {
  for (const fx of FIXTURES) {
    it(fx.name, () => {
      const data = hex(fx.hex);
      const view = new PacketView();
      const st = decodeFrame(data, fx.linkType, fx.origLen ?? data.length, view);
      checkView(fx, view, st, data);
    });
  }

  it('decodes a frame that is a subarray of a larger buffer (byteOffset ≠ 0) the same way', () => {
    const view = new PacketView();
    for (const fx of FIXTURES) {
      const bytes = hex(fx.hex);
      // junk before and after that would change every result if it were read
      const big = new Uint8Array(bytes.length + 77).fill(0xee);
      big.set(bytes, 33);
      const data = big.subarray(33, 33 + bytes.length);
      const st = decodeFrame(data, fx.linkType, fx.origLen ?? bytes.length, view);
      checkView(fx, view, st, data);
    }
  });

  it('a reused view carries nothing over from the previous frame', () => {
    const view = new PacketView();
    const fresh = new PacketView();
    for (const a of FIXTURES) {
      for (const b of FIXTURES) {
        const da = hex(a.hex);
        const db = hex(b.hex);
        decodeFrame(da, a.linkType, a.origLen ?? da.length, view);
        const st1 = decodeFrame(db, b.linkType, b.origLen ?? db.length, view);
        const st2 = decodeFrame(db, b.linkType, b.origLen ?? db.length, fresh);
        expect(st1).toBe(st2);
        expect({ ...view, src: [...view.src], dst: [...view.dst] }).toEqual({ ...fresh, src: [...fresh.src], dst: [...fresh.dst] });
      }
    }
  });

  it('unsupported link type', () => {
    const view = new PacketView();
    expect(decodeFrame(hex(FIXTURES[0].hex), 105 /* IEEE 802.11 */, 54, view)).toBe(DecodeStatus.UnsupportedLinkType);
    expect(view.linkType).toBe(105);
    expect(view.error).toBeNull();
  });
});

describeShared('fixtures are byte-exact copies of the public captures', () => {
  for (const fx of FIXTURES.filter((f) => f.source)) {
    const [file, frame, prefix] = fx.source!;
    it(`${file} frame ${frame}${prefix ? ` (first ${prefix} bytes)` : ''}`, () => {
      const f = readCapture(pub(file))[frame - 1];
      expect(f.index).toBe(frame);
      const bytes = hex(fx.hex);
      const want = prefix ? f.data.subarray(0, prefix) : f.data;
      expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(want).toString('hex'));
      expect(fx.origLen ?? bytes.length).toBe(f.origLen);
      expect(fx.linkType).toBe(f.linkType);
    });
  }
});

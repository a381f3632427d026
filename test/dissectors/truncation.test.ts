/**
 * Truncation sweep: every prefix of every valid fixture frame (fixtures.ts: real frames for each link
 * type, VLAN/QinQ, PPPoE, IPv4 with options and fragments, IPv6 with extension headers, TCP with options,
 * UDP), decoded twice:
 *  (a) as a snaplen cut (origLen = the full frame length): truncated = true, never Malformed, and the status
 *      is exactly the deepest header that is complete in the prefix, with the same field values as the full
 *      frame for the layers decoded (for IP-in-IP: while the inner IP header is incomplete, the outer packet);
 *  (b) as if the prefix were the whole frame (origLen = prefix length): Malformed or a status no deeper
 *      than the full frame's, never an exception and never `internal_error`.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, DecodeError, DecodeStatus, PacketView } from '../../dissectors/index.js';
import { hex } from './helpers/capture.js';
import { FIXTURES } from './fixtures.js';

const DEPTH: Record<number, number> = {
  [DecodeStatus.UnsupportedLinkType]: 0,
  [DecodeStatus.NotIp]: 1,
  [DecodeStatus.Network]: 2,
  [DecodeStatus.Transport]: 3,
};

/** the fields of a view that a test compares, as plain data */
function snap(v: PacketView) {
  return {
    ipVersion: v.ipVersion, ipOffset: v.ipOffset, ipHeaderLen: v.ipHeaderLen, ipTotalLen: v.ipTotalLen,
    src: [...v.src], dst: [...v.dst], protocol: v.protocol, isFragment: v.isFragment, ipId: v.ipId, fragOffset: v.fragOffset,
    transport: v.transport, srcPort: v.srcPort, dstPort: v.dstPort, tcpFlags: v.tcpFlags, seq: v.seq, ack: v.ack,
    window: v.window, transportHeaderLen: v.transportHeaderLen, payloadLen: v.payloadLen, payloadOffset: v.payloadOffset,
    vlanCount: v.vlanCount, vlanOuter: v.vlanOuter, vlanInner: v.vlanInner,
  };
}

const VALID = FIXTURES.filter((f) => f.want.status !== DecodeStatus.Malformed && !f.want.weird);

describe('truncation sweep over every prefix of real frames', () => {
  for (const fx of VALID) {
    it(fx.name, () => {
      const bytes = hex(fx.hex);
      const fullLen = fx.origLen ?? bytes.length;
      const full = new PacketView();
      const fullSt = decodeFrame(bytes, fx.linkType, fullLen, full);
      expect(fullSt).toBe(fx.want.status);
      const f = snap(full);
      const ipFixedEnd = full.ipOffset + (full.ipVersion === 4 ? 20 : 40);
      const ipHdrEnd = full.ipOffset + full.ipHeaderLen;
      const thOff = full.payloadOffset - full.transportHeaderLen;
      const thFixedEnd = thOff + (full.transport === 6 ? 20 : 8);
      const view = new PacketView();
      // IP-in-IP: the outer packet as decoded from the bytes before the inner header (the tunnel fixture)
      let outer: { fixedEnd: number; fields: unknown[] } | null = null;
      if (full.tunnelDepth > 0) {
        const o = new PacketView();
        expect(decodeFrame(bytes.subarray(0, full.ipOffset), fx.linkType, fullLen, o)).toBe(DecodeStatus.Network);
        expect([o.tunnelDepth, o.protocol]).toEqual([0, o.ipVersion === 4 ? 41 : o.protocol]);
        outer = { fixedEnd: o.ipOffset + (o.ipVersion === 4 ? 20 : 40), fields: [0, o.ipVersion, o.ipOffset, [...o.src], [...o.dst], o.protocol] };
      }

      for (let p = 0; p < bytes.length; p++) {
        const data = bytes.subarray(0, p); // a subarray: the bytes after the cut are still in the buffer
        const where = `prefix ${p} of ${bytes.length}`;

        // (a) snaplen cut
        let st: DecodeStatus;
        expect(() => { st = decodeFrame(data, fx.linkType, fullLen, view); }, where).not.toThrow();
        const s = snap(view);
        expect(view.truncated, where).toBe(true);
        expect(view.error, `${where}: ${view.error?.message}`).toBeNull();
        if (outer !== null && p < ipFixedEnd) {
          // IP-in-IP, inner fixed header not complete: the outer packet (or nothing) is what was captured
          if (p < outer.fixedEnd) {
            expect(st!, where).toBe(DecodeStatus.NotIp);
          } else {
            expect(st!, where).toBe(DecodeStatus.Network);
            expect([view.tunnelDepth, s.ipVersion, s.ipOffset, s.src, s.dst, s.protocol], where).toEqual(outer.fields);
          }
        } else {
        let want: DecodeStatus;
        if (full.ipVersion === 0 || p < ipFixedEnd) want = DecodeStatus.NotIp;
        else if (fullSt === DecodeStatus.Network) want = DecodeStatus.Network;
        else if (p < ipHdrEnd || p < thFixedEnd) want = DecodeStatus.Network;
        else want = DecodeStatus.Transport;
        expect(st!, where).toBe(want);
        if (want === DecodeStatus.NotIp) {
          expect(s.ipVersion, where).toBe(0);
        } else {
          // the IP fixed header is complete: addresses and lengths as in the full frame
          expect([s.ipVersion, s.ipOffset, s.ipTotalLen, s.src, s.dst], where).toEqual([f.ipVersion, f.ipOffset, f.ipTotalLen, f.src, f.dst]);
          // IPv4 has the fragment fields in its fixed header, IPv6 in a Fragment extension header
          if (full.ipVersion === 4 || p >= ipHdrEnd) expect([s.isFragment, s.ipId, s.fragOffset], where).toEqual([f.isFragment, f.ipId, f.fragOffset]);
          if (p >= ipHdrEnd) expect([s.ipHeaderLen, s.protocol], where).toEqual([f.ipHeaderLen, f.protocol]);
        }
        if (want === DecodeStatus.Transport) {
          expect(s, where).toEqual(f);
        } else {
          expect([s.transport, s.srcPort, s.dstPort], where).toEqual([0, 0, 0]);
        }
        // the tag stack is complete once the IP header is reached, or (not IP) once the final EtherType is read
        if (full.ipVersion !== 0 ? p >= ipFixedEnd : view.etherType === full.etherType) {
          expect([s.vlanCount, s.vlanOuter, s.vlanInner], where).toEqual([f.vlanCount, f.vlanOuter, f.vlanInner]);
        }
        }

        // (b) the prefix claims to be the whole frame
        let st2: DecodeStatus;
        expect(() => { st2 = decodeFrame(data, fx.linkType, p, view); }, where).not.toThrow();
        expect(view.truncated, where).toBe(false);
        if (st2! === DecodeStatus.Malformed) {
          expect(view.error, where).toBeInstanceOf(DecodeError);
          expect(view.error!.code, where).toMatch(/^[a-z0-9]+_[a-z0-9_]+$/);
          expect(view.error!.code, where).not.toBe('internal_error');
        } else {
          expect(view.error, where).toBeNull();
          expect(DEPTH[st2!], `${where}: status ${st2!}`).toBeLessThanOrEqual(DEPTH[fullSt]);
          // a header the prefix ends inside can only be malformed, or skipped as a short first fragment
          const headersEnd = fullSt === DecodeStatus.Transport ? full.payloadOffset : fullSt === DecodeStatus.Network ? ipHdrEnd : 0;
          if (p < headersEnd) {
            expect(full.isFragment && st2! === DecodeStatus.Network, `${where}: status ${st2!} weird ${view.weird}`).toBe(true);
          }
          // the IP total length now exceeds the frame: flagged
          if (view.ipVersion !== 0 && p < full.ipOffset + full.ipTotalLen) expect(view.weird, where).toBe('ip_total_length_exceeds_frame');
        }
      }
    });
  }
});

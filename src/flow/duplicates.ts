/**
 * Span-port duplicates: a SPAN/mirror session that copies a packet twice (both the ingress and the egress
 * port of a switch mirrored, or two overlapping sessions) shows the same IP packet twice within
 * microseconds. Counting both would double a flow's packets and make TCP look like it retransmits.
 *
 * A packet is a duplicate when one of the last RING packets has the same IP version, addresses, protocol,
 * ports, IP total length, IPv4 identification, TCP flags, sequence and acknowledgement numbers, and arrived
 * at most WINDOW seconds earlier. A TCP retransmission is never that close (the minimum RTO is 200 ms on
 * Linux, 300 ms on Windows; RFC 6298 says 1 s), and an IPv4 retransmission carries a new identification.
 * Fixed-size typed arrays: nothing is allocated per packet; a 32-bit key of the fields (an xor) is compared first,
 * so a packet unlike the remembered ones costs a few integer operations and RING integer comparisons.
 */
import type { PacketView } from '../../dissectors/packet.js';

/** Packets remembered. */
const RING = 16;
/** Seconds within which an identical packet counts as a copy (1 ms). */
export const DUPLICATE_WINDOW = 0.001;

const FIELDS = 15;

export class DuplicateFilter {
  private readonly ring = new Float64Array(RING * FIELDS);
  /** a 32-bit key of each remembered packet's fields (all but the time): most packets differ here already */
  private readonly keys = new Int32Array(RING);
  private next = 0;
  private filled = 0;
  /** duplicates seen so far */
  count = 0;

  /**
   * Is this decoded TCP/UDP packet a copy of one seen within DUPLICATE_WINDOW? Remembers it when it is not.
   * @param ts packet time, seconds since the epoch
   */
  isDuplicate(v: PacketView, ts: number): boolean {
    const r = this.ring;
    const s = v.src;
    const d = v.dst;
    // a cheap filter key (xor of the fields, rotated apart): equal packets have equal keys; unequal packets
    // with equal keys are told apart by the full comparison below
    const sx = s[0] ^ s[1] ^ s[2] ^ s[3];
    const dx = d[0] ^ d[1] ^ d[2] ^ d[3];
    const ports = (v.srcPort << 16) | v.dstPort;
    const ackRot = (v.ack << 13) | (v.ack >>> 19);
    const misc = ((v.ipId << 16) | (v.ipTotalLen & 0xffff)) + v.tcpFlags * 0x01000193 + v.transport * 131 + v.ipVersion * 977;
    const k = (sx ^ ((dx << 7) | (dx >>> 25)) ^ ports ^ v.seq ^ ackRot ^ misc) | 0;
    const keys = this.keys;
    for (let i = 0; i < this.filled; i++) {
      if (keys[i] !== k) continue;
      const o = i * FIELDS;
      if (
        ts - r[o] <= DUPLICATE_WINDOW &&
        ts >= r[o] &&
        r[o + 1] === v.ipVersion &&
        r[o + 2] === s[0] && r[o + 3] === s[1] && r[o + 4] === s[2] && r[o + 5] === s[3] &&
        r[o + 6] === d[0] && r[o + 7] === d[1] && r[o + 8] === d[2] && r[o + 9] === d[3] &&
        r[o + 10] === v.transport * 65536 + v.srcPort &&
        r[o + 11] === v.dstPort * 65536 + v.ipTotalLen &&
        r[o + 12] === v.ipId * 256 + v.tcpFlags &&
        r[o + 13] === v.seq &&
        r[o + 14] === v.ack
      ) {
        this.count++;
        return true;
      }
    }
    const o = this.next * FIELDS;
    keys[this.next] = k;
    r[o] = ts;
    r[o + 1] = v.ipVersion;
    r[o + 2] = s[0]; r[o + 3] = s[1]; r[o + 4] = s[2]; r[o + 5] = s[3];
    r[o + 6] = d[0]; r[o + 7] = d[1]; r[o + 8] = d[2]; r[o + 9] = d[3];
    r[o + 10] = v.transport * 65536 + v.srcPort;
    r[o + 11] = v.dstPort * 65536 + v.ipTotalLen;
    r[o + 12] = v.ipId * 256 + v.tcpFlags;
    r[o + 13] = v.seq;
    r[o + 14] = v.ack;
    this.next = (this.next + 1) % RING;
    if (this.filled < RING) this.filled++;
    return false;
  }
}

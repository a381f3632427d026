/**
 * Address helpers for the flow table: IP addresses are kept as 4 × uint32 big-endian words (IPv4 in word 3,
 * family tracked separately), so the hot path compares numbers; text is made only at the report edge,
 * by ipaddr.js (RFC 5952 text for IPv6).
 */
import ipaddr from 'ipaddr.js';

/**
 * Formats an address held as four uint32 words.
 * @param version 4 or 6
 * @param w0..w3 big-endian 32-bit words (IPv4 uses w3 only)
 * @returns dotted quad for IPv4; RFC 5952 canonical text for IPv6
 */
export function formatAddress(version: number, w0: number, w1: number, w2: number, w3: number): string {
  if (version === 4) {
    return `${w3 >>> 24}.${(w3 >>> 16) & 0xff}.${(w3 >>> 8) & 0xff}.${w3 & 0xff}`;
  }
  const bytes: number[] = [];
  for (const w of [w0, w1, w2, w3]) bytes.push(w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

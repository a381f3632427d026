/**
 * Evidence quality: can this capture support a judgement that something is missing or blocked?
 *
 * A span port that mirrors one direction only, kernel drops, duplicate frames and a capture shorter than
 * the client heartbeat all make "absent" and "no answer" unreliable. The report states these first, and the
 * rules turn the affected findings into `inconclusive` with the reason.
 */
import type { FlowRecord } from '../flow/record.js';

export interface EvidenceQuality {
  /** capture span in seconds (last packet − first packet) */
  captureSeconds: number;
  /** the site's heartbeat interval in seconds */
  heartbeatSeconds: number;
  /** TCP flows with packets in both directions */
  twoWayTcpFlows: number;
  /**
   * TCP flows whose originator acknowledged or sent data (history has A or D) while not one packet of the
   * responder was seen: impossible unless the capture misses that direction
   */
  oneWayAckedTcpFlows: number;
  /**
   * `two-sided`; `one-sided`: no TCP flow has packets both ways; `partly one-sided`: some flows acknowledge
   * data never seen; `unknown`: no TCP flow at all
   */
  sidedness: 'two-sided' | 'one-sided' | 'partly one-sided' | 'unknown';
  /** packets the capturing kernel or interface dropped, when the capture format records it; null = unknown */
  droppedPackets: number | null;
  /** duplicate frames seen (span ports copying a packet twice); null when not measured */
  duplicateFrames: number | null;
  /** human-readable reasons why "absent"/"no answer" findings cannot be trusted; empty when none */
  caveats: string[];
}

/** Did the originator send an ACK or data (upper-case A or D in Zeek's history)? */
function originatorAcked(history: string): boolean {
  return /[AD]/.test(history);
}

/**
 * Assesses a capture.
 * @param records all flows
 * @param captureSeconds last − first packet time, seconds
 * @param heartbeatSeconds the site's client heartbeat interval, seconds
 * @param droppedPackets kernel/interface drops recorded in the capture, or null when the format has none
 * @param duplicateFrames duplicate frames counted while reading, or null
 */
export function assessEvidence(
  records: readonly FlowRecord[],
  captureSeconds: number,
  heartbeatSeconds: number,
  droppedPackets: number | null = null,
  duplicateFrames: number | null = null,
): EvidenceQuality {
  const counts = { tcpFlows: 0, twoWay: 0, oneWayAcked: 0 };
  for (let i = 0; i < records.length; i++) countTcpSides(counts, records[i]);
  return evidenceQuality(counts, captureSeconds, heartbeatSeconds, droppedPackets, duplicateFrames);
}

/** What assessEvidence counts: TCP flows, those with packets both ways, those acknowledging the unseen. */
export interface TcpSides {
  tcpFlows: number;
  twoWay: number;
  oneWayAcked: number;
}

/** Counts one flow into `c` (assessEvidence's per-flow step, for a caller that visits the flows anyway). */
export function countTcpSides(c: TcpSides, r: FlowRecord): void {
  if (r.proto !== 'tcp') return;
  c.tcpFlows++;
  if (r.origPkts > 0 && r.respPkts > 0) c.twoWay++;
  else if (r.respPkts === 0 && originatorAcked(r.history) && !r.initiatorInferred) c.oneWayAcked++;
  else if (r.respPkts === 0 && r.initiatorInferred && r.origPkts > 1) c.oneWayAcked++;
}

/** assessEvidence from the counts of all flows. */
export function evidenceQuality(
  counts: TcpSides,
  captureSeconds: number,
  heartbeatSeconds: number,
  droppedPackets: number | null = null,
  duplicateFrames: number | null = null,
): EvidenceQuality {
  const { tcpFlows, twoWay, oneWayAcked } = counts;
  const sidedness =
    tcpFlows === 0 ? 'unknown' : twoWay === 0 ? 'one-sided' : oneWayAcked > 0 ? 'partly one-sided' : 'two-sided';
  const caveats: string[] = [];
  if (sidedness === 'one-sided') caveats.push('the capture holds no TCP flow with packets in both directions: a span port mirroring one direction cannot be told from traffic that was never answered');
  else if (sidedness === 'partly one-sided') caveats.push(`${oneWayAcked} TCP flow(s) show acknowledgements without any packet from the other side: part of the traffic was seen in one direction only`);
  if (captureSeconds < heartbeatSeconds) caveats.push(`the capture spans ${captureSeconds.toFixed(0)} s, shorter than the ${formatSeconds(heartbeatSeconds)} client heartbeat`);
  if (droppedPackets !== null && droppedPackets > 0) caveats.push(`the capturing system dropped ${droppedPackets} packet(s)`);
  // duplicates are removed before flows are built, so they bias nothing: stated in the report, not a caveat
  return {
    captureSeconds,
    heartbeatSeconds,
    twoWayTcpFlows: twoWay,
    oneWayAckedTcpFlows: oneWayAcked,
    sidedness,
    droppedPackets,
    duplicateFrames,
    caveats,
  };
}

/** "5 min", "90 s", "1 h". */
export function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

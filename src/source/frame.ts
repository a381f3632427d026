/**
 * Frame sources: the one interface every capture reader (classic pcap, pcapng, live) implements.
 *
 * Data flows one way: source → decode → flow table → classify → compliance → report.
 */

/**
 * One captured frame as a reader yields it.
 *
 * - `tsSec`: whole seconds since the Unix epoch (UTC).
 * - `tsNsec`: nanoseconds within that second, 0 ≤ tsNsec < 1e9 (pcap µs files are scaled ×1000).
 * - `linkType`: LINKTYPE_* value (https://www.tcpdump.org/linktypes.html), FCS/reserved bits masked off.
 * - `caplen`: captured length in bytes; always equals `data.length`.
 * - `origLen`: length of the frame on the wire in bytes (may exceed caplen when snaplen cut it).
 * - `data`: the captured bytes. A reader may reuse the underlying buffer once the consumer asks
 *   for the next frame, so anything that outlives the frame must be copied.
 * - `index`: 1-based frame number within its file (as Wireshark numbers frames).
 * - `interfaceId`: pcapng interface id within its section; 0 for classic pcap.
 * - `fcsLen`: bytes of Frame Check Sequence the frame had at its end on the wire and that the reader
 *   stripped (classic pcap link-type FCS bits): `data`, `caplen` and `origLen` exclude it, so the frame's
 *   length on the wire as tshark counts it is `origLen + fcsLen`. 0 or absent: no FCS stripped.
 * - `comment`: the packet's comment (pcapng `opt_comment`, UTF-8; several are joined with a newline),
 *   or absent.
 */
export interface Frame {
  tsSec: number;
  tsNsec: number;
  linkType: number;
  caplen: number;
  origLen: number;
  data: Uint8Array;
  index: number;
  interfaceId: number;
  fcsLen?: number;
  comment?: string;
}

/** A named, counted oddity in the capture file itself (not in a packet): e.g. `pcap_ts_fraction_invalid`. */
export interface CaptureAnomaly {
  /** snake_case kind, `<format>_<what>` e.g. `pcap_record_truncated`, `pcapng_block_unknown`. */
  kind: string;
  /** byte offset in the file where it was found */
  offset: number;
  message: string;
}

/**
 * Reading stopped early because the file is damaged from `offset` on. Frames before it were yielded
 * and must still be analysed and reported.
 */
export interface CaptureFault {
  /** snake_case code, e.g. `pcap_record_truncated`, `pcap_record_length_bogus`, `pcapng_block_truncated`. */
  code: string;
  /** byte offset in the file where the damage starts */
  offset: number;
  /** one human sentence, without the file name */
  message: string;
}

/**
 * Capture statistics of one capture interface, as the capturing system recorded them (pcapng Interface
 * Statistics Block, draft-ietf-opsawg-pcapng section 4.6). Counters are packets, cumulative from the start
 * of the capture; for an interface with several ISBs each counter holds the last value recorded. A counter
 * the file does not give is null.
 */
export interface InterfaceStatistics {
  /** 0-based pcapng section of the interface (interface ids restart per section) */
  section: number;
  /** interface id within its section */
  interfaceId: number;
  /** the IDB's `if_name`, or null */
  name: string | null;
  /** time of the last ISB, seconds since the epoch (float) */
  ts: number;
  /** `isb_starttime` / `isb_endtime`: when counting started and ended, seconds since the epoch, or null */
  startTs: number | null;
  endTs: number | null;
  /** `isb_ifrecv`: packets received by the interface */
  ifRecv: number | null;
  /** `isb_ifdrop`: packets the interface dropped for lack of resources */
  ifDrop: number | null;
  /** `isb_filteraccept`: packets accepted by the capture filter */
  filterAccept: number | null;
  /** `isb_osdrop`: packets the operating system dropped (e.g. full capture buffer) */
  osDrop: number | null;
  /** `isb_usrdeliv`: packets delivered to the capturing program */
  usrDeliv: number | null;
}

/** Summary a reader keeps while it is iterated. */
export interface SourceStats {
  /** frames yielded so far */
  frames: number;
  /** bytes of the file consumed so far */
  bytesRead: number;
  /** anomaly counts by kind (each kind also listed once with its first offset in `anomalies`) */
  anomalyCounts: Record<string, number>;
  anomalies: CaptureAnomaly[];
  /** set when reading stopped early on damage; null when the file was read to its end */
  fault: CaptureFault | null;
  /**
   * Host names the capture carries, address text (dotted quad, RFC 5952 IPv6) → name: pcapng Name
   * Resolution Blocks (section 4.5). A later record for the same address replaces an earlier one and a
   * record with several names gives its last, as Wireshark resolves them. Absent when the format has none.
   */
  names?: Map<string, string>;
  /** capture statistics per interface (pcapng Interface Statistics Blocks), in order of first appearance */
  interfaceStats?: InterfaceStatistics[];
}

/**
 * A capture being read. Iterate it once with `for await`; after iteration ends, `stats.fault` tells
 * whether the end was the file's end or damage.
 */
export interface FrameSource extends AsyncIterable<Frame> {
  /** path as the user gave it ("-" for standard input) */
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  readonly stats: SourceStats;
  /** Releases the file descriptor; safe to call more than once and after iteration ended. */
  close(): Promise<void>;
  /**
   * Optional fast path instead of `for await`: calls `onFrame` synchronously for every frame in file order and
   * resolves when the source ended (at EOF, or on damage recorded in `stats.fault`), so no promise is made per
   * frame. The Frame object passed (and its `data`) may be reused for the next frame: `onFrame` must copy
   * anything it keeps. A source is consumed once, by `pump` or by iteration.
   * @throws Error when the source was already iterated or pumped; the reader's I/O errors as iteration throws them
   */
  pump?(onFrame: (frame: Frame) => void): Promise<void>;
}

/**
 * Thrown by `openCapture` when a file cannot be read at all (missing, a directory, no permission,
 * empty, not a capture, unsupported version). Nothing was yielded.
 */
export class CaptureOpenError extends Error {
  constructor(
    /** snake_case code: `file_not_found`, `file_is_directory`, `file_permission_denied`, `file_empty`,
     * `capture_format_unknown`, `pcap_version_unsupported`, `pcapng_version_unsupported`, `pcap_header_truncated`, ... */
    readonly code: string,
    readonly file: string,
    /** byte offset of the problem (0 for file-level problems) */
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaptureOpenError';
  }
}

/**
 * The JSON report, written in pieces: the same bytes as `JSON.stringify(report, null, 2) + '\n'`, without
 * ever holding the whole text or an object per flow. On 100,000 flows that text is ~90 MB; here it is encoded
 * straight into one reused 256 kB buffer that is handed on whenever it fills.
 *
 * Two renderers share the buffer:
 * - a general one for any JSON value, with exactly JSON.stringify's rules (key order, `toJSON`, undefined,
 *   functions and symbols omitted from objects and null in arrays, non-finite numbers as null, string escapes);
 *   values it has no fast path for (class instances, Dates, boxed primitives, BigInt, objects with `toJSON`)
 *   are stringified by JSON.stringify itself and re-indented;
 * - one for ReportFlows (src/report/model.ts), the report's flows, that renders each flow from its flow record
 *   without making the ReportFlow object: the fixed shape of `toReportFlow`, its keys and indentation as
 *   constant bytes, integers and microsecond times formatted digit by digit. A record with a value of an
 *   unexpected type is rendered through `toReportFlow` and the general renderer instead.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FlowRecord } from '../flow/record.js';
import { ReportFlows, toReportFlow, type Report } from './model.js';

/** Size of the buffer, and so of the pieces handed on (larger only when one string needs more). */
const PIECE = 256 * 1024;
/** Bytes past the end of a piece that constant text may overwrite (it is copied 4 bytes at a time). */
const SLACK = 8;
/** Bytes a number may take (String of a double: at most 25 chars, e.g. -0.0000012345678901234567), or true, false, null. */
const NUM = 25;

/** Where bytes are encoded and where they go when the buffer is full. */
interface Out {
  buf: Buffer;
  /** the same memory, for the 4-byte stores of constant text */
  dv: DataView;
  o: number;
  /** receives `buf.subarray(0, o)`; must use it before returning (the buffer is reused) */
  sink: (bytes: Buffer) => void;
  /** objects and arrays being rendered (cycle detection) */
  path: unknown[];
}

function newBuffer(w: Out, size: number): void {
  w.buf = Buffer.allocUnsafeSlow(size + SLACK);
  w.dv = new DataView(w.buf.buffer, w.buf.byteOffset, w.buf.length);
}

function flush(w: Out): void {
  if (w.o > 0) w.sink(w.buf.subarray(0, w.o));
  w.o = 0;
}

/**
 * Makes room for n more bytes: flushes when they do not fit; a buffer larger than PIECE is made for n > PIECE
 * (one long string) and dropped at the next flush.
 */
function room(w: Out, n: number): void {
  if (w.o + n + SLACK > w.buf.length) {
    flush(w);
    if (n + SLACK > w.buf.length) newBuffer(w, n);
    else if (w.buf.length > PIECE + SLACK && n <= PIECE) newBuffer(w, PIECE);
  }
}

/** Constant ASCII text as little-endian 32-bit words (the last one padded): written 4 bytes a store. */
class Text {
  readonly words: Int32Array;
  constructor(readonly text: string) {
    const bytes = new Uint8Array(Math.ceil(text.length / 4) * 4);
    for (let j = 0; j < text.length; j++) bytes[j] = text.charCodeAt(j);
    this.words = new Int32Array(bytes.length / 4);
    const dv = new DataView(bytes.buffer);
    for (let j = 0; j < this.words.length; j++) this.words[j] = dv.getInt32(4 * j, true);
  }

  get length(): number {
    return this.text.length;
  }
}

/** Writes t at o (and up to 3 bytes of padding after it, overwritten next). */
function put(dv: DataView, o: number, t: Text): number {
  const w = t.words;
  const n = w.length;
  for (let j = 0; j < n; j++) dv.setInt32(o + 4 * j, w[j], true);
  return o + t.text.length;
}

/** Writes `s`, all of whose chars are < 0x80. */
function putAscii(b: Uint8Array, o: number, s: string): number {
  const n = s.length;
  for (let j = 0; j < n; j++) b[o + j] = s.charCodeAt(j);
  return o + n;
}

/** Newline and 2·depth spaces, per depth (as Text). */
const newlines: Text[] = [];
function newlineText(depth: number): Text {
  return newlines[depth] ?? (newlines[depth] = new Text('\n' + '  '.repeat(depth)));
}

/** "00" … "99": two digits a division. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor((i >> 1) / 10)));

/** Number of decimal digits of an integer 0 ≤ x < 2^31. */
function digits31(x: number): number {
  return x < 100000 ? (x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : 5) : x < 1e6 ? 6 : x < 1e7 ? 7 : x < 1e8 ? 8 : x < 1e9 ? 9 : 10;
}

/** An integer 0 ≤ x < 2^31 (not checked), in int32 arithmetic. */
function putInt31(b: Uint8Array, o: number, x: number): number {
  x |= 0;
  const end = o + digits31(x);
  let j = end;
  while (x >= 100) {
    const q = (x / 100) | 0;
    const r = (x - q * 100) << 1;
    b[--j] = PAIRS[r + 1];
    b[--j] = PAIRS[r];
    x = q;
  }
  if (x >= 10) {
    b[--j] = PAIRS[(x << 1) + 1];
    b[--j] = PAIRS[x << 1];
  } else b[--j] = 48 + x;
  return end;
}

/** A non-negative integer below 2^53 (not checked). */
function putUint(b: Uint8Array, o: number, v: number): number {
  if (v <= 0x7fffffff) return putInt31(b, o, v);
  // the digits below the last 9 in double arithmetic, the last 9 (zero-padded) in int32
  let hi = Math.floor(v / 1e9);
  let lo = v - hi * 1e9;
  if (lo < 0) {
    // (v / 1e9 rounded up to the next integer)
    hi -= 1;
    lo += 1e9;
  }
  o = putUint(b, o, hi);
  const end = o + 9;
  b.fill(48, o, end - digits31(lo));
  putInt31(b, end - digits31(lo), lo);
  return end;
}

/** A number as JSON.stringify writes it: its shortest round-trip text (String(v)), `null` when not finite. At most 25 bytes. */
function putNumber(b: Uint8Array, o: number, v: number): number {
  // non-negative integers below 2^31 digit by digit (-0 included: written 0, as String(-0) is)
  if ((v | 0) === v && v >= 0) return putInt31(b, o, v);
  if (v > 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) return putUint(b, o, v);
  return putAscii(b, o, Number.isFinite(v) ? String(v) : 'null');
}

/**
 * `round6(x)` as JSON.stringify writes it. For 0 ≤ round6(x) < 2^32 (times in seconds until 2106, durations):
 * k = round(x·10^6) is an exact integer and round6(x) = k / 10^6 is the double nearest to the decimal
 * ⌊k/10^6⌋.(k mod 10^6) (trailing zeros dropped); below 2^32 doubles are < 10^-6 apart, so no other decimal with
 * at most 6 fractional digits rounds to the same double and that decimal is the shortest round-trip text,
 * which String() gives. Other values go through String().
 */
function putRound6(b: Uint8Array, o: number, x: number): number {
  const k = Math.round(x * 1e6);
  if (!(k >= 0 && k < 4294967296e6)) return putNumber(b, o, k / 1e6);
  const ip = Math.floor(k / 1e6);
  const f = (k - ip * 1e6) | 0;
  o = ip <= 0x7fffffff ? putInt31(b, o, ip) : putUint(b, o, ip);
  if (f === 0) return o;
  // `.` and the 6 digits of f (zero-padded), trailing zeros dropped
  b[o] = 46;
  const lead = 6 - digits31(f);
  for (let j = 1; j <= lead; j++) b[o + j] = 48;
  let end = putInt31(b, o + 1 + lead, f);
  while (b[end - 1] === 48) end--;
  return end;
}

/** A string as JSON.stringify quotes it; needs room for 6·length + 2 bytes. */
function putString(b: Buffer, o: number, s: string): number {
  const n = s.length;
  b[o] = 34;
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return o + b.write(JSON.stringify(s), o, 'utf8');
    b[o + 1 + j] = c;
  }
  b[o + 1 + n] = 34;
  return o + n + 2;
}

/** Writes text that is JSON already (so no lone surrogates) as UTF-8, a slice of at most PIECE / 3 chars at a time. */
function writeUtf8(w: Out, t: string): void {
  const max = PIECE / 3;
  for (let i = 0; i < t.length; ) {
    let j = Math.min(t.length, i + max);
    if (j < t.length && (t.charCodeAt(j - 1) & 0xfc00) === 0xd800) j--; // (not between the halves of a pair)
    const part = i === 0 && j === t.length ? t : t.slice(i, j);
    room(w, 3 * part.length);
    w.o += w.buf.write(part, w.o, 'utf8');
    i = j;
  }
}

/** A value JSON.stringify renders from text it made itself (see `resolve`). */
class Stringified {
  constructor(readonly text: string) {}
}

const SKIP = Symbol('skip');

/**
 * What value `v` (held under `key`, at `depth`) is rendered as: itself when the general renderer handles it
 * (primitives, plain objects and arrays without `toJSON`, ReportFlows), SKIP when JSON.stringify leaves it out
 * (undefined, functions, symbols), else a Stringified with JSON.stringify's text for it at that depth.
 */
function resolve(v: unknown, key: string, depth: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return v;
    case 'undefined':
    case 'function':
    case 'symbol':
      return SKIP;
    case 'object': {
      if (v === null || v instanceof ReportFlows) return v;
      const proto = Object.getPrototypeOf(v) as unknown;
      if ((proto === Object.prototype || proto === null || (proto === Array.prototype && Array.isArray(v))) && typeof (v as { toJSON?: unknown }).toJSON !== 'function') return v;
      break;
    }
  }
  // anything else (bigint, class instances, toJSON): JSON.stringify's own text, with `key` passed to toJSON
  if (depth === 0) {
    const t = JSON.stringify(v, null, 2) as string | undefined;
    return t === undefined ? SKIP : new Stringified(t);
  }
  const t = JSON.stringify({ [key]: v }, null, 2);
  if (t === '{}') return SKIP;
  const head = 4 + JSON.stringify(key).length + 2; // `{\n  "key": `
  return new Stringified(t.slice(head, t.length - 2).replaceAll('\n', '\n' + '  '.repeat(depth - 1)));
}

const TRUE = new Text('true');
const FALSE = new Text('false');
const NULL = new Text('null');
const EMPTY_ARRAY = new Text('[]');
const OPEN_ARRAY = new Text('[');
const CLOSE_ARRAY = new Text(']');
const COMMA = new Text(',');

function writeText(w: Out, t: Text): void {
  room(w, t.length);
  w.o = put(w.dv, w.o, t);
}

/** Writes a value `resolve` returned (not SKIP) at `depth` (its first line is already indented). */
function writeValue(w: Out, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      room(w, 6 * v.length + 2);
      w.o = putString(w.buf, w.o, v);
      return;
    case 'number':
      room(w, NUM);
      w.o = putNumber(w.buf, w.o, v);
      return;
    case 'boolean':
      return writeText(w, v ? TRUE : FALSE);
  }
  if (v === null) return writeText(w, NULL);
  if (v instanceof Stringified) return writeUtf8(w, v.text);
  if (w.path.includes(v)) throw new TypeError('Converting circular structure to JSON');
  w.path.push(v);
  if (v instanceof ReportFlows) writeFlows(w, v, depth);
  else if (Array.isArray(v)) writeArray(w, v, depth);
  else writeObject(w, v as Record<string, unknown>, depth);
  w.path.pop();
}

/** Sum of the lengths of the strings a[from], a[from + 1] … before the first element that is no string (set by stringRun). */
let runChars = 0;

/**
 * The end of the run of strings starting at a[from]; their total length in runChars. (Also brings them into the
 * cache many at a time: the loads are independent here, unlike in the writing loop, which waits for each.)
 */
function stringRun(a: unknown[], from: number): number {
  let chars = 0;
  let i = from;
  for (; i < a.length; i++) {
    const e = a[i];
    if (typeof e !== 'string') break;
    chars += e.length;
  }
  runChars = chars;
  return i;
}

/** Writes the strings a[from] … a[to - 1] (all strings), each after `,` (but the array's first) and `nl`. */
function writeStrings(w: Out, a: unknown[], from: number, to: number, nl: Text): void {
  const nlWords = nl.words;
  const nlBytes = nl.length;
  let b = w.buf;
  let dv = w.dv;
  let end = b.length - SLACK;
  let o = w.o;
  for (let i = from; i < to; i++) {
    const e = a[i] as string;
    const len = e.length;
    const need = 1 + nlBytes + 6 * len + 2;
    if (o + need > end) {
      w.o = o;
      room(w, need);
      b = w.buf;
      dv = w.dv;
      end = b.length - SLACK;
      o = w.o;
    }
    if (i > 0) b[o++] = 44; // ,
    for (let j = 0; j < nlWords.length; j++) dv.setInt32(o + 4 * j, nlWords[j], true);
    o += nlBytes;
    o = putString(b, o, e);
  }
  w.o = o;
}

function writeArray(w: Out, a: unknown[], depth: number): void {
  const n = a.length;
  if (n === 0) return writeText(w, EMPTY_ARRAY);
  writeText(w, OPEN_ARRAY);
  const nl = newlineText(depth + 1);
  for (let i = 0; i < n; i++) {
    // runs of strings (arrays of flow uids, of addresses) in a loop of their own
    const stop = stringRun(a, i);
    if (stop > i) {
      const need = (stop - i) * (1 + nl.length + 2) + 6 * runChars;
      if (need <= PIECE) room(w, need);
      writeStrings(w, a, i, stop, nl);
      i = stop;
      if (i === n) break;
    }
    if (i > 0) writeText(w, COMMA);
    writeText(w, nl);
    const r = resolve(a[i], String(i), depth + 1);
    if (r === SKIP) writeText(w, NULL);
    else writeValue(w, r, depth + 1);
  }
  writeText(w, newlineText(depth));
  writeText(w, CLOSE_ARRAY);
}

function writeObject(w: Out, obj: Record<string, unknown>, depth: number): void {
  room(w, 1);
  w.buf[w.o++] = 123; // {
  const nl = newlineText(depth + 1);
  let first = true;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = obj[key];
    const type = typeof v;
    const primitive = type === 'string' || type === 'number' || type === 'boolean' || v === null;
    const r = primitive ? v : resolve(v, key, depth + 1);
    if (r === SKIP) continue;
    // `,` newline key `: ` and a primitive value with one room check
    room(w, 1 + nl.length + 6 * key.length + 4 + (type === 'string' ? 6 * (v as string).length + 2 : NUM));
    const b = w.buf;
    let o = w.o;
    if (!first) b[o++] = 44; // ,
    first = false;
    o = put(w.dv, o, nl);
    o = putString(b, o, key);
    b[o++] = 58; // :
    b[o++] = 32;
    if (!primitive) {
      w.o = o;
      writeValue(w, r, depth + 1);
      continue;
    }
    if (type === 'string') o = putString(b, o, v as string);
    else if (type === 'number') o = putNumber(b, o, v as number);
    else o = put(w.dv, o, v === null ? NULL : v ? TRUE : FALSE);
    w.o = o;
  }
  room(w, 2 + 2 * depth);
  if (!first) w.o = put(w.dv, w.o, newlineText(depth));
  w.buf[w.o++] = 125; // }
}

/** How a flow field is written. */
const enum Kind {
  /** round6(number) */
  Time,
  Str,
  Num,
  Bool,
  /** string or null */
  StrOrNull,
  /** number or null */
  NumOrNull,
  Icmp,
}

/** The fields of ReportFlow in order (see toReportFlow): key, how it is written. */
const FLOW_FIELDS: [string, Kind][] = [
  ['ts', Kind.Time], ['uid', Kind.Str], ['id.orig_h', Kind.Str], ['id.orig_p', Kind.Num], ['id.resp_h', Kind.Str], ['id.resp_p', Kind.Num],
  ['proto', Kind.Str], ['duration', Kind.Time], ['orig_bytes', Kind.Num], ['resp_bytes', Kind.Num], ['conn_state', Kind.Str], ['history', Kind.Str],
  ['orig_pkts', Kind.Num], ['orig_ip_bytes', Kind.Num], ['resp_pkts', Kind.Num], ['resp_ip_bytes', Kind.Num], ['sep_service', Kind.StrOrNull],
  ['sep_fit', Kind.Str], ['initiator_inferred', Kind.Bool], ['initiator_basis', Kind.Str], ['orig_frame_bytes', Kind.Num],
  ['resp_frame_bytes', Kind.Num], ['vlan', Kind.NumOrNull], ['orig_syns', Kind.Num], ['partial', Kind.Bool], ['icmp_errors', Kind.Icmp],
];
const KINDS = Uint8Array.from(FLOW_FIELDS, ([, k]) => k);
const FIELDS = FLOW_FIELDS.length;
const ICMP_KEYS = ['type', 'code', 'from', 'count', 'first_ts'];

/** The values of the flow being written, in FLOW_FIELDS order (reused: no object per flow). */
const VALUES: unknown[] = new Array<unknown>(FIELDS).fill(null);

/** Longest string, most ICMP errors the fast path writes; a flow with more goes the general way. */
const MAX_CHARS = 64;
const MAX_ICMP = 16;

/** The constant text of flows at one depth. */
interface FlowText {
  /** `[` and the first flow's indentation; `,` and the next one's */
  open: Text;
  between: Text;
  /** the text before field k (`{` or `,`, newline, indentation, key, `: `) is words[start[k]] … words[start[k + 1] - 1], length[k] bytes; k = FIELDS: the closing `}` */
  words: Int32Array;
  start: Int32Array;
  length: Int32Array;
  end: Text;
  icmpOpen: Text;
  icmpBetween: Text;
  icmpField: Text[];
  icmpClose: Text;
  icmpEnd: Text;
  /** bytes a flow may take on the fast path */
  room: number;
}

const flowTextByDepth = new Map<number, FlowText>();

function flowText(depth: number): FlowText {
  let ft = flowTextByDepth.get(depth);
  if (ft) return ft;
  const ind = (d: number) => '\n' + '  '.repeat(d);
  const fieldTexts = FLOW_FIELDS.map(([k], i) => new Text(`${i === 0 ? '{' : ','}${ind(depth + 2)}${JSON.stringify(k)}: `));
  fieldTexts.push(new Text(ind(depth + 1) + '}'));
  const start = new Int32Array(fieldTexts.length + 1);
  fieldTexts.forEach((t, i) => (start[i + 1] = start[i] + t.words.length));
  const words = new Int32Array(start[fieldTexts.length]);
  fieldTexts.forEach((t, i) => words.set(t.words, start[i]));
  const icmpField = ICMP_KEYS.map((k, i) => new Text(`${i === 0 ? '{' : ','}${ind(depth + 4)}${JSON.stringify(k)}: `));
  const icmpClose = new Text(ind(depth + 3) + '}');
  const between = new Text(',' + ind(depth + 1));
  const icmpBetween = new Text(',' + ind(depth + 3));
  const icmpEnd = new Text(ind(depth + 2) + ']');
  const sum = (ts: Text[]) => ts.reduce((n, t) => n + t.length, 0);
  const strings = FLOW_FIELDS.filter(([, k]) => k === Kind.Str || k === Kind.StrOrNull).length;
  const icmpRoom = icmpBetween.length + sum(icmpField) + icmpClose.length + 4 * NUM + 6 * MAX_CHARS + 2;
  ft = {
    open: new Text('[' + ind(depth + 1)),
    between,
    words,
    start,
    length: Int32Array.from(fieldTexts, (t) => t.length),
    end: new Text(ind(depth) + ']'),
    icmpOpen: new Text('[' + ind(depth + 3)),
    icmpBetween,
    icmpField,
    icmpClose,
    icmpEnd,
    room: between.length + sum(fieldTexts) + FIELDS * NUM + strings * (6 * MAX_CHARS + 2) + MAX_ICMP * icmpRoom + icmpEnd.length,
  };
  flowTextByDepth.set(depth, ft);
  return ft;
}

/**
 * Writes a flow's text at o (room for `ft.room` bytes) when its values have the types `toReportFlow` expects
 * (strings of at most MAX_CHARS, numbers, booleans, null where the shape allows it, a plain array of at most
 * MAX_ICMP ICMP errors).
 * @returns the offset after it, or -1 (nothing usable written) when a value is of another type or too long
 */
function putFlow(b: Buffer, dv: DataView, o: number, ft: FlowText, first: boolean, r: FlowRecord, service: string | null, fit: string): number {
  const V = VALUES;
  V[0] = r.ts;
  V[1] = r.uid;
  V[2] = r.origH;
  V[3] = r.origP;
  V[4] = r.respH;
  V[5] = r.respP;
  V[6] = r.proto;
  V[7] = r.duration;
  V[8] = r.origBytes;
  V[9] = r.respBytes;
  V[10] = r.connState;
  V[11] = r.history;
  V[12] = r.origPkts;
  V[13] = r.origIpBytes;
  V[14] = r.respPkts;
  V[15] = r.respIpBytes;
  V[16] = service;
  V[17] = fit;
  V[18] = r.initiatorInferred;
  V[19] = r.initiatorBasis;
  V[20] = r.origFrameBytes;
  V[21] = r.respFrameBytes;
  V[22] = r.vlan;
  V[23] = r.origSyns;
  V[24] = r.partial;
  V[25] = r.icmpErrors;
  const words = ft.words;
  const start = ft.start;
  const length = ft.length;
  o = put(dv, o, first ? ft.open : ft.between);
  for (let k = 0; k <= FIELDS; k++) {
    // the constant text before field k (after the last: the closing brace)
    const stop = start[k + 1];
    for (let q = start[k], p = o; q < stop; q++, p += 4) dv.setInt32(p, words[q], true);
    o += length[k];
    if (k === FIELDS) break;
    const v = V[k];
    let kind = KINDS[k];
    if (v === null && (kind === Kind.StrOrNull || kind === Kind.NumOrNull)) {
      b[o] = 110; // null
      b[o + 1] = 117;
      b[o + 2] = 108;
      b[o + 3] = 108;
      o += 4;
      continue;
    }
    if (kind === Kind.StrOrNull) kind = Kind.Str;
    else if (kind === Kind.NumOrNull) kind = Kind.Num;
    switch (kind) {
      case Kind.Str: {
        if (typeof v !== 'string') return -1;
        if (v.length > MAX_CHARS) return -1;
        o = putString(b, o, v);
        break;
      }
      case Kind.Time: {
        if (typeof v !== 'number') return -1;
        o = putRound6(b, o, v);
        break;
      }
      case Kind.Num: {
        if (typeof v !== 'number') return -1;
        // 0 ≤ v < 2^31 inline (-0 written 0, as String(-0) is)
        o = (v | 0) === v && v >= 0 ? putInt31(b, o, v) : putNumber(b, o, v);
        break;
      }
      case Kind.Bool: {
        if (v === true) {
          b[o] = 116; // true
          b[o + 1] = 114;
          b[o + 2] = 117;
          b[o + 3] = 101;
          o += 4;
        } else if (v === false) {
          b[o] = 102; // false
          b[o + 1] = 97;
          b[o + 2] = 108;
          b[o + 3] = 115;
          b[o + 4] = 101;
          o += 5;
        } else return -1;
        break;
      }
      case Kind.Icmp: {
        if (v === undefined || v === null || (Array.isArray(v) && v.length === 0 && Object.getPrototypeOf(v) === Array.prototype)) {
          b[o] = 91; // []
          b[o + 1] = 93;
          o += 2;
        } else {
          o = putIcmpErrors(b, dv, o, ft, v);
          if (o < 0) return -1;
        }
        break;
      }
    }
  }
  return o;
}

/** A flow's non-empty ICMP errors, or -1 when not a plain array of at most MAX_ICMP of the expected shape. */
function putIcmpErrors(b: Buffer, dv: DataView, o: number, ft: FlowText, v: unknown): number {
  if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype || v.length > MAX_ICMP) return -1;
  const errors = v as unknown[];
  for (let j = 0; j < errors.length; j++) {
    const e = errors[j] as NonNullable<FlowRecord['icmpErrors']>[number] | null | undefined;
    if (e === null || e === undefined) return -1;
    const { type, code, from, count, firstTs } = e;
    if (typeof type !== 'number' || typeof code !== 'number' || typeof from !== 'string' || from.length > MAX_CHARS || typeof count !== 'number' || typeof firstTs !== 'number') return -1;
    const g = ft.icmpField;
    o = put(dv, o, j === 0 ? ft.icmpOpen : ft.icmpBetween);
    o = put(dv, o, g[0]);
    o = putNumber(b, o, type);
    o = put(dv, o, g[1]);
    o = putNumber(b, o, code);
    o = put(dv, o, g[2]);
    o = putString(b, o, from);
    o = put(dv, o, g[3]);
    o = putNumber(b, o, count);
    o = put(dv, o, g[4]);
    o = putRound6(b, o, firstTs);
    o = put(dv, o, ft.icmpClose);
  }
  return put(dv, o, ft.icmpEnd);
}

function writeFlows(w: Out, flows: ReportFlows, depth: number): void {
  const n = flows.length;
  if (n === 0) return writeText(w, EMPTY_ARRAY);
  const ft = flowText(depth);
  const { records, service, fit } = flows.columns();
  for (let i = 0; i < n; ) {
    // as many flows as fit in the buffer, in one tight loop
    room(w, ft.room);
    const b = w.buf;
    const dv = w.dv;
    const last = b.length - SLACK - ft.room;
    let o = w.o;
    let next = 0;
    for (; i < n && o <= last; i++) {
      next = putFlow(b, dv, o, ft, i === 0, records[i], service[i], fit[i]);
      if (next < 0) break;
      o = next;
    }
    w.o = o;
    if (next < 0) {
      // a value of a type the shape does not expect, or too long: the ReportFlow, as JSON.stringify renders it
      writeText(w, i === 0 ? ft.open : ft.between);
      const r = resolve(toReportFlow(records[i], service[i], fit[i]), String(i), depth + 1);
      if (r === SKIP) writeText(w, NULL);
      else writeValue(w, r, depth + 1);
      i++;
    }
  }
  writeText(w, ft.end);
}

/**
 * Writes `value` as indented JSON followed by a newline: byte for byte `JSON.stringify(value, null, 2) + '\n'`
 * in UTF-8, handed on in pieces of up to 256 kB (cut between characters). Writes nothing when JSON.stringify
 * would give undefined.
 * @param sink receives each piece; the bytes are valid only during the call (the buffer is reused)
 * @throws TypeError on a cyclic structure or a BigInt (as JSON.stringify), and whatever `toJSON` or `sink` throws
 */
export function writeJsonBytes(value: unknown, sink: (bytes: Buffer) => void): void {
  const w = { o: 0, sink, path: [] } as unknown as Out;
  newBuffer(w, PIECE);
  const r = resolve(value, '', 0);
  if (r === SKIP) return;
  writeValue(w, r, 0);
  room(w, 1);
  w.buf[w.o++] = 10;
  flush(w);
}

/**
 * Writes `report` as indented JSON through `write`, byte for byte what `JSON.stringify(report, null, 2) + '\n'`
 * gives, in pieces of up to 256 kB of UTF-8 (each decoded to a string).
 * @param write receives consecutive pieces of the text
 */
export function writeJsonReport(report: Report, write: (chunk: string) => void): void {
  writeJsonBytes(report, (bytes) => write(bytes.toString('utf8')));
}

/**
 * Writes the JSON report to a file (created or truncated) with synchronous writes of each piece.
 * @throws the file system's error when the file cannot be opened or written
 */
export function writeJsonReportFile(report: Report, path: string): void {
  const fd = openSync(path, 'w');
  try {
    writeJsonBytes(report, (b) => {
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    });
  } finally {
    closeSync(fd);
  }
}

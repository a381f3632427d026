/**
 * The compliance pass was rewritten for speed (issue 6: per-flow facts computed once, classification
 * memoised per port and roles, hosts and services numbered, flows indexed instead of re-scanned). Its results
 * must not change at all: this test runs the current pass and the pre-rewrite one (./reference, a verbatim
 * copy) on seeded random flow sets under several site profiles and compares the results as serialised,
 * including key order and properties present but undefined.
 *
 * It also runs the exported stage functions (expectations, rules, matrix) without the pass's shared facts,
 * the way a caller outside `judge` does, so that both paths are held to the reference.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flow/record.js';
import { judge } from '../../src/compliance/judge.js';
import { expectations } from '../../src/compliance/expected.js';
import { buildMatrix } from '../../src/compliance/matrix.js';
import { buildHosts } from '../../src/compliance/roles.js';
import { evaluate, RULES } from '../../src/compliance/rules.js';
import { EMPTY_PROFILE, parseProfile, type SiteProfile } from '../../src/compliance/profile.js';
import { ServiceIndex } from '../../src/compliance/services.js';
import { judge as referenceJudge } from './reference/judge.js';
import { RULES as REFERENCE_RULES } from './reference/rules.js';
import { expectations as referenceExpectations } from './reference/expected.js';
import { buildMatrix as referenceMatrix } from './reference/matrix.js';

/** mulberry32: a small seeded PRNG, so every run tests the same flow sets. */
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

const MANAGERS = ['10.0.0.10', '10.0.0.11', 'fd00::10'];
const SERVERS = ['10.0.0.20', '10.0.0.30', '10.0.5.1', '192.0.2.7', '127.0.0.1', 'fd00::20'];
const CLIENTS = [...Array.from({ length: 24 }, (_, i) => `10.1.0.${i + 1}`), ...Array.from({ length: 8 }, (_, i) => `10.2.0.${i + 1}`), 'fd00:1::5', 'fd00:1::6', '::ffff:10.1.0.99'];
// SEP ports (every catalogue row, and overridden ones) and others
const PORTS = [8014, 443, 8443, 1433, 445, 139, 137, 138, 22, 2967, 2968, 2638, 8444, 9090, 8081, 8082, 8445, 8446, 8447, 8765, 1100, 514, 8015, 80, 53, 3389, 636, 8080, 50123];
const STATES = ['SF', 'SF', 'SF', 'S0', 'REJ', 'S1', 'RSTO', 'RSTR', 'RSTOS0', 'SH', 'SHR', 'OTH', 'S3'];
const HISTORIES = ['ShADadFf', 'S', 'Sr', 'ShAD', 'Sh', 'ShR', 'D', 'Dd', 'Ad', '^hADad', 'ShAdDaFf'];

function randomFlows(seed: number, n: number): FlowRecord[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const host = (): string => {
    const x = rnd();
    return x < 0.2 ? pick(MANAGERS) : x < 0.35 ? pick(SERVERS) : pick(CLIENTS);
  };
  const out: FlowRecord[] = [];
  for (let i = 0; i < n; i++) {
    const origH = host();
    const respH = rnd() < 0.02 ? origH : host();
    const proto = rnd() < 0.8 ? 'tcp' : 'udp';
    const connState = proto === 'udp' ? pick(['SF', 'S0', 'S0', 'SHR']) : pick(STATES);
    const respPkts = connState === 'S0' || connState === 'RSTOS0' || connState === 'SH' || rnd() < 0.05 ? 0 : 1 + Math.floor(rnd() * 9);
    const origPkts = 1 + Math.floor(rnd() * 9);
    const ipVersion = origH.includes(':') ? 6 : 4;
    const icmpErrors =
      rnd() < 0.06
        ? [{ type: ipVersion === 4 ? 3 : 1, code: ipVersion === 4 ? pick([3, 9, 10, 13, 1]) : pick([4, 1, 0]), from: pick([respH, '10.0.9.1']), count: 1 + Math.floor(rnd() * 3), firstTs: 1000 + i }]
        : rnd() < 0.5 ? [] : undefined;
    const ts = 1000 + i * 0.5 + rnd();
    out.push({
      uid: `R${seed}x${i}`, ts, lastTs: ts + rnd() * 30, proto, ipVersion, origH, origP: 40000 + i, respH, respP: pick(PORTS),
      vlan: null, vlanInner: null, duration: rnd() * 30, origPkts, respPkts, origIpBytes: origPkts * 60, respIpBytes: respPkts * 60,
      origFrameBytes: origPkts * 74, respFrameBytes: respPkts * 74, origBytes: 100, respBytes: respPkts ? 100 : 0, connState,
      history: proto === 'udp' ? pick(['D', 'Dd']) : pick(HISTORIES), initiatorInferred: rnd() < 0.15, initiatorBasis: 'syn',
      origSyns: Math.floor(rnd() * 4), partial: false, ...(icmpErrors === undefined ? {} : { icmpErrors }),
    });
  }
  return out;
}

const site = (yaml: string): SiteProfile => parseProfile(yaml, 'site.yaml');
const PROFILES: [string, SiteProfile][] = [
  ['no profile', EMPTY_PROFILE],
  ['declared roles, 14.3, https, push, syslog, GUPs, ignores', site(`
sep_version: "14.3 RU8"
roles:
  sepm: [10.0.0.10, fd00::10]
  replication_partner: [10.0.0.10, 10.0.0.11]
  sql: [10.0.0.20]
  syslog: [10.0.0.30]
  client: [10.1.0.0/24, fd00:1::/64, 10.2.0.3]
  gup: [10.1.0.7, 10.2.0.1]
  console: [10.2.0.5, mgmt-pc]
  mac_client: [10.2.0.6]
policy:
  client_transport: https
  push_deployment: true
  syslog_required: true
  gup_client_prefix: 24
  ignore: {ports: [3389], hosts: [10.1.0.20, 10.2.0.8/31]}
`)],
  ['12.1, http, port override', site(`
sep_version: "12.1.6 MP10"
roles:
  sepm: [10.0.0.11]
  client: [10.2.0.0/24]
ports:
  client-http: 8015
policy: {client_transport: http}
`)],
  ['14.0, both, a declared host never seen', site(`
sep_version: "14.0.1"
roles:
  sepm: [10.0.0.10, 10.9.9.9]
  client: [10.1.0.1, 10.1.0.2, 10.1.0.3]
  sql: [10.0.0.20]
policy: {client_transport: both, heartbeat: 10s}
`)],
];

/** Results as compared: Maps as entry lists, services by id and ports, undefined kept visible. */
function serialise(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => {
    if (v instanceof Map) return [...v.entries()];
    if (v && typeof v === 'object' && 'entry' in v && 'overridden' in v) {
      const s = v as { entry: { id: string }; ports: readonly number[]; overridden: boolean };
      return `service ${s.entry.id} ${s.ports.join(',')} ${s.overridden}`;
    }
    return v === undefined ? '(undefined)' : v;
  });
}

describe('the compliance pass gives exactly the pre-rewrite results', () => {
  for (const [name, profile] of PROFILES) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, flow set ${seed}`, () => {
        const records = randomFlows(seed * 7919 + name.length, 600 + seed * 300);
        const services = new ServiceIndex(profile);
        const names = new Map([['10.2.0.4', 'MGMT-PC'], ['10.1.0.5', 'client-5']]);
        const input = { records, services, profile, names, captureSeconds: seed === 2 ? 120 : 3600, droppedPackets: seed === 3 ? 5 : null, duplicateFrames: 2 };
        const now = judge(input);
        const before = referenceJudge(input);
        expect(serialise(now)).toBe(serialise(before));
        // some of every kind of result, so the comparison means something
        expect(now.findings.length).toBeGreaterThan(10);
        expect(now.matrix.length).toBeGreaterThan(3);

        // the exported stages on their own (no shared facts), as outside callers use them
        const ctx = { records, classes: before.classes, hosts: before.hosts, profile, services, evidence: before.evidence };
        expect(serialise(expectations(ctx))).toBe(serialise(before.expectations));
        const rctx = { ...ctx, expectations: before.expectations };
        expect(serialise(evaluate(rctx))).toBe(serialise(before.findings));
        for (let k = 0; k < RULES.length; k++) {
          expect(serialise(RULES[k].run({ ...rctx }))).toBe(serialise(REFERENCE_RULES[k].run({ ...rctx })));
        }
        expect(serialise(buildMatrix(records, before.classes, before.hosts, before.expectations, profile.sepVersion))).toBe(serialise(before.matrix));
        expect(serialise(buildHosts(records, services, profile, names))).toBe(serialise(before.hosts));

        // a hand-made context whose host table lacks some of the flows' hosts and whose classes lack some flows
        const someHosts = new Map([...before.hosts].filter((_, k) => k % 3 !== 1));
        const someClasses = new Map([...before.classes].filter((_, k) => k % 11 !== 4));
        const odd = { ...rctx, hosts: someHosts, classes: someClasses };
        for (let k = 0; k < RULES.length; k++) {
          expect(serialise(RULES[k].run({ ...odd }))).toBe(serialise(REFERENCE_RULES[k].run({ ...odd })));
        }
        expect(serialise(expectations(odd))).toBe(serialise(referenceExpectations(odd)));
        expect(serialise(buildMatrix(records, someClasses, someHosts, before.expectations, profile.sepVersion))).toBe(
          serialise(referenceMatrix(records, someClasses, someHosts, before.expectations, profile.sepVersion)),
        );
      });
    }
  }

  it('keeps the order of the flows it was given (shuffled input, shuffled uids in the output lists)', () => {
    const records = randomFlows(99, 800);
    const rnd = prng(5);
    const shuffled = [...records];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const profile = PROFILES[1][1];
    const input = { records: shuffled, services: new ServiceIndex(profile), profile, captureSeconds: 3600 };
    expect(serialise(judge(input))).toBe(serialise(referenceJudge(input)));
  });
});

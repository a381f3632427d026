/**
 * Compliance rules on hand-built flow records. Each expectation is derived from the vendor table
 * (../shared/reference/sep-ports.md, row numbers cited) and the rule's definition, not from a run.
 */
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../../src/flow/record.js';
import { judge } from '../../src/compliance/judge.js';
import { EMPTY_PROFILE, parseProfile, type SiteProfile } from '../../src/compliance/profile.js';
import { buildHosts } from '../../src/compliance/roles.js';
import type { Finding } from '../../src/compliance/rules.js';
import { ServiceIndex } from '../../src/compliance/services.js';
import { compareSepVersions, parseSepVersion, versionInRange } from '../../src/compliance/version.js';

let n = 0;
function flow(origH: string, respH: string, respP: number, connState = 'SF', proto: 'tcp' | 'udp' = 'tcp', extra: Partial<FlowRecord> = {}): FlowRecord {
  const answered = connState !== 'S0';
  return {
    uid: `T${++n}`, ts: 1000, lastTs: 1400, proto, ipVersion: 4, origH, origP: 50000 + n, respH, respP, vlan: null, vlanInner: null,
    duration: 1, origPkts: 5, respPkts: answered ? 4 : 0, origIpBytes: 500, respIpBytes: answered ? 400 : 0,
    origFrameBytes: 570, respFrameBytes: answered ? 456 : 0, origBytes: 100, respBytes: 100, connState,
    history: connState === 'S0' ? 'S' : connState === 'REJ' ? 'Sr' : 'ShADadFf', initiatorInferred: false,
    initiatorBasis: 'syn', origSyns: connState === 'S0' ? 3 : 1, partial: false, ...extra,
  };
}

function run(records: FlowRecord[], profile: SiteProfile = EMPTY_PROFILE, captureSeconds = 600): Finding[] {
  return judge({ records, services: new ServiceIndex(profile), profile, captureSeconds }).findings;
}

const site = (yaml: string) => parseProfile(yaml, 'site.yaml');
const SITE = site(`
sep_version: "14.3 RU8"
roles:
  sepm: [10.0.0.10]
  sql: [10.0.0.20]
  client: [10.1.0.0/24]
  console: [10.3.0.5]
policy: {client_transport: both}
`);

describe('SEP versions', () => {
  it('parses the vendor spellings and orders them', () => {
    expect(parseSepVersion('14.3 RU8')).toEqual([14, 3, 0, 8]);
    expect(parseSepVersion('12.1.6 MP10')).toEqual([12, 1, 6, 10]);
    expect(parseSepVersion('fourteen')).toBeNull();
    expect(compareSepVersions(parseSepVersion('14.3 RU8')!, parseSepVersion('14.3')!)).toBeGreaterThan(0);
    expect(compareSepVersions(parseSepVersion('14.2')!, parseSepVersion('14.10')!)).toBeLessThan(0);
  });
  it('ranges: "12.1.x only" (row 8) covers 12.1.6 but not 14.0; "14.2 and later" (row 4) excludes 14.0.1', () => {
    expect(versionInRange(parseSepVersion('12.1.6')!, '12.1', '12.1.x')).toBe(true);
    expect(versionInRange(parseSepVersion('14.0')!, '12.1', '12.1.x')).toBe(false);
    expect(versionInRange(parseSepVersion('14.0.1')!, '14.2', null)).toBe(false);
    expect(versionInRange(parseSepVersion('14.3 RU8')!, '14.2', null)).toBe(true);
  });
});

describe('rules', () => {
  it('blocked-dropped merges clients of one service into one finding with one remediation line (row 10)', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 8014, 'S0'), flow('10.1.0.22', '10.0.0.10', 8014, 'S0'), flow('10.1.0.23', '10.0.0.10', 8014)], SITE);
    const d = f.filter((x) => x.rule === 'blocked-dropped');
    expect(d).toHaveLength(1);
    expect(d[0].seedRow).toBe(10);
    expect(d[0].attempts).toBe(6);
    // merged across clients, summarised to the declared client network (issue 4: one line per service)
    expect(d[0].remediation).toBe('allow 10.1.0.0/24 -> 10.0.0.10 TCP 8014');
    expect(d[0].hosts).toEqual(['10.1.0.21', '10.1.0.22', '10.0.0.10']);
    expect(d[0].severity).toBe('high');
  });

  it('blocked-dropped is only info (inconclusive) when no packet in the capture went the answering way', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 8014, 'S0')], SITE);
    expect(f.find((x) => x.rule === 'blocked-dropped')?.severity).toBe('info');
  });

  it('blocked-refused on REJ (row 6: manager to SQL)', () => {
    const f = run([flow('10.0.0.10', '10.0.0.20', 1433, 'REJ'), flow('10.1.0.21', '10.0.0.10', 8014)], SITE);
    const r = f.find((x) => x.rule === 'blocked-refused');
    expect(r?.seedRow).toBe(6);
    expect(r?.hosts).toEqual(['10.0.0.10', '10.0.0.20']);
  });

  it('a non-SEP port that is dropped is not a SEP finding', () => {
    const f = run([flow('10.1.0.21', '10.0.0.99', 5555, 'S0'), flow('10.1.0.21', '10.0.0.10', 8014)], SITE);
    expect(f.filter((x) => x.rule.startsWith('blocked'))).toEqual([]);
  });

  it('localhost-only-port-exposed: 8447 (row 17), 8765 (row 18), 2638 (row 5) between two hosts; not on loopback', () => {
    const f = run([flow('10.9.9.9', '10.0.0.10', 8447), flow('10.9.9.9', '10.0.0.10', 8765, 'REJ'), flow('10.0.0.11', '10.0.0.10', 2638), flow('127.0.0.1', '127.0.0.1', 8447)], SITE);
    const l = f.filter((x) => x.rule === 'localhost-only-port-exposed');
    expect(l.map((x) => x.seedRow).sort()).toEqual([17, 18, 5].sort());
    expect(l.find((x) => x.seedRow === 17)?.severity).toBe('high');
    expect(l.find((x) => x.seedRow === 18)?.severity).toBe('medium'); // refused: attempted, not reachable
  });

  it('reversed-direction: the manager opening the client port towards a client (row 10 is client -> SEPM)', () => {
    const f = run([flow('10.0.0.10', '10.1.0.21', 8014), flow('10.1.0.21', '10.0.0.10', 443)], SITE);
    expect(f.map((x) => x.rule)).toContain('reversed-direction');
  });

  it('wrong-role: client to client on 8014; a client to 8443 (row 7 is consoles/managers only)', () => {
    const f = run([flow('10.1.0.21', '10.1.0.22', 8014), flow('10.1.0.21', '10.0.0.10', 8443), flow('10.1.0.22', '10.0.0.10', 8014)], SITE);
    const w = f.filter((x) => x.rule === 'wrong-role');
    expect(w.map((x) => `${x.hosts[0]}>${x.hosts[1]}`).sort()).toEqual(['10.1.0.21>10.0.0.10', '10.1.0.21>10.1.0.22']);
  });

  it('wrong-role: an undeclared host logging in to the manager on 8443', () => {
    const f = run([flow('10.7.7.7', '10.0.0.10', 8443), flow('10.1.0.22', '10.0.0.10', 8014)], SITE);
    expect(f.filter((x) => x.rule === 'wrong-role').map((x) => x.hosts[0])).toEqual(['10.7.7.7']);
  });

  it('version-inapplicable-port: 8444 (row 8, 12.1.x only) on a 14.3 site; 2968 (row 4, 14.2+) on 14.0.1', () => {
    expect(run([flow('10.5.0.1', '10.0.0.10', 8444)], SITE).map((x) => x.rule)).toContain('version-inapplicable-port');
    const old = site('sep_version: "14.0.1"\nroles: {sepm: [10.0.0.10], client: [10.1.0.0/24]}\n');
    expect(run([flow('10.1.0.21', '10.0.0.10', 2968)], old).find((x) => x.rule === 'version-inapplicable-port')?.seedRow).toBe(4);
    expect(run([flow('10.1.0.21', '10.0.0.10', 2968)], SITE).map((x) => x.rule)).not.toContain('version-inapplicable-port');
  });

  it('plaintext-where-https-required only when the policy says https', () => {
    const https = site('roles: {sepm: [10.0.0.10], client: [10.1.0.0/24]}\npolicy: {client_transport: https}\n');
    expect(run([flow('10.1.0.21', '10.0.0.10', 8014)], https).map((x) => x.rule)).toContain('plaintext-where-https-required');
    expect(run([flow('10.1.0.21', '10.0.0.10', 8014)], SITE).map((x) => x.rule)).not.toContain('plaintext-where-https-required');
  });

  it('unlisted-port: the manager answering 3389 (not in the table)', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 3389), flow('10.1.0.21', '10.0.0.10', 8014)], SITE);
    const u = f.find((x) => x.rule === 'unlisted-port');
    expect(u?.severity).toBe('medium');
    expect(u?.hosts).toEqual(['10.1.0.21', '10.0.0.10']);
  });

  it('expected-flow-absent: declared console and SQL with no flows; a client seen but never at a manager', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 8014), flow('10.1.0.22', '10.0.0.99', 80)], SITE);
    const a = f.filter((x) => x.rule === 'expected-flow-absent');
    expect(a.map((x) => x.hosts[0]).sort()).toEqual(['10.0.0.20', '10.1.0.22', '10.3.0.5']);
    expect(a.every((x) => x.severity === 'medium')).toBe(true);
  });

  it('expected-flow-absent is inconclusive (info) when the capture is shorter than the 5-minute heartbeat', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 8014)], SITE, 60);
    const a = f.filter((x) => x.rule === 'expected-flow-absent');
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((x) => x.severity === 'info' && x.message.includes('inconclusive'))).toBe(true);
  });

  it('without a profile: the manager is inferred from answering 8014 for two clients (high confidence)', () => {
    const records = [flow('10.1.0.21', '10.0.0.10', 8014), flow('10.1.0.22', '10.0.0.10', 8014), flow('10.0.0.10', '10.0.0.20', 1433)];
    const hosts = buildHosts(records, new ServiceIndex(EMPTY_PROFILE), EMPTY_PROFILE);
    expect(hosts.get('10.0.0.10')?.inferred).toEqual([expect.objectContaining({ role: 'sepm', confidence: 'high' })]);
    expect(hosts.get('10.1.0.21')?.roles).toEqual(['client']);
    expect(hosts.get('10.0.0.20')?.roles).toEqual(['sql']);
  });

  it('port overrides move a service: client-http on 8080', () => {
    const moved = site('roles: {sepm: [10.0.0.10], client: [10.1.0.0/24]}\nports: {client-http: 8080}\n');
    const f = run([flow('10.1.0.21', '10.0.0.10', 8080, 'S0'), flow('10.1.0.22', '10.0.0.10', 443)], moved);
    expect(f.find((x) => x.rule === 'blocked-dropped')?.service).toBe('client-http');
  });

  it('remediation keeps a lone source as an address: one refused host does not open its whole /24', () => {
    const f = run([flow('10.1.0.21', '10.0.0.10', 443, 'REJ'), flow('10.1.0.22', '10.0.0.10', 8014)], SITE);
    expect(f.find((x) => x.rule === 'blocked-refused')?.remediation).toBe('allow 10.1.0.21 -> 10.0.0.10 TCP 443');
  });

  it('half-open: the SYN was answered, so the remediation points at the return path, not at an allow rule', () => {
    const f = run([flow('10.3.0.5', '10.0.0.10', 8443, 'S1', 'tcp', { history: 'Sh', respPkts: 3 }), flow('10.1.0.22', '10.0.0.10', 8014)], SITE);
    const h = f.find((x) => x.rule === 'blocked-half-open');
    expect(h?.severity).toBe('medium');
    expect(h?.remediation).toMatch(/^check the return path/);
  });

  it('plaintext only judges client -> manager traffic, not a manager opening 8014 towards a client', () => {
    const https = site('roles: {sepm: [10.0.0.10], client: [10.1.0.0/24]}\npolicy: {client_transport: https}\n');
    const f = run([flow('10.0.0.10', '10.1.0.21', 8014), flow('10.1.0.22', '10.0.0.10', 443)], https);
    expect(f.map((x) => x.rule)).toContain('reversed-direction');
    expect(f.map((x) => x.rule)).not.toContain('plaintext-where-https-required');
  });

  it('role-contradiction needs a declared client answering the manager port for two peers, not one', () => {
    const one = run([flow('10.1.0.21', '10.1.0.23', 8014), flow('10.1.0.21', '10.0.0.10', 8014)], SITE);
    expect(one.map((x) => x.rule)).not.toContain('role-contradiction');
    const two = run([flow('10.1.0.21', '10.1.0.23', 8014), flow('10.1.0.22', '10.1.0.23', 8014), flow('10.1.0.21', '10.0.0.10', 8014)], SITE);
    expect(two.filter((x) => x.rule === 'role-contradiction').map((x) => x.hosts)).toEqual([['10.1.0.23']]);
  });

  it('ICMP: port unreachable on UDP syslog (row 20) and admin-prohibited on TCP 8014 are refusals, told apart', () => {
    const icmp = (type: number, code: number, from: string) => [{ type, code, from, count: 1, firstTs: 1000 }];
    const f = run(
      [
        flow('10.0.0.10', '10.0.0.30', 514, 'S0', 'udp', { respPkts: 0, history: 'D', icmpErrors: icmp(3, 3, '10.0.0.30') }),
        flow('10.1.0.26', '10.0.0.10', 8014, 'S0', 'tcp', { icmpErrors: icmp(3, 13, '10.0.0.1') }),
        flow('10.1.0.22', '10.0.0.10', 8014),
      ],
      SITE,
    );
    const r = f.filter((x) => x.rule === 'blocked-refused');
    expect(r.map((x) => x.seedRow).sort()).toEqual([10, 20]);
    expect(r.find((x) => x.seedRow === 20)?.message).toMatch(/port unreachable/);
    expect(r.find((x) => x.seedRow === 10)?.message).toMatch(/administratively prohibited from 10\.0\.0\.1/);
    expect(f.map((x) => x.rule)).not.toContain('blocked-dropped');
  });

  it('ICMP host unreachable (type 3 code 1) is not a refusal: the SYNs stay unanswered (dropped)', () => {
    const f = run([flow('10.1.0.26', '10.0.0.10', 8014, 'S0', 'tcp', { icmpErrors: [{ type: 3, code: 1, from: '10.0.0.1', count: 2, firstTs: 1000 }] }), flow('10.1.0.22', '10.0.0.10', 8014)], SITE);
    expect(f.map((x) => x.rule)).toContain('blocked-dropped');
    expect(f.map((x) => x.rule)).not.toContain('blocked-refused');
  });

  it('version boundary: 2968 and 8081/8082 (rows 4, 14: 14.2 and later) are flagged on 14.1, not on 14.2', () => {
    const at = (v: string) => site(`sep_version: "${v}"\nroles: {sepm: [10.0.0.10], client: [10.1.0.0/24], content_analysis: [10.0.0.40]}\n`);
    const flows = () => [flow('10.1.0.21', '10.0.0.10', 2968), flow('10.0.0.10', '10.0.0.40', 8082), flow('10.1.0.22', '10.0.0.10', 8014)];
    const on141 = run(flows(), at('14.1')).filter((x) => x.rule === 'version-inapplicable-port').map((x) => x.seedRow).sort();
    expect(on141).toEqual([14, 4]);
    expect(run(flows(), at('14.2')).map((x) => x.rule)).not.toContain('version-inapplicable-port');
  });

  it('IPv6 hosts: a blocked IPv6 client in a declared IPv6 network, merged and summarised like IPv4', () => {
    const v6 = site('roles: {sepm: ["2001:db8::10"], client: ["2001:db8:1::/64"]}\n');
    const six = (o: string, st: string) => flow(o, '2001:db8::10', 8014, st, 'tcp', { ipVersion: 6 });
    const f = run([six('2001:db8:1::21', 'S0'), six('2001:db8:1::22', 'S0'), six('2001:db8:1::23', 'SF')], v6);
    const d = f.find((x) => x.rule === 'blocked-dropped');
    expect(d?.remediation).toBe('allow 2001:db8:1::/64 -> 2001:db8::10 TCP 8014');
    expect(d?.hosts).toEqual(['2001:db8:1::21', '2001:db8:1::22', '2001:db8::10']);
  });
});

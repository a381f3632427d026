/**
 * Site profile parsing as a new user meets it: every error names the file, the line and the key and
 * suggests valid values; the extended policy keys; names; replication partners; `profile init` output
 * parses back.
 */
import { describe, expect, it } from 'vitest';
import { parseProfile, ProfileError, declaredRoles, isIgnored, isReplicationPartner } from '../../src/compliance/profile.js';
import { renderProfileInit } from '../../src/compliance/init.js';
import { buildHosts } from '../../src/compliance/roles.js';
import { ServiceIndex } from '../../src/compliance/services.js';
import { EMPTY_PROFILE } from '../../src/compliance/profile.js';

function error(yaml: string): ProfileError {
  try {
    parseProfile(yaml, 'site.yaml');
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw e;
  }
  throw new Error('expected a ProfileError');
}

describe('site profile errors point at the line and key', () => {
  it('a typo in a role name suggests the right one', () => {
    const e = error('roles:\n  sepm: [10.0.0.1]\n  clinet: [10.1.0.0/24]\n');
    expect(e.line).toBe(3);
    expect(e.key).toBe('roles.clinet');
    expect(e.message).toMatch(/did you mean client\?/);
  });
  it('a typo in a policy key suggests the right one and lists the valid keys', () => {
    const e = error('policy:\n  client_transprot: https\n');
    expect(e.line).toBe(2);
    expect(e.key).toBe('policy.client_transprot');
    expect(e.message).toMatch(/did you mean client_transport\?.*push_deployment/);
  });
  it('a typo in a top-level key', () => {
    const e = error('sep_versoin: "14.3"\n');
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/did you mean sep_version\?/);
  });
  it('wrong types: a number where an address list is expected, a string where a boolean is', () => {
    expect(error('roles:\n  sepm: 12\n').line).toBe(2);
    const b = error('policy:\n  push_deployment: "yes"\n');
    expect(b.line).toBe(2);
    expect(b.message).toMatch(/true or false/);
  });
  it('a bad address in a list points at the item', () => {
    const e = error('roles:\n  client:\n    - 10.0.0.1\n    - 10.0.0.300\n');
    expect(e.line).toBe(4);
    expect(e.key).toBe('roles.client[1]');
  });
  it('an unknown catalogue id in ports, and moving a fixed service (vendor row 1)', () => {
    expect(error('ports:\n  client-htp: 8080\n').message).toMatch(/did you mean client-http\?/);
    const f = error('ports:\n  push-windows-tcp: 4445\n');
    expect(f.line).toBe(2);
    expect(f.message).toMatch(/row 1.*cannot be configured/);
  });
  it('a port out of range or not a number says what a port is, single or in a list', () => {
    for (const v of ['80140', 'abc', '0']) {
      const e = error(`ports:\n  client-http: ${v}\n`);
      expect(e.line).toBe(2);
      expect(e.key).toBe('ports.client-http');
      expect(e.detail).toBe('expected a port number 1..65535 or a list of them');
    }
    expect(error('ports:\n  client-http: [8014, 0]\n').message).toMatch(/ports\.client-http\[1\]: expected a port number 1\.\.65535$/);
  });
  it('bad version and bad heartbeat', () => {
    expect(error('sep_version: fourteen\n').message).toMatch(/not a SEP version/);
    expect(error('policy:\n  heartbeat: soon\n').line).toBe(2);
  });
  it('a profile that is a list, not a mapping', () => {
    expect(error('- sepm\n').message).toMatch(/mapping/);
  });
});

describe('site profile features', () => {
  const p = parseProfile(
    [
      'sep_version: 14.2',
      'roles:',
      '  sepm: [10.0.0.10]',
      '  replication_partner: [10.0.0.10, sepm02.corp.example]',
      '  client: [10.1.0.0/24, "2001:db8:1::/64"]',
      'policy:',
      '  heartbeat: 15m',
      '  push_deployment: true',
      '  ignore: {ports: [53], hosts: [10.9.0.0/16]}',
    ].join('\n'),
    'site.yaml',
  );
  it('numbers as versions, durations, booleans', () => {
    expect(p.sepVersionText).toBe('14.2');
    expect(p.policy.heartbeatSeconds).toBe(900);
    expect(p.policy.pushDeployment).toBe(true);
  });
  it('replication partners are managers too, by address or by name from the capture', () => {
    expect(declaredRoles(p, '10.0.0.10')).toEqual(['sepm']);
    expect(declaredRoles(p, '10.0.0.20', 'SEPM02.corp.example')).toEqual(['sepm']);
    expect(isReplicationPartner(p, '10.0.0.20', 'sepm02.corp.example')).toBe(true);
    expect(isReplicationPartner(p, '10.0.0.20')).toBe(false);
  });
  it('IPv6 CIDR roles', () => {
    expect(declaredRoles(p, '2001:db8:1::42')).toEqual(['client']);
    expect(declaredRoles(p, '2001:db8:2::42')).toEqual([]);
  });
  it('ignore by port and by host', () => {
    expect(isIgnored(p, 53, '10.1.0.5', '10.0.0.10')).toBe(true);
    expect(isIgnored(p, 8014, '10.9.3.3', '10.0.0.10')).toBe(true);
    expect(isIgnored(p, 8014, '10.1.0.5', '10.0.0.10')).toBe(false);
  });
});

describe('profile init', () => {
  it('writes a profile that parses back and declares the inferred manager', () => {
    const rec = (origH: string, respH: string, respP: number, n: number) => ({
      uid: `C${n}`, ts: 1, lastTs: 2, proto: 'tcp' as const, ipVersion: 4 as const, origH, origP: 50000 + n, respH, respP, vlan: null, vlanInner: null,
      duration: 1, origPkts: 5, respPkts: 5, origIpBytes: 1, respIpBytes: 1, origFrameBytes: 1, respFrameBytes: 1, origBytes: 1, respBytes: 1,
      connState: 'SF', history: 'ShADadFf', initiatorInferred: false, initiatorBasis: 'syn', origSyns: 1, partial: false,
    });
    const records = [rec('10.1.0.21', '10.0.0.10', 8014, 1), rec('10.1.0.22', '10.0.0.10', 8014, 2)];
    const hosts = buildHosts(records, new ServiceIndex(EMPTY_PROFILE), EMPTY_PROFILE);
    const text = renderProfileInit(hosts, ['x.pcap']);
    const back = parseProfile(text, 'init.yaml');
    expect(declaredRoles(back, '10.0.0.10')).toEqual(['sepm']);
    expect(declaredRoles(back, '10.1.0.21')).toEqual(['client']);
  });
});

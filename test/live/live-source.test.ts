/**
 * The pure parts of the live source: the default BPF filter (every SEP port in force, site overrides
 * included, ICMP, also inside a VLAN tag), cap's link-type answers, and libpcap's open errors as a user
 * needs them (what is wrong and how to fix it).
 */
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../catalogue/index.js';
import { parseProfile, EMPTY_PROFILE } from '../../src/compliance/profile.js';
import { ServiceIndex } from '../../src/compliance/services.js';
import { classifyOpenError, defaultFilter, linkTypeOf } from '../../src/source/live.js';

function ports(filter: string, proto: 'tcp' | 'udp'): number[] {
  const m = new RegExp(`\\(${proto} port \\(([^)]*)\\)\\)`).exec(filter);
  return m ? m[1].split(' or ').map(Number) : [];
}

describe('defaultFilter', () => {
  it('lists every TCP and UDP port of the catalogue, plus ICMP, untagged and in a VLAN', () => {
    const f = defaultFilter(new ServiceIndex(EMPTY_PROFILE).services);
    const tcp = [...new Set(catalogue.filter((e) => e.transport === 'tcp').flatMap((e) => e.ports))].sort((a, b) => a - b);
    const udp = [...new Set(catalogue.filter((e) => e.transport === 'udp').flatMap((e) => e.ports))].sort((a, b) => a - b);
    expect(ports(f, 'tcp')).toEqual(tcp);
    expect(ports(f, 'udp')).toEqual(udp);
    expect(f).toMatch(/^icmp or icmp6 or /);
    const [plain, tagged] = f.split(' or (vlan and (');
    expect(tagged.replace(/\)\)$/, '')).toBe(plain);
  });

  it("follows the site profile's port overrides", () => {
    const profile = parseProfile('ports:\n  client-http: 8080\n', 'site.yaml');
    const f = defaultFilter(new ServiceIndex(profile).services);
    expect(ports(f, 'tcp')).toContain(8080);
    expect(ports(f, 'tcp')).not.toContain(8014);
  });
});

describe('linkTypeOf', () => {
  it("maps cap's answers to LINKTYPE numbers", () => {
    expect(linkTypeOf('ETHERNET')).toBe(1);
    expect(linkTypeOf('NULL')).toBe(0);
    expect(linkTypeOf('RAW')).toBe(101);
    expect(linkTypeOf('LINKTYPE_LINUX_SLL')).toBe(113);
    expect(linkTypeOf('Unknown linktype 276')).toBe(276); // SLL2 on "any"
    expect(linkTypeOf('Unknown linktype 12')).toBeNull(); // DLT below 104 differs between systems
    expect(linkTypeOf('garbage')).toBeNull();
  });
});

describe('classifyOpenError', () => {
  it('no permission: names the capabilities and how to grant them', () => {
    const e = classifyOpenError('eth1', "socket: Operation not permitted");
    expect(e.code).toBe('live_permission_denied');
    expect(e.message).toContain('eth1');
    expect(e.suggestion).toMatch(/CAP_NET_RAW/);
    expect(e.suggestion).toMatch(/setcap cap_net_raw,cap_net_admin=eip/);
    expect(classifyOpenError('eth1', "You don't have permission to capture on that device (socket: Operation not permitted)").code).toBe('live_permission_denied');
  });
  it('no such device: points to sepflow interfaces', () => {
    const e = classifyOpenError('eth9', 'SIOCGIFHWADDR: No such device');
    expect(e.code).toBe('live_interface_unknown');
    expect(e.suggestion).toContain('sepflow interfaces');
  });
  it('a bad filter: quotes libpcap and shows an example', () => {
    const e = classifyOpenError('lo', "unknown port 'abc'");
    expect(e.code).toBe('live_filter_invalid');
    expect(e.message).toContain("unknown port 'abc'");
    expect(classifyOpenError('lo', 'syntax error').code).toBe('live_filter_invalid');
  });
  it('anything else is live_open_failed with the first line of the message', () => {
    const e = classifyOpenError('lo', 'something odd\nsecond line');
    expect(e.code).toBe('live_open_failed');
    expect(e.message).toContain('something odd');
    expect(e.message).not.toContain('second line');
  });
});

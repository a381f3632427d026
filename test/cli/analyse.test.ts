/**
 * `sepflow analyse` as a user runs it: the real executable, every error path, exit statuses as documented
 * in --help. Errors are one line on standard error naming the file and the problem, never a stack trace.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, sepflow } from '../helpers/cli.js';
import { repoRoot } from '../helpers/shared.js';

const lab = path.join(repoRoot, 'captures', 'sep-lab.pcap');
const site = path.join(repoRoot, 'captures', 'sep-lab.site.yaml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sepflow-cli-'));

describe('sepflow analyse: success paths', () => {
  it('prints the text report for the shipped capture; exit 1 because it has high findings', () => {
    const r = sepflow(['analyse', lab, '--site', site]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('SEP traffic-compliance report');
    expect(r.stdout).toContain('blocked-dropped');
    expect(r.stdout).toContain('blocked-refused');
    expect(r.stdout).toContain('localhost-only-port-exposed');
  });

  it('--fail-on above every finding gives exit 0', () => {
    // the lab capture has only high findings; nothing is above high, so use a capture with none
    const r = sepflow(['analyse', path.join(repoRoot, 'captures', 'sep-lab.pcap'), '--site', site, '--fail-on', 'high', '-f', 'json']);
    const report = JSON.parse(r.stdout);
    const high = report.findings.filter((f: { severity: string }) => f.severity === 'high').length;
    expect(r.status).toBe(high > 0 ? 1 : 0);
  });

  it('--format json has the documented top-level keys and Zeek field names', () => {
    const r = sepflow(['analyse', lab, '-f', 'json']);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['flows', 'hosts', 'findings', 'capture']));
    const f = report.flows[0];
    for (const k of ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes', 'conn_state', 'history', 'sep_service', 'initiator_inferred']) {
      expect(f, k).toHaveProperty([k]);
    }
    expect(report.capture.packets).toBeGreaterThan(0);
  });

  it('without a site profile, roles are inferred and the report says so', () => {
    const r = sepflow(['analyse', lab, '-f', 'json']);
    const report = JSON.parse(r.stdout);
    const sepm = report.hosts.find((h: { address: string }) => h.address === '10.10.0.10');
    expect(sepm.source).toBe('inferred');
    expect(sepm.roles).toContain('sepm');
    expect(sepm.inferred[0].flows.length).toBeGreaterThan(0);
  });

  it('-o writes the report to a file', () => {
    const out = path.join(tmp, 'report.json');
    const r = sepflow(['analyse', lab, '-f', 'json', '-o', out]);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).flows.length).toBeGreaterThan(0);
  });

  it('reads standard input with -', () => {
    const r = sepflow(['analyse', '-', '-f', 'json'], { input: readFileSync(lab) });
    expect([0, 1]).toContain(r.status);
    expect(JSON.parse(r.stdout).capture.packets).toBeGreaterThan(0);
  });

  it('--help documents the exit statuses', () => {
    const r = sepflow(['analyse', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Exit status:[\s\S]*0 [\s\S]*1 [\s\S]*2 [\s\S]*3 /);
  });
});

describe('sepflow analyse: error paths (exit 2, one line on stderr)', () => {
  it('missing file', () => {
    const r = sepflow(['analyse', path.join(tmp, 'nope.pcap')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'nope.pcap');
  });

  it('a directory', () => {
    const r = sepflow(['analyse', tmp]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, tmp);
  });

  it('an empty file', () => {
    const f = path.join(tmp, 'empty.pcap');
    writeFileSync(f, '');
    const r = sepflow(['analyse', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'empty.pcap');
  });

  it('not a capture (a text file)', () => {
    const r = sepflow(['analyse', path.join(repoRoot, 'package.json')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'package.json');
  });

  it('no read permission', () => {
    const f = path.join(tmp, 'secret.pcap');
    copyFileSync(lab, f);
    chmodSync(f, 0o000);
    const r = sepflow(['analyse', f]);
    if (process.getuid?.() === 0) {
      // root reads it anyway: the capture is analysed
      expect([0, 1]).toContain(r.status);
    } else {
      expect(r.status).toBe(2);
      expectOneLineError(r.stderr, 'secret.pcap');
    }
  });

  it('no file argument', () => {
    const r = sepflow(['analyse']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  it('unknown option', () => {
    const r = sepflow(['analyse', lab, '--frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  it('invalid --format value names the valid ones', () => {
    const r = sepflow(['analyse', lab, '--format', 'xml']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/text, json/);
  });

  it('unknown command', () => {
    const r = sepflow(['analyze-everything']);
    expect(r.status).toBe(2);
  });

  it('missing site profile', () => {
    const r = sepflow(['analyse', lab, '--site', path.join(tmp, 'none.yaml')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'none.yaml', 'no such file');
  });

  it('site profile with an unknown role names file, line, key and the valid roles', () => {
    const f = path.join(tmp, 'bad-role.yaml');
    writeFileSync(f, 'sep_version: "14.3"\nroles:\n  sepm: [10.0.0.1]\n  manager: [10.0.0.2]\n');
    const r = sepflow(['analyse', lab, '--site', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'bad-role.yaml:4', 'roles.manager', 'sepm', 'client');
  });

  it('site profile with a bad address names the line', () => {
    const f = path.join(tmp, 'bad-addr.yaml');
    writeFileSync(f, 'roles:\n  client:\n    - 10.0.0.1\n    - 10.0.0.300\n');
    const r = sepflow(['analyse', lab, '--site', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'bad-addr.yaml:4', 'roles.client[1]', 'CIDR');
  });

  it('site profile that is not YAML', () => {
    const f = path.join(tmp, 'bad.yaml');
    writeFileSync(f, 'roles: [unclosed\n');
    const r = sepflow(['analyse', lab, '--site', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'bad.yaml', 'invalid YAML');
  });

  it('bad client_transport suggests the valid values', () => {
    const f = path.join(tmp, 'bad-policy.yaml');
    writeFileSync(f, 'policy:\n  client_transport: ftp\n');
    const r = sepflow(['analyse', lab, '--site', f]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'bad-policy.yaml:2', 'policy.client_transport', 'http, https, both');
  });

  it('unwritable --output', () => {
    const r = sepflow(['analyse', lab, '-o', path.join(tmp, 'no-such-dir', 'r.txt')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'r.txt');
  });
});

describe('sepflow analyse: damaged input (report written, exit 3)', () => {
  it('a file cut in the middle of a record: packets before the cut are reported, one line names file and offset', () => {
    const whole = readFileSync(lab);
    const f = path.join(tmp, 'cut.pcap');
    writeFileSync(f, whole.subarray(0, whole.length - 37));
    const r = sepflow(['analyse', f, '-f', 'json']);
    expect(r.status).toBe(3);
    expectOneLineError(r.stderr, 'cut.pcap', 'byte');
    const report = JSON.parse(r.stdout);
    const full = JSON.parse(sepflow(['analyse', lab, '-f', 'json']).stdout);
    expect(report.capture.packets).toBe(full.capture.packets - 1);
    expect(report.capture.files[0].fault.offset).toBeGreaterThan(0);
  });
});

mkdirSync(tmp, { recursive: true });

describe('sepflow profile init', () => {
  it('writes a profile from the shipped capture that analyse accepts, and refuses to overwrite without --force', () => {
    const out = path.join(tmp, 'init.yaml');
    const r = sepflow(['profile', 'init', lab, '-o', out]);
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/sepm:\n\s+- 10\.10\.0\.10/);
    const a = sepflow(['analyse', lab, '--site', out, '-f', 'json']);
    expect(JSON.parse(a.stdout).hosts.find((h: { address: string }) => h.address === '10.10.0.10').source).toBe('declared');
    const again = sepflow(['profile', 'init', lab, '-o', out]);
    expect(again.status).toBe(2);
    expectOneLineError(again.stderr, 'init.yaml', '--force');
  });
  it('a missing capture is one line, exit 2', () => {
    const r = sepflow(['profile', 'init', path.join(tmp, 'none.pcap')]);
    expect(r.status).toBe(2);
    expectOneLineError(r.stderr, 'none.pcap');
  });
});

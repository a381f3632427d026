/**
 * The per-host map (Ink), rendered by ink-testing-library from snapshots of the shipped capture replayed
 * through the real engine (captures/sep-lab.pcap with its site profile): roles and statuses as a person
 * sees them at 80×24, keyboard navigation, the `f` filter, `/` search, Enter for a host's detail with its
 * findings and flows, help, pause and quit, live updates, the live header, wide and too-small terminals.
 */
import { render } from 'ink-testing-library';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/ui/App.js';
import { SimpleStore } from '../../src/ui/store.js';
import type { MapSnapshot } from '../../src/watch/snapshot.js';
import { meta, snapshotsOf } from '../helpers/watch.js';

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const settle = () => new Promise((r) => setTimeout(r, 60));
const DOWN = '\x1b[B';
const UP = '\x1b[A';
const ESC = '\x1b';

let early: MapSnapshot;
let final: MapSnapshot;
let inferred: MapSnapshot;
beforeAll(async () => {
  [early, final] = await snapshotsOf([60, Infinity]);
  [inferred] = await snapshotsOf([Infinity], { site: null });
});

function mount(snapshot: MapSnapshot | null, size = { columns: 80, rows: 24 }) {
  const store = new SimpleStore(snapshot);
  const controls = { quit: vi.fn(), togglePause: vi.fn() };
  const r = render(<App store={store} controls={controls} size={size} />);
  const screen = () => strip(r.lastFrame() ?? '');
  const lines = () => screen().split('\n');
  const row = (addr: string) => lines().find((l) => l.includes(` ${addr} `)) ?? '';
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      r.stdin.write(k);
      await settle();
    }
  };
  return { r, store, controls, screen, lines, row, press };
}

describe('the map at 80×24 after the lab capture', () => {
  it('fits 80×24: 23 lines, none wider than 80', () => {
    const m = mount(final);
    const ls = m.lines();
    expect(ls.length).toBe(23);
    for (const l of ls) expect([...l].length, l).toBeLessThanOrEqual(80);
  });

  it('shows the header: finished, packets, flows, hosts, findings by severity', () => {
    const m = mount(final);
    const [l1, l2] = m.lines();
    expect(l1).toMatch(/^sepflow replay captures\/sep-lab\.pcap\s+■ finished\s+01:40:52 UTC$/);
    expect(l2).toMatch(/^171 pkts \S+\/s {2}drops - {2}14 flows {2}10 hosts {2}findings 3 high 0 med 0 low 0 info/);
  });

  it('the blocked client 10.10.1.23 is blocked-dropped, 10.10.1.24 blocked-refused', () => {
    const m = mount(final);
    expect(m.row('10.10.1.23')).toMatch(/^ {2}✗ 10\.10\.1\.23\s+decl out ✗8014 {2}dropped: 4 SYNs, no answer\s+4p$/);
    expect(m.row('10.10.1.24')).toMatch(/^ {2}⊘ 10\.10\.1\.24\s+decl out ⊘8014 {2}refused \(RST\)\s+2p$/);
    expect(m.row('10.10.1.21')).toMatch(/^ {2}✓ 10\.10\.1\.21\s+decl out 8014 in 137 445\/139\s+81p$/);
  });

  it('groups hosts by role: the manager 10.10.0.10 first, with its services and its problems first', () => {
    const m = mount(final);
    const ls = m.lines();
    expect(ls[2]).toMatch(/^── managers \(sepm\) · 1 ─+$/);
    expect(ls[3]).toMatch(/^› ✗ 10\.10\.0\.10\s+decl in ✗8014 ⊘8014 !8447 8014 443 8443 9090/);
    const headings = ls.filter((l) => l.startsWith('── ')).map((l) => l.replace(/ ─+$/, ''));
    expect(headings).toEqual([
      '── managers (sepm) · 1',
      '── SQL servers (sql) · 1',
      '── consoles (console) · 1',
      '── Windows clients (client) · 4',
      '── Macs (mac_client) · 1',
      '── syslog servers (syslog) · 1',
      '── (no SEP role) · 1',
    ]);
    // the host without a role that reached the local-only process launcher
    expect(m.row('10.10.9.9')).toMatch(/! 10\.10\.9\.9\s+out !8447 {2}localhost-only-port-exposed/);
    // the selected host's reason under the map
    expect(ls[21]).toBe('10.10.0.10 sepm: dropped: 4 SYNs to 8014 from 10.10.1.23, no answer');
  });

  it('without a site profile the roles are inferred and marked so', () => {
    const m = mount(inferred);
    expect(m.row('10.10.0.10')).toMatch(/10\.10\.0\.10\s+infr in ✗8014/);
    expect(m.screen()).toContain('── managers (sepm)');
  });

  it('on a wide terminal the manager shows every service, bytes and last seen', () => {
    const m = mount(final, { columns: 140, rows: 30 });
    const r = m.row('10.10.0.10');
    for (const p of ['✗8014', '⊘8014', '!8447', '443', '8443', '9090', '1433', '514', '137', '445/139', '22']) expect(r).toContain(p);
    expect(r).toMatch(/171p\s+27\.3 kB 01:40:52$/);
  });
});

describe('keyboard', () => {
  it('j / k and the arrows move the selection; the footer follows', async () => {
    const m = mount(final);
    expect(m.row('10.10.0.10')).toMatch(/^› /);
    await m.press('j');
    expect(m.row('10.10.0.20')).toMatch(/^› /);
    expect(m.row('10.10.0.10')).toMatch(/^ {2}/);
    await m.press(DOWN, DOWN, DOWN);
    expect(m.row('10.10.1.22')).toMatch(/^› /);
    await m.press('k', UP);
    expect(m.row('10.10.3.5')).toMatch(/^› /);
    await m.press('G');
    expect(m.row('10.10.9.9')).toMatch(/^› /);
    await m.press('g');
    expect(m.row('10.10.0.10')).toMatch(/^› /);
  });

  it('finds the blocked client and shows why (Enter: its services, finding with remediation, flow)', async () => {
    const m = mount(final);
    for (let i = 0; i < 20 && !m.row('10.10.1.23').startsWith('›'); i++) await m.press('j');
    expect(m.lines()[21]).toBe('10.10.1.23 client: dropped: 4 SYNs to 10.10.0.10:8014, no answer');
    await m.press('\r');
    const s = m.screen();
    expect(s).toMatch(/10\.10\.1\.23 {2}client declared in the site profile {2}✗ blocked-dropped/);
    expect(s).toMatch(/✗ out client-http\|client-https 8014 → 10\.10\.0\.10: blocked-dropped/);
    expect(s).toMatch(/HIGH blocked-dropped {2}\(vendor table row 10\)/);
    expect(s).toContain('10.10.1.23 could not reach 10.10.0.10 on TCP 8014 (client-http): 4 attempts');
    expect(s).toContain('remediation: allow 10.10.1.23 -> 10.10.0.10 TCP 8014');
    expect(s).toMatch(/C00000c\s+tcp → 10\.10\.0\.10\s+8014\s+client-http\s+S0\s+S\s+4\/0/);
    await m.press(ESC);
    expect(m.lines()[2]).toMatch(/^── managers/);
    expect(m.row('10.10.1.23')).toMatch(/^› /);
  });

  it('f shows only hosts with problems or findings, and f again all', async () => {
    const m = mount(final);
    await m.press('f');
    const addrs = m.lines().filter((l) => /^[› ] \S 10\./.test(l)).map((l) => l.split(/\s+/)[2]);
    expect(addrs).toEqual(['10.10.0.10', '10.10.1.23', '10.10.1.24', '10.10.9.9']);
    expect(m.lines()[22]).toContain('f all hosts');
    await m.press('f');
    expect(m.row('10.10.1.21')).not.toBe('');
  });

  it('/ searches by address; Enter keeps it; Enter then opens the only match; Esc clears', async () => {
    const m = mount(final);
    await m.press('/', '1', '.', '2', '4');
    expect(m.lines()[21]).toMatch(/^\/1\.24▏/);
    await m.press('\r');
    const hosts = m.lines().filter((l) => /^[› ] \S 10\./.test(l));
    expect(hosts).toHaveLength(1);
    expect(hosts[0]).toMatch(/^› ⊘ 10\.10\.1\.24/);
    expect(m.lines()[21]).toMatch(/^search "1\.24" {2}10\.10\.1\.24 client: refused: RST from 10\.10\.0\.10:8014/);
    await m.press('\r');
    const s = m.screen();
    expect(s).toContain('HIGH blocked-refused');
    expect(s).toMatch(/C00000d\s+tcp → 10\.10\.0\.10\s+8014\s+client-http\s+REJ\s+Sr\s+1\/1/);
    await m.press(ESC, ESC);
    expect(m.row('10.10.1.21')).not.toBe('');
  });

  it('search also matches roles, and typed text arriving in one read (a paste) is split into keys', async () => {
    const m = mount(final);
    await m.press('/sql\r');
    const hosts = m.lines().filter((l) => /^[› ] \S 10\./.test(l));
    expect(hosts.map((l) => l.split(/\s+/)[2])).toEqual(['10.10.0.20']);
  });

  it('? shows keys and the status legend; any key goes back', async () => {
    const m = mount(final);
    await m.press('?');
    const s = m.screen();
    expect(s).toContain('Keys');
    expect(s).toMatch(/✗ blocked-dropped\s+SYNs never answered/);
    expect(s).toMatch(/⊘ blocked-refused\s+refused with a RST/);
    expect(s).toMatch(/○ expected-but-absent/);
    await m.press('x');
    expect(m.lines()[2]).toMatch(/^── managers/);
  });

  it('space pauses, q and Ctrl-C quit', async () => {
    const m = mount(final);
    await m.press(' ');
    expect(m.controls.togglePause).toHaveBeenCalledTimes(1);
    await m.press('q');
    expect(m.controls.quit).toHaveBeenCalledTimes(1);
    await m.press('\x03');
    expect(m.controls.quit).toHaveBeenCalledTimes(2);
  });
});

describe('updates and other states', () => {
  it('renders each new snapshot: the stranger and the blocked statuses appear as the replay goes on', async () => {
    const m = mount(early);
    expect(m.row('10.10.9.9')).toBe('');
    expect(m.row('10.10.1.23')).toMatch(/\? 10\.10\.1\.23/); // not seen yet: inconclusive (capture shorter than the heartbeat)
    m.store.push(final);
    await settle();
    expect(m.row('10.10.9.9')).toMatch(/! 10\.10\.9\.9/);
    expect(m.row('10.10.1.23')).toMatch(/✗ 10\.10\.1\.23/);
  });

  it('a live capture: capturing state, libpcap received and sepflow dropped counters in the header', () => {
    const live = { ...final, meta: meta({ mode: 'live', label: 'eth1', speed: 'max', pps: 42, live: { received: 1234, dropped: 5, kernelDropped: null } }) };
    const m = mount(live);
    const [l1, l2] = m.lines();
    expect(l1).toMatch(/^sepflow live eth1 {2}● capturing/);
    expect(l2).toMatch(/^171 pkts 42\/s {2}rcvd 1\.2k dropped 5 {2}14 flows/);
    expect(m.lines()[22]).not.toContain('space');
  });

  it('a paused replay says so; before the first snapshot the map waits', () => {
    expect(mount({ ...final, meta: meta({ state: 'paused' }) }).lines()[0]).toContain('❚❚ paused');
    expect(mount(null).screen()).toContain('waiting for the first snapshot');
  });

  it('a terminal below 60×12 gets a message instead of a broken map', () => {
    expect(mount(final, { columns: 50, rows: 10 }).screen()).toContain('the map needs at least 60×12');
  });
});

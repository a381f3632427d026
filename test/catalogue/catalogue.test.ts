/**
 * catalogue tests: the SEP port catalogue against the vendor's table.
 *
 * The English restatement (`../shared/reference/sep-ports.md`) is parsed at test time and every
 * catalogue entry is checked against its row; `purposeSeed` is checked against the Polish seed itself.
 * Those tests need ../shared and skip loudly without it; the loader's validation tests do not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogue,
  CatalogueError,
  entryById,
  ROLES,
  SEED_ROWS,
  type CatalogueEntry,
  type Role,
} from '../../catalogue/index.js';
import { validateCatalogue } from '../../catalogue/validate.js';
import data from '../../catalogue/sep-ports.json' with { type: 'json' };
import { describeShared, sharedDir } from '../helpers/shared.js';

const referencePath = path.join(sharedDir, 'reference', 'sep-ports.md');
const seedPath = path.join(sharedDir, 'seeds', '000_d354acc20ebd998e.txt');

/** One row of the reference table, cells as printed. */
interface RefRow {
  row: number;
  transportPort: string;
  purpose: string;
  listeningProcess: string;
  initiatedBy: string;
  configurable: string;
  versions: string;
}

function parseReference(md: string): RefRow[] {
  const rows: RefRow[] = [];
  for (const line of md.split('\n')) {
    const m = /^\|\s*(\d+)\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2].split('|').map((c) => c.trim());
    if (cells.length !== 6) throw new Error(`reference row ${m[1]} has ${cells.length + 1} cells, expected 7: ${line}`);
    const [transportPort, purpose, listeningProcess, initiatedBy, configurable, versions] = cells;
    rows.push({ row: Number(m[1]), transportPort, purpose, listeningProcess, initiatedBy, configurable, versions });
  }
  return rows;
}

/** A (transport, port) the reference lists, with TLS where the cell names HTTP/HTTPS. */
interface RefPort {
  transport: 'tcp' | 'udp';
  port: number;
  tls: boolean | null;
}

/** "TCP 139, 445; UDP 137, 138" / "HTTP 8081, HTTPS 8082" / "HTTPS 443" → ports. */
function parsePorts(cell: string): RefPort[] {
  const out: RefPort[] = [];
  const re = /\b(TCP|UDP|HTTPS|HTTP)\s+(\d+(?:\s*,\s*\d+)*)/g;
  let consumed = '';
  for (const m of cell.matchAll(re)) {
    const proto = m[1];
    const transport = proto === 'UDP' ? 'udp' : 'tcp';
    const tls = proto === 'HTTPS' ? true : proto === 'HTTP' ? false : null;
    for (const p of m[2].split(',')) out.push({ transport, port: Number(p.trim()), tls });
    consumed += m[0];
  }
  if (out.length === 0) throw new Error(`cannot parse transport/port cell "${cell}"`);
  // Every digit in the cell must have been read (guards against a format the regex skips).
  expect(cell.replace(/\D/g, '')).toBe(consumed.replace(/\D/g, ''));
  return out;
}

function parseConfigurable(cell: string): boolean | null {
  if (cell === 'configurable') return true;
  if (cell === 'fixed') return false;
  if (cell === '—') return null;
  throw new Error(`cannot parse configurable cell "${cell}"`);
}

function parseVersions(cell: string): { from: string | null; until: string | null } {
  let m: RegExpExecArray | null;
  if (cell === 'all') return { from: null, until: null };
  if ((m = /^all, from (\d+(?:\.\d+)+)$/.exec(cell))) return { from: m[1], until: null };
  if ((m = /^(\d+(?:\.\d+)+) and later$/.exec(cell))) return { from: m[1], until: null };
  if ((m = /^(\d+(?:\.\d+)*)\.x only\b/.exec(cell))) return { from: m[1], until: `${m[1]}.x` };
  throw new Error(`cannot parse versions cell "${cell}"`);
}

/** The reference's "initiated by" wording → role ids. */
const INITIATOR_PHRASES: ReadonlyArray<[RegExp, Role]> = [
  [/^SEPM\b/, 'sepm'],
  [/^SEP clients?$/, 'client'],
  [/^Java console$/, 'console'],
  [/^remote web console$/, 'console'],
  [/^replication partners$/, 'sepm'],
  [/^SPC 2\.0$/, 'spc'],
  [/^reporting console$/, 'reporting_console'],
  [/^RMM service$/, 'rmm'],
  [/^EDR console$/, 'rmm'],
  [/^AjaxSwing$/, 'ajaxswing'],
];

/** Initiators the catalogue adds beyond the reference's "initiated by" cell, each with where it comes from. */
const EXTRA_INITIATORS: Readonly<Record<number, { roles: Role[]; because: RegExp }>> = {
  // Seed: "Używane w przypadku konsoli zdalnej Java (od wersji 14.0.1)"; the reference has it in the purpose cell.
  16: { roles: ['console'], because: /Java remote console from 14\.0\.1/ },
};

function parseInitiators(cell: string): { initiators: Role[]; responder: string | null } {
  const [who, to] = cell.split('→').map((s) => s.trim());
  const roles = new Set<Role>();
  for (const part of who.split(',').map((s) => s.trim())) {
    const hit = INITIATOR_PHRASES.find(([re]) => re.test(part));
    if (!hit) throw new Error(`cannot map initiator "${part}" of cell "${cell}" to a role`);
    roles.add(hit[1]);
  }
  return { initiators: [...roles], responder: to ?? null };
}

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();
const entriesOfRow = (row: number): CatalogueEntry[] => catalogue.filter((e) => e.seedRow === row);

describeShared('catalogue against the reference table and the seed', () => {
  // Read lazily: vitest still runs this callback to collect (skipped) tests when ../shared is absent.
  let cache: { reference: RefRow[]; seed: string; md: string } | undefined;
  const load = () => {
    if (!cache) {
      const md = readFileSync(referencePath, 'utf8');
      cache = { md, reference: parseReference(md), seed: normalise(readFileSync(seedPath, 'utf8')) };
    }
    return cache;
  };

  it('the reference has rows 1..SEED_ROWS in order', () => {
    expect(load().reference.map((r) => r.row)).toEqual(Array.from({ length: SEED_ROWS }, (_, i) => i + 1));
  });

  it('every seed row is represented', () => {
    for (let r = 1; r <= SEED_ROWS; r++) expect(entriesOfRow(r).length, `row ${r}`).toBeGreaterThan(0);
  });

  for (let r = 1; r <= SEED_ROWS; r++) {
    describe(`row ${r}`, () => {
      const ref = () => {
        const found = load().reference.find((x) => x.row === r);
        if (!found) throw new Error(`reference has no row ${r}`);
        return found;
      };

      it('transport and ports match (and TLS where the cell says HTTP/HTTPS)', () => {
        const want = parsePorts(ref().transportPort);
        const key = (t: string, p: number) => `${t}/${p}`;
        const have = entriesOfRow(r).flatMap((e) => e.ports.map((p) => ({ key: key(e.transport, p), e })));
        expect(have.map((h) => h.key).sort()).toEqual(want.map((w) => key(w.transport, w.port)).sort());
        for (const w of want) {
          if (w.tls === null) continue;
          const e = have.find((h) => h.key === key(w.transport, w.port))!.e;
          expect(e.tls, `${e.id} tls`).toBe(w.tls);
        }
        // Each entry of a split row carries one transport and, where the row mixes them, one TLS mode.
        const modes = new Set(entriesOfRow(r).map((e) => `${e.transport}/${e.tls}`));
        expect(modes.size).toBe(entriesOfRow(r).length);
      });

      it('configurable matches', () => {
        const want = parseConfigurable(ref().configurable);
        for (const e of entriesOfRow(r)) expect(e.configurable, e.id).toBe(want);
      });

      it('versions match', () => {
        const want = parseVersions(ref().versions);
        for (const e of entriesOfRow(r)) {
          expect({ from: e.versions.from, until: e.versions.until }, e.id).toEqual(want);
          expect(ref().versions.startsWith(e.versions.text), `${e.id} versions.text`).toBe(true);
        }
      });

      it('initiators (and the responder where the cell names one) match', () => {
        const { initiators, responder } = parseInitiators(ref().initiatedBy);
        const extra = EXTRA_INITIATORS[r];
        if (extra) expect(ref().purpose).toMatch(extra.because);
        const want = [...new Set([...initiators, ...(extra?.roles ?? [])])].sort();
        for (const e of entriesOfRow(r)) {
          expect([...e.initiators].sort(), e.id).toEqual(want);
          if (responder === 'Syslog server') expect(e.responder, e.id).toBe('syslog');
          else expect(responder, `unexpected responder in "${ref().initiatedBy}"`).toBeNull();
        }
      });

      it('localhost-only flag matches', () => {
        const want = /local host only/i.test(ref().purpose);
        for (const e of entriesOfRow(r)) {
          expect(e.localhostOnly, e.id).toBe(want);
          if (want) expect(e.sameHostOnly, e.id).toBe(true);
        }
      });

      it('listening process names match', () => {
        const exes = ref().listeningProcess.match(/[\w-]+\.exe|\blaunchd\b/g) ?? [];
        for (const e of entriesOfRow(r)) {
          for (const x of exes) expect(e.listeningProcess, e.id).toContain(x);
          if (ref().listeningProcess === 'none') expect(e.listeningProcess, e.id).toBe('none');
        }
      });
    });
  }

  it("each entry's purposeSeed occurs verbatim in the seed (whitespace-normalised)", () => {
    for (const e of catalogue) expect(load().seed.includes(normalise(e.purposeSeed)), `${e.id}: "${e.purposeSeed}"`).toBe(true);
  });

  it('every process name in listeningProcess occurs in the seed', () => {
    for (const e of catalogue) {
      for (const x of e.listeningProcess.match(/[\w-]+\.exe/g) ?? []) expect(load().seed, e.id).toContain(x);
    }
  });

  it('every port listed in the reference appears in the catalogue', () => {
    const have = new Set(catalogue.flatMap((e) => e.ports.map((p) => `${e.transport}/${p}`)));
    for (const ref of load().reference) {
      for (const w of parsePorts(ref.transportPort)) expect(have.has(`${w.transport}/${w.port}`), `row ${ref.row}: ${w.transport}/${w.port}`).toBe(true);
    }
  });

  it('ephemeral-port flags follow the seed notes (rows 1, 6, 9, 10, 11, 20; TCP-only note in row 1)', () => {
    // The reference's prose: rows 1, 6, 9, 10, 11 use ephemeral TCP ports; row 20 ephemeral UDP ports.
    const para = normalise(/Ephemeral ports:([\s\S]*?)\n\n/.exec(load().md)?.[1] ?? '');
    const rows = new Set([...para.matchAll(/rows? (\d+)(?:, (\d+))?/g)].flatMap((m) => [m[1], m[2]]).filter(Boolean).map(Number));
    expect([...rows].sort((a, b) => a - b)).toEqual([1, 6, 9, 10, 11, 20]);
    for (const e of catalogue) {
      const tcpOnlyNote = e.seedRow === 1; // seed row 1: "Wykorzystuje również porty efemeryczne TCP"
      const want = rows.has(e.seedRow) && !(tcpOnlyNote && e.transport !== 'tcp');
      expect(e.ephemeralInitiatorPorts, e.id).toBe(want);
    }
  });
});

describe('catalogue loader', () => {
  it('loads every entry and finds entries by id', () => {
    expect(catalogue.length).toBe((data as unknown[]).length);
    for (const e of catalogue) expect(entryById(e.id)).toBe(e);
    expect(entryById('no-such-service')).toBeUndefined();
  });

  it('has the ids other modules are written against', () => {
    const ids = [
      'push-windows-tcp', 'push-windows-udp', 'push-mac-ssh', 'gup-proxy', 'wss-redirect-auth', 'embedded-db',
      'remote-sql', 'sepm-https', 'spc-web-services', 'web-console-http', 'client-http', 'client-https',
      'cloud-console-sepm', 'cloud-console-mobile-client', 'content-analysis-http', 'content-analysis-https',
      'reporting-console', 'web-services-api', 'process-launcher', 'server-control', 'rmi-registry', 'syslog',
    ];
    expect(catalogue.map((e) => e.id).sort()).toEqual([...ids].sort());
  });

  it('uses only known roles and marks every same-host service with a basis', () => {
    for (const e of catalogue) {
      for (const r of [...e.initiators, e.responder]) expect(ROLES, e.id).toContain(r);
      expect(e.sameHostOnly ? typeof e.sameHostBasis : e.sameHostBasis, e.id).toBe(e.sameHostOnly ? 'string' : null);
    }
    expect(catalogue.filter((e) => e.sameHostOnly).map((e) => e.seedRow).sort((a, b) => a - b)).toEqual([5, 17, 18, 19]);
    expect(catalogue.filter((e) => e.localhostOnly).map((e) => e.seedRow)).toEqual([17]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(catalogue)).toBe(true);
    expect(Object.isFrozen(catalogue[0].ports)).toBe(true);
  });

  it('accepts an intact copy', () => {
    expect(validateCatalogue(structuredClone(data)).length).toBe(catalogue.length);
  });

  const broken = (edit: (copy: Record<string, unknown>[]) => void): unknown => {
    const copy = structuredClone(data) as unknown as Record<string, unknown>[];
    edit(copy);
    return copy;
  };

  it('rejects a duplicate id', () => {
    const bad = broken((c) => {
      c[1].id = c[0].id;
    });
    expect(() => validateCatalogue(bad)).toThrow(CatalogueError);
    expect(() => validateCatalogue(bad)).toThrow(/duplicate id "push-windows-tcp"/);
  });

  it('rejects an unknown role', () => {
    expect(() => validateCatalogue(broken((c) => void (c[0].responder = 'printer')))).toThrow(/unknown responder role "printer"/);
    expect(() => validateCatalogue(broken((c) => void (c[0].initiators = ['sepm', 'mainframe'])))).toThrow(/unknown initiator role "mainframe"/);
  });

  it('rejects empty or invalid ports', () => {
    expect(() => validateCatalogue(broken((c) => void (c[0].ports = [])))).toThrow(/ports is empty/);
    expect(() => validateCatalogue(broken((c) => void (c[0].ports = [70000])))).toThrow(/port 70000/);
  });

  it('rejects a missing seed row, a bad version, a typo in a field name and a non-array', () => {
    expect(() => validateCatalogue(broken((c) => void c.splice(2, 1)))).toThrow(/seed row 2 has no entry/);
    expect(() => validateCatalogue(broken((c) => void ((c[0].versions as Record<string, unknown>).from = 'fourteen')))).toThrow(/versions\.from/);
    expect(() => validateCatalogue(broken((c) => void (c[0].configurabel = true)))).toThrow(/unknown field "configurabel"/);
    expect(() => validateCatalogue({})).toThrow(CatalogueError);
  });

  it('rejects localhostOnly without sameHostOnly', () => {
    const i = (data as { id: string }[]).findIndex((e) => e.id === 'process-launcher');
    expect(() => validateCatalogue(broken((c) => void ((c[i].sameHostOnly = false), (c[i].sameHostBasis = null))))).toThrow(/localhostOnly/);
  });
});

describe('the build validates the catalogue (catalogue/check.ts, run by npm run build)', () => {
  it('package.json runs the check after compiling, and the check passes on the shipped JSON', async () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.json && node dist\/catalogue\/check\.js/);
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../dist/catalogue/check.js')], { encoding: 'utf8' });
    expect(out).toBe(`catalogue: sep-ports.json valid (${catalogue.length} entries)\n`);
  });
});

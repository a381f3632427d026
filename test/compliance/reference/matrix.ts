// Reference copy of src/compliance/matrix.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
/**
 * Per-host matrix: for every host with a SEP role (declared or inferred), each SEP service it takes part in
 * — the ones its roles make expected, and the ones seen — with a status and the flows behind it.
 */
import type { FlowRecord } from '../../../src/flow/record.js';
import type { Classification } from './classify.js';
import { statusOf, type Expectation, type ExpectationStatus } from './expected.js';
import type { HostInfo } from './roles.js';
import { versionInRange, type SepVersion } from '../../../src/compliance/version.js';

/** ok, blocked-*, absent, inconclusive (from expectations) or unexpected (seen, but the roles do not fit). */
export type CellStatus = ExpectationStatus | 'unexpected';

export interface MatrixCell {
  /** catalogue id(s): an expectation may accept several (8014 or 443) */
  services: string[];
  /** `out`: this host opens it; `in`: this host is reached */
  direction: 'out' | 'in';
  status: CellStatus;
  /** the other ends seen (or, for absent flows, the peers that would qualify) */
  peers: string[];
  flows: string[];
  /** short reason for any status other than ok */
  reason?: string;
}

export interface HostRow {
  address: string;
  name: string | null;
  roles: string[];
  source: 'declared' | 'inferred';
  cells: MatrixCell[];
}

/**
 * Builds the matrix.
 * @returns one row per host that has a role, in address order of the host table
 */
export function buildMatrix(
  records: readonly FlowRecord[],
  classes: ReadonlyMap<string, Classification>,
  hosts: ReadonlyMap<string, HostInfo>,
  expectations: readonly Expectation[],
  /** the site's SEP version: a service outside its versions is unexpected (as version-inapplicable-port says) */
  sepVersion: SepVersion | null = null,
): HostRow[] {
  // one pass over the flows, grouping each SEP flow under both of its hosts
  const byHost = new Map<string, Expectation[]>();
  for (const e of expectations) {
    let l = byHost.get(e.host);
    if (!l) byHost.set(e.host, (l = []));
    l.push(e);
  }
  // "host|uid" of every flow some expectation of that host already shows (a Set: the per-flow test was a scan of
  // every expectation's flow list, quadratic for a manager with many flows)
  const inExpectation = new Set<string>();
  for (const e of expectations) for (const uid of e.flows) inExpectation.add(`${e.host}|${uid}`);
  const groups = new Map<string, Map<string, { cell: MatrixCell; peers: Set<string> }>>();
  for (const r of records) {
    const c = classes.get(r.uid);
    if (!c?.service) continue;
    const localOnly = c.service.entry.sameHostOnly && r.origH !== r.respH;
    const e = c.service.entry;
    const wrongVersion = sepVersion !== null && !versionInRange(sepVersion, e.versions.from, e.versions.until);
    // one cell per service, direction and outcome, so a manager shows its working and its blocked peers apart
    const outcome = c.fit !== 'expected' || localOnly || wrongVersion ? 'unexpected' : statusOf([r]);
    for (const [host, dir, peer] of [[r.origH, 'out', r.respH], [r.respH, 'in', r.origH]] as const) {
      if ((hosts.get(host)?.roles.length ?? 0) === 0) continue;
      if (inExpectation.has(`${host}|${r.uid}`)) continue; // shown in its expectation's cell
      let hg = groups.get(host);
      if (!hg) groups.set(host, (hg = new Map()));
      const k = `${c.service.entry.id}|${dir}|${outcome}`;
      let g = hg.get(k);
      if (!g) hg.set(k, (g = { cell: { services: [c.service.entry.id], direction: dir, status: outcome, peers: [], flows: [] }, peers: new Set() }));
      g.cell.flows.push(r.uid);
      if (!g.peers.has(peer)) {
        g.peers.add(peer);
        g.cell.peers.push(peer);
      }
      if (outcome === 'unexpected') g.cell.reason = localOnly ? 'local-only service seen on the wire' : wrongVersion ? `not in SEP ${e.versions.text}` : c.fit;
    }
  }
  const rows: HostRow[] = [];
  for (const h of hosts.values()) {
    if (h.roles.length === 0) continue;
    const cells: MatrixCell[] = [];
    for (const e of byHost.get(h.address) ?? []) {
      cells.push({ services: e.services, direction: e.direction, status: e.status, peers: e.peers, flows: e.flows, reason: e.reason ?? (e.status === 'ok' ? undefined : e.what) });
    }
    for (const g of groups.get(h.address)?.values() ?? []) cells.push(g.cell);
    rows.push({ address: h.address, name: h.name, roles: h.roles, source: h.declared.length ? 'declared' : 'inferred', cells });
  }
  return rows;
}

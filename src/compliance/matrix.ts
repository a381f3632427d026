/**
 * Per-host matrix: for every host with a SEP role (declared or inferred), each SEP service it takes part in
 * — the ones its roles make expected, and the ones seen — with a status and the flows behind it.
 */
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import { statusOf, type Expectation, type ExpectationStatus } from './expected.js';
import type { HostInfo } from './roles.js';

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
): HostRow[] {
  const rows: HostRow[] = [];
  for (const h of hosts.values()) {
    if (h.roles.length === 0) continue;
    const cells: MatrixCell[] = [];
    const covered = new Set<string>();
    for (const e of expectations.filter((x) => x.host === h.address)) {
      cells.push({ services: e.services, direction: e.direction, status: e.status, peers: e.peers, flows: e.flows, reason: e.reason ?? (e.status === 'ok' ? undefined : e.what) });
      for (const uid of e.flows) covered.add(uid);
    }
    // every other SEP flow of this host, grouped by service and direction
    const groups = new Map<string, { cell: MatrixCell; flows: FlowRecord[] }>();
    for (const r of records) {
      if (covered.has(r.uid)) continue;
      const dir = r.origH === h.address ? 'out' : r.respH === h.address ? 'in' : null;
      const c = classes.get(r.uid);
      if (!dir || !c?.service) continue;
      // one cell per service, direction and outcome, so a manager shows its working and its blocked peers apart
      const localOnly = c.service.entry.sameHostOnly && r.origH !== r.respH;
      const outcome = c.fit !== 'expected' || localOnly ? 'unexpected' : statusOf([r]);
      const k = `${c.service.entry.id}|${dir}|${outcome}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { cell: { services: [c.service.entry.id], direction: dir, status: 'ok', peers: [], flows: [] }, flows: [] }));
      g.flows.push(r);
      g.cell.flows.push(r.uid);
      const peer = dir === 'out' ? r.respH : r.origH;
      if (!g.cell.peers.includes(peer)) g.cell.peers.push(peer);
      if (outcome === 'unexpected') {
        g.cell.status = 'unexpected';
        g.cell.reason = localOnly ? 'local-only service seen on the wire' : c.fit;
      }
    }
    for (const g of groups.values()) {
      if (g.cell.status !== 'unexpected') g.cell.status = statusOf(g.flows);
      cells.push(g.cell);
    }
    rows.push({ address: h.address, name: h.name, roles: h.roles, source: h.declared.length ? 'declared' : 'inferred', cells });
  }
  return rows;
}

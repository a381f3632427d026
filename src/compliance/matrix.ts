/**
 * Per-host matrix: for every host with a SEP role (declared or inferred), each SEP service it takes part in
 * — the ones its roles make expected, and the ones seen — with a status and the flows behind it.
 */
import type { FlowRecord } from '../flow/record.js';
import type { Classification } from './classify.js';
import type { Expectation, ExpectationStatus } from './expected.js';
import { flowFacts, statusOfFlow, type FlowFacts } from './facts.js';
import type { HostInfo } from './roles.js';
import type { Service } from './services.js';
import { versionInRange, type SepVersion } from './version.js';

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
  /** per-flow facts of these records and classes, when the caller has them (judge); built when absent */
  facts: FlowFacts = flowFacts(records, classes),
): HostRow[] {
  const byHost = new Map<string, Expectation[]>();
  for (const e of expectations) {
    let l = byHost.get(e.host);
    if (!l) byHost.set(e.host, (l = []));
    l.push(e);
  }
  // uids of the flows some expectation of a host already shows (such a flow gets no cell of its own there)
  const inExpectation = new Map<string, Set<string>>();
  for (const e of expectations) {
    if (e.flows.length === 0) continue;
    let u = inExpectation.get(e.host);
    if (!u) inExpectation.set(e.host, (u = new Set()));
    for (const uid of e.flows) u.add(uid);
  }
  // per service: whether the site's version has it (and the reason text when not)
  const versionNote = new Map<Service, string | null>();
  const notInVersion = (sv: Service): string | null => {
    let x = versionNote.get(sv);
    if (x === undefined) {
      const e = sv.entry;
      x = sepVersion !== null && !versionInRange(sepVersion, e.versions.from, e.versions.until) ? `not in SEP ${e.versions.text}` : null;
      versionNote.set(sv, x);
    }
    return x;
  };
  // a host's cells by (service, direction, outcome) — one cell each, so a manager shows its working and its
  // blocked peers apart; the key was the text "id|dir|outcome", here a number with the same equality
  const serviceNo = new Map<string, number>();
  const groups = new Map<string, Map<number, { cell: MatrixCell; peers: Set<string> }>>();
  const cls = facts.cls;
  for (let i = 0; i < records.length; i++) {
    const c = cls[i];
    if (!c?.service) continue;
    const r = records[i];
    const sv = c.service;
    const e = sv.entry;
    const localOnly = e.sameHostOnly && r.origH !== r.respH;
    const versionReason = notInVersion(sv);
    const outcome: CellStatus = c.fit !== 'expected' || localOnly || versionReason !== null ? 'unexpected' : statusOfFlow(facts, i);
    let sn = serviceNo.get(e.id);
    if (sn === undefined) serviceNo.set(e.id, (sn = serviceNo.size));
    for (let side = 0; side < 2; side++) {
      const host = side === 0 ? r.origH : r.respH;
      if ((hosts.get(host)?.roles.length ?? 0) === 0) continue;
      if (inExpectation.get(host)?.has(r.uid)) continue; // shown in its expectation's cell
      const dir = side === 0 ? 'out' : 'in';
      const peer = side === 0 ? r.respH : r.origH;
      let hg = groups.get(host);
      if (!hg) groups.set(host, (hg = new Map()));
      const k = (sn * 2 + side) * 8 + OUTCOME_NO[outcome];
      let g = hg.get(k);
      if (!g) hg.set(k, (g = { cell: { services: [e.id], direction: dir, status: outcome, peers: [], flows: [] }, peers: new Set() }));
      g.cell.flows.push(r.uid);
      if (!g.peers.has(peer)) {
        g.peers.add(peer);
        g.cell.peers.push(peer);
      }
      if (outcome === 'unexpected') g.cell.reason = localOnly ? 'local-only service seen on the wire' : versionReason !== null ? versionReason : c.fit;
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

/** Distinct small numbers for the cell outcomes (part of the cell key). */
const OUTCOME_NO: Record<CellStatus, number> = { ok: 0, 'blocked-dropped': 1, 'blocked-refused': 2, 'blocked-half-open': 3, absent: 4, inconclusive: 5, unexpected: 6 };

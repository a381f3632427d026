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
): HostRow[] {
  const facts = flowFacts(records, classes, hosts);
  const index = new Map<string, number>();
  for (let i = 0; i < records.length; i++) index.set(records[i].uid, i);
  const flowsOf = expectations.map((e) => e.flows.flatMap((uid) => index.get(uid) ?? []));
  return matrixOf(records, hosts, expectations, sepVersion, facts, flowsOf);
}

/**
 * buildMatrix over the pass's facts.
 * @param flowsOf each expectation's flows as record indices (`flowsOf[k]` for `expectations[k]`)
 */
export function matrixOf(
  records: readonly FlowRecord[],
  hosts: ReadonlyMap<string, HostInfo>,
  expectations: readonly Expectation[],
  sepVersion: SepVersion | null,
  facts: FlowFacts,
  flowsOf: readonly (readonly number[])[],
): HostRow[] {
  const byHost = new Map<string, Expectation[]>();
  for (const e of expectations) {
    let l = byHost.get(e.host);
    if (!l) byHost.set(e.host, (l = []));
    l.push(e);
  }
  const { orig, resp } = facts;
  // per flow, whether some expectation of its originator (bit 1) / responder (bit 2) already shows it: such a
  // flow gets no cell of its own on that host
  const shown = new Uint8Array(records.length);
  for (let k = 0; k < expectations.length; k++) {
    const h = facts.hostNo.get(expectations[k].host);
    if (h === undefined) continue;
    const idx = flowsOf[k];
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j];
      if (orig[i] === h) shown[i] |= 1;
      if (resp[i] === h) shown[i] |= 2;
    }
  }
  const b = new CellNumbering(records, facts, sepVersion, shown);
  // the loop only calls: a small step is optimised after a few hundred flows, a big loop much later
  for (let i = 0; i < records.length; i++) b.place(i);
  const { meta, cellsOf, cellOf, newPeer } = b;
  const cls = facts.cls;
  const cells: MatrixCell[] = new Array(meta.length);
  // the cells of one service share its one-id list (read-only, like an expectation's list its cells share)
  const idLists = new Map<string, string[]>();
  for (let g = 0; g < meta.length; g++) {
    const m = meta[g];
    let ids = idLists.get(m.service);
    if (!ids) idLists.set(m.service, (ids = [m.service]));
    const cell: MatrixCell = { services: ids, direction: m.direction, status: m.status, peers: new Array(m.peers), flows: new Array(m.flows) };
    if (m.reason !== '') cell.reason = m.reason;
    cells[g] = cell;
    m.flows = 0; // from here: fill positions
    m.peers = 0;
    m.seen = NO_PEERS;
  }
  for (let j = 0; j < cellOf.length; j++) {
    const g = cellOf[j];
    if (g < 0) continue;
    const i = j >> 1;
    const m = meta[g];
    const cell = cells[g];
    cell.flows[m.flows++] = facts.uidsInCls ? cls[i]!.uid : records[i].uid;
    if (newPeer[j] === 1) {
      // the peer's address: judge's host table's copy of the text when it has one
      const k = (j & 1) === 0 ? resp[i] : orig[i];
      cell.peers[m.peers++] = k >= 0 && facts.uidsInCls ? facts.hosts[k].address : (j & 1) === 0 ? records[i].respH : records[i].origH;
    }
  }
  const rows: HostRow[] = [];
  for (const h of hosts.values()) {
    if (h.roles.length === 0) continue;
    const row: MatrixCell[] = [];
    const es = byHost.get(h.address);
    if (es !== undefined) {
      for (let x = 0; x < es.length; x++) {
        const e = es[x];
        row.push({ services: e.services, direction: e.direction, status: e.status, peers: e.peers, flows: e.flows, reason: e.reason ?? (e.status === 'ok' ? undefined : e.what) });
      }
    }
    const k = facts.hostNo.get(h.address);
    const hc = k === undefined ? undefined : cellsOf[k];
    if (hc) hc.forEach((g) => row.push(cells[g]));
    rows.push({ address: h.address, name: h.name, roles: h.roles, source: h.declared.length ? 'declared' : 'inferred', cells: row });
  }
  return rows;
}

/** Distinct small numbers for the cell outcomes (part of the cell key). */
const OUTCOME_NO: Record<CellStatus, number> = { ok: 0, 'blocked-dropped': 1, 'blocked-refused': 2, 'blocked-half-open': 3, absent: 4, inconclusive: 5, unexpected: 6 };

/** A matrix cell being numbered: its fields, flow and peer counts, and the peers seen so far. */
interface CellMeta {
  service: string;
  direction: 'out' | 'in';
  status: CellStatus;
  /** '' while none */
  reason: string;
  flows: number;
  peers: number;
  /** the first peer (host number, or address for a host not in the table) */
  peer0: number | string;
  /** NO_PEERS while only peer0 was seen */
  seen: Set<number | string>;
}
const NO_PEERS: Set<number | string> = new Set();

/**
 * matrixOf's first pass: numbers a host's cells by (service, direction, outcome) — one cell each, so a
 * manager shows its working and its blocked peers apart; the key was the text "id|dir|outcome", here a
 * number with the same equality — and counts each cell's flows and distinct peers, so that the second pass
 * can allocate their lists at their final size and fill them in record order.
 */
class CellNumbering {
  /** per host number: its cells by key, in the order they were made */
  readonly cellsOf: (Map<number, number> | undefined)[];
  /** (record, side) -> cell number, -1 for none; side 0 the originator's cell, 1 the responder's */
  readonly cellOf: Int32Array;
  /** 1 where the flow adds its peer to its cell (first sight) */
  readonly newPeer: Uint8Array;
  readonly meta: CellMeta[] = [];
  /** hosts with a role, by number */
  private readonly hasRole: Uint8Array;
  /** per service: a number for the cell key (by catalogue id), and the reason text when the site's version lacks it */
  private readonly serviceInfo = new Map<Service, { no: number; versionReason: string | null }>();
  private readonly serviceNo = new Map<string, number>();

  constructor(
    private readonly records: readonly FlowRecord[],
    private readonly facts: FlowFacts,
    private readonly sepVersion: SepVersion | null,
    /** per flow: bit 1 / 2 when an expectation of its originator / responder already shows it */
    private readonly shown: Uint8Array,
  ) {
    this.cellsOf = new Array(facts.hosts.length);
    this.cellOf = new Int32Array(2 * records.length).fill(-1);
    this.newPeer = new Uint8Array(2 * records.length);
    this.hasRole = new Uint8Array(facts.hosts.length);
    for (let k = 0; k < facts.hosts.length; k++) this.hasRole[k] = facts.hosts[k].roles.length > 0 ? 1 : 0;
  }

  private infoOf(sv: Service): { no: number; versionReason: string | null } {
    let x = this.serviceInfo.get(sv);
    if (x === undefined) {
      const e = sv.entry;
      let no = this.serviceNo.get(e.id);
      if (no === undefined) this.serviceNo.set(e.id, (no = this.serviceNo.size));
      const v = this.sepVersion;
      const versionReason = v !== null && !versionInRange(v, e.versions.from, e.versions.until) ? `not in SEP ${e.versions.text}` : null;
      this.serviceInfo.set(sv, (x = { no, versionReason }));
    }
    return x;
  }

  /** Places flow `i` in the cells of its ends that have a role (and no expectation showing it). */
  place(i: number): void {
    const facts = this.facts;
    const c = facts.cls[i];
    if (!c?.service) return;
    const o = facts.orig[i];
    const s = facts.resp[i];
    const shown = this.shown[i];
    const oRole = o >= 0 && this.hasRole[o] === 1 && (shown & 1) === 0;
    const sRole = s >= 0 && this.hasRole[s] === 1 && (shown & 2) === 0;
    if (!oRole && !sRole) return;
    const r = this.records[i];
    const sv = c.service;
    const e = sv.entry;
    const localOnly = e.sameHostOnly && r.origH !== r.respH;
    const info = this.infoOf(sv);
    const versionReason = info.versionReason;
    const outcome: CellStatus = c.fit !== 'expected' || localOnly || versionReason !== null ? 'unexpected' : statusOfFlow(facts, i);
    const reason = outcome !== 'unexpected' ? '' : localOnly ? 'local-only service seen on the wire' : versionReason !== null ? versionReason : c.fit;
    if (oRole) this.add(i, 0, o, s >= 0 ? s : r.respH, info.no, outcome, reason, e.id);
    if (sRole) this.add(i, 1, s, o >= 0 ? o : r.origH, info.no, outcome, reason, e.id);
  }

  private add(i: number, side: number, host: number, peer: number | string, sn: number, outcome: CellStatus, reason: string, id: string): void {
    const hc = (this.cellsOf[host] ??= new Map());
    const k = (sn * 2 + side) * 8 + OUTCOME_NO[outcome];
    let g = hc.get(k);
    let isNew: boolean;
    if (g === undefined) {
      hc.set(k, (g = this.meta.length));
      this.meta.push({ service: id, direction: side === 0 ? 'out' : 'in', status: outcome, reason: '', flows: 0, peers: 0, peer0: peer, seen: NO_PEERS });
      isNew = true;
    } else {
      const m = this.meta[g];
      if (peer === m.peer0) isNew = false;
      else {
        if (m.seen === NO_PEERS) m.seen = new Set([m.peer0]);
        isNew = !m.seen.has(peer);
        if (isNew) m.seen.add(peer);
      }
    }
    const m = this.meta[g];
    this.cellOf[2 * i + side] = g;
    m.flows++;
    if (isNew) {
      this.newPeer[2 * i + side] = 1;
      m.peers++;
    }
    if (reason !== '') m.reason = reason;
  }
}

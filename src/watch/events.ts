/**
 * State-change events between two snapshots, and their two renderings for output without a terminal: one
 * plain line each (no escape codes) or one JSON object per line (`--json-lines`).
 *
 * Events: `host` (a host appeared), `roles` (its roles changed), `status` (one of its services gained a
 * status: a new service, or a change such as ok → blocked-dropped), `finding` (a finding appeared or its
 * severity changed), `finding-gone` (a finding no longer holds, e.g. an absent client showed up), `summary`
 * (periodic counters), `state` (capturing, paused, running, ended). `ts` is capture time in seconds since the
 * epoch (the newest packet), or null before the first packet.
 */
import type { MapSnapshot, Status } from './snapshot.js';
import { formatTime } from '../report/time.js';

export type WatchEvent =
  | { type: 'host'; ts: number | null; address: string; roles: string[]; source: string; status: Status }
  | { type: 'roles'; ts: number | null; address: string; from: string[]; to: string[]; source: string }
  | { type: 'status'; ts: number | null; address: string; direction: 'in' | 'out'; services: string[]; ports: number[]; from: Status | null; to: Status; reason: string | null }
  | { type: 'finding'; ts: number | null; rule: string; severity: string; inconclusive: boolean; message: string; hosts: string[]; flows: string[] }
  | { type: 'finding-gone'; ts: number | null; rule: string; message: string }
  | {
      type: 'summary';
      ts: number | null;
      packets: number;
      pps: number;
      received: number | null;
      dropped: number | null;
      flows: number;
      hosts: number;
      findings: Record<string, number>;
    }
  | { type: 'state'; ts: number | null; state: string; reason: string | null; message: string | null };

/** Identity of a finding across snapshots: rule, service and its first flow (or first host when it has none). */
function findingKey(f: MapSnapshot['findings'][number]): string {
  return `${f.rule}|${f.service ?? ''}|${f.flows[0] ?? f.hosts[0] ?? ''}`;
}

/** Events that lead from `prev` (null: nothing yet) to `next`. */
export function diffSnapshots(prev: MapSnapshot | null, next: MapSnapshot): WatchEvent[] {
  const ts = next.lastTs;
  const out: WatchEvent[] = [];
  const before = new Map((prev?.hosts ?? []).map((h) => [h.address, h]));
  for (const h of next.hosts) {
    const p = before.get(h.address);
    if (!p) out.push({ type: 'host', ts, address: h.address, roles: h.roles, source: h.source, status: h.status });
    else if (p.roles.join('/') !== h.roles.join('/')) out.push({ type: 'roles', ts, address: h.address, from: p.roles, to: h.roles, source: h.source });
    // a service (direction + ids) gaining a status it did not have
    const had = new Map<string, Status[]>();
    for (const s of p?.services ?? []) {
      const k = `${s.direction}|${s.services.join('|')}`;
      had.set(k, [...(had.get(k) ?? []), s.status]);
    }
    for (const s of h.services) {
      const k = `${s.direction}|${s.services.join('|')}`;
      const old = had.get(k) ?? [];
      if (old.includes(s.status)) continue;
      const gone = old.filter((o) => !h.services.some((x) => `${x.direction}|${x.services.join('|')}` === k && x.status === o));
      out.push({ type: 'status', ts, address: h.address, direction: s.direction, services: s.services, ports: s.ports, from: gone[0] ?? old[0] ?? null, to: s.status, reason: s.reason });
    }
  }
  const oldFindings = new Map((prev?.findings ?? []).map((f) => [findingKey(f), f]));
  const newKeys = new Set<string>();
  for (const f of next.findings) {
    const k = findingKey(f);
    newKeys.add(k);
    const o = oldFindings.get(k);
    if (!o || o.severity !== f.severity || !!o.inconclusive !== !!f.inconclusive) {
      out.push({ type: 'finding', ts, rule: f.rule, severity: f.severity, inconclusive: !!f.inconclusive, message: f.message, hosts: f.hosts, flows: f.flows });
    }
  }
  for (const [k, f] of oldFindings) if (!newKeys.has(k)) out.push({ type: 'finding-gone', ts, rule: f.rule, message: f.message });
  return out;
}

/** The periodic summary event of a snapshot. */
export function summaryEvent(s: MapSnapshot): WatchEvent {
  return {
    type: 'summary',
    ts: s.lastTs,
    packets: s.packets,
    pps: Math.round(s.meta.pps),
    received: s.meta.live?.received ?? null,
    dropped: s.meta.live?.dropped ?? null,
    flows: s.flows,
    hosts: s.hosts.length,
    findings: { ...s.findingsBySeverity },
  };
}

/** `2026-11-30 01:40:47.835` (UTC), `@<seconds> s (beyond the date range)`, or 23 spaces' worth of `-`. */
function stamp(ts: number | null): string {
  if (ts === null) return '-'.padEnd(23);
  return formatTime(ts, 'stamp');
}

function svc(services: string[], ports: number[]): string {
  return `${services.join('|')}${ports.length ? ` ${ports.join('/')}` : ''}`;
}

/** One plain line (no escape codes, no newline). */
export function eventLine(e: WatchEvent): string {
  const t = stamp(e.ts);
  switch (e.type) {
    case 'host':
      return `${t}  host     ${e.address} ${e.roles.length ? `${e.roles.join('/')} (${e.source})` : '(no SEP role)'}`;
    case 'roles':
      return `${t}  roles    ${e.address} ${e.from.join('/') || '-'} -> ${e.to.join('/') || '-'} (${e.source})`;
    case 'status':
      return `${t}  status   ${e.address} ${e.direction} ${svc(e.services, e.ports)}: ${e.from ? `${e.from} -> ` : ''}${e.to}${e.reason ? ` (${e.reason.replace(/^(dropped|refused|half-open|absent|inconclusive): /, '')})` : ''}`;
    case 'finding':
      return `${t}  finding  ${e.inconclusive ? 'INCONCLUSIVE' : e.severity.toUpperCase()} ${e.rule}: ${e.message}`;
    case 'finding-gone':
      return `${t}  resolved ${e.rule}: ${e.message}`;
    case 'summary': {
      const f = e.findings;
      const cap = e.received === null ? '' : `, ${e.received} received, ${e.dropped} dropped by sepflow`;
      return `${t}  summary  ${e.packets} packets (${e.pps}/s)${cap}, ${e.flows} flows, ${e.hosts} hosts, findings ${f.high ?? 0} high ${f.medium ?? 0} medium ${f.low ?? 0} low ${f.info ?? 0} info`;
    }
    case 'state':
      return `${t}  ${e.state.padEnd(8)} ${e.message ?? e.reason ?? ''}`.trimEnd();
  }
}

/** One JSON line (no newline). */
export function eventJson(e: WatchEvent): string {
  return JSON.stringify(e);
}

/**
 * Classification: which SEP service (catalogue entry) each flow is, by transport, responder port and
 * direction (the roles of its two hosts). Pure function over flow records and host roles.
 */
import type { FlowRecord } from '../flow/record.js';
import type { HostInfo, HostTable } from './roles.js';
import type { Service, ServiceIndex } from './services.js';

/** How a flow relates to the SEP catalogue. */
export interface Classification {
  uid: string;
  /** the service the flow is, or null when its responder port is no SEP port */
  service: Service | null;
  /** every service listening on the responder port (443 has three) */
  candidates: readonly Service[];
  /**
   * `expected`: roles fit the service (or are unknown); `reversed`: the originator holds the service's
   * responder role and the responder one of its initiator roles; `wrong-role`: a known role does not fit;
   * `none`: not a SEP port
   */
  fit: 'expected' | 'reversed' | 'wrong-role' | 'none';
}

/**
 * Classifies one flow.
 * @param hosts host table from buildHosts (roles used: HostInfo.roles)
 */
export function classifyFlow(r: FlowRecord, services: ServiceIndex, hosts: ReadonlyMap<string, HostInfo>): Classification {
  const candidates = services.byPort(r.proto === 'tcp' ? 6 : 17, r.respP);
  if (candidates.length === 0) return { uid: r.uid, service: null, candidates, fit: 'none' };
  const origRoles = hosts.get(r.origH)?.roles ?? [];
  const respRoles = hosts.get(r.respH)?.roles ?? [];
  const initOk = (s: Service) => origRoles.length === 0 || origRoles.some((x) => s.entry.initiators.includes(x));
  const respOk = (s: Service) => respRoles.length === 0 || respRoles.includes(s.entry.responder);
  // a service whose roles fit both ends wins; the catalogue order breaks ties (client-https before cloud rows)
  const fitting = candidates.find((s) => initOk(s) && respOk(s));
  if (fitting) return { uid: r.uid, service: fitting, candidates, fit: 'expected' };
  const reversed = candidates.find(
    (s) => origRoles.includes(s.entry.responder) && respRoles.some((x) => s.entry.initiators.includes(x)),
  );
  if (reversed) return { uid: r.uid, service: reversed, candidates, fit: 'reversed' };
  return { uid: r.uid, service: candidates[0], candidates, fit: 'wrong-role' };
}

/** The candidates of every flow on no SEP port (one shared list: no caller changes a classification). */
const NO_SERVICES: readonly Service[] = [];

/**
 * Classifies every flow (classifyFlow per record), computing each distinct (transport and port, originator
 * roles, responder roles) combination once.
 * @param table the host table of these records (buildHostTable): roles, and each record's ends by number
 * @returns the classes by uid (record order) and the same objects index-aligned with the records
 */
export function classifyAll(
  records: readonly FlowRecord[],
  services: ServiceIndex,
  table: HostTable,
): { classes: Map<string, Classification>; cls: Classification[] } {
  const n = records.length;
  const classes = new Map<string, Classification>();
  const cls = new Array<Classification>(n);
  // hosts with the same roles (by content) share a number; classification depends on nothing else of theirs
  const sigOfRoles = new Map<string, number>();
  const sig = new Int32Array(table.list.length);
  for (let k = 0; k < table.list.length; k++) {
    const key = table.list[k].roles.join(',');
    let x = sigOfRoles.get(key);
    if (x === undefined) sigOfRoles.set(key, (x = sigOfRoles.size));
    sig[k] = x;
  }
  // per (candidate list, originator roles, responder roles): the first flow's classification, whose fields
  // the others copy; a flat table while small (it nearly always is), else a map
  const S = sigOfRoles.size;
  const size = table.candidates.length * S * S;
  const st: Classifying = {
    records,
    services,
    table,
    sig,
    S,
    flat: size <= 1 << 16 ? new Array(size) : null,
    byKey: new Map(),
    none: { uid: '', service: null, candidates: NO_SERVICES, fit: 'none' },
    classes,
    cls,
  };
  // the loop only calls: a small function is optimised after a few hundred flows, a big loop much later
  for (let i = 0; i < n; i++) classifyOne(st, i);
  return { classes, cls };
}

/** What classifyAll's steps share. */
interface Classifying {
  records: readonly FlowRecord[];
  services: ServiceIndex;
  table: HostTable;
  /** per host number: its roles' number */
  sig: Int32Array;
  /** how many distinct role sets */
  S: number;
  flat: (Classification | undefined)[] | null;
  byKey: Map<number, Classification>;
  /** the classification of a flow on no SEP port, less its uid */
  none: Classification;
  classes: Map<string, Classification>;
  cls: Classification[];
}

/** classifyAll's step for flow `i`. */
function classifyOne(st: Classifying, i: number): void {
  const r = st.records[i];
  const pn = st.table.port[i];
  let proto: Classification | undefined;
  if (pn < 0) proto = st.none;
  else {
    const S = st.S;
    const key = (pn * S + st.sig[st.table.orig[i]]) * S + st.sig[st.table.resp[i]];
    proto = st.flat !== null ? st.flat[key] : st.byKey.get(key);
    if (proto === undefined) {
      proto = classifyFlow(r, st.services, st.table.hosts);
      if (st.flat !== null) st.flat[key] = proto;
      else st.byKey.set(key, proto);
    }
  }
  // every classification made here, from one place (the field types settle at once, for the optimiser)
  const c: Classification = { uid: r.uid, service: proto.service, candidates: proto.candidates, fit: proto.fit };
  st.cls[i] = c;
  st.classes.set(r.uid, c);
}

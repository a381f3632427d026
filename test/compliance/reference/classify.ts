// Reference copy of src/compliance/classify.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
/**
 * Classification: which SEP service (catalogue entry) each flow is, by transport, responder port and
 * direction (the roles of its two hosts). Pure function over flow records and host roles.
 */
import type { FlowRecord } from '../../../src/flow/record.js';
import type { HostInfo } from './roles.js';
import type { Service, ServiceIndex } from '../../../src/compliance/services.js';

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

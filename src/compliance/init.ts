/**
 * `sepflow profile init`: a commented starting site profile inferred from a capture.
 *
 * Roles inferred with high or medium confidence are written as entries, each with the evidence as a
 * comment; low-confidence ones (only unanswered attempts were seen) are written commented out. The output
 * parses with `parseProfile` (the tests check that).
 */
import { catalogue, ROLES } from '../../catalogue/index.js';
import type { HostInfo } from './roles.js';
import { REPLICATION_PARTNER } from './profile.js';

/**
 * Renders the profile text.
 * @param hosts host table of an analysis run without a profile
 * @param sources the capture files it came from (named in the header)
 */
export function renderProfileInit(hosts: ReadonlyMap<string, HostInfo>, sources: readonly string[]): string {
  const L: string[] = [];
  L.push(`# sepflow site profile, inferred from ${sources.join(', ')}.`);
  L.push('# Check every line: roles below were inferred from the traffic; the comments say from what.');
  L.push('# Entries are addresses, CIDRs (10.1.2.0/24) or host names as the capture resolves them.');
  L.push('');
  L.push('# The managers\' SEP version, quoted (e.g. "12.1.6", "14.2", "14.3 RU8"): enables version checks.');
  L.push('# sep_version: "14.3"');
  L.push('');
  L.push('roles:');
  let any = false;
  for (const role of ROLES) {
    const sure: string[] = [];
    const unsure: string[] = [];
    for (const h of hosts.values()) {
      const i = h.inferred.find((x) => x.role === role);
      if (!i) continue;
      const line = `${h.address}   # ${i.confidence}: ${i.basis}${i.flows.length > 1 ? ` (+${i.flows.length - 1} more flows)` : ''}`;
      (i.confidence === 'low' ? unsure : sure).push(line);
    }
    if (sure.length === 0 && unsure.length === 0) continue;
    any = true;
    L.push(sure.length ? `  ${role}:` : `  # ${role}:`);
    for (const s of sure) L.push(`    - ${s}`);
    for (const s of unsure) L.push(`    # - ${s}   (only unanswered attempts seen)`);
  }
  if (!any) L.push('  {}   # nothing could be inferred: declare the roles by hand');
  L.push(`  # ${REPLICATION_PARTNER}: [ ]   # managers that replicate with each other`);
  L.push(`  # other roles: ${ROLES.join(', ')}`);
  L.push('');
  L.push('# Services moved off their default port, by catalogue id (only configurable ones):');
  L.push('# ports:');
  for (const e of catalogue.filter((x) => x.configurable !== false)) {
    L.push(`#   ${e.id}: ${e.ports.length === 1 ? e.ports[0] : `[${e.ports.join(', ')}]`}   # ${e.transport.toUpperCase()}, vendor table row ${e.seedRow}`);
  }
  L.push('');
  L.push('policy:');
  L.push('  client_transport: both     # http | https | both');
  L.push('  push_deployment: false     # true while a push deployment runs: managers must reach clients on 445/139 and Macs on 22');
  L.push('  syslog_required: false     # true: managers must forward logs to the syslog servers on UDP 514');
  L.push('  heartbeat: 5m              # client heartbeat interval');
  L.push('  # gup_client_prefix: 24    # clients in a GUP\'s /24 are expected to use it');
  L.push('  # ignore:');
  L.push('  #   ports: []              # responder ports no rule should look at');
  L.push('  #   hosts: []              # hosts no rule should look at');
  return L.join('\n') + '\n';
}

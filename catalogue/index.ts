/**
 * catalogue: the SEP port catalogue, loaded from `sep-ports.json`.
 *
 * Source: the vendor's port table in Polish (`../shared/seeds/000_d354acc20ebd998e.txt`, the authority)
 * and its English restatement (`../shared/reference/sep-ports.md`). `README.md` beside this file traces
 * every entry to its seed row. Port numbers live only in the JSON; nothing here hard-codes one.
 *
 * The JSON is validated (zod schema and cross-field rules, `validate.ts`) by the build (`npm run build` runs
 * `catalogue/check.ts` after compiling, so `npm ci` fails on a bad edit) and by `test/catalogue`, not at every
 * start: the schema library costs ~60 ms and ~14 MB of every run, and the JSON cannot change after the build
 * (it is compiled into dist/).
 */
import data from './sep-ports.json' with { type: 'json' };

const ROLE_IDS = [
  'sepm',
  'sql',
  'embedded_db',
  'client',
  'mac_client',
  'gup',
  'console',
  'reporting_console',
  'rmm',
  'syslog',
  'content_analysis',
  'cloud_console',
  'spc',
  'ajaxswing',
] as const;

/**
 * Role: a kind of host (or component) that takes part in SEP traffic.
 *
 * - `sepm`: Symantec Endpoint Protection Manager, the management server; replication partners are
 *   managers too.
 * - `sql`: a remote Microsoft SQL Server holding the manager's database.
 * - `embedded_db`: the embedded database (dbsrv16.exe) on the manager.
 * - `client`: a Windows SEP client; also the target of a Windows push deployment.
 * - `mac_client`: a Mac computer targeted by push deployment.
 * - `gup`: a Group Update Provider (a SEP client that caches content for other clients).
 * - `console`: the Java console or the remote web console.
 * - `reporting_console`: the remote reporting console.
 * - `rmm`: a Remote Monitoring and Management service or the EDR console.
 * - `syslog`: a Syslog server receiving the manager's logs.
 * - `content_analysis`: a Content Analysis server / Malware Analysis appliance.
 * - `cloud_console`: the Symantec cloud console.
 * - `spc`: Symantec Protection Center 2.0.
 * - `ajaxswing`: AjaxSwing, the component behind the manager's web console.
 */
export type Role = (typeof ROLE_IDS)[number];

/** ROLES: every role id, in a fixed order. */
export const ROLES: readonly Role[] = ROLE_IDS;

/** SEED_ROWS: the number of rows in the vendor's port table; every row 1..SEED_ROWS has ≥ 1 entry. */
export const SEED_ROWS = 20;

/**
 * Versions: the product versions a service exists in.
 *
 * Version strings are dotted ("12.1", "12.1.5", "14.0.1", "14.2"), optionally ending in ".x".
 * - `from`: first version with the service (inclusive); null = all versions ("all").
 * - `until`: last version line with the service, inclusive of the whole line: "12.1.x" means every
 *   12.1 release (12.1, 12.1.5, 12.1.6 MP10...) and nothing from 13/14 on; null = still present.
 * - `text`: the table's wording, in English (e.g. "14.2 and later", "12.1.x only", "all, from 12.1.5").
 */
export interface Versions {
  from: string | null;
  until: string | null;
  text: string;
}

/**
 * CatalogueEntry: one SEP service on one transport, traced to one row of the vendor's port table.
 *
 * A table row that mixes transports (row 1: TCP and UDP) or plaintext and TLS (row 14: HTTP and
 * HTTPS) becomes several entries sharing `seedRow`.
 */
export interface CatalogueEntry {
  /** Stable kebab-case id, e.g. "client-http"; other modules refer to entries by it. */
  id: string;
  /** Row of the vendor's port table this entry rests on, 1..SEED_ROWS. */
  seedRow: number;
  /** Transport protocol of `ports`. */
  transport: 'tcp' | 'udp';
  /** Responder-side TCP or UDP port numbers (per `transport`), 1..65535, the table's defaults. */
  ports: readonly number[];
  /** Whether the service is HTTPS/TLS per the table; null when the table does not say. */
  tls: boolean | null;
  /** What the service is for, in English. */
  purpose: string;
  /** The seed's "Wykorzystywany do" (used for) cell, in Polish, verbatim (modulo line breaks). */
  purposeSeed: string;
  /** The table's listening-process cell (process names verbatim); "none" where the table says none. */
  listeningProcess: string;
  /** Roles that open the connection (first SYN / first datagram). */
  initiators: readonly Role[];
  /** Role that listens on `ports`. */
  responder: Role;
  /** Whether an administrator can move the service to another port; null where the table says nothing ("—"). */
  configurable: boolean | null;
  /** Product versions the service exists in; see `Versions`. */
  versions: Versions;
  /** True where the seed says the service accepts requests from the local host only. */
  localhostOnly: boolean;
  /** True where the table implies the only peer is the manager itself (the flow should never cross the wire). */
  sameHostOnly: boolean;
  /** Why `sameHostOnly` holds, quoting the seed; null when `sameHostOnly` is false. */
  sameHostBasis: string | null;
  /** True where the table notes the initiating side also uses ephemeral (non-fixed) source ports. */
  ephemeralInitiatorPorts: boolean;
  /** Further facts from the seed worth keeping. */
  notes: readonly string[];
}

/** CatalogueError: the catalogue JSON is inconsistent; `where` names the entry (index and id). */
export class CatalogueError extends Error {
  readonly code = 'catalogue_invalid';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`sep-ports.json ${where}: ${message}`);
    this.name = 'CatalogueError';
  }
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** catalogue: every entry of `sep-ports.json` (validated by the build, see above), deep-frozen, in file order. */
export const catalogue: readonly CatalogueEntry[] = deepFreeze(structuredClone(data) as unknown as CatalogueEntry[]);

const byId: ReadonlyMap<string, CatalogueEntry> = new Map(catalogue.map((e) => [e.id, e]));

/** entryById: the entry with that id, or undefined. */
export function entryById(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}

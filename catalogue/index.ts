/**
 * catalogue: the SEP port catalogue, loaded from `sep-ports.json` and validated at import time.
 *
 * Source: the vendor's port table in Polish (`../shared/seeds/000_d354acc20ebd998e.txt`, the authority)
 * and its English restatement (`../shared/reference/sep-ports.md`). `README.md` beside this file traces
 * every entry to its seed row. Port numbers live only in the JSON; nothing here hard-codes one.
 *
 * Importing this module throws a `CatalogueError` if the JSON is inconsistent, so a bad edit fails at
 * start-up (and in `test/catalogue`) rather than misclassifying traffic later.
 */
import { z } from 'zod';
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

const VERSION_RE = /^\d+(\.\d+)*(\.x)?$/;
const ROLE_SET: ReadonlySet<string> = new Set(ROLE_IDS);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const nonEmpty = (what: string) => z.string({ error: `${what} is empty or not a string` }).trim().min(1, `${what} is empty or not a string`);
const role = (what: string) =>
  z.string().refine((r) => ROLE_SET.has(r), { error: (iss) => `unknown ${what} role ${JSON.stringify(iss.input)} (roles: ${ROLE_IDS.join(', ')})` });
const version = (k: string) => {
  const error = (iss: { input?: unknown }) => `versions.${k} ${JSON.stringify(iss.input)} is not null or a version like "14.0.1"`;
  return z.string({ error }).regex(VERSION_RE, { error }).nullable();
};

/** The shape of one entry, checked with zod; cross-field rules follow in `checkEntry`. */
const entrySchema = z.strictObject(
  {
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'id is not a kebab-case string'),
    seedRow: z.number().int().min(1).max(SEED_ROWS, `seedRow is not an integer in 1..${SEED_ROWS}`),
    transport: z.enum(['tcp', 'udp'], 'transport is not "tcp" or "udp"'),
    ports: z
      .array(z.number().int().min(1).max(65535))
      .min(1, 'ports is empty or not an array')
      .refine((ps) => new Set(ps).size === ps.length, 'ports has duplicates'),
    tls: z.boolean().nullable(),
    purpose: nonEmpty('purpose'),
    purposeSeed: nonEmpty('purposeSeed'),
    listeningProcess: nonEmpty('listeningProcess'),
    initiators: z
      .array(role('initiator'))
      .min(1, 'initiators is empty or not an array')
      .refine((xs) => new Set(xs).size === xs.length, 'initiators has duplicates'),
    responder: role('responder'),
    configurable: z.boolean().nullable(),
    versions: z.strictObject({ from: version('from'), until: version('until'), text: nonEmpty('versions.text') }),
    localhostOnly: z.boolean(),
    sameHostOnly: z.boolean(),
    sameHostBasis: z.string().min(1).nullable(),
    ephemeralInitiatorPorts: z.boolean(),
    notes: z.array(z.string().min(1)),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field "${iss.keys[0]}"` : undefined) },
);

function checkEntry(raw: unknown, where: string): CatalogueEntry {
  const fail = (msg: string): never => {
    throw new CatalogueError(msg, where);
  };
  if (!isObject(raw)) return fail('entry is not an object');
  const r = entrySchema.safeParse(raw);
  if (!r.success) {
    const iss = r.error.issues[0];
    const path = iss.path.join('.');
    const ports = (raw as { ports?: unknown }).ports;
    const msg =
      iss.code === 'invalid_type' && iss.input === undefined
        ? `missing field "${path}"`
        : iss.path[0] === 'ports' && iss.path.length === 2 && Array.isArray(ports)
          ? `port ${JSON.stringify(ports[iss.path[1] as number])} is not an integer in 1..65535`
          : iss.message;
    return fail(path && !msg.includes(path.split('.')[0]) ? `${path}: ${msg}` : msg);
  }
  const e = r.data;
  if (e.localhostOnly && !e.sameHostOnly) fail('localhostOnly is true but sameHostOnly is false');
  if (e.sameHostOnly && !e.sameHostBasis) fail('sameHostOnly is true but sameHostBasis is empty');
  if (!e.sameHostOnly && e.sameHostBasis !== null) fail('sameHostOnly is false but sameHostBasis is not null');
  return e as unknown as CatalogueEntry;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * validateCatalogue: check parsed catalogue JSON and return it typed (a deep-frozen copy).
 *
 * Throws `CatalogueError` on: a non-array, a missing/unknown/mistyped field, an unknown role, a
 * duplicate id, empty or out-of-range ports, a bad version string, inconsistent same-host flags, or a
 * seed row 1..SEED_ROWS with no entry.
 */
export function validateCatalogue(raw: unknown): readonly CatalogueEntry[] {
  if (!Array.isArray(raw)) throw new CatalogueError('top level is not an array', '(root)');
  const copy = structuredClone(raw) as unknown[];
  const seen = new Map<string, number>();
  const entries = copy.map((item, i) => {
    const id = isObject(item) && typeof item.id === 'string' ? item.id : '?';
    const entry = checkEntry(item, `entry #${i} (${id})`);
    const prev = seen.get(entry.id);
    if (prev !== undefined) throw new CatalogueError(`duplicate id "${entry.id}" (also entry #${prev})`, `entry #${i} (${id})`);
    seen.set(entry.id, i);
    return entry;
  });
  const rows = new Set(entries.map((e) => e.seedRow));
  for (let r = 1; r <= SEED_ROWS; r++) {
    if (!rows.has(r)) throw new CatalogueError(`seed row ${r} has no entry`, '(root)');
  }
  return deepFreeze(entries);
}

/** catalogue: every entry of `sep-ports.json`, validated at load, deep-frozen, in file order. */
export const catalogue: readonly CatalogueEntry[] = validateCatalogue(data);

const byId: ReadonlyMap<string, CatalogueEntry> = new Map(catalogue.map((e) => [e.id, e]));

/** entryById: the entry with that id, or undefined. */
export function entryById(id: string): CatalogueEntry | undefined {
  return byId.get(id);
}

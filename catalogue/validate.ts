/**
 * validateCatalogue: the catalogue JSON checked against its schema (zod) and the cross-field rules. Run by the
 * build (`catalogue/check.ts`) and by `test/catalogue`; see index.ts for why not at every start.
 */
import { z } from 'zod';
import { CatalogueError, ROLES, SEED_ROWS, type CatalogueEntry } from './index.js';

const ROLE_IDS = ROLES;
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

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

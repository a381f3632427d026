/**
 * Site profile: what a site declares about its SEP estate (`--site site.yaml`).
 *
 * ```yaml
 * sep_version: "14.3 RU8"        # the manager's version; quote it (14.10 as a YAML number would be 14.1)
 * roles:                         # role id -> addresses or CIDRs (catalogue/index.ts ROLES)
 *   sepm: [10.10.0.10]
 *   client: [10.10.1.0/24]
 * ports:                         # catalogue id -> port or ports, for configurable services
 *   client-http: 8014
 * policy:
 *   client_transport: both       # http | https | both
 * ```
 *
 * Parsed with `yaml` (keeping node positions) and validated with `zod`; every error names the file, the
 * line and the key, and suggests the valid values. Pure data once loaded; address matching by ipaddr.js.
 */
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { catalogue, ROLES, type Role } from '../../catalogue/index.js';
import { parseSepVersion, type SepVersion } from './version.js';

/** A declared address or network. */
export interface AddressSpec {
  /** as written in the profile */
  text: string;
  /** parsed network (a single address is a /32 or /128) */
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/** The client transport policy: which SEPM client ports clients are expected to use. */
export type ClientTransport = 'http' | 'https' | 'both';

/** A loaded, validated site profile. */
export interface SiteProfile {
  /** path of the YAML file, or null for the empty profile (no --site) */
  file: string | null;
  /** sep_version as written, or null when not declared */
  sepVersionText: string | null;
  sepVersion: SepVersion | null;
  /** declared roles: role -> address specs */
  roles: ReadonlyMap<Role, readonly AddressSpec[]>;
  /** port overrides by catalogue id (replace the catalogue's default ports) */
  ports: Readonly<Record<string, readonly number[]>>;
  policy: { clientTransport: ClientTransport };
}

/** The profile used when no --site is given: nothing declared, client transport "both". */
export const EMPTY_PROFILE: SiteProfile = {
  file: null,
  sepVersionText: null,
  sepVersion: null,
  roles: new Map(),
  ports: {},
  policy: { clientTransport: 'both' },
};

/**
 * A site profile that cannot be used. `line` is 1-based (0 when the problem is the file itself);
 * `key` is the dotted path of the offending key (e.g. `roles.sepm[1]`).
 */
export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${detail}`);
    this.name = 'ProfileError';
  }
}

const CATALOGUE_IDS = catalogue.map((e) => e.id);

function isAddressOrCidr(s: string): boolean {
  return s.includes('/') ? ipaddr.isValidCIDR(s) : ipaddr.isValid(s);
}

const port = z.number().int().min(1).max(65535);
const addressList = z
  .array(z.string().refine(isAddressOrCidr, { message: 'not an IP address or CIDR (e.g. 10.1.2.3, 10.1.2.0/24, 2001:db8::/32)' }))
  .or(z.string().refine(isAddressOrCidr, { message: 'not an IP address or CIDR (e.g. 10.1.2.3, 10.1.2.0/24, 2001:db8::/32)' }).transform((s) => [s]));

const schema = z
  .object({
    sep_version: z
      .union([z.string(), z.number()])
      .transform((v) => String(v))
      .refine((v) => parseSepVersion(v) !== null, { message: 'not a SEP version; write e.g. "12.1.6", "14.2" or "14.3 RU8" (quoted)' })
      .optional(),
    roles: z
      .partialRecord(
        z.enum(ROLES as unknown as [Role, ...Role[]], { message: `unknown role; valid roles: ${ROLES.join(', ')}` }),
        addressList,
      )
      .optional(),
    ports: z
      .partialRecord(
        z.enum(CATALOGUE_IDS as [string, ...string[]], { message: `unknown catalogue id; valid ids: ${CATALOGUE_IDS.join(', ')}` }),
        z.union([port.transform((p) => [p]), z.array(port).nonempty()]),
      )
      .optional(),
    policy: z
      .object({
        client_transport: z.enum(['http', 'https', 'both'], { message: 'valid values: http, https, both' }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

function keyOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/**
 * Loads and validates a site profile.
 * @param file path to a YAML file
 * @throws ProfileError naming the file, line and key (also for an unreadable file or invalid YAML)
 */
export function loadProfile(file: string): SiteProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    throw new ProfileError(file, 0, '', `cannot read the site profile: ${why}`);
  }
  return parseProfile(text, file);
}

/**
 * Parses and validates site-profile text.
 * @param text YAML text
 * @param file name used in error messages
 * @throws ProfileError
 */
export function parseProfile(text: string, file: string): SiteProfile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new ProfileError(file, line, '', `invalid YAML: ${err.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() ?? {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let path = issue.path as PropertyKey[];
    // for an unknown key (unrecognized_keys), point at that key
    let detail = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const k = (issue as { keys: string[] }).keys[0];
      path = [...path, k];
      const what = ({ roles: 'role', ports: 'catalogue id', policy: 'policy key' } as Record<string, string>)[String(issue.path[0])] ?? 'key';
      detail = `unknown ${what}; valid: ${validKeysAt(issue.path as PropertyKey[]).join(', ')}`;
    } else if (issue.code === 'invalid_key') {
      detail = issue.message;
    }
    const line = lineOf(doc, lineCounter, path);
    throw new ProfileError(file, line, keyOf(path), detail);
  }
  const p = parsed.data;
  const roles = new Map<Role, AddressSpec[]>();
  for (const [role, list] of Object.entries(p.roles ?? {}) as [Role, string[]][]) {
    roles.set(
      role,
      list.map((t) => ({ text: t, range: t.includes('/') ? ipaddr.parseCIDR(t) : hostRange(t) })),
    );
  }
  return {
    file,
    sepVersionText: p.sep_version ?? null,
    sepVersion: p.sep_version ? parseSepVersion(p.sep_version) : null,
    roles,
    ports: (p.ports ?? {}) as Record<string, number[]>,
    policy: { clientTransport: p.policy?.client_transport ?? 'both' },
  };
}

function hostRange(t: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const a = ipaddr.parse(t);
  return [a, a.kind() === 'ipv4' ? 32 : 128];
}

function validKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return ['sep_version', 'roles', 'ports', 'policy'];
  if (path[0] === 'policy') return ['client_transport'];
  if (path[0] === 'roles') return [...ROLES];
  if (path[0] === 'ports') return CATALOGUE_IDS;
  return [];
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: readonly PropertyKey[]): number {
  // walk as deep as the path exists; for a map key, point at the key itself
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lc.linePos(offset).line;
}

/**
 * Declared roles of an address.
 * @param address textual IPv4/IPv6 address (as in reports)
 * @returns roles whose address specs contain it (empty when undeclared)
 */
export function declaredRoles(profile: SiteProfile, address: string): Role[] {
  if (profile.roles.size === 0) return [];
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.parse(address);
  } catch {
    return [];
  }
  const out: Role[] = [];
  for (const [role, specs] of profile.roles) {
    for (const s of specs) {
      if (s.range[0].kind() === a.kind() && a.match(s.range as [ipaddr.IPv4, number])) {
        out.push(role);
        break;
      }
    }
  }
  return out;
}

/** Single addresses (not networks) declared for a role, e.g. to check that a declared host was seen. */
export function declaredHosts(profile: SiteProfile, role: Role): string[] {
  const specs = profile.roles.get(role) ?? [];
  return specs.filter((s) => s.range[1] === (s.range[0].kind() === 'ipv4' ? 32 : 128)).map((s) => s.range[0].toString());
}

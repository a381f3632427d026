/**
 * Site profile: what a site declares about its SEP estate (`--site site.yaml`).
 *
 * ```yaml
 * sep_version: "14.3 RU8"        # the managers' version; quote it (14.10 as a YAML number would be 14.1)
 * roles:                         # role id -> addresses, CIDRs or host names (names as the capture resolves them)
 *   sepm: [10.10.0.10]
 *   replication_partner: [10.10.0.10, 10.20.0.10]   # managers that replicate with each other (they are managers too)
 *   client: [10.10.1.0/24]
 * ports:                         # catalogue id -> port or ports, for services the vendor table calls configurable
 *   client-http: 8014
 * policy:
 *   client_transport: both       # http | https | both
 *   push_deployment: false       # a push deployment is under way in this capture's window
 *   syslog_required: false       # managers must forward logs to the declared syslog servers
 *   heartbeat: 5m                # client heartbeat interval: seconds, or "90s", "5m", "1h" (default 5m)
 *   gup_client_prefix: 24        # clients in a GUP's /24 (IPv6: /64 unless set) are expected to use it
 *   ignore:
 *     ports: [53, 123]           # responder ports whose flows no rule looks at
 *     hosts: [10.10.9.0/24]      # hosts whose flows no rule looks at
 * ```
 *
 * Parsed with `yaml` (keeping node positions) and validated with `zod`; every error names the file, the
 * line and the key, and suggests the valid values. Pure data once loaded; address matching by ipaddr.js.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ipaddr from 'ipaddr.js';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';
import { catalogue, ROLES, type Role } from '../../catalogue/index.js';
import { parseSepVersion, type SepVersion } from './version.js';

/** A declared address, network or host name. */
export interface AddressSpec {
  /** as written in the profile */
  text: string;
  /** parsed network (a single address is a /32 or /128); null for a host name */
  range: [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
  /** lower-cased host name when the entry is a name, else null */
  name: string | null;
}

/** The client transport policy: which SEPM client ports clients are expected to use. */
export type ClientTransport = 'http' | 'https' | 'both';

/** Profile-only role: managers that replicate with each other (implies `sepm`). */
export const REPLICATION_PARTNER = 'replication_partner';
/** Keys accepted under `roles:` — the catalogue's roles plus `replication_partner`. */
export const PROFILE_ROLE_KEYS: readonly string[] = [...ROLES, REPLICATION_PARTNER];

export interface SitePolicy {
  clientTransport: ClientTransport;
  /** a push deployment is under way: managers are expected to reach clients on the push ports */
  pushDeployment: boolean;
  /** managers must forward logs to every declared syslog server (UDP 514) */
  syslogRequired: boolean;
  /** client heartbeat interval in seconds (vendor knowledge base: 5 minutes by default) */
  heartbeatSeconds: number;
  /** prefix length of a GUP's client subnet (IPv4; IPv6 uses 64) */
  gupClientPrefix: number;
  /** responder ports no rule looks at */
  ignorePorts: readonly number[];
  /** hosts/networks no rule looks at */
  ignoreHosts: readonly AddressSpec[];
}

/** A loaded, validated site profile. */
export interface SiteProfile {
  /** path of the YAML file, or null for the empty profile (no --site) */
  file: string | null;
  /** sep_version as written, or null when not declared */
  sepVersionText: string | null;
  sepVersion: SepVersion | null;
  /** declared roles: role -> specs (replication partners are listed under `sepm` too) */
  roles: ReadonlyMap<Role, readonly AddressSpec[]>;
  /** managers declared as replication partners */
  replicationPartners: readonly AddressSpec[];
  /** port overrides by catalogue id (replace the catalogue's default ports) */
  ports: Readonly<Record<string, readonly number[]>>;
  policy: SitePolicy;
}

const DEFAULT_POLICY: SitePolicy = {
  clientTransport: 'both',
  pushDeployment: false,
  syslogRequired: false,
  heartbeatSeconds: 300,
  gupClientPrefix: 24,
  ignorePorts: [],
  ignoreHosts: [],
};

/** The profile used when no --site is given: nothing declared, default policy. */
export const EMPTY_PROFILE: SiteProfile = {
  file: null,
  sepVersionText: null,
  sepVersion: null,
  roles: new Map(),
  replicationPartners: [],
  ports: {},
  policy: DEFAULT_POLICY,
};

/**
 * A site profile that cannot be used. `line` is 1-based (0 when the problem is the file itself);
 * `key` is the dotted path of the offending key (e.g. `roles.sepm[1]`).
 */
export class ProfileError extends Error {
  readonly code = 'site_profile_invalid';
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
const CONFIGURABLE_IDS = catalogue.filter((e) => e.configurable !== false).map((e) => e.id);

/** RFC 1123 host name (labels of letters, digits and hyphens), as a capture's name resolution gives it. */
const HOST_NAME_RE = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function isAddressCidrOrName(s: string): boolean {
  if (s.includes('/')) return ipaddr.isValidCIDR(s);
  if (ipaddr.isValid(s)) return true;
  // "10.0.0.300" looks like an address, not a name: reject it rather than take it as a name
  return HOST_NAME_RE.test(s) && !/^[\d.]+$/.test(s);
}

type YamlNode = Yaml.Node;

const requireCjs = createRequire(import.meta.url);
let libs: { yaml: typeof Yaml; z: typeof Zod.z } | null = null;

/**
 * The YAML parser and the schema library, loaded on first use (synchronously, through their CommonJS builds):
 * a run without a site profile never pays their start-up time (~60 ms) and memory (~20 MB).
 */
function lib(): { yaml: typeof Yaml; z: typeof Zod.z } {
  return (libs ??= { yaml: requireCjs('yaml') as typeof Yaml, z: (requireCjs('zod') as typeof Zod).z });
}

/** "5m", "90s", "1h", or a number of seconds. */
function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return v > 0 ? v : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return n > 0 ? n : null;
}

const ADDRESS_HINT = 'not an IP address, CIDR or host name (e.g. 10.1.2.3, 10.1.2.0/24, 2001:db8::/32, sepm01.corp.example)';

let cachedSchema: ReturnType<typeof makeSchema> | null = null;

/** The profile's zod schema (built once, on first use). */
function profileSchema(): ReturnType<typeof makeSchema> {
  return (cachedSchema ??= makeSchema());
}

function makeSchema() {
  const { z } = lib();
  const addressEntry = z.string({ error: 'expected a string' }).refine(isAddressCidrOrName, { message: ADDRESS_HINT });
  const addressList = z.array(addressEntry).or(addressEntry.transform((s) => [s]));

  const port = z.number({ error: 'expected a port number 1..65535' }).int().min(1).max(65535);

  return z.strictObject({
  sep_version: z
    .union([z.string(), z.number()], { error: 'expected a version string such as "14.3 RU8"' })
    .transform((v) => String(v))
    .refine((v) => parseSepVersion(v) !== null, { message: 'not a SEP version; write e.g. "12.1.6", "14.2" or "14.3 RU8" (quoted)' })
    .optional(),
  roles: z
    .partialRecord(z.enum(PROFILE_ROLE_KEYS as [string, ...string[]], { message: `unknown role; valid: ${PROFILE_ROLE_KEYS.join(', ')}` }), addressList)
    .optional(),
  ports: z
    .partialRecord(
      z.enum(CATALOGUE_IDS as [string, ...string[]], { message: `unknown catalogue id; valid: ${CATALOGUE_IDS.join(', ')}` }),
      z.union([port.transform((p) => [p]), z.array(port).nonempty()], { error: 'expected a port number 1..65535 or a list of them' }),
    )
    .optional(),
  policy: z
    .strictObject({
      client_transport: z.enum(['http', 'https', 'both'], { message: 'valid values: http, https, both' }).optional(),
      push_deployment: z.boolean({ error: 'expected true or false' }).optional(),
      syslog_required: z.boolean({ error: 'expected true or false' }).optional(),
      heartbeat: z
        .union([z.string(), z.number()])
        .refine((v) => parseDuration(v) !== null, { message: 'not a duration; write seconds (300) or "90s", "5m", "1h"' })
        .optional(),
      gup_client_prefix: z.number({ error: 'expected a prefix length 8..32' }).int().min(8).max(32).optional(),
      ignore: z
        .strictObject({
          ports: z.array(port).optional(),
          hosts: addressList.optional(),
        })
        .optional(),
    })
    .optional(),
});
}

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

function spec(t: string): AddressSpec {
  if (t.includes('/')) return { text: t, range: ipaddr.parseCIDR(t), name: null };
  if (ipaddr.isValid(t)) {
    const a = ipaddr.parse(t);
    return { text: t, range: [a, a.kind() === 'ipv4' ? 32 : 128], name: null };
  }
  return { text: t, range: null, name: t.toLowerCase() };
}

/**
 * Parses and validates site-profile text.
 * @param text YAML text
 * @param file name used in error messages
 * @throws ProfileError
 */
export function parseProfile(text: string, file: string): SiteProfile {
  const { LineCounter, parseDocument } = lib().yaml;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
    throw new ProfileError(file, line, '', `invalid YAML: ${err.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ProfileError(file, 1, '', 'a site profile is a mapping with keys sep_version, roles, ports, policy');
  }
  const parsed = profileSchema().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let path = issue.path as PropertyKey[];
    let detail = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const k = (issue as { keys: string[] }).keys[0];
      path = [...path, k];
      const valid = validKeysAt(issue.path as PropertyKey[]);
      const close = closest(k, valid);
      detail = `unknown key${close ? ` (did you mean ${close}?)` : ''}; valid: ${valid.join(', ')}`;
    } else if (issue.code === 'invalid_key' || (issue.code === 'invalid_value' && path.length === 2 && (path[0] === 'roles' || path[0] === 'ports'))) {
      const valid = path[0] === 'roles' ? PROFILE_ROLE_KEYS : CATALOGUE_IDS;
      const close = closest(String(path[path.length - 1]), valid);
      if (close) detail = `${detail.split(';')[0]} (did you mean ${close}?); valid: ${valid.join(', ')}`;
    }
    throw new ProfileError(file, lineOf(doc, lineCounter, path), keyOf(path), detail);
  }
  const p = parsed.data;
  // a fixed service (vendor table: "cannot be configured") cannot be moved
  for (const id of Object.keys(p.ports ?? {})) {
    if (!CONFIGURABLE_IDS.includes(id)) {
      const row = catalogue.find((e) => e.id === id)!.seedRow;
      throw new ProfileError(file, lineOf(doc, lineCounter, ['ports', id]), `ports.${id}`, `the vendor table (row ${row}) says this service cannot be configured; configurable ids: ${CONFIGURABLE_IDS.join(', ')}`);
    }
  }
  const roles = new Map<Role, AddressSpec[]>();
  const partners = (p.roles?.[REPLICATION_PARTNER] ?? []).map(spec);
  for (const [key, list] of Object.entries(p.roles ?? {}) as [string, string[]][]) {
    if (key === REPLICATION_PARTNER) continue;
    roles.set(key as Role, list.map(spec));
  }
  if (partners.length) roles.set('sepm', [...(roles.get('sepm') ?? []), ...partners.filter((s) => !(roles.get('sepm') ?? []).some((x) => x.text === s.text))]);
  const pol = p.policy ?? {};
  return {
    file,
    sepVersionText: p.sep_version ?? null,
    sepVersion: p.sep_version ? parseSepVersion(p.sep_version) : null,
    roles,
    replicationPartners: partners,
    ports: (p.ports ?? {}) as Record<string, number[]>,
    policy: {
      clientTransport: pol.client_transport ?? DEFAULT_POLICY.clientTransport,
      pushDeployment: pol.push_deployment ?? DEFAULT_POLICY.pushDeployment,
      syslogRequired: pol.syslog_required ?? DEFAULT_POLICY.syslogRequired,
      heartbeatSeconds: pol.heartbeat !== undefined ? parseDuration(pol.heartbeat)! : DEFAULT_POLICY.heartbeatSeconds,
      gupClientPrefix: pol.gup_client_prefix ?? DEFAULT_POLICY.gupClientPrefix,
      ignorePorts: pol.ignore?.ports ?? [],
      ignoreHosts: (pol.ignore?.hosts ?? []).map(spec),
    },
  };
}

/** Levenshtein distance ≤ 2 suggestion (for typos such as `sepn` or `client_transprot`). */
function closest(word: string, valid: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const v of valid) {
    const d = distance(word.toLowerCase(), v.toLowerCase());
    if (d < bestD) { bestD = d; best = v; }
  }
  return best;
}
function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

function validKeysAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return ['sep_version', 'roles', 'ports', 'policy'];
  if (path[0] === 'policy' && path[1] === 'ignore') return ['ports', 'hosts'];
  if (path[0] === 'policy') return ['client_transport', 'push_deployment', 'syslog_required', 'heartbeat', 'gup_client_prefix', 'ignore'];
  if (path[0] === 'roles') return [...PROFILE_ROLE_KEYS];
  if (path[0] === 'ports') return CATALOGUE_IDS;
  return [];
}

function lineOf(doc: ReturnType<typeof Yaml.parseDocument>, lc: Yaml.LineCounter, path: readonly PropertyKey[]): number {
  const { isMap, isSeq } = lib().yaml;
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

function parseAddr(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    const a = ipaddr.parse(address);
    return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
  } catch {
    return null;
  }
}

/**
 * Does a spec cover this host?
 * @param address textual IPv4/IPv6 address
 * @param name the host's name from the capture (e.g. a pcapng NRB), or null
 */
export function specMatches(s: AddressSpec, address: string, name: string | null = null): boolean {
  return hostMatcher(address, name)(s);
}

/**
 * specMatches for one host and many specs: the address is parsed once, on the first spec that needs it.
 * @param address textual IPv4/IPv6 address
 * @param name the host's name from the capture, or null
 */
export function hostMatcher(address: string, name: string | null = null): (s: AddressSpec) => boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6 | null | undefined;
  return (s) => {
    if (s.name !== null) return name !== null && name.toLowerCase() === s.name;
    if (a === undefined) a = parseAddr(address);
    if (!a || !s.range || s.range[0].kind() !== a.kind()) return false;
    return a.match(s.range as [ipaddr.IPv4, number]);
  };
}

/**
 * Declared roles of a host.
 * @param address textual IPv4/IPv6 address (as in reports)
 * @param name host name from the capture, if any (profile entries may name hosts)
 * @returns roles whose specs cover it (empty when undeclared)
 */
export function declaredRoles(profile: SiteProfile, address: string, name: string | null = null): Role[] {
  if (profile.roles.size === 0) return [];
  const out: Role[] = [];
  const matches = hostMatcher(address, name);
  for (const [role, specs] of profile.roles) {
    if (specs.some(matches)) out.push(role);
  }
  return out;
}

/** Single addresses (not networks or names) declared for a role, e.g. to check that a declared host was seen. */
export function declaredHosts(profile: SiteProfile, role: Role): string[] {
  const specs = profile.roles.get(role) ?? [];
  return specs.filter((s) => s.range !== null && s.range[1] === (s.range[0].kind() === 'ipv4' ? 32 : 128)).map((s) => s.range![0].toString());
}

/** Is this host a declared replication partner? */
export function isReplicationPartner(profile: SiteProfile, address: string, name: string | null = null): boolean {
  return profile.replicationPartners.length > 0 && profile.replicationPartners.some(hostMatcher(address, name));
}

/** Does the policy tell the rules to ignore this flow (by responder port or either host)? */
export function isIgnored(profile: SiteProfile, respPort: number, origH: string, respH: string): boolean {
  const pol = profile.policy;
  if (pol.ignorePorts.includes(respPort)) return true;
  if (pol.ignoreHosts.length === 0) return false;
  const o = hostMatcher(origH);
  const r = hostMatcher(respH);
  return pol.ignoreHosts.some((s) => o(s) || r(s));
}

/** The declared networks (CIDRs, and single addresses) of a role, as written. */
export function declaredSpecs(profile: SiteProfile, role: Role): readonly AddressSpec[] {
  return profile.roles.get(role) ?? [];
}

import { z } from 'zod';
import { AUTH_MODES, ROLES } from '../strategies/types.js';
import { isDuration } from './duration.js';
import { isCidr } from './network.js';
import { isDomainPattern, isHostname } from './hostname.js';

/**
 * The single source of truth for config.json. Every type the code uses for
 * settings is inferred from here; checks live here and nowhere else.
 */

export const CONFIG_VERSION = 1;

export const POLICIES = ['bypass', 'deny', 'one_factor', 'two_factor'] as const;
export type Policy = (typeof POLICIES)[number];

const Duration = z.string().refine(isDuration, 'must be a duration like 90s, 10m, 24h or 30d');
const Cidr = z.string().refine(isCidr, 'must be an IP address or CIDR range like 10.0.0.0/8');
const Hostname = z.string().refine(isHostname, 'must be a lower-case host name without port, e.g. example.com');
const DomainPattern = z.string().refine(isDomainPattern, 'must be a host name or *.wildcard, e.g. *.example.com');
const HttpUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');
const Method = z.string().regex(/^[A-Z]{1,16}$/, 'must be an upper-case HTTP method such as GET');

function isValidRulePath(value: string): boolean {
  if (value.startsWith('^')) {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  }
  return value.startsWith('/');
}

const Subject = z
  .string()
  .regex(/^(user|group):.+$|^role:(viewer|editor|admin)$/, 'must be user:<name>, group:<name> or role:viewer|editor|admin');

export const RuleSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  domain: z.union([DomainPattern, z.array(DomainPattern).min(1)]),
  path: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .refine(
      (value) => value === undefined || (Array.isArray(value) ? value : [value]).every(isValidRulePath),
      'a path is a prefix starting with / or an anchored regex starting with ^',
    ),
  // HEAD is judged as GET, so a HEAD-only rule could never match: list GET instead.
  methods: z.array(Method.refine((m) => m !== 'HEAD', 'HEAD is judged as GET: use GET')).min(1).optional(),
  networks: z.array(Cidr).min(1).optional(),
  subject: z.array(Subject).min(1).optional(),
  policy: z.enum(POLICIES),
  /** When set, replaces the default role matrix for requests this rule matches. */
  minRole: z.enum(ROLES).optional(),
});
export type Rule = z.infer<typeof RuleSchema>;

const SessionSchema = z.strictObject({
  cookieDomain: Hostname.optional(),
  ttl: Duration.default('24h'),
  idle: Duration.default('2h'),
});

const RegulationSchema = z.strictObject({
  maxRetries: z.number().int().min(1).max(100).default(5),
  findTime: Duration.default('10m'),
  banTime: Duration.default('15m'),
});

const SecuritySchema = z.strictObject({
  requireTfaForAdmin: z.boolean().default(false),
  stepUpWindow: Duration.default('10m'),
  /** How long a mode switch waits for confirmation before rolling back. */
  switchConfirmWindow: Duration.default('5m'),
  regulation: RegulationSchema.prefault({}),
  /** Networks allowed to change settings while in open mode. */
  openModeAdminNetworks: z.array(Cidr).optional(),
  // bcrypt cost: 12 is the floor a stolen users.json must cost an attacker; 15 keeps a login under a few seconds.
  bcryptCost: z.number().int().min(12).max(15).default(12),
});

/** audit.log rotation: past `maxBytes` the file becomes audit.log.1 (older ones shift up), and `keep` rotated files are kept. */
const AuditSchema = z.strictObject({
  maxBytes: z
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KiB)')
    .default(10 * 1024 * 1024),
  keep: z.number().int().min(1).max(100).default(5),
});

const TokenSchema = z.strictObject({
  /** sha256 hex of the instance token; the token itself is never stored. */
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest (use `gatehouse token rotate`)'),
  createdAt: z.string().optional(),
});

const OAuth2Schema = z.strictObject({
  // openid-client refuses plain http; only a loopback issuer (tests, local dev) may use it.
  issuerUrl: HttpUrl.refine((value) => {
    if (!URL.canParse(value)) return true; // HttpUrl already said so
    const url = new URL(value);
    return url.protocol === 'https:' || /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
  }, 'must be https (plain http only for a loopback issuer such as http://127.0.0.1:8080)'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
  adminGroupClaim: z.string().min(1).default('groups'),
  adminGroupValues: z.array(z.string()).default([]),
  editorGroupValues: z.array(z.string()).default([]),
  fallbackRole: z.enum([...ROLES, 'deny']).default('viewer'),
  allowLocalAdmins: z.boolean().default(true),
});

const PasskeysSchema = z.strictObject({
  rpId: Hostname.optional(),
  rpName: z.string().min(1).default('Gatehouse'),
  origins: z.array(HttpUrl).optional(),
});

/** One app Gatehouse serves itself when no proxy is in front (GATEHOUSE_PROXY_PORT). */
const ProxyAppSchema = z.strictObject({
  /** The public host name the app is reached at; must lie inside `domains`. */
  host: Hostname,
  /** Where the app listens, e.g. http://127.0.0.1:3000 (no path, query or credentials). */
  upstream: HttpUrl.refine((value) => {
    if (!URL.canParse(value)) return true; // HttpUrl already said so
    const url = new URL(value);
    return url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  }, 'must be an origin such as http://127.0.0.1:3000, without path, query or credentials'),
});

const ProxySchema = z.strictObject({
  apps: z
    .array(ProxyAppSchema)
    .max(100)
    .refine((apps) => new Set(apps.map((a) => a.host)).size === apps.length, 'each host may appear only once')
    .default([]),
});

export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7'];

const BaseSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION),
  /** Protected domains: a forwarded host must equal or be a subdomain of one. */
  domains: z.array(Hostname).default([]),
  portalUrl: HttpUrl.optional(),
  trustedProxies: z.array(Cidr).default(DEFAULT_TRUSTED_PROXIES),
  /** Accept X-Forwarded-Proto http (LAN-only setups). Off by default. */
  allowHttp: z.boolean().default(false),
  session: SessionSchema.prefault({}),
  defaultPolicy: z.enum(POLICIES).default('one_factor'),
  rules: z.array(RuleSchema).default([]),
  token: TokenSchema.optional(),
  oauth2: OAuth2Schema.optional(),
  security: SecuritySchema.prefault({}),
  passkeys: PasskeysSchema.prefault({}),
  audit: AuditSchema.prefault({}),
  /** Proxy mode: apps Gatehouse forwards to itself, on GATEHOUSE_PROXY_PORT. */
  proxy: ProxySchema.prefault({}),
  /** /metrics (Prometheus text): who may scrape it, by the client's address (X-Forwarded-For only from trustedProxies). */
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      networks: z.array(Cidr).default(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '::1/128', 'fc00::/7']),
    })
    .prefault({}),
});

/** `mode` discriminates: an oauth2 config without its provider settings fails to parse. */
export const ConfigSchema = z.discriminatedUnion('mode', [
  BaseSchema.extend({ mode: z.literal('open') }),
  BaseSchema.extend({ mode: z.literal('token') }),
  BaseSchema.extend({ mode: z.literal('userPassword') }),
  BaseSchema.extend({ mode: z.literal('oauth2'), oauth2: OAuth2Schema }),
]);

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type OAuth2Config = z.infer<typeof OAuth2Schema>;

// Compile-time guard: the schema's modes are exactly the strategies' modes.
type SchemaModes = Config['mode'];
const _modesMatch: [SchemaModes] extends [(typeof AUTH_MODES)[number]] ? ((typeof AUTH_MODES)[number] extends SchemaModes ? true : never) : never = true;
void _modesMatch;

/** One line per problem: `field.path: reason`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

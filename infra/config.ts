// Every setting comes from the environment, validated once at start-up. README.md lists them.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { durationMs } from '../domain/timeline';
import { loadEmailConfig } from '../emails';
import { DEFAULT_LINK_GRACE } from './links';

export const ROLES = ['business_unit', 'manager', 'lis'] as const;
export type Role = (typeof ROLES)[number];

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');
/** true/false, undefined when unset (or empty), so that a default can depend on other settings. */
const maybeFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v === 'true' || v === '1'));
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** A value that may be left empty in .env (`NAME=`): empty is the same as unset. */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const envSchema = z.object({
  PORT: port(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('deep-dive'),
  TEMPORAL_TLS: maybeFlag,
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_API_KEY: optionalText,
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Deep Dive <deep-dive@localhost>'),
  BUSINESS_UNIT_EMAIL: z.email().optional(),
  PARTNERSHIP_MANAGER_EMAIL: z.email().optional(),
  LIS_EMAIL: z.email().optional(),
  LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  LINK_GRACE: z
    .string()
    .default(DEFAULT_LINK_GRACE)
    .refine(
      (v) => /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/.test(v),
      'an ISO-8601 duration in days and hours, like P2D',
    ),
  RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  API_KEYS: z.string().optional(),
  ALLOW_COMPRESSED_TIMELINES: flag,
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_DATABASE_PORT: port(5433),
  EMBEDDED_SMTP_PORT: port(2525),
  EMBEDDED_TEMPORAL_PORT: port(7233),
  EMBEDDED_TEMPORAL_UI_PORT: port(8233),
  EMBEDDED_OIDC_PORT: port(3001),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  OIDC_REDIRECT_URL: z.url().optional(),
  DEV_STAFF_PASSWORD: optionalText,
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().trim().min(1).default('loopback'),
  RATE_LIMIT_PER_LINK: z.coerce.number().int().min(1).default(60),
  RATE_LIMIT_PER_STAFF: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(3000),
  METRICS_ENABLED: maybeFlag,
  METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'at least 16 characters'),
  METRICS_PUBLIC: maybeFlag,
  METRICS_PORT: optionalText,
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const settled = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const temporal: TemporalSettings = {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    ...settled(() => temporalSecurity(e)),
  };
  const trustProxy = settled(() => parseTrustProxy(e.TRUST_PROXY)) ?? 'loopback';
  const workerMetricsAddress = settled(() => parseBindAddress(e.METRICS_PORT));
  if (e.OIDC_ISSUER && (!e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET)) {
    problems.push('OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET');
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  // /metrics shows what the service is doing: by default only to a token holder, to anyone only when asked by name.
  const metricsGuarded = e.METRICS_TOKEN !== undefined || e.METRICS_PUBLIC === true;
  if (e.METRICS_ENABLED === true && !metricsGuarded) {
    problems.push('METRICS_ENABLED=true needs METRICS_TOKEN, or METRICS_PUBLIC=true to serve /metrics to anyone');
  }
  if (e.METRICS_TOKEN !== undefined && e.METRICS_PUBLIC === true) {
    problems.push('METRICS_PUBLIC=true and METRICS_TOKEN contradict each other: set one');
  }
  if (problems.length) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return {
    port: e.PORT,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    temporal,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    email: loadEmailConfig(env),
    /** Notices to the business unit; the partnership's contact address unless set. */
    businessUnitEmail: e.BUSINESS_UNIT_EMAIL,
    /** Where unacknowledged urgent escalations go; the partnership's contact address unless set. */
    partnershipManagerEmail: e.PARTNERSHIP_MANAGER_EMAIL,
    /** The Learning and Improvement Subgroup: sign-off requests and quarterly action summaries. */
    lisEmail: e.LIS_EMAIL,
    linkSecret: e.LINK_SECRET,
    /** How long an emailed link still opens once its task can no longer be done (api/link-life.ts). */
    linkGraceMs: durationMs(e.LINK_GRACE),
    /** How long after sign-off (or cancellation) an audit's identifiable tier is kept: fixed in each audit at its start. */
    retentionMonths: e.RETENTION_MONTHS,
    apiKeys: parseApiKeys(e.API_KEYS ?? ''),
    allowCompressedTimelines: e.ALLOW_COMPRESSED_TIMELINES,
    dataDir: path.resolve(e.DATA_DIR),
    embedded: {
      databasePort: e.EMBEDDED_DATABASE_PORT,
      smtpPort: e.EMBEDDED_SMTP_PORT,
      temporalPort: e.EMBEDDED_TEMPORAL_PORT,
      temporalUiPort: e.EMBEDDED_TEMPORAL_UI_PORT,
      oidcPort: e.EMBEDDED_OIDC_PORT,
      /**
       * The address `npm start`'s API listens on: loopback unless asked, since it serves the development
       * API keys' routes and /dev/mail (every emailed link). api/main.ts listens on every interface, as a
       * container must.
       */
      apiHost: e.HOST,
    },
    /** The partnership's OpenID provider for staff sign-in; unset: `npm start` runs an embedded one. */
    oidc: e.OIDC_ISSUER
      ? {
          issuer: e.OIDC_ISSUER,
          clientId: e.OIDC_CLIENT_ID!,
          clientSecret: e.OIDC_CLIENT_SECRET!,
          redirectUrl: e.OIDC_REDIRECT_URL ?? `${publicUrl}/sign-in/callback`,
        }
      : undefined,
    /** The embedded provider's development accounts' password; generated and printed by `npm start` when unset. */
    devStaffPassword: e.DEV_STAFF_PASSWORD,
    session: { idleMinutes: e.SESSION_IDLE_MINUTES, absoluteHours: e.SESSION_ABSOLUTE_HOURS },
    logLevel: e.LOG_LEVEL,
    /** Express's `trust proxy`: whose X-Forwarded-For to believe (client addresses for rate limits). */
    trustProxy,
    /** Requests a minute: each emailed link's own, each signed-in member of staff's, and one address's ceiling. */
    rateLimits: {
      perLink: { limit: e.RATE_LIMIT_PER_LINK, windowMs: 60_000 },
      perStaff: { limit: e.RATE_LIMIT_PER_STAFF, windowMs: 60_000 },
      perAddress: { limit: e.RATE_LIMIT_PER_ADDRESS, windowMs: 60_000 },
    },
    metrics: {
      /** GET /metrics on the API: with METRICS_TOKEN or METRICS_PUBLIC=true, unless METRICS_ENABLED=false. */
      enabled: e.METRICS_ENABLED ?? metricsGuarded,
      /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
      token: e.METRICS_TOKEN,
      /** The worker's Temporal SDK Prometheus exporter, `host:port`; none when METRICS_PORT is unset. */
      workerBindAddress: workerMetricsAddress,
    },
  };
}

/** How to reach Temporal. `tls` undefined: plain gRPC (the bundled server, a trusted private network). */
export interface TemporalSettings {
  /** host:port; undefined: the embedded dev server (npm start). */
  address: string | undefined;
  namespace: string;
  taskQueue: string;
  tls?: TemporalTls;
  /** Sent as `Authorization: Bearer …` on every call (Temporal Cloud API keys); always over TLS. */
  apiKey?: string;
}

export interface TemporalTls {
  /** mTLS: the client certificate and its private key, PEM. */
  clientCert?: { cert: Buffer; key: Buffer };
  /** The CA that signed the server's certificate, PEM; the system's CAs when unset (Temporal Cloud). */
  serverCa?: Buffer;
  /** The name to check the server's certificate against (SNI) when it is not the address's host. */
  serverName?: string;
}

type Env = z.infer<typeof envSchema>;

/**
 * TEMPORAL_TLS_* and TEMPORAL_API_KEY, checked together. TLS is on when any of them is set (or
 * TEMPORAL_TLS=true); certificates and keys are read and parsed now, so that a wrong one stops the
 * start with its name rather than failing the first connection.
 */
function temporalSecurity(e: Env): Pick<TemporalSettings, 'tls' | 'apiKey'> {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca } = e;
  const serverName = e.TEMPORAL_TLS_SERVER_NAME;
  const apiKey = e.TEMPORAL_API_KEY;
  const named = (
    [
      ['TEMPORAL_TLS_CERT', cert],
      ['TEMPORAL_TLS_KEY', key],
      ['TEMPORAL_TLS_CA', ca],
      ['TEMPORAL_TLS_SERVER_NAME', serverName],
      ['TEMPORAL_API_KEY', apiKey],
    ] as const
  )
    .filter(([, v]) => v !== undefined)
    .map(([name]) => name);
  if (e.TEMPORAL_TLS === false && named.length) {
    throw new Error(
      `TEMPORAL_TLS=false, but ${named.join(', ')} ${named.length > 1 ? 'need' : 'needs'} TLS: remove TEMPORAL_TLS=false or ${named.length > 1 ? 'them' : 'it'}`,
    );
  }
  if (cert && !key) {
    throw new Error('TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY: a client certificate needs its private key');
  }
  if (key && !cert) {
    throw new Error('TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT: a private key needs its client certificate');
  }
  if (apiKey !== undefined && /\s/.test(apiKey)) {
    throw new Error('TEMPORAL_API_KEY: contains a space or line break (copy the key alone, without "Bearer")');
  }
  const tlsOn = e.TEMPORAL_TLS ?? named.length > 0;
  if (!tlsOn) return {};
  if (!e.TEMPORAL_ADDRESS) {
    throw new Error(
      `${named[0] ?? 'TEMPORAL_TLS'} needs TEMPORAL_ADDRESS: the embedded dev server takes plain connections only`,
    );
  }
  const tls: TemporalTls = {};
  if (cert && key) {
    const certPem = readPem('TEMPORAL_TLS_CERT', cert);
    const keyPem = readPem('TEMPORAL_TLS_KEY', key);
    const x509 = parseCertificate('TEMPORAL_TLS_CERT', certPem);
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey(keyPem);
    } catch (err) {
      throw new Error(`TEMPORAL_TLS_KEY: not a PEM private key (${(err as Error).message})`, { cause: err });
    }
    if (!x509.checkPrivateKey(keyObject)) {
      throw new Error('TEMPORAL_TLS_KEY is not the private key of TEMPORAL_TLS_CERT');
    }
    if (new Date(x509.validTo).getTime() < Date.now()) {
      throw new Error(`TEMPORAL_TLS_CERT expired on ${new Date(x509.validTo).toISOString()}: issue a new one`);
    }
    tls.clientCert = { cert: certPem, key: keyPem };
  }
  if (ca) {
    const caPem = readPem('TEMPORAL_TLS_CA', ca);
    parseCertificate('TEMPORAL_TLS_CA', caPem);
    tls.serverCa = caPem;
  }
  if (serverName) tls.serverName = serverName;
  return { tls, ...(apiKey ? { apiKey } : {}) };
}

/**
 * A PEM given inline (it starts with -----BEGIN; `\n` written as two characters is a line break, for
 * one-line .env files) or a path to a file holding it.
 */
function readPem(name: string, value: string): Buffer {
  if (value.startsWith('-----BEGIN')) return Buffer.from(value.replace(/\\n/g, '\n'));
  try {
    return fs.readFileSync(path.resolve(value));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${name}: cannot read the file ${value} (${code}); give a path to a PEM file or the PEM itself`, {
      cause: err,
    });
  }
}

function parseCertificate(name: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`${name}: not a PEM certificate (${(err as Error).message})`, { cause: err });
  }
}

const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Express's `trust proxy` setting from TRUST_PROXY: `true`/`false`, a number of proxies in front, or a
 * comma-separated list of addresses, CIDR ranges and the names loopback, linklocal, uniquelocal.
 */
export function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const parts = value.split(',').map((p) => p.trim());
  for (const part of parts) {
    const [address, bits, extra] = part.split('/');
    const ip = isIP(address ?? '');
    const ok =
      TRUST_PROXY_NAMES.includes(part) ||
      (ip !== 0 && extra === undefined && (bits === undefined || /^\d+$/.test(bits) || isIP(bits) !== 0));
    if (!ok) {
      throw new Error(
        `TRUST_PROXY: "${part}" is not an address, a CIDR range or one of ${TRUST_PROXY_NAMES.join(', ')} (or use true, false, or a number of proxies)`,
      );
    }
  }
  return parts.join(',');
}

/** METRICS_PORT: `9464` (bound on every interface, as a container needs) or `host:port`. */
function parseBindAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const portNumber = Number(m?.[2]);
  if (!m || portNumber < 1 || portNumber > 65535) {
    throw new Error(`METRICS_PORT: "${value}" is not a port (e.g. 9464) or host:port (e.g. 127.0.0.1:9464)`);
  }
  return `${m[1] ?? '0.0.0.0'}:${portNumber}`;
}

/** `API_KEYS=role:key,role:key` → [{role, key}] */
export function parseApiKeys(value: string): { role: Role; key: string }[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      const role = pair.slice(0, at);
      const key = pair.slice(at + 1);
      if (at < 1 || !(ROLES as readonly string[]).includes(role) || key.length < 16) {
        throw new Error(
          `Invalid API_KEYS entry "${role || pair.slice(0, 12)}:…": use role:key with a role of ${ROLES.join(', ')} and a key of at least 16 characters`,
        );
      }
      return { role: role as Role, key };
    });
}

// Every setting comes from the environment, validated once at start-up. README.md lists them.
import path from 'node:path';
import { z } from 'zod';
import { loadEmailConfig } from '../emails';

export const ROLES = ['business_unit', 'manager', 'lis'] as const;
export type Role = (typeof ROLES)[number];

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const envSchema = z.object({
  PORT: port(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('deep-dive'),
  SMTP_URL: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Deep Dive <deep-dive@localhost>'),
  BUSINESS_UNIT_EMAIL: z.email().optional(),
  PARTNERSHIP_MANAGER_EMAIL: z.email().optional(),
  LIS_EMAIL: z.email().optional(),
  LINK_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  API_KEYS: z.string().optional(),
  ALLOW_COMPRESSED_TIMELINES: flag,
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_DATABASE_PORT: port(5433),
  EMBEDDED_SMTP_PORT: port(2525),
  EMBEDDED_TEMPORAL_PORT: port(7233),
  EMBEDDED_TEMPORAL_UI_PORT: port(8233),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE },
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
    apiKeys: parseApiKeys(e.API_KEYS ?? ''),
    allowCompressedTimelines: e.ALLOW_COMPRESSED_TIMELINES,
    dataDir: path.resolve(e.DATA_DIR),
    embedded: {
      databasePort: e.EMBEDDED_DATABASE_PORT,
      smtpPort: e.EMBEDDED_SMTP_PORT,
      temporalPort: e.EMBEDDED_TEMPORAL_PORT,
      temporalUiPort: e.EMBEDDED_TEMPORAL_UI_PORT,
    },
    logLevel: e.LOG_LEVEL,
  };
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

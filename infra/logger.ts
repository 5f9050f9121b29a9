// One JSON logger per process (pino). A line carries IDs (auditId, workflowId, the route pattern),
// never a child's identifier, what a practitioner wrote, or a secret: request bodies are not logged,
// emailed-link tokens are cut out of URLs, and the fields below are censored wherever they appear.
import pino, { type DestinationStream } from 'pino';

/**
 * Censored wherever a log call passes them (top level or one object down): credentials, the activity
 * task token (it can complete an activity), bodies, and a child's identifiers should one slip in.
 */
const SENSITIVE = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'taskToken',
  'apiKey',
  'apiKeys',
  'linkSecret',
  'secret',
  'password',
  'smtpUrl',
  'databaseUrl',
  'body',
  'caseRef',
  'childName',
  'childLocalId',
  'childDob',
  'dateOfBirth',
];
export const REDACT_PATHS = [
  ...SENSITIVE.map((f) => `["${f}"]`),
  ...SENSITIVE.map((f) => `*["${f}"]`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
];

/** The path prefixes whose next segment is a secret: the emailed links (and the briefings' slugs). */
const TOKEN_PREFIXES = ['respond', 'approve', 'progress', 'acknowledge', 'pack', 'briefings'];
const TOKEN_SEGMENT = new RegExp(`^/(${TOKEN_PREFIXES.join('|')})/[^/]+`);

/**
 * A URL fit for a log line: no query string (it may carry anything), and the token of an emailed link
 * replaced by `:token` (`/respond/abc…/x` → `/respond/:token/x`).
 */
export function redactUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  return path.replace(TOKEN_SEGMENT, '/$1/:token');
}

/** `audit-<uuid>` → the audit's id, for lines the SDK writes with a workflowId only. */
export function auditIdOf(workflowId: unknown): string | undefined {
  return typeof workflowId === 'string' ? /^audit-([0-9a-f-]{36})$/i.exec(workflowId)?.[1] : undefined;
}

export interface LoggerOptions {
  /** Where the JSON lines go; stdout unless set (tests capture them). */
  destination?: DestinationStream;
}

/** One logger for the process. Log IDs, never child identifiers or what a practitioner wrote. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', options: LoggerOptions = {}) {
  return pino(
    {
      level,
      base: { service: 'deep-dive' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // Should a request or response object be logged whole: its method, its URL without tokens, its status.
        req: (req: { method?: string; url?: string; originalUrl?: string }) => ({
          method: req.method,
          url: redactUrl(req.originalUrl ?? req.url ?? ''),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
export type Logger = ReturnType<typeof createLogger>;

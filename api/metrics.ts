// Prometheus metrics (prom-client) and the one log line per request. GET /metrics serves, in the text
// format: HTTP requests by method, route pattern and status; audits per stage and emails per outbox
// status, read from the database at each scrape (so they count every worker's work); email outcomes
// counted in this process (when the activities share it: npm start, tests); the process's own metrics.
// The Temporal SDK's metrics are the worker's, on its own port (METRICS_PORT; docs/OPERATIONS.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EmailMetrics, EmailOutcome } from '../activities/email';
import { STAGES } from '../domain/stages';
import type { Db } from '../infra/db';
import { type Logger, redactUrl } from '../infra/logger';
import { auditWorkflowId } from '../workflows/messages';
import { HttpError } from './errors';

const EMAIL_STATUSES = ['pending', 'sending', 'sent', 'failed', 'refused', 'unconfirmed', 'resent'] as const;
const EMAIL_OUTCOMES: EmailOutcome[] = ['sent', 'failed', 'refused', 'unconfirmed', 'deferred'];
/** How long a scrape waits for the database before reporting it down. */
const DATABASE_TIMEOUT_MS = 3000;

export interface Metrics extends EmailMetrics {
  registry: Registry;
  /** Counts one finished request. `route` is a pattern (`/respond/:token`), never the URL. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /** Reads audits per stage and emails per status at each scrape; without it those are not served. */
  db?: Pick<Db, '$queryRaw'>;
  /** Node's own metrics (heap, event loop lag, GC, file descriptors): once per process, in main. */
  processMetrics?: boolean;
}

export function createMetrics({ db, processMetrics = false }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'deepdive_' });

  const requests = new Counter({
    name: 'deepdive_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status (499: the client went away first)',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'deepdive_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const emailOutcomes = new Counter({
    name: 'deepdive_email_outcomes_total',
    help: 'Attempts at an email by outcome (this process only; the worker exports its own on METRICS_PORT)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of EMAIL_OUTCOMES) emailOutcomes.inc({ outcome }, 0);

  if (db) {
    // One read per scrape for the three gauges: prom-client collects every metric at once, so the
    // first collect starts it and the others join it.
    type Counts = { audits: { stage: string; count: number }[]; outbox: { status: string; count: number }[] };
    let inFlight: Promise<Counts | undefined> | undefined;
    const counts = (): Promise<Counts | undefined> =>
      (inFlight ??= withinTimeout(
        Promise.all([
          db.$queryRaw<Counts['audits']>`
            SELECT stage::text AS stage, count(*)::int AS count FROM "Audit" GROUP BY stage`,
          db.$queryRaw<Counts['outbox']>`
            SELECT status::text AS status, count(*)::int AS count FROM "EmailOutbox" GROUP BY status`,
        ]),
      )
        .then(([audits, outbox]) => ({ audits, outbox }))
        .catch(() => undefined)
        .finally(() => (inFlight = undefined)));

    new Gauge({
      name: 'deepdive_metrics_database_up',
      help: '1 when this scrape could read the database, 0 when it could not (deepdive_audits and deepdive_email_outbox are then empty)',
      registers: [registry],
      async collect() {
        this.set((await counts()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'deepdive_audits',
      help: 'Audits by stage, from the database',
      labelNames: ['stage'] as const,
      registers: [registry],
      async collect() {
        const read = await counts();
        this.reset();
        if (!read) return;
        for (const stage of STAGES) this.set({ stage }, 0);
        for (const row of read.audits) this.set({ stage: row.stage }, row.count);
      },
    });
    new Gauge({
      name: 'deepdive_email_outbox',
      help: 'Emails by outbox status, from the database: failed, refused and unconfirmed need a look',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        const read = await counts();
        this.reset();
        if (!read) return;
        for (const status of EMAIL_STATUSES) this.set({ status }, 0);
        for (const row of read.outbox) this.set({ status: row.status }, row.count);
      },
    });
  }

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    emailOutcome(outcome) {
      emailOutcomes.inc({ outcome });
    },
  };
}

/**
 * GET /metrics in Prometheus's text format. With a token, only `Authorization: Bearer <token>` is
 * answered (401 otherwise); the API keys are not used, so a scraper holds no power over audits.
 */
export function metricsHandler(metrics: Metrics, token?: string): RequestHandler {
  const expected = token ? digest(token) : undefined;
  return async (req, res, next) => {
    if (expected) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"');
        return next(new HttpError(401, 'unauthenticated', 'GET /metrics needs the metrics token (METRICS_TOKEN).'));
      }
    }
    try {
      const body = await metrics.registry.metrics();
      res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(body);
    } catch (err) {
      next(err);
    }
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

async function withinTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), DATABASE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first segments a request can start with; anything else is counted as `unmatched`. */
const KNOWN_PREFIXES = new Set([
  'api',
  'respond',
  'approve',
  'progress',
  'acknowledge',
  'pack',
  'briefings',
  'dashboard',
  'dev',
  'healthz',
  'metrics',
]);
/** Answered often by machines (health checks, scrapes): logged at debug only. */
const QUIET_ROUTES = new Set(['/healthz', '/metrics']);

const routeBase = Symbol('routeBase');
type Observed = Request & { [routeBase]?: string };

/**
 * The first middleware: times each request, and when it is over counts it and writes one log line
 * with its method, route pattern, URL (no query, no link token), status and time, plus the audit's
 * and workflow's IDs where the route names an audit (or a handler sets `res.locals.auditId`). No
 * header, body, address or query string is logged.
 */
export function observeRequests({ metrics, log }: { metrics?: Metrics; log: Logger }): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    rememberRouteBase(req as Observed);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499;
      const route = routePattern(req as Observed);
      metrics?.observeRequest(req.method, route, status, seconds);
      const auditId = auditIdFor(req, res, route);
      const line = {
        method: req.method,
        route,
        url: redactUrl(req.originalUrl),
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(auditId ? { auditId, workflowId: auditWorkflowId(auditId) } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (QUIET_ROUTES.has(route)) log.debug(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}

/**
 * Express sets `req.route` when a route matches, while `req.baseUrl` still holds its router's mount
 * path; by the time the response ends an error may have unwound baseUrl. So the base is kept then.
 */
function rememberRouteBase(req: Observed): void {
  let route: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      req[routeBase] = req.baseUrl;
    },
  });
}

/** `/api/audits/:id`, `/respond/:token`; `/respond/*` when no route matched under a known prefix. */
export function routePattern(req: Observed): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') {
    const joined = `${req[routeBase] ?? ''}${path === '/' && req[routeBase] ? '' : path}` || '/';
    return redactUrl(joined);
  }
  const first = req.originalUrl.split(/[/?#]/)[1] ?? '';
  return KNOWN_PREFIXES.has(first) ? `/${first}/*` : 'unmatched';
}

function auditIdFor(req: Request, res: Response, route: string): string | undefined {
  const fromHandler = (res.locals as { auditId?: unknown }).auditId;
  if (typeof fromHandler === 'string') return fromHandler;
  if (!route.startsWith('/api/audits/:id')) return undefined;
  const segment = redactUrl(req.originalUrl).split('/')[3];
  return segment && /^[0-9a-f-]{36}$/i.test(segment) ? segment : undefined;
}

// The Express app: one router per resource, the error shape of PRODUCT.md for every refusal.
import express, { type Express, type Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { Db } from '../infra/db';
import type { Logger } from '../infra/logger';
import { authenticate } from './auth';
import { errorHandler, methodNotAllowed, notFound } from './errors';
import { healthRouter } from './health';
import { idempotentPosts } from './idempotency';
import { logLinkViews } from './access-log';
import { DEFAULT_LINK_LIFE, type LinkLife } from './link-life';
import { createMetrics, type Metrics, metricsHandler, observeRequests } from './metrics';
import { documentedRoutes, openApiRoute } from './openapi';
import { acknowledgeRouter } from './routers/acknowledge';
import { actionsRouter } from './routers/actions';
import { linkReissueRouter } from './routers/link-reissue';
import { agenciesRouter } from './routers/agencies';
import { approveRouter } from './routers/approve';
import { auditsRouter } from './routers/audits';
import { briefingsRouter } from './routers/briefings';
import { packRouter } from './routers/pack';
import { progressRouter } from './routers/progress';
import { consoleRouter } from './routers/console';
import { candidateUpload, consoleAuditsRouter } from './routers/console-audits';
import { consoleAuditRouter } from './routers/console-audit';
import { consoleStagesRouter } from './routers/console-stages';
import { agencyUpload, consoleReportRouter } from './routers/console-report';
import { consoleInvitationsRouter } from './routers/console-invitations';
import { consoleLinksRouter } from './routers/console-links';
import { publicPagesRouter } from './routers/public';
import { respondRouter } from './routers/respond';
import { setUpStaticResources } from './static';
import {
  formBodies,
  negotiatedErrors,
  noStore,
  linkRateLimits,
  type RateLimit,
  refuseUnstorableText,
  securityHeaders,
  staffRateLimit,
} from './security';
import { sessionCookieName, type SessionSettings, setUpWebSession } from './sessions';
import { type OidcSettings, setUpAuthentication, staffCsrf } from './sign-in';

export interface AppDeps {
  /** `publicUrl` (the 7 Point Briefing's address) is optional for tests that do not read it. */
  config: Pick<Config, 'apiKeys' | 'allowCompressedTimelines' | 'temporal'> &
    Partial<Pick<Config, 'publicUrl' | 'trustProxy' | 'metrics' | 'rateLimits' | 'retentionMonths'>>;
  db: Db;
  temporal: Client;
  log: Logger;
  /** The SMTP transport, checked by /healthz. */
  transport: { verify(): Promise<unknown> };
  /** Mounted at /dev/mail when the embedded mail catcher is in use. */
  devMail?: Router;
  /** LINK_SECRET: the forms' CSRF tokens and the staff session cookie are signed with it. */
  linkSecret: string;
  /** Each emailed link's own budget; 60 a minute unless set. */
  linkRateLimit?: RateLimit;
  /** GET /metrics and the HTTP counters; made here when unset and `config.metrics.enabled`. */
  metrics?: Metrics;
  /** Who a person whose emailed link has stopped should ask, and the grace after a task; the defaults' unless set. */
  links?: LinkLife;
  /** The OpenID provider staff sign in with; without it /sign-in answers 503. */
  oidc?: OidcSettings;
  /** Staff sessions' idle and absolute timeouts; 30 minutes and 10 hours unless set. */
  session?: SessionSettings;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy ?? 'loopback');
  const metrics = deps.metrics ?? (deps.config.metrics?.enabled ? createMetrics({ db: deps.db }) : undefined);
  // First: every request is timed, counted and logged (one line, no body, no token).
  app.use(observeRequests({ metrics, log: deps.log }));
  app.use(securityHeaders({ https: deps.config.publicUrl?.startsWith('https:') ?? false }));
  app.use(setUpStaticResources());
  app.use(express.json({ limit: '1mb' }));
  app.use(formBodies());
  app.use(refuseUnstorableText);

  app.use(
    healthRouter({
      temporal: () => deps.temporal.workflowService.getSystemInfo({}),
      database: () => deps.db.$queryRaw`SELECT 1`,
      smtp: () => deps.transport.verify(),
    }),
  );
  if (metrics) app.get('/metrics', metricsHandler(metrics, deps.config.metrics?.token));
  if (deps.devMail) app.use('/dev/mail', deps.devMail);
  // Public, so before the API's key check: a stale key does not stop a client reading the contract.
  const mounted = {
    devMail: !!deps.devMail,
    metrics: !!metrics,
    compressedTimelines: deps.config.allowCompressedTimelines,
  };
  app.get('/api/openapi.json', openApiRoute(mounted));

  const api = express.Router();
  api.use(authenticate(deps.config.apiKeys, deps.db));
  api.use(idempotentPosts(deps.db));
  api.use('/agencies', agenciesRouter({ db: deps.db }));
  api.use(
    '/audits',
    auditsRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.config.temporal.taskQueue,
      allowCompressedTimelines: deps.config.allowCompressedTimelines,
      publicUrl: deps.config.publicUrl,
      retentionMonths: deps.config.retentionMonths,
    }),
  );
  api.use('/actions', actionsRouter({ db: deps.db, temporal: deps.temporal }));
  api.use(linkReissueRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.temporal.taskQueue }));
  app.use('/api', api);
  const life = deps.links ?? DEFAULT_LINK_LIFE;
  const link = { db: deps.db, temporal: deps.temporal, linkSecret: deps.linkSecret, life };
  app.use(['/respond', '/approve', '/progress', '/acknowledge', '/pack'], noStore, linkRateLimits(deps));
  app.use(['/respond', '/pack'], logLinkViews(deps.db, deps.log));
  app.use('/respond', respondRouter(link));
  app.use('/approve', approveRouter(link));
  app.use('/progress', progressRouter(link));
  app.use('/acknowledge', acknowledgeRouter(link));
  app.use('/pack', packRouter({ db: deps.db, life }));
  app.use('/briefings', briefingsRouter({ db: deps.db }));
  app.use(publicPagesRouter(deps.config.retentionMonths));

  // Browsers ask for it on every first visit; there is none, and a 404 would show as an error.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(staffConsole(deps));
  app.use(methodNotAllowed(documentedRoutes(mounted)));
  app.use(notFound);
  // A browser gets the same refusal as a plain page.
  app.use(negotiatedErrors(errorHandler(deps.log), deps.linkSecret));
  return app;
}

/** The pages for staff signed in as themselves: their session, sign-in and sign-out, the console. */
function staffConsole(deps: AppDeps): Router {
  const https = deps.config.publicUrl?.startsWith('https:') ?? false;
  const settings = deps.session ?? { idleMinutes: 30, absoluteHours: 10 };
  const auth = setUpAuthentication({
    db: deps.db,
    oidc: deps.oidc,
    secret: deps.linkSecret,
    settings,
    cookieName: sessionCookieName(https),
    log: deps.log,
  });
  const router = express.Router();
  router.use(setUpWebSession({ db: deps.db, secret: deps.linkSecret, https, settings }));
  router.use(auth.signedIn);
  router.use(staffRateLimit(deps.config.rateLimits?.perStaff));
  // "Start a new audit" and "Import agencies (CSV)" post a file (multipart): read before the CSRF check, which
  // finds its token in the body.
  router.use('/audits/new', candidateUpload);
  router.use('/agencies', agencyUpload);
  router.use(staffCsrf(deps.linkSecret));
  router.use(auth.router);
  router.use(consoleRouter({ db: deps.db }));
  // Before the pages its buttons are on: a refusal is drawn again by the page's own route.
  router.use(consoleLinksRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.temporal.taskQueue }));
  router.use(
    consoleAuditsRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.config.temporal.taskQueue,
      allowCompressedTimelines: deps.config.allowCompressedTimelines,
      publicUrl: deps.config.publicUrl,
      retentionMonths: deps.config.retentionMonths,
    }),
  );
  router.use(consoleAuditRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.temporal.taskQueue }));
  router.use(consoleStagesRouter({ db: deps.db, temporal: deps.temporal }));
  router.use(consoleReportRouter({ db: deps.db, temporal: deps.temporal }));
  router.use(
    consoleInvitationsRouter({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.temporal.taskQueue }),
  );
  return router;
}

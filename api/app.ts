// The Express app: one router per resource, the error shape of PRODUCT.md for every refusal.
import express, { type Express, type Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { Db } from '../infra/db';
import type { Logger } from '../infra/logger';
import { authenticate } from './auth';
import { errorHandler, notFound } from './errors';
import { healthRouter } from './health';
import { agenciesRouter } from './routers/agencies';
import { auditsRouter } from './routers/audits';
import { respondRouter } from './routers/respond';

export interface AppDeps {
  config: Pick<Config, 'apiKeys' | 'allowCompressedTimelines' | 'temporal'>;
  db: Db;
  temporal: Client;
  log: Logger;
  /** The SMTP transport, checked by /healthz. */
  transport: { verify(): Promise<unknown> };
  /** Mounted at /dev/mail when the embedded mail catcher is in use. */
  devMail?: Router;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(express.json({ limit: '1mb' }));

  app.use(
    healthRouter({
      temporal: () => deps.temporal.workflowService.getSystemInfo({}),
      database: () => deps.db.$queryRaw`SELECT 1`,
      smtp: () => deps.transport.verify(),
    }),
  );
  if (deps.devMail) app.use('/dev/mail', deps.devMail);

  const api = express.Router();
  api.use(authenticate(deps.config.apiKeys));
  api.use('/agencies', agenciesRouter({ db: deps.db }));
  api.use(
    '/audits',
    auditsRouter({
      db: deps.db,
      temporal: deps.temporal,
      taskQueue: deps.config.temporal.taskQueue,
      allowCompressedTimelines: deps.config.allowCompressedTimelines,
    }),
  );
  app.use('/api', api);
  app.use('/respond', respondRouter({ db: deps.db, temporal: deps.temporal }));

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}

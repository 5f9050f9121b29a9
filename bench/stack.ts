// The real parts `npm run bench` runs against: the Temporal dev server (the cached CLI, started as
// `npm start` starts it), a fresh PostgreSQL database migrated with the committed migrations, the dev
// mail catcher, both workflow bundles, and the API served on a loopback port. Torn down in reverse.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../api/app';
import { type MailCatcher, startMailCatcher } from '../dev/mail-catcher';
import { startDevServer } from '../dev/temporal';
import { DEFAULT_RATE_LIMITS } from '../api/security';
import type { Role } from '../infra/config';
import { createDb, type Db } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { migrateDeploy } from '../infra/migrate';
import { connectClient } from '../infra/temporal';
import { ensureTool } from '../scripts/tools';
import { WORKFLOW_BUNDLE_OPTIONS } from '../worker/bundle';
import { freePort } from '../test/support/ports';
import { type ChildWorker, createBenchDatabase, forkWorker } from './harness';

export const KEYS = {
  business_unit: `bench-bu-${randomBytes(12).toString('hex')}`,
  manager: `bench-manager-${randomBytes(12).toString('hex')}`,
  lis: `bench-lis-${randomBytes(12).toString('hex')}`,
} satisfies Record<Role, string>;

export const PUBLIC_URL = 'http://deep-dive.bench';

export interface Stack {
  temporalAddress: string;
  temporal: Client;
  database: { name: string; url: string };
  db: Db;
  catcher: MailCatcher;
  bundles: { bare: string; real: string };
  linkSecret: string;
  testServerPath: string | undefined;
  /** Where profiles and bundles go. */
  workDir: string;
  /** The API against `temporal`, starting audits on `taskQueue`. */
  serveApi(temporal: Client, taskQueue: string): Promise<Api>;
  /** A worker in a process of its own, on `taskQueue`: the bare workflow, or the product's workflows and activities. */
  forkWorker(mode: 'bare' | 'real', taskQueue: string): Promise<ChildWorker>;
  stop(): Promise<void>;
}

export interface Api {
  base: string;
  close(): Promise<void>;
}

const quiet = () => undefined;
const bundlerLogger = { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error };

export async function startStack(opts: {
  databaseServerUrl: string;
  /** A Temporal frontend to use instead of starting the dev server (its namespace `default` must know DeepDiveStage). */
  temporalAddress?: string;
  say: (line: string) => void;
}): Promise<Stack> {
  const { say } = opts;
  const stack: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stack.reverse().splice(0))
      await step().catch((err: unknown) => console.error('while stopping:', err));
  };
  try {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-bench-'));
    stack.push(() => fs.promises.rm(workDir, { recursive: true, force: true }));

    const cliPath = opts.temporalAddress ? undefined : ensureTool('cli');
    if (!opts.temporalAddress && !cliPath)
      throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH (see README, "First run").');
    const testServerPath = ensureTool('testServer');

    say('starting the Temporal dev server, creating and migrating the database, bundling the workflows');
    const [server, database, catcher, bundles] = await Promise.all([
      (async () =>
        opts.temporalAddress
          ? { address: opts.temporalAddress, stop: (): Promise<void> => Promise.resolve() }
          : startDevServer({
              cliPath: cliPath!,
              dataDir: path.join(workDir, 'temporal'),
              port: await freePort(),
              uiPort: await freePort(),
            }))(),
      (async () => {
        const created = await createBenchDatabase(opts.databaseServerUrl);
        stack.push(() => created.drop());
        await migrateDeploy(created.url);
        return created;
      })(),
      startMailCatcher({ port: 0, maxMessages: 200 }),
      (async () => {
        const write = async (name: string, options: { workflowsPath: string; preloadModules?: string[] }) => {
          const { code } = await bundleWorkflowCode({ ...options, logger: bundlerLogger });
          const file = path.join(workDir, `${name}.js`);
          fs.writeFileSync(file, code);
          return file;
        };
        return {
          bare: await write('bare-workflows', { workflowsPath: require.resolve('./workflows') }),
          // The product's bundle as `npm run build` makes it.
          real: await write('workflows', WORKFLOW_BUNDLE_OPTIONS),
        };
      })(),
    ]);
    stack.push(() => server.stop());
    stack.push(() => catcher.stop());

    const db = createDb(database.url);
    stack.push(() => db.$disconnect());
    const temporal = await connectClient(server.address, 'default');
    stack.push(() => temporal.connection.close());
    const linkSecret = randomBytes(32).toString('base64url');
    const transport = createTransport(catcher.url);
    stack.push(() => Promise.resolve(transport.close()));

    const serveApi = async (client: Client, taskQueue: string): Promise<Api> => {
      const app = createApp({
        config: {
          apiKeys: Object.entries(KEYS).map(([role, key]) => ({ role: role as Role, key })),
          allowCompressedTimelines: false,
          temporal: { address: undefined, namespace: 'default', taskQueue },
          publicUrl: PUBLIC_URL,
          // One signed-in person asks for every console page in part 6: their own budget (300 a minute)
          // would measure the limiter, not the page.
          rateLimits: { ...DEFAULT_RATE_LIMITS, perStaff: { limit: 10_000_000, windowMs: 60_000 } },
        },
        db,
        temporal: client,
        log: createLogger('warn'),
        transport,
        linkSecret,
        // Every client of the bench is one address: the per-address limit of the emailed links (60 a
        // minute) would measure the limiter, not the path.
        linkRateLimit: { limit: 10_000_000, windowMs: 60_000 },
      });
      const httpServer = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s)).once('error', reject);
      });
      // Keep-alive longer than the clients' idle time, so no request meets a connection being closed.
      httpServer.keepAliveTimeout = 60_000;
      const base = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}`;
      let closing: Promise<void> | undefined;
      const close = () =>
        (closing ??= new Promise<void>((resolve) => {
          httpServer.closeAllConnections();
          httpServer.close(() => resolve());
        }));
      stack.push(close);
      return { base, close };
    };

    return {
      temporalAddress: server.address,
      temporal,
      database: { name: database.name, url: database.url },
      db,
      catcher,
      bundles,
      linkSecret,
      testServerPath,
      workDir,
      serveApi,
      forkWorker: (mode, taskQueue) =>
        forkWorker({
          mode,
          taskQueue,
          temporalAddress: server.address,
          bundlePath: bundles[mode],
          databaseUrl: database.url,
          smtpUrl: catcher.url,
          publicUrl: 'http://deep-dive.bench',
          linkSecret,
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

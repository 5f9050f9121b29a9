// The real parts `npm run bench` runs against: Temporal — the dev server (the cached CLI, started as
// `npm start` starts it), or with `--engine=cluster` the production shape's Temporal services from
// dev/cluster.ts on PostgreSQL —, a fresh PostgreSQL database migrated with the committed migrations, the dev
// mail catcher, both workflow bundles, and the API served on a loopback port. Torn down in reverse.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createApp } from '../api/app';
import { startCluster } from '../dev/cluster';
import { type MailCatcher, startMailCatcher } from '../dev/mail-catcher';
import { startDevServer } from '../dev/temporal';
import { DEFAULT_RATE_LIMITS } from '../api/security';
import type { Role } from '../infra/config';
import { createDb, type Db } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { migrateDeploy } from '../infra/migrate';
import { connectClient } from '../infra/temporal';
import { ensureTemporalServer, ensureTool } from '../scripts/tools';
import { WORKFLOW_BUNDLE_OPTIONS } from '../worker/bundle';
import { freePort } from '../test/support/ports';
import { findPids, type ProcessGroups } from './cpu';
import { type ChildWorker, createBenchDatabase, forkWorker } from './harness';

export const KEYS = {
  business_unit: `bench-bu-${randomBytes(12).toString('hex')}`,
  manager: `bench-manager-${randomBytes(12).toString('hex')}`,
  lis: `bench-lis-${randomBytes(12).toString('hex')}`,
} satisfies Record<Role, string>;

export const PUBLIC_URL = 'http://deep-dive.bench';

/** Where Temporal runs: the dev server (one process, SQLite), or the cluster of dev/cluster.ts. */
export type Engine = 'dev' | 'cluster';

export interface Stack {
  engine: Engine;
  temporalAddress: string;
  /** Temporal's processes, for the CPU tables: the server's own, and on the cluster its PostgreSQL backends. */
  temporalProcesses: ProcessGroups;
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
  engine: Engine;
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

    const devServer = !opts.temporalAddress && opts.engine === 'dev';
    const cliPath = devServer ? ensureTool('cli') : undefined;
    if (devServer && !cliPath) throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH (see README, "First run").');
    const testServerPath = ensureTool('testServer');

    say(`starting Temporal (${opts.engine}), creating and migrating the database, bundling the workflows`);
    const [server, database, catcher, bundles] = await Promise.all([
      startTemporal(opts, workDir, cliPath),
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
      engine: opts.engine,
      temporalAddress: server.address,
      temporalProcesses: server.processes,
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

/** Where Temporal runs, in words, for the figures' header. */
export function temporalDescription(engine: Engine, address: string | undefined): string {
  if (address) return `the server at \`BENCH_TEMPORAL_ADDRESS\` (${address})`;
  if (engine === 'dev') return 'the dev server (Temporal CLI `server start-dev`, one process, SQLite file)';
  return (
    `\`dev/cluster.ts\`'s Temporal alone: server ${ensureTemporalServer().version} built from source, its frontend, history, ` +
    "matching and worker services as four processes, 4 history shards, its databases on the same PostgreSQL server as the product's"
  );
}

/**
 * Temporal for the bench, fresh each run: the dev server, or the cluster's four services (no Deep Dive
 * processes of its own: the bench forks its workers and serves its API as on the dev server, so both
 * engines are measured through the same worker and API), its databases dropped at the end.
 */
async function startTemporal(
  opts: { databaseServerUrl: string; temporalAddress?: string; engine: Engine; say: (line: string) => void },
  workDir: string,
  cliPath: string | undefined,
): Promise<{ address: string; processes: ProcessGroups; stop(): Promise<void> }> {
  if (opts.temporalAddress) return { address: opts.temporalAddress, processes: {}, stop: () => Promise.resolve() };
  if (opts.engine === 'cluster') {
    // Not a substring of the bench database's name, so each group of PostgreSQL backends is found apart.
    const name = `bench_cluster_${process.pid}`;
    const cluster = await startCluster({
      temporalOnly: true,
      name,
      dropOnStop: true,
      postgresUrl: opts.databaseServerUrl,
      env: { ...process.env, DATA_DIR: workDir, TEMPORAL_NAMESPACE: 'default' },
      log: (line) => opts.say(`  cluster: ${line}`),
    });
    return {
      address: cluster.temporalAddress,
      processes: {
        'Temporal server': () => Object.values(cluster.temporal).flatMap((part) => part.child?.pid ?? []),
        "Temporal's PostgreSQL backends": () => [...findPids(`${name}_temporal`), ...findPids(`${name}_visibility`)],
      },
      stop: () => cluster.stop(),
    };
  }
  const port = await freePort();
  const server = await startDevServer({
    cliPath: cliPath!,
    dataDir: path.join(workDir, 'temporal'),
    port,
    uiPort: await freePort(),
  });
  return { ...server, processes: { 'Temporal server': () => findPids('start-dev', `--port ${port}`) } };
}

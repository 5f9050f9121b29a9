// The production shape of Deep Dive on one machine, for tests, benchmarks and `npm run cluster`: the Temporal
// server built from source (scripts/tools.js) on PostgreSQL, its frontend, history, matching and worker
// services each a process of its own; three Deep Dive workers and two API processes, behind one reverse
// proxy on PORT. It honours the environment `npm start` does: what DATABASE_URL, SMTP_URL, OIDC_ISSUER,
// LINK_SECRET and API_KEYS do not name is made here as `npm start` makes it (the mail catcher's /dev/mail
// served by the proxy, development keys and secrets in DATA_DIR, the embedded OpenID provider).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import express from 'express';
import pg from 'pg';
import { devMailRouter } from '../api/dev-mail';
import { loadConfig, type Role } from '../infra/config';
import { createDb } from '../infra/db';
import { migrateDeploy, PROJECT_ROOT } from '../infra/migrate';
import { accessLines, devApiKeys, devSecret, startDevSignIn, untilSignal } from '../scripts/start';
import { ensureTemporalServer, type TemporalServer } from '../scripts/tools';
import { stageSearchAttribute } from '../workflows/messages';
import { workerProcess } from '../worker/sizing';
import { type MailCatcher, startMailCatcher } from './mail-catcher';
import { freePorts, logSince, Part, portOpen, until } from './processes';
import { startReverseProxy } from './proxy';

export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

/** Enough shards that history's work is split as in production (the dev server has one). */
const HISTORY_SHARDS = 4;
const API_PROCESSES = 2;
const WORKER_PROCESSES = 3;
/** How long a closed workflow's history stays in Temporal: as docker-compose.yml sets it. */
const RETENTION = '720h';

export interface ClusterOptions {
  /** As for `npm start`: PORT, DATABASE_URL, SMTP_URL, API_KEYS, DATA_DIR, … Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * The PostgreSQL server for Temporal's databases (and Deep Dive's without DATABASE_URL), as a URL with the
   * user allowed to create databases. Default CLUSTER_POSTGRES_URL, else TEST_DATABASE_URL, else the local server.
   */
  postgresUrl?: string;
  /** Prefix of the databases: <name> (Deep Dive's), <name>_temporal, <name>_visibility. Kept across runs. */
  name?: string;
  /** Drop the databases on stop (tests). */
  dropOnStop?: boolean;
  log?: (line: string) => void;
  /** Only Temporal's services and the namespace, none of Deep Dive's processes: `npm run bench -- --engine=cluster` brings its own. */
  temporalOnly?: boolean;
}

/** What `temporalOnly` starts: the Temporal cluster alone. */
export type TemporalCluster = Pick<Cluster, 'temporalAddress' | 'temporal' | 'logsDir' | 'stop'>;

export interface Cluster {
  /** The proxy: the address every client uses. */
  url: string;
  mailUrl?: string;
  signInUrl: string;
  temporalAddress: string;
  databaseUrl: string;
  apiKeys: { role: Role; key: string }[];
  devStaff?: Awaited<ReturnType<typeof startDevSignIn>>['devStaff'];
  /** Without SMTP_URL: the mail catcher behind /dev/mail. */
  catcher?: MailCatcher;
  /** The Temporal services' and the product's processes, to stop, kill and restart. */
  temporal: Record<TemporalService, Part>;
  apis: Part[];
  workers: Part[];
  logsDir: string;
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions & { temporalOnly: true }): Promise<TemporalCluster>;
export async function startCluster(opts?: ClusterOptions): Promise<Cluster>;
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster | TemporalCluster> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  const log = opts.log ?? ((line: string) => process.stderr.write(`[cluster] ${line}\n`));
  const name = opts.name ?? 'deep_dive_cluster';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`cluster name "${name}": lower-case letters, digits, _`);
  const postgresUrl = new URL(
    opts.postgresUrl ??
      env.CLUSTER_POSTGRES_URL ??
      env.TEST_DATABASE_URL ??
      'postgresql://postgres:postgres@127.0.0.1:5432/postgres',
  );
  const runDir = path.join(config.dataDir, 'cluster', name);
  const logsDir = path.join(runDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });

  const stack: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stack.reverse().splice(0))
      await step().catch((err: unknown) => log(`while stopping: ${String(err)}`));
  };
  // Should the process end without stop() (a test timeout), no server it started outlives it.
  const parts: Part[] = [];
  const killAll = () => parts.forEach((p) => p.child?.kill('SIGKILL'));
  process.once('exit', killAll);
  stack.push(() => Promise.resolve(process.off('exit', killAll)));

  try {
    const server = ensureTemporalServer();
    const databases = { app: name, temporal: `${name}_temporal`, visibility: `${name}_visibility` };
    if (opts.dropOnStop) stack.push(() => dropDatabases(postgresUrl, Object.values(databases)));
    await setUpTemporalSchemas(server, postgresUrl, databases, log);

    const ports = await freePorts(TEMPORAL_SERVICES.length + 1);
    const membership = await membershipPorts(TEMPORAL_SERVICES.length);
    const rpc = Object.fromEntries(
      TEMPORAL_SERVICES.map((service, i) => [service, { grpcPort: ports[i]!, membershipPort: membership[i]! }]),
    ) as Record<TemporalService, { grpcPort: number; membershipPort: number }>;
    const temporalAddress = `127.0.0.1:${rpc.frontend.grpcPort}`;
    const configDir = writeTemporalConfig(runDir, postgresUrl, databases, rpc, ports.at(-1)!);

    const temporal = Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => [
        service,
        new Part(
          `temporal-${service}`,
          path.join(logsDir, `temporal-${service}.log`),
          () => ({
            file: server.server,
            args: ['--root', runDir, '--config', configDir, '--env', 'cluster', '--allow-no-auth', 'start'].concat([
              '--service',
              service,
            ]),
          }),
          // Temporal's worker service serves no gRPC: it is up once it has joined the membership ring.
          () => portOpen(service === 'worker' ? rpc.worker.membershipPort : rpc[service].grpcPort),
          120_000,
        ),
      ]),
    ) as Record<TemporalService, Part>;
    parts.push(...Object.values(temporal));
    // Stopped in the reverse order: the system worker and the frontend before matching and history.
    for (const service of TEMPORAL_SERVICES) stack.push(() => temporal[service].stop(20_000));
    const t = Date.now();
    // The first to start writes the cluster's metadata row; several at once on fresh databases collide on it.
    await temporal.history.start();
    await Promise.all(TEMPORAL_SERVICES.filter((s) => s !== 'history').map((s) => temporal[s].start()));
    await registerNamespace(temporalAddress, config.temporal.namespace);
    log(
      `Temporal ${server.version}: ${TEMPORAL_SERVICES.join(', ')} up in ${Date.now() - t} ms; frontend ${temporalAddress}`,
    );
    if (opts.temporalOnly) return { temporalAddress, temporal, logsDir, stop };

    const databaseUrl = config.databaseUrl ?? databaseOn(postgresUrl, databases.app);
    await migrateDeploy(databaseUrl);

    const local: Record<string, express.Express> = {};
    let smtpUrl = config.smtpUrl;
    let catcher: MailCatcher | undefined;
    if (!smtpUrl) {
      catcher = await startMailCatcher({ port: config.embedded.smtpPort });
      stack.push(() => catcher!.stop());
      smtpUrl = catcher.url;
      local['/dev/mail'] = express().use('/dev/mail', devMailRouter(catcher));
    }

    const apiPorts = await freePorts(API_PROCESSES);
    // PORT is the proxy's: links in emails and the sign-in callback name it (PUBLIC_URL's default).
    const { publicUrl } = config;
    let devStaff: Cluster['devStaff'];
    let oidc = config.oidc;
    if (!oidc) {
      const db = createDb(databaseUrl, { poolMax: 1 });
      try {
        const dev = await startDevSignIn(config, db);
        stack.push(() => dev.stop());
        ({ oidc, devStaff } = dev);
      } finally {
        await db.$disconnect();
      }
    }
    const apiKeys = config.apiKeys.length ? config.apiKeys : devApiKeys(config);
    const productEnv: NodeJS.ProcessEnv = {
      ...env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      SMTP_URL: smtpUrl,
      LINK_SECRET: config.linkSecret ?? devSecret(config, 'link-secret'),
      API_KEYS: apiKeys.map(({ role, key }) => `${role}:${key}`).join(','),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: oidc.issuer,
      OIDC_CLIENT_ID: oidc.clientId,
      OIDC_CLIENT_SECRET: oidc.clientSecret,
      OIDC_REDIRECT_URL: oidc.redirectUrl,
    };
    const dist = (file: string) => path.join(PROJECT_ROOT, 'dist', file);
    const workers = Array.from(
      { length: WORKER_PROCESSES },
      (_, i) =>
        new Part(
          `worker-${i + 1}`,
          path.join(logsDir, `worker-${i + 1}.log`),
          () => ({ file: process.execPath, ...workerProcess(dist('worker/main.js'), productEnv) }),
          (part) => logSince(part.logFile, part.startOffset).includes('"msg":"worker running"'),
          120_000,
        ),
    );
    const apis = apiPorts.map(
      (port, i) =>
        new Part(
          `api-${i + 1}`,
          path.join(logsDir, `api-${i + 1}.log`),
          () => ({ file: process.execPath, args: [dist('api/main.js')], env: { ...productEnv, PORT: String(port) } }),
          () => portOpen(port),
        ),
    );
    parts.push(...workers, ...apis);
    for (const part of [...workers, ...apis]) stack.push(() => part.stop(30_000));
    await Promise.all([...workers, ...apis].map((p) => p.start()));

    const proxy = await startReverseProxy({
      port: config.port,
      host: config.embedded.apiHost,
      upstreams: apiPorts.map((port) => `http://127.0.0.1:${port}`),
      local,
    });
    stack.push(() => proxy.stop());
    log(`${WORKER_PROCESSES} workers, ${API_PROCESSES} APIs behind ${proxy.url}`);

    return {
      url: proxy.url,
      mailUrl: local['/dev/mail'] ? `${proxy.url}/dev/mail` : undefined,
      signInUrl: `${publicUrl}/sign-in`,
      temporalAddress,
      databaseUrl,
      apiKeys,
      devStaff,
      catcher,
      temporal,
      apis,
      workers,
      logsDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Free ports below 32768 for ringpop: the server keeps each member's port in a PostgreSQL smallint
 * (cluster_membership.rpc_port), and the ports the system hands out are above it.
 */
async function membershipPorts(n: number): Promise<number[]> {
  const found: number[] = [];
  while (found.length < n) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!found.includes(port) && (await canListen(port))) found.push(port);
  }
  return found;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function databaseOn(server: URL, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Temporal's two databases with their schemas, by temporal-sql-tool from the schema files of the server's
 * own version: made when missing, brought up to date (update-schema applies only what is new) when present.
 */
async function setUpTemporalSchemas(
  server: TemporalServer,
  postgres: URL,
  databases: { temporal: string; visibility: string },
  log: (line: string) => void,
): Promise<void> {
  const connection = [
    ...['--plugin', 'postgres12', '--endpoint', postgres.hostname, '--port', postgres.port || '5432'],
    ...['--user', decodeURIComponent(postgres.username), '--password', decodeURIComponent(postgres.password)],
  ];
  const sql = (database: string, ...args: string[]) =>
    execFileSync(server.sqlTool, [...connection, '--db', database, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const [database, schema] of [
    [databases.temporal, 'temporal'],
    [databases.visibility, 'visibility'],
  ] as const) {
    const existing = (await listDatabases(postgres)).includes(database);
    if (!existing) {
      sql(database, 'create-database');
      sql(database, 'setup-schema', '--version', '0.0');
    }
    sql(database, 'update-schema', '--schema-dir', path.join(server.schemaDir, schema, 'versioned'));
    log(`${database}: ${existing ? 'schema brought up to date' : 'created, schema set up'} by temporal-sql-tool`);
  }
}

async function listDatabases(postgres: URL): Promise<string[]> {
  const client = new pg.Client({ connectionString: postgres.toString() });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function dropDatabases(postgres: URL, databases: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.toString() });
  await client.connect();
  try {
    for (const database of databases) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * The server's static config, one environment ("cluster") in its own folder: the four services on free
 * loopback ports, found by each other through ringpop membership; PostgreSQL persistence; YAML written as JSON
 * (YAML's subset), since the shape is all that matters.
 */
function writeTemporalConfig(
  runDir: string,
  postgres: URL,
  databases: { temporal: string; visibility: string },
  rpc: Record<TemporalService, { grpcPort: number; membershipPort: number }>,
  frontendHttpPort: number,
): string {
  const configDir = 'config';
  fs.mkdirSync(path.join(runDir, configDir), { recursive: true });
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.hostname}:${postgres.port || '5432'}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(postgres.username),
      password: decodeURIComponent(postgres.password),
      // Small pools: the machine's PostgreSQL is shared with the product and its tests.
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const dynamicConfig = path.join(runDir, configDir, 'dynamic.yaml');
  // Frontend answers system workers and clients with the namespace as soon as it is registered.
  fs.writeFileSync(dynamicConfig, JSON.stringify({ 'system.namespaceCacheRefreshInterval': [{ value: '1s' }] }));
  const services = Object.fromEntries(
    TEMPORAL_SERVICES.map((service) => [
      service,
      {
        rpc: {
          ...rpc[service],
          bindOnLocalHost: true,
          ...(service === 'frontend' ? { httpPort: frontendHttpPort } : {}),
        },
      },
    ]),
  );
  const frontend = `127.0.0.1:${rpc.frontend.grpcPort}`;
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(databases.temporal, 5),
        'postgres-visibility': datastore(databases.visibility, 2),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: dynamicConfig, pollInterval: '10s' },
  };
  fs.writeFileSync(path.join(runDir, configDir, 'cluster.yaml'), JSON.stringify(config, null, 2));
  return configDir;
}

/**
 * The namespace and the search attribute the workflows set (without it starting an audit fails), as
 * docker-compose.yml's temporal-setup registers them; both kept when already there. Returns once the
 * frontend answers for the namespace with the attribute known.
 */
async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  const alreadyExists = (err: unknown) => (err as { code?: number }).code === 6;
  try {
    await until(
      'the Temporal frontend to register the namespace',
      () =>
        connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) })
          .then(
            () => true,
            (err: unknown) => alreadyExists(err),
          ),
      120_000,
    );
    await until(
      `the namespace ${namespace} to serve`,
      () =>
        connection.workflowService.describeNamespace({ namespace }).then(
          () => true,
          () => false,
        ),
      60_000,
    );
    const searchAttributes = {
      [stageSearchAttribute.name]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    };
    await until(
      `the search attribute ${stageSearchAttribute.name}`,
      async () => {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes }).catch((err: unknown) => {
          if (!alreadyExists(err)) throw err;
        });
        const listed = await connection.operatorService.listSearchAttributes({ namespace });
        return stageSearchAttribute.name in (listed.customAttributes ?? {});
      },
      60_000,
    );
  } finally {
    await connection.close();
  }
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const lines = [
    '',
    'Deep Dive is running as a cluster: Temporal on PostgreSQL, 2 APIs behind one proxy, 3 workers.',
    `  API (proxy)    ${cluster.url}`,
    `  Health         ${cluster.url}/healthz`,
    `  Temporal       ${cluster.temporalAddress} (frontend; history, matching and worker services beside it)`,
    cluster.mailUrl ? `  Mail catcher   ${cluster.mailUrl}` : '',
    `  Staff sign-in  ${cluster.signInUrl}`,
    ...accessLines(cluster),
    `  Logs           ${cluster.logsDir}`,
    '',
    'Press Ctrl-C to stop.',
  ];
  untilSignal(lines, 'the cluster', () => cluster.stop());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`The cluster could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

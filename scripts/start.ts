// `npm start`: the whole product on one machine. Whatever DATABASE_URL, TEMPORAL_ADDRESS and SMTP_URL
// do not name is started here, embedded: the Temporal dev server (with its Web UI), PGlite served on a
// loopback socket, and a mail catcher. Then migrations, the worker and the API (on loopback unless HOST says
// otherwise: it serves /dev/mail and development keys). Ctrl-C stops it all.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { createApp } from '../api/app';
import { devMailRouter } from '../api/dev-mail';
import { linkLifeOf, revokeLinksOfOldSecret } from '../api/link-life';
import { startEmbeddedDatabase, EMBEDDED_POOL_MAX } from '../dev/database';
import { startMailCatcher } from '../dev/mail-catcher';
import { DEV_STAFF, startEmbeddedOidc } from '../dev/oidc';

export { DEV_STAFF };
import { startDevServer } from '../dev/temporal';
import { type Config, loadConfig, ROLES, type Role } from '../infra/config';
import { createDb, type Db } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { migrateDeploy } from '../infra/migrate';
import { connectClient, temporalConnectionOptions } from '../infra/temporal';
import { createWorker, installWorkerLogging } from '../worker';
import { builtWorkflowBundle } from '../worker/bundle';
import { workerSizing } from '../worker/sizing';
import { ensureTool } from './tools';

export interface Running {
  urls: { api: string; health: string; temporalUi?: string; mail?: string; signIn?: string };
  /** Where the API listens (HOST, loopback by default). */
  apiAddress: AddressInfo;
  /** With no OIDC_ISSUER: the embedded provider, its accounts and their password. */
  devStaff?: { issuer: string; password: string; accounts: typeof DEV_STAFF };
  temporalAddress: string;
  databaseUrl: string;
  apiKeys: { role: Role; key: string }[];
  stop(): Promise<void>;
}

export async function startDeepDive(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  installWorkerLogging(log);
  const stack: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stack.reverse().splice(0))
      await step().catch((err: unknown) => log.error({ err }, 'while stopping'));
  };

  try {
    let temporalAddress = config.temporal.address;
    let temporalUi: string | undefined;
    if (!temporalAddress) {
      const cliPath = ensureTool('cli');
      if (!cliPath)
        throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS (see README, "First run").');
      log.info('starting the Temporal dev server');
      const server = await startDevServer({
        cliPath,
        dataDir: path.join(config.dataDir, 'temporal'),
        port: config.embedded.temporalPort,
        uiPort: config.embedded.temporalUiPort,
        namespace: config.temporal.namespace,
      });
      stack.push(() => server.stop());
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }

    let databaseUrl = config.databaseUrl;
    let poolMax: number | undefined;
    if (!databaseUrl) {
      log.info('starting the embedded database (PGlite)');
      const database = await startEmbeddedDatabase({
        dataDir: path.join(config.dataDir, 'pglite'),
        port: config.embedded.databasePort,
      });
      stack.push(() => database.stop());
      databaseUrl = database.url;
      poolMax = EMBEDDED_POOL_MAX;
    }
    log.info('applying database migrations');
    await migrateDeploy(databaseUrl);

    let smtpUrl = config.smtpUrl;
    let devMail;
    if (!smtpUrl) {
      const catcher = await startMailCatcher({ port: config.embedded.smtpPort });
      stack.push(() => catcher.stop());
      smtpUrl = catcher.url;
      devMail = devMailRouter(catcher);
    }

    const db = createDb(databaseUrl, { poolMax });
    stack.push(() => db.$disconnect());
    const transport = createTransport(smtpUrl);
    stack.push(() => Promise.resolve(transport.close()));
    // An external cluster (TEMPORAL_ADDRESS) gets its TLS and API key from the environment; the embedded one, none.
    const connection = config.temporal.address
      ? temporalConnectionOptions(config.temporal)
      : { address: temporalAddress };
    const temporal = await connectClient(temporalAddress, config.temporal.namespace, connection);
    stack.push(() => temporal.connection.close());

    const workerConnection = await NativeConnection.connect(connection);
    stack.push(() => workerConnection.close());
    const worker = await createWorker({
      ...builtWorkflowBundle(process.env.WORKFLOW_BUNDLE_DIR || undefined),
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      transport,
      mailFrom: config.mailFrom,
      email: config.email,
      publicUrl: config.publicUrl,
      linkSecret: config.linkSecret ?? devSecret(config, 'link-secret'),
      businessUnitEmail: config.businessUnitEmail ?? config.email.contactEmail,
      partnershipManagerEmail: config.partnershipManagerEmail ?? config.email.contactEmail,
      lisEmail: config.lisEmail ?? config.email.contactEmail,
      sizing: workerSizing(),
    });
    const workerRun = worker.run();
    stack.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    // Staff sign in with the partnership's provider; without one, with the embedded provider's dev accounts.
    let oidc = config.oidc;
    let devStaff: Running['devStaff'];
    if (!oidc) {
      const dev = await startDevSignIn(config, db);
      stack.push(() => dev.stop());
      ({ oidc, devStaff } = dev);
    }

    const apiKeys = config.apiKeys.length ? config.apiKeys : devApiKeys(config);
    const linkSecret = config.linkSecret ?? devSecret(config, 'link-secret');
    const revoked = await revokeLinksOfOldSecret(db, linkSecret);
    if (revoked) log.warn({ revoked }, 'LINK_SECRET has changed: every emailed link made with the old one is revoked');
    const app = createApp({
      config: { ...config, apiKeys },
      db,
      temporal,
      log,
      devMail,
      transport,
      linkSecret,
      links: linkLifeOf(config),
      oidc,
      session: config.session,
    });
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.embedded.apiHost, () => resolve(s)).once('error', reject);
    });
    stack.push(() => new Promise((resolve) => server.close(resolve)));
    const apiAddress = server.address() as AddressInfo;
    const loopback = /^(127\.|::1$|::ffff:127\.)/.test(apiAddress.address);
    if (devMail && !loopback) {
      log.warn(
        { host: apiAddress.address },
        'HOST is not loopback: /dev/mail shows every emailed link to all who reach it',
      );
    }
    const api = `http://${urlHost(apiAddress, loopback)}:${apiAddress.port}`;

    return {
      urls: {
        api,
        health: `${api}/healthz`,
        temporalUi,
        mail: devMail ? `${api}/dev/mail` : undefined,
        signIn: `${config.publicUrl}/sign-in`,
      },
      apiAddress,
      devStaff,
      temporalAddress,
      databaseUrl,
      apiKeys,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** How this machine reaches the API: localhost when it listens there or everywhere, else its address. */
function urlHost({ address, family }: AddressInfo, loopback: boolean): string {
  if (loopback || address === '0.0.0.0' || address === '::') return 'localhost';
  return family === 'IPv6' ? `[${address}]` : address;
}

/** Without OIDC_ISSUER: the embedded provider, its development accounts in the staff directory. */
export async function startDevSignIn(config: Config, db: Db) {
  const password = config.devStaffPassword ?? devSecret(config, 'staff-password');
  const redirectUrl = `${config.publicUrl}/sign-in/callback`;
  const provider = await startEmbeddedOidc({
    port: config.embedded.oidcPort,
    redirectUrl,
    accounts: DEV_STAFF,
    password,
  });
  try {
    // The accounts are in the staff directory (once: a deactivation by the business unit stands).
    for (const { email, name, role } of DEV_STAFF)
      await db.staff.upsert({ where: { email }, create: { email, name, role }, update: {} });
  } catch (err) {
    await provider.stop();
    throw err;
  }
  return {
    oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUrl },
    devStaff: { issuer: provider.issuer, password, accounts: DEV_STAFF },
    stop: () => provider.stop(),
  };
}

/** Without LINK_SECRET, one made for this data folder, so that links in sent emails keep working. */
export function devSecret(config: Config, name: string): string {
  const file = path.join(config.dataDir, `dev-${name}`);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Without API_KEYS, one key per role, kept in the data folder so that a restart keeps them. */
export function devApiKeys(config: Config): { role: Role; key: string }[] {
  const file = path.join(config.dataDir, 'dev-api-keys.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as { role: Role; key: string }[];
  const keys = ROLES.map((role) => ({ role, key: `dev-${role}-${randomBytes(16).toString('hex')}` }));
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

async function main(): Promise<void> {
  const running = await startDeepDive();
  const lines = [
    '',
    'Deep Dive is running.',
    `  API            ${running.urls.api} (bound to ${running.apiAddress.address}; HOST changes it)`,
    `  Health         ${running.urls.health}`,
    running.urls.temporalUi
      ? `  Temporal UI    ${running.urls.temporalUi}`
      : `  Temporal       ${running.temporalAddress}`,
    running.urls.mail ? `  Mail catcher   ${running.urls.mail}` : '',
    `  Staff sign-in  ${running.urls.signIn}`,
    ...accessLines(running),
    '',
    'Press Ctrl-C to stop.',
  ];
  untilSignal(lines, 'Deep Dive', () => running.stop());
}

/** The development accounts (when embedded) and the API keys, as the launchers print them. */
export function accessLines({ devStaff, apiKeys }: Pick<Running, 'devStaff' | 'apiKeys'>): string[] {
  return [
    ...(devStaff
      ? [
          `  Development accounts (embedded OpenID provider at ${devStaff.issuer}), password ${devStaff.password}:`,
          ...devStaff.accounts.map(({ email, role }) => `    ${role.padEnd(14)} ${email}`),
        ]
      : []),
    '  API keys (Authorization: Bearer <key>):',
    ...apiKeys.map(({ role, key }) => `    ${role.padEnd(14)} ${key}`),
  ];
}

/** Prints `lines`, then runs until Ctrl-C (or SIGTERM), when it stops `what` cleanly and exits. */
export function untilSignal(lines: string[], what: string, stop: () => Promise<void>): void {
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${what}...\n`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`Deep Dive could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

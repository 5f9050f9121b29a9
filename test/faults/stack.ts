// The real parts of Deep Dive as separate OS processes, so that the fault suite can kill, stop and
// restart each one: a private PostgreSQL cluster (Debian's binaries), the Temporal dev server (the CLI
// scripts/tools.js provides), the SMTP catcher (dev/mail-catcher.ts in a process of its own), and the
// built worker and API (`node dist/worker/main.js`, `node dist/api/main.js`). Every process's stdout and
// stderr go to files under the run's folder, which the suite scans at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DEV_STAFF, startEmbeddedOidc } from '../../dev/oidc';
import { logSince, Part, portOpen } from '../../dev/processes';
import { ensureTool } from '../../scripts/tools';
import { workerProcess } from '../../worker/sizing';
import { freePort } from '../support/ports';

export const ROOT = path.resolve(__dirname, '../..');
export { logSince };

/**
 * Builds dist/ (`npm run build`) when any source it is built from is newer than its output, so that
 * the processes run the code under test. CI builds before the tests, so this is a no-op there.
 */
export function buildIfStale(log: (line: string) => void): { built: boolean; ms: number } {
  const started = Date.now();
  const dirs = ['activities', 'api', 'dev', 'domain', 'emails', 'infra', 'scripts', 'worker', 'workflows'];
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      // The pages' templates and our static files are copied into dist/ as they are (scripts/copy-static.js).
      else if (/\.(ts|js|njk|css)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const out = path.join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
        const src = fs.statSync(path.join(ROOT, rel)).mtimeMs;
        if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < src) stale.push(rel);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  if (!fs.existsSync(path.join(ROOT, 'dist', 'workflow-bundle.json'))) stale.push('dist/workflow-bundle.js');
  if (stale.length === 0) return { built: false, ms: Date.now() - started };
  log(`dist/ is stale (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): npm run build`);
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`npm run build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { built: true, ms: Date.now() - started };
}

/** A PostgreSQL cluster of the suite's own (initdb in a temporary folder), so that it can be stopped. */
export class PrivateCluster {
  readonly dir: string;
  readonly port: number;
  private readonly bin: string;
  private readonly asPostgres: boolean;
  starts = 0;
  stops = 0;

  private constructor(
    dir: string,
    port: number,
    bin: string,
    readonly logFile: string,
  ) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    // PostgreSQL refuses to run as root: the cluster is then owned by, and run as, the postgres user.
    this.asPostgres = process.getuid?.() === 0;
  }

  static async create(logFile: string): Promise<PrivateCluster> {
    const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : [];
    const version = versions
      .filter((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
      .sort((a, b) => Number(b) - Number(a))[0];
    if (!version) {
      throw new Error(
        'The fault suite needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install postgresql',
      );
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-faults-pg-'));
    const cluster = new PrivateCluster(dir, await freePort(), `/usr/lib/postgresql/${version}/bin`, logFile);
    if (cluster.asPostgres) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    fs.writeFileSync(logFile, '');
    if (cluster.asPostgres) execFileSync('chown', ['postgres:postgres', logFile]);
    cluster.run('initdb', ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    return cluster;
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}`;
  }

  private run(tool: string, args: string[]): string {
    const file = path.join(this.bin, tool);
    const [cmd, argv] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  start(): void {
    this.starts++;
    // fsync off: a test cluster on a shared disk; acknowledged commits still reach the OS before the
    // answer (synchronous_commit stays on), so an immediate stop loses nothing the API answered for.
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    this.run('pg_ctl', [
      '-D',
      path.join(this.dir, 'data'),
      '-o',
      options,
      '-l',
      this.logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** `immediate`: the server processes stop at once, as in a crash; recovery runs on the next start. */
  stop(mode: 'fast' | 'immediate' = 'immediate'): void {
    this.stops++;
    this.run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  destroy(): void {
    if (!fs.existsSync(this.dir)) return;
    try {
      this.stop('immediate');
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Secrets {
  keys: { bu: string; manager: string; lis: string };
  linkSecret: string;
}

export function makeSecrets(): Secrets {
  const key = (role: string) => `faults-${role}-${randomBytes(18).toString('base64url')}`;
  return {
    keys: { bu: key('bu'), manager: key('manager'), lis: key('lis') },
    linkSecret: randomBytes(36).toString('base64url'),
  };
}

/** The product's database on a private PostgreSQL cluster of its own (so that it can be stopped), migrated. */
export async function startAppDatabase(
  logFile: string,
  migrate: (url: string) => Promise<void>,
  log: (line: string) => void,
): Promise<{ postgres: PrivateCluster; databaseUrl: string }> {
  const postgres = await PrivateCluster.create(logFile);
  postgres.start();
  const databaseUrl = `${postgres.url}/deep_dive_faults`;
  execFileSync(
    process.execPath,
    [
      '-e',
      `const pg=require('pg');const c=new pg.Client(${JSON.stringify(postgres.url + '/postgres')});c.connect().then(()=>c.query('CREATE DATABASE deep_dive_faults')).then(()=>c.end())`,
    ],
    { cwd: ROOT },
  );
  await migrate(databaseUrl);
  log(`PostgreSQL: private cluster ${postgres.dir} on port ${postgres.port}, database deep_dive_faults migrated`);
  return { postgres, databaseUrl };
}

/** The SMTP catcher in a process of its own (so that it can be stopped), appending what it catches to mail.jsonl. */
export async function startCatcher(
  runDir: string,
  logsDir: string,
  log: (line: string) => void,
): Promise<{ catcher: Part; mailFile: string; smtpUrl: string }> {
  const smtpPort = await freePort();
  const mailFile = path.join(runDir, 'mail.jsonl');
  fs.writeFileSync(mailFile, '');
  const catcher = new Part(
    'catcher',
    path.join(logsDir, 'catcher.log'),
    () => ({
      file: process.execPath,
      args: [path.join(__dirname, 'catcher-process.js')],
      env: { ...process.env, CATCHER_PORT: String(smtpPort), CATCHER_FILE: mailFile },
    }),
    () => portOpen(smtpPort),
  );
  await catcher.start();
  log(`SMTP catcher on 127.0.0.1:${smtpPort} (messages appended to ${mailFile})`);
  return { catcher, mailFile, smtpUrl: `smtp://127.0.0.1:${smtpPort}` };
}

/** What the suite's workers and APIs run with, on either engine: the secrets, the catcher, production mode. */
export function productEnv(runDir: string, secrets: Secrets, smtpUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    SMTP_URL: smtpUrl,
    API_KEYS: `business_unit:${secrets.keys.bu},manager:${secrets.keys.manager},lis:${secrets.keys.lis}`,
    LINK_SECRET: secrets.linkSecret,
    ALLOW_COMPRESSED_TIMELINES: 'true',
    BUSINESS_UNIT_EMAIL: 'bu@partnership.example',
    LIS_EMAIL: 'lis@partnership.example',
    PARTNERSHIP_MANAGER_EMAIL: 'manager@partnership.example',
    LOG_LEVEL: 'info',
    DATA_DIR: path.join(runDir, 'data'),
  };
}

export interface Stack {
  runDir: string;
  logsDir: string;
  secrets: Secrets;
  databaseUrl: string;
  apiUrl: string;
  temporalAddress: string;
  temporalCli: string;
  mailFile: string;
  postgres: PrivateCluster;
  temporal: Part;
  catcher: Part;
  workers: Part[];
  api: Part;
  stop(): Promise<void>;
}

/** Every part started and ready, the database migrated. */
export async function startStack(opts: {
  runDir: string;
  log: (line: string) => void;
  migrate: (url: string) => Promise<void>;
}): Promise<Stack> {
  const { runDir, log } = opts;
  const logsDir = path.join(runDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const secrets = makeSecrets();

  const { postgres, databaseUrl } = await startAppDatabase(path.join(logsDir, 'postgres.log'), opts.migrate, log);
  // Should jest end without the afterAll (a timeout, Ctrl-C), nothing the suite started outlives it.
  const parts: Part[] = [];
  process.once('exit', () => {
    for (const part of parts) part.child?.kill('SIGKILL');
    postgres.destroy();
  });

  const temporalCli = ensureTool('cli');
  if (!temporalCli) throw new Error('No Temporal CLI: run `node scripts/tools.js` or set TEMPORAL_CLI_PATH');
  const temporalPort = await freePort();
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const temporal = new Part(
    'temporal',
    path.join(logsDir, 'temporal.log'),
    () => ({
      file: temporalCli,
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(temporalPort),
        '--headless',
        '--namespace',
        'default',
        '--search-attribute',
        'DeepDiveStage=Keyword',
        '--log-level',
        'warn',
      ],
    }),
    async () => {
      try {
        const connection = await Connection.connect({ address: temporalAddress, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return true;
        } finally {
          await connection.close();
        }
      } catch {
        return false;
      }
    },
  );
  parts.push(temporal);
  await temporal.start();
  log(`Temporal dev server on ${temporalAddress}`);

  const { catcher, mailFile, smtpUrl } = await startCatcher(runDir, logsDir, log);
  parts.push(catcher);

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // Staff sign in with an OpenID provider, as in use: the embedded one, in a process of its own.
  const redirectUrl = `${apiUrl}/sign-in/callback`;
  const oidc = await startEmbeddedOidc({ port: 0, redirectUrl, accounts: DEV_STAFF, password: secrets.linkSecret });
  log(`OpenID provider on ${oidc.issuer}`);
  const env: NodeJS.ProcessEnv = {
    ...productEnv(runDir, secrets, smtpUrl),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    PUBLIC_URL: apiUrl,
    PORT: String(apiPort),
    OIDC_ISSUER: oidc.issuer,
    OIDC_CLIENT_ID: oidc.clientId,
    OIDC_CLIENT_SECRET: oidc.clientSecret,
    OIDC_REDIRECT_URL: redirectUrl,
  };
  // Two workers, as `--scale worker=2` runs them: the suite kills one, or both at once.
  const workers = [1, 2].map(
    (n) =>
      new Part(
        `worker-${n}`,
        path.join(logsDir, `worker-${n}.log`),
        () => ({ file: process.execPath, ...workerProcess(path.join(ROOT, 'dist/worker/main.js'), env) }),
        (part) => logSince(part.logFile, part.startOffset).includes('"msg":"worker running"'),
        120_000,
      ),
  );
  const api = new Part(
    'api',
    path.join(logsDir, 'api.log'),
    () => ({ file: process.execPath, args: [path.join(ROOT, 'dist/api/main.js')], env }),
    async () => {
      try {
        return (await fetch(`${apiUrl}/healthz`)).status > 0;
      } catch {
        return false;
      }
    },
  );
  parts.push(...workers, api);
  const workerStarted = Date.now();
  await Promise.all([...workers.map((w) => w.start()), api.start()]);
  log(`${workers.length} workers and the API up in ${Date.now() - workerStarted} ms; API on ${apiUrl}`);

  return {
    runDir,
    logsDir,
    secrets,
    databaseUrl,
    apiUrl,
    temporalAddress,
    temporalCli,
    mailFile,
    postgres,
    temporal,
    catcher,
    workers,
    api,
    async stop() {
      await Promise.allSettled([api.stop(10_000), ...workers.map((w) => w.stop(10_000))]);
      await Promise.allSettled([catcher.stop(5000), temporal.stop(15_000), oidc.stop()]);
      postgres.destroy();
    },
  };
}

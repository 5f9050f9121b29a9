// The embedded database over real loopback sockets: in memory, on disk, its data dir lock, the one
// client at a time it serves, and errors that must leave the database usable.
//
// PGlite loads its WebAssembly and Node built-ins with dynamic import(), which jest's module sandbox refuses
// unless node runs with --experimental-vm-modules. So dev/database.ts runs in child Node processes, as it
// does under `npm start`, and the tests talk to it with pg like the product does.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type DatabaseError, Pool } from 'pg';
import { EMBEDDED_POOL_MAX, type EmbeddedDatabaseOptions } from '../../dev/database';
import { createDb } from '../../infra/db';
import { migrateDeploy } from '../../infra/migrate';

const ROOT = path.resolve(__dirname, '../..');

/** Compiles dev/database.ts with the project's .swcrc and serves start/stop requests from the test. */
const HOST_SCRIPT = `
  const { transformFileSync } = require('@swc/core');
  require.extensions['.ts'] = (module, filename) => module._compile(transformFileSync(filename).code, filename);
  const { startEmbeddedDatabase } = require('./dev/database.ts');
  const databases = [];
  process.on('disconnect', () => process.exit());
  process.on('message', async ({ command, opts, index }) => {
    try {
      if (command === 'start') {
        const db = await startEmbeddedDatabase(opts);
        process.send({ url: db.url, index: databases.push(db) - 1 });
      } else {
        await databases[index].stop();
        process.send({});
      }
    } catch (err) {
      process.send({ error: err.message });
    }
  });`;

interface Reply {
  url?: string;
  index?: number;
  error?: string;
}

class DatabaseProcess {
  readonly child: ChildProcess;
  stderr = '';

  constructor() {
    this.child = spawn(process.execPath, ['-e', HOST_SCRIPT], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the database's url and a stop function; rejects with startEmbeddedDatabase's error. */
  async start(opts: EmbeddedDatabaseOptions): Promise<{ url: string; stop(): Promise<void> }> {
    const { url, index, error } = await this.request({ command: 'start', opts });
    if (error !== undefined) throw new Error(error);
    return {
      url: url!,
      stop: async () => {
        const reply = await this.request({ command: 'stop', index });
        if (reply.error !== undefined) throw new Error(reply.error);
      },
    };
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    return exited;
  }

  private request(message: object): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`database process exited (${code}): ${this.stderr}`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply) => {
        this.child.off('exit', onExit);
        resolve(reply as Reply);
      });
      this.child.send(message);
    });
  }
}

let tmp: string;
const processes: DatabaseProcess[] = [];

function databaseProcess(): DatabaseProcess {
  const host = new DatabaseProcess();
  processes.push(host);
  return host;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-pglite-'));
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((host) => host.kill()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const pool = new Pool({ connectionString: url, max: EMBEDDED_POOL_MAX });
  try {
    return (await pool.query(sql, params)).rows as T[];
  } finally {
    await pool.end();
  }
}

/** Runs SQL from yet another process, as `prisma migrate deploy` does before the app's pool connects. */
async function queryFromChild(url: string, sql: string): Promise<void> {
  const code = `
    const client = new (require('pg').Client)(process.env.URL);
    client.connect().then(() => client.query(process.env.SQL)).then(() => client.end())
      .catch((err) => { console.error(err); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', code], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, URL: url, SQL: sql },
  });
  const status = await new Promise((resolve) => child.once('exit', resolve));
  expect(status).toBe(0);
}

test('in memory: serves queries on a free loopback port, stop is idempotent', async () => {
  const db = await databaseProcess().start({ port: 0 });
  expect(db.url).toMatch(/^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/);
  expect(db.url).not.toMatch(/:0\//);
  expect(await query(db.url, 'SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
  await db.stop();
  await db.stop();
});

test('on disk: data written through pg survives stop and start, the lock is held only while running', async () => {
  const dataDir = path.join(tmp, 'data');
  const lockFile = path.join(dataDir, 'deep-dive.lock');
  const host = databaseProcess();

  const first = await host.start({ dataDir });
  expect(fs.readFileSync(lockFile, 'utf8').trim()).toBe(String(host.pid));
  await query(first.url, 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
  await query(first.url, 'INSERT INTO notes (body) VALUES ($1), ($2)', ['kept', 'also kept']);
  await first.stop();
  expect(fs.existsSync(lockFile)).toBe(false);

  const second = await host.start({ dataDir });
  expect(await query(second.url, 'SELECT body FROM notes ORDER BY id')).toEqual([
    { body: 'kept' },
    { body: 'also kept' },
  ]);
});

test('a data dir in use is refused, from another process or the same one, naming the pid and the folder', async () => {
  const dataDir = path.join(tmp, 'data');
  const owner = databaseProcess();
  const db = await owner.start({ dataDir });

  await expect(databaseProcess().start({ dataDir })).rejects.toThrow(`${dataDir} is in use by process ${owner.pid}`);
  await expect(owner.start({ dataDir })).rejects.toThrow(`${dataDir} is in use by process ${owner.pid}`);
  expect(await query(db.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
});

test('after a crash (SIGKILL) the stale lock is taken over with a message, and the data is there', async () => {
  const dataDir = path.join(tmp, 'data');
  const crashed = databaseProcess();
  const before = await crashed.start({ dataDir });
  await query(before.url, 'CREATE TABLE t AS SELECT 1 AS n');
  await crashed.kill('SIGKILL');

  const next = databaseProcess();
  const after = await next.start({ dataDir });
  expect(next.stderr).toContain(`process ${crashed.pid} that held it is no longer running`);
  expect(fs.readFileSync(path.join(dataDir, 'deep-dive.lock'), 'utf8').trim()).toBe(String(next.pid));
  expect(await query(after.url, 'SELECT n FROM t')).toEqual([{ n: 1 }]);
});

test('one client at a time: each disconnect makes room for the next, a concurrent client waits its turn', async () => {
  const db = await databaseProcess().start({});

  // The migrate step: another process connects, writes, disconnects. Then the app's pool connects.
  await queryFromChild(db.url, 'CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
  // A pool closing its connection and the next one opening at once: never refused.
  for (let i = 0; i < 20; i++) expect(await query(db.url, 'SELECT n FROM t')).toEqual([{ n: 1 }]);

  const pool = new Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX });
  const held = await pool.connect();
  const waiter = new Client(db.url);
  let waiterConnected = false;
  const connecting = waiter.connect().then(() => (waiterConnected = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(waiterConnected).toBe(false);
  expect((await held.query('SELECT count(*)::int AS c FROM t')).rows).toEqual([{ c: 1 }]);
  held.release();
  await pool.end();
  await connecting;

  // A client gone mid-transaction leaves nothing behind for the next one.
  await waiter.query('BEGIN');
  await waiter.query('INSERT INTO t VALUES (2)');
  await waiter.end();
  expect(await query(db.url, 'SELECT n FROM t')).toEqual([{ n: 1 }]);
});

/** The SQLSTATE a query fails with, or 'ok'. */
async function outcome(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (err) {
    return (err as DatabaseError).code ?? (err as Error).message;
  }
}

test('errors in the extended protocol leave the connection usable: unique violation, syntax, bad parameter, failed transaction', async () => {
  const db = await databaseProcess().start({});
  const client = new Client(db.url);
  await client.connect();
  try {
    await client.query('CREATE TABLE u (k text PRIMARY KEY)');
    await client.query('INSERT INTO u VALUES ($1)', ['a']);

    expect(await outcome(client.query('INSERT INTO u VALUES ($1)', ['a']))).toBe('23505');
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect((await client.query('SELECT $1::int AS n', [2])).rows).toEqual([{ n: 2 }]);

    // Fails at Parse, then at Bind: the rest of each batch is skipped up to its Sync.
    expect(await outcome(client.query('SELEC $1::int', [1]))).toBe('42601');
    expect((await client.query('SELECT $1::int AS n', [3])).rows).toEqual([{ n: 3 }]);
    expect(await outcome(client.query('SELECT $1::int AS n', ['not a number']))).toBe('22P02');
    expect((await client.query('SELECT $1::int AS n', [4])).rows).toEqual([{ n: 4 }]);

    await client.query('BEGIN');
    await client.query('INSERT INTO u VALUES ($1)', ['b']);
    expect(await outcome(client.query('INSERT INTO u VALUES ($1)', ['a']))).toBe('23505');
    expect(await outcome(client.query('SELECT $1::int', [5]))).toBe('25P02');
    await client.query('ROLLBACK');
    expect((await client.query('SELECT k FROM u ORDER BY k')).rows).toEqual([{ k: 'a' }]);
  } finally {
    await client.end();
  }
});

// pg's pool discards a client whose query failed and opens a new connection at once, while the old one is
// still closing. A bare PGLiteSocketServer (one slot) refuses that connection: "Connection terminated
// unexpectedly" on the query after every error.
test('the query after a failed one (a pool of one reconnects at once) is served', async () => {
  const db = await databaseProcess().start({});
  const pool = new Pool({ connectionString: db.url, max: EMBEDDED_POOL_MAX });
  try {
    await pool.query('CREATE TABLE u (k text PRIMARY KEY)');
    await pool.query('INSERT INTO u VALUES ($1)', ['a']);
    for (let i = 0; i < 10; i++) {
      expect(await outcome(pool.query('INSERT INTO u VALUES ($1)', ['a']))).toBe('23505');
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await outcome(pool.query('SELEC $1::int', [1]))).toBe('42601');
      expect((await pool.query('SELECT $1::int AS n', [i])).rows).toEqual([{ n: i }]);
    }
    // Requests in flight together when one fails: the others wait for the next connection.
    const results = await Promise.all([
      outcome(pool.query('INSERT INTO u VALUES ($1)', ['a'])),
      outcome(pool.query('SELECT 1')),
      outcome(pool.query('INSERT INTO u VALUES ($1)', ['a'])),
      outcome(pool.query('SELECT count(*) FROM u')),
    ]);
    expect(results).toEqual(['23505', 'ok', '23505', 'ok']);
  } finally {
    await pool.end();
  }
});

test('Prisma over the migrated embedded database: the query after a unique violation (P2002) succeeds', async () => {
  const db = await databaseProcess().start({});
  await migrateDeploy(db.url);
  const prisma = createDb(db.url, { poolMax: EMBEDDED_POOL_MAX });
  const agency = {
    name: 'Police',
    type: 'police',
    contactEmail: 'police@example.org',
    leadEmail: 'lead@example.org',
  } as const;
  try {
    await prisma.agency.create({ data: agency });
    for (let i = 0; i < 5; i++) {
      await expect(prisma.agency.create({ data: agency })).rejects.toMatchObject({ code: 'P2002' });
      expect(await prisma.agency.count()).toBe(1);
    }
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.agency.create({ data: { ...agency, name: 'Health', type: 'health' } });
        await tx.agency.create({ data: agency });
      }),
    ).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.agency.findMany({ select: { name: true } })).toEqual([{ name: 'Police' }]);
  } finally {
    await prisma.$disconnect();
  }
});

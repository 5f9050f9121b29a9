// A fresh, empty PostgreSQL database for one test: a new database on the server at TEST_DATABASE_URL
// when that is set, else an embedded PGlite (PostgreSQL compiled to WebAssembly) served on a free
// loopback port by @electric-sql/pglite-socket.
//
// PGlite serves ONE connection at a time (a second one is refused): clients use a pool of one (`max: 1`)
// and close it before another client connects; the database name in its URL is ignored.
//
// PGlite loads its WebAssembly with dynamic import(), which jest's module sandbox refuses (without
// --experimental-vm-modules), so each embedded database runs in a child Node process of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  return server ? newDatabaseOn(server) : embeddedDatabase();
}

async function newDatabaseOn(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `test_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  await runOn(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.toString(),
    // FORCE: a connection a failed test left open must not keep the database alive.
    drop: () => (dropping ??= runOn(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

async function runOn(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const ROOT = path.resolve(__dirname, '../..');

/** Runs in the child: PGlite in memory behind a one-connection socket server on a free port. */
const SERVE_PGLITE = `
  const { PGlite } = require('@electric-sql/pglite');
  const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');
  (async () => {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const stop = async () => {
      await server.stop();
      await db.close();
      process.exit(0);
    };
    process.on('message', stop);
    process.on('disconnect', stop);
    process.send({ url: 'postgresql://postgres:postgres@' + server.getServerConn() + '/postgres' });
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });`;

async function embeddedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', SERVE_PGLITE], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('error', reject);
    void exited.then(() => reject(new Error(`PGlite did not start (exit ${child.exitCode}):\n${stderr}`)));
  });
  let dropping: Promise<void> | undefined;
  return { url, drop: () => (dropping ??= stop(child, exited)) };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// A fresh, empty PostgreSQL database for one test: a new database on the server at TEST_DATABASE_URL
// when that is set, else the embedded PGlite (PostgreSQL compiled to WebAssembly) on a free loopback
// port. PGlite serves one client at a time (pool of one); the database name in its URL is ignored.
// (It loads its WebAssembly with dynamic import(): npm test runs jest with --experimental-vm-modules.)
import crypto from 'node:crypto';
import pg from 'pg';
import { startEmbeddedDatabase } from '../../dev/database';

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_URL;
  return server ? newDatabaseOn(server) : embeddedDatabase();
}

/** A new, empty database on the server (named `name`); `drop` removes it whatever holds it. The bench's too. */
export async function newDatabaseOn(
  serverUrl: string,
  name = `test_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  await runOn(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    name,
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

/**
 * The product's own embedded database (dev/database.ts), in memory: the same one-client-at-a-time front
 * that `npm start` uses, so a pool's reconnect after a failed query waits instead of being refused.
 */
async function embeddedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = await startEmbeddedDatabase({ port: 0 });
  return { url: database.url, drop: () => database.stop() };
}

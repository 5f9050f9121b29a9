#!/usr/bin/env node
// @ts-check
'use strict';
// A stand-in for Prisma's native `schema-engine` binary, which cannot be downloaded here. The Prisma CLI
// spawns it (PRISMA_SCHEMA_ENGINE_BINARY, see select.ts) as `schema-engine --datamodels <file>...
// --datasource <json>` and talks JSON-RPC 2.0 over stdin/stdout, one message a line; or as
// `schema-engine --datasource <json> cli <command>` for one-shot database commands. This runs the same
// engine, compiled to WebAssembly (@prisma/schema-engine-wasm), over @prisma/adapter-pg connections.
// stdout carries protocol messages only; diagnostics go to stderr as JSON lines, as the native engine's do.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const readline = require('node:readline');
const pg = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } = require('@prisma/driver-adapter-utils');

/** @typedef {import('@prisma/driver-adapter-utils').SqlDriverAdapter} SqlDriverAdapter */
/** @typedef {{ url?: string; shadowDatabaseUrl?: string }} Datasource */
/** @typedef {{ id: number | string; method: string; params?: any }} Request */

/** @param {'INFO' | 'ERROR'} level @param {string} message @param {object} [extra] */
function log(level, message, extra = {}) {
  process.stderr.write(
    JSON.stringify({ level, fields: { message, ...extra }, target: 'schema_engine::logger' }) + '\n',
  );
}
// Whatever the engine or a library prints must not reach stdout, which belongs to the protocol.
console.log = console.info = console.debug = console.warn = console.error;

// The Wasm engine reports a Rust panic's message here, then traps (RuntimeError: unreachable).
const panic = {
  message: '',
  set_message(/** @type {string} */ message) {
    panic.message = message;
  },
};
Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: panic });

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {string[]} */ const datamodels = [];
  /** @type {Datasource} */ let datasource = {};
  /** @type {string | undefined} */ let cli;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--datamodels') datamodels.push(String(argv[++i]));
    else if (arg === '--datasource') datasource = JSON.parse(String(argv[++i]));
    else if (arg === 'cli') cli = argv[++i];
    else if (arg?.startsWith('--')) i++; // --enabled-preview-features, --extension-types: nothing to do
  }
  return { datamodels, datasource, cli };
}

// PostgreSQL's internal one-byte `"char"` type (pg_class.relkind, pg_constraint.contype, ...) appears in
// the engine's introspection queries, which read it as a char; @prisma/adapter-pg refuses the type
// ("Column type 'char' could not be deserialized"). The client below lets such columns through as text
// and remembers where they were (keyed by the rows array, which the adapter hands on untouched), and
// connect() below then reports them to the engine as ColumnTypeEnum.Character.
const CHAR_OID = 18;
const TEXT_OID = 25;
/** @type {WeakMap<unknown[], number[]>} */
const charColumns = new WeakMap();
/** @param {any} result */
function letCharThrough(result) {
  for (const r of Array.isArray(result) ? result : [result]) {
    /** @type {number[]} */ const columns = [];
    (r?.fields ?? []).forEach((/** @type {any} */ field, /** @type {number} */ i) => {
      if (field.dataTypeID !== CHAR_OID) return;
      field.dataTypeID = TEXT_OID;
      columns.push(i);
    });
    if (columns.length && Array.isArray(r.rows)) charColumns.set(r.rows, columns);
  }
  return result;
}
/**
 * @template {import('@prisma/driver-adapter-utils').SqlQueryable} Q
 * @param {Q} queryable
 * @returns {Q}
 */
function reportCharColumns(queryable) {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}
class Client extends pg.Client {
  /** @override @param {any} config @param {any} [values] @param {any} [callback] @returns {any} */
  query(config, values, callback) {
    if (typeof callback === 'function') {
      return super.query(config, values, (/** @type {any} */ err, /** @type {any} */ res) =>
        callback(err, letCharThrough(res)),
      );
    }
    if (typeof values === 'function') {
      return super.query(config, (/** @type {any} */ err, /** @type {any} */ res) => values(err, letCharThrough(res)));
    }
    return super.query(config, values).then(letCharThrough);
  }
}

/** @param {string} url @param {string} database */
function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}
/** @param {string} url */
function databaseName(url) {
  const u = new URL(url);
  return decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres';
}
/** @param {string} name */
const quoteIdent = (name) => '"' + name.replace(/"/g, '""') + '"';

/**
 * pg.Pool drops its connection after any failed query, and connects anew for the next one. A PGlite
 * socket, which serves one connection, refuses that new one while it has not yet noticed the old one
 * closing. Keep the connection unless it is the connection that failed, as the native engine does.
 */
class Pool extends pg.Pool {
  /** @override @param {any} config @param {any} [values] @returns {Promise<any>} */
  async query(config, values) {
    const client = await this.connect();
    try {
      const result = await client.query(config, values);
      client.release();
      return result;
    } catch (err) {
      client.release(err instanceof pg.DatabaseError ? undefined : /** @type {Error} */ (err));
      throw err;
    }
  }
}

/** @type {Set<pg.Pool>} */
const pools = new Set();
/** A pool of one connection, kept open: PGlite's socket serves one; the native engine uses one too. */
/** @param {string} url */
function pool(url) {
  const p = new Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0, Client });
  p.on('error', (err) => log('ERROR', `database connection error: ${err.message}`));
  pools.add(p);
  return p;
}
/** @param {pg.Pool} p */
async function endPool(p) {
  pools.delete(p);
  // end() waits for checked-out clients; do not hang the exit on one the engine never released.
  await Promise.race([p.end(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}
/**
 * @prisma/adapter-pg runs a script statement by statement, split at every `;` (breaking `DO $$ ... $$`,
 * and leaving half a migration applied when a later statement fails). Send it whole instead, as one
 * simple query, which PostgreSQL runs as one implicit transaction, like the native engine does.
 * @param {pg.Pool} p @param {string} url
 */
async function connect(p, url) {
  const adapter = reportCharColumns(await new PrismaPg(p, adapterOptions(url)).connect());
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => reportCharColumns(await startTransaction(isolationLevel));
  adapter.executeScript = async (script) => {
    try {
      await p.query(script);
    } catch (err) {
      /** @type {any} */ (adapter).onError(err); // throws the adapter's DriverAdapterError
    }
  };
  return adapter;
}
/** @param {string} url */
const adapterOptions = (url) => ({ schema: new URL(url).searchParams.get('schema') ?? undefined });
/** @param {string} url */
const schemaOf = (url) => adapterOptions(url).schema ?? 'public';

/** Runs statements on the server's `postgres` maintenance database, through a connection of its own. */
/** @param {string} url @param {string[]} statements */
async function onMaintenanceDatabase(url, statements) {
  // A server that takes one client at a time (the embedded PGlite) would queue this one behind the
  // engine's own connection for ever: give up soon and say what to do instead.
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** @type {pg.Pool | undefined} */
let configuredShadowPool;
/** @type {Map<string, () => Promise<void>>} temporary shadow databases still to drop, by name */
const temporaryShadows = new Map();

/**
 * A shadow database the engine can migrate from scratch: the configured one, or else a temporary
 * `prisma_shadow_<random>` created next to the main database, dropped once its connections are closed.
 * (@prisma/adapter-pg's own connectToShadowDb drops it while its pool is still open, which fails.)
 * @param {Datasource} datasource
 * @returns {Promise<SqlDriverAdapter>}
 */
async function connectToShadowDb(datasource) {
  if (datasource.shadowDatabaseUrl) {
    // One pool for the process (see Pool above): the engine may ask for the shadow database again.
    configuredShadowPool ??= pool(datasource.shadowDatabaseUrl);
    const adapter = await connect(configuredShadowPool, datasource.shadowDatabaseUrl);
    await resetSchema(adapter, schemaOf(datasource.shadowDatabaseUrl)); // whatever was left there before
    return adapter;
  }
  const url = String(datasource.url);
  const name = `prisma_shadow_${crypto.randomBytes(8).toString('hex')}`;
  await onMaintenanceDatabase(url, [`CREATE DATABASE ${quoteIdent(name)}`]).catch((err) => {
    throw new Error(
      `Could not create a temporary shadow database next to the main one (${err.message}). ` +
        "Give one the engine may wipe in the datasource's shadowDatabaseUrl (SHADOW_DATABASE_URL): " +
        'on PGlite, another PGlite server.',
    );
  });
  const shadowPool = pool(withDatabase(url, name));
  const drop = async () => {
    temporaryShadows.delete(name);
    await endPool(shadowPool);
    await onMaintenanceDatabase(url, [`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`]);
    log('INFO', `dropped temporary shadow database ${name}`);
  };
  temporaryShadows.set(name, drop);
  log('INFO', `created temporary shadow database ${name}`);
  const adapter = await connect(shadowPool, url);
  adapter.dispose = drop;
  return adapter;
}

/**
 * `migrate reset` must leave an empty database, as the native engine does on PostgreSQL: drop the schema
 * and create it again (the Wasm engine only empties the tables it knows of).
 * @param {SqlDriverAdapter} adapter @param {string} schema
 */
async function resetSchema(adapter, schema) {
  await adapter.executeScript(
    `DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE; CREATE SCHEMA ${quoteIdent(schema)}`,
  );
}

/** Maps a failed connection attempt to the Prisma error the CLI expects from the native engine. */
/** @param {string} url @param {any} err */
function connectionError(url, err) {
  const u = new URL(url);
  const at = `${u.hostname}:${u.port || 5432}`;
  if (err?.code === '3D000')
    return {
      error_code: 'P1003',
      message: `Database \`${databaseName(url)}\` does not exist on the database server at \`${at}\`.`,
    };
  if (err?.code === '28P01')
    return {
      error_code: 'P1000',
      message: `Authentication failed against database server at \`${at}\`, the provided database credentials for \`${decodeURIComponent(u.username)}\` are not valid.`,
    };
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(err?.code)) {
    return {
      error_code: 'P1001',
      message: `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
    };
  }
  return { message: String(err?.message ?? err) };
}

/** `schema-engine cli <command>`: exit 0 on success, else 1 with the error as a JSON line on stderr. */
/** @param {string} command @param {Datasource} datasource */
async function runCliCommand(command, datasource) {
  const url = String(datasource.url ?? '');
  try {
    if (!url) throw new Error('No datasource URL was given.');
    if (command === 'can-connect-to-database') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
    } else if (command === 'create-database') {
      await onMaintenanceDatabase(url, [`CREATE DATABASE ${quoteIdent(databaseName(url))}`]);
    } else if (command === 'drop-database') {
      await onMaintenanceDatabase(url, [`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`]);
    } else {
      throw new Error(`Unknown cli command: ${command}`);
    }
    return 0;
  } catch (err) {
    const { message, ...code } = connectionError(url, err);
    // The CLI skips stderr's first line and reads each following one as JSON.
    process.stderr.write(`schema-engine cli ${command} failed\n`);
    log('ERROR', message, code);
    return 1;
  }
}

async function loadWasmEngine() {
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const wasm = fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm'));
  const { WebAssembly } = /** @type {any} */ (globalThis); // not in this project's `lib` typings
  const { instance } = await WebAssembly.instantiate(wasm, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  /** @type {any} */ (instance.exports).__wbindgen_start();
  return bindings.SchemaEngine;
}

async function main() {
  const { datamodels, datasource, cli } = parseArgs(process.argv.slice(2));
  if (cli) process.exit(await runCliCommand(cli, datasource));

  /** @type {Map<Request['id'], Request>} requests not answered yet */
  const pending = new Map();
  /** @param {Request['id']} id @param {{ result: unknown } | { error: object }} outcome */
  const respond = (id, outcome) => {
    pending.delete(id);
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, ...outcome }) + '\n');
  };
  /** @param {string} message @param {object} [data] */
  const failure = (message, data = {}) => ({
    error: { code: 4466, message, data: { is_panic: false, message, ...data } },
  });

  // A panic leaves the Wasm instance unusable: answer everything still pending and stop with 101, as the
  // native engine does. Same if the event loop runs dry with requests unanswered, so the CLI never
  // mistakes a dead engine for a finished command.
  /** @param {string} message */
  const die = (message) => {
    log('ERROR', message, { is_panic: true });
    for (const id of [...pending.keys()]) respond(id, failure(message, { is_panic: true, error: { message } }));
    process.exit(101);
  };
  process.on('uncaughtException', (err) => die(panic.message || String(err?.stack ?? err)));
  process.on('unhandledRejection', (err) => die(panic.message || String(/** @type {any} */ (err)?.stack ?? err)));
  process.on('beforeExit', () => {
    if (pending.size) die(panic.message || 'The schema engine stopped without answering.');
  });

  let shuttingDown = false;
  const shutdown = async () => {
    shuttingDown = true;
    for (const drop of [...temporaryShadows.values()])
      await drop().catch((err) => log('ERROR', `dropping shadow database: ${err.message}`));
    await Promise.all([...pools].map(endPool));
    process.exit(pending.size ? 1 : 0);
  };

  const url = datasource.url;
  const mainPool = pool(url || 'postgresql://no-datasource-url.invalid/');
  /** @type {import('@prisma/driver-adapter-utils').SqlMigrationAwareDriverAdapterFactory} */
  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => connect(mainPool, String(url)),
    connectToShadowDb: () => connectToShadowDb(datasource),
  };
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(factory);

  /** @type {Promise<import('@prisma/schema-engine-wasm').SchemaEngine>} */
  const engine = (async () => {
    if (!url) throw new Error('This schema engine needs a database: no datasource URL was given (set DATABASE_URL).');
    const SchemaEngine = await loadWasmEngine();
    const files = datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')]);
    return SchemaEngine.new(
      { datamodels: files.length ? /** @type {[string, string][]} */ (files) : undefined },
      (/** @type {string} */ line) => process.stderr.write(line.endsWith('\n') ? line : line + '\n'),
      adapterFactory,
    );
  })();
  engine.catch(() => {}); // reported per request below

  /** @param {any} err */
  const describe = (err) => {
    // Errors thrown by our own code inside the adapter reach us as "External error id#N".
    const external = /External error id#(\d+)/.exec(String(err?.message));
    const original = external && adapterFactory.errorRegistry.consumeError(Number(external[1]))?.error;
    const message = String(/** @type {any} */ (original)?.message ?? err?.message ?? err);
    if (err?.code) return failure(message, { error_code: err.code, meta: err.meta });
    if (/^(Can't reach database server|Database `.*` does not exist|Authentication failed)/.test(message) && url) {
      return failure(message, connectionError(url, original ?? err));
    }
    return failure(message);
  };

  // evaluateDataLoss and createMigration get no adapter factory: they take the schema the migrations
  // produce from a cache that devDiagnostic fills (keyed by the migrations applied at the time), through
  // connectToShadowDb. Once applyMigrations has applied pending ones (`migrate dev` on a database behind
  // its migrations folder), that key no longer matches, and on a miss the Wasm engine has no shadow
  // database of its own to use ("PostgreSQL shadow DB must be provided through an external factory").
  // Fill the cache again for the new list first, the way devDiagnostic does, through the factory.
  let migrationsAppliedSinceDiagnosis = false;

  /** @param {Request} request */
  const handle = async (request) => {
    const method = request.method === 'getDatabaseVersion' ? 'version' : request.method;
    const params = request.params ?? undefined;
    try {
      const e = await engine;
      if (method === 'reset') {
        const adapter = await factory.connect();
        try {
          await resetSchema(adapter, schemaOf(String(url)));
        } finally {
          await adapter.dispose();
        }
        return respond(request.id, { result: {} });
      }
      if (!(method in e) || method === 'free' || method === 'constructor') {
        return respond(request.id, { error: { code: -32601, message: `Method not found: ${request.method}` } });
      }
      if (method === 'devDiagnostic' || method === 'diagnoseMigrationHistory') migrationsAppliedSinceDiagnosis = false;
      if ((method === 'evaluateDataLoss' || method === 'createMigration') && migrationsAppliedSinceDiagnosis) {
        const { migrationsList, filters } = params;
        await e.diagnoseMigrationHistory({ migrationsList, filters, optInToShadowDatabase: true });
        migrationsAppliedSinceDiagnosis = false;
      }
      const result = await /** @type {any} */ (e)[method](params);
      if (method === 'applyMigrations' && result?.appliedMigrationNames?.length) migrationsAppliedSinceDiagnosis = true;
      if (method === 'diff' && typeof result?.stdout === 'string') {
        // The native engine has the CLI print the diff through a `print` request; the CLI ignores `stdout`.
        const content = result.stdout.replace(/\n$/, '');
        process.stdout.write(
          JSON.stringify({ jsonrpc: '2.0', id: `print-${request.id}`, method: 'print', params: { content } }) + '\n',
        );
        result.stdout = null;
      }
      respond(request.id, { result: result ?? null });
    } catch (/** @type {any} */ err) {
      if (err?.name === 'RuntimeError') return die(panic.message || String(err.message));
      log('ERROR', `${request.method} failed: ${String(err?.message)}`);
      respond(request.id, describe(err));
    }
  };

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!line.trim() || shuttingDown) return;
    /** @type {any} */ let message;
    try {
      message = JSON.parse(line);
    } catch {
      return log('ERROR', `not JSON: ${line.slice(0, 200)}`);
    }
    if (message.method === undefined) return; // a response to something we never ask
    pending.set(message.id, message);
    void handle(message);
  });
  lines.on('close', () => void shutdown());
}

main().catch((err) => {
  log('ERROR', String(err?.stack ?? err));
  process.exit(1);
});

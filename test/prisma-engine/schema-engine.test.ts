// The real Prisma CLI, run as a child process against a throwaway schema and migrations folder, with the
// schema engine that prisma.config.ts selects (prisma/engine/select.ts: the Wasm engine in
// prisma/engine/schema-engine.js, since no native engine can be downloaded here). Each test gets fresh
// databases: on the PostgreSQL server at TEST_DATABASE_URL when set, else embedded PGlite.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshDatabase } from '../support/fresh-database';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const PRISMA_CLI = require.resolve('prisma/build/index.js', { paths: [ROOT] });
const SELECT = path.join(ROOT, 'prisma', 'engine', 'select');
const embedded = !process.env.TEST_DATABASE_URL;

const USER_SCHEMA = `
datasource db {
  provider = "postgresql"
}

model User {
  id    Int    @id @default(autoincrement())
  email String @unique
}
`;

const USER_WITH_ROLE_SCHEMA = `${USER_SCHEMA.replace('email String @unique', 'email String @unique\n  name  String\n  role  Role')}
enum Role {
  admin
  member
}
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for assertions and failure messages */
  output: string;
}

interface Workspace {
  dir: string;
  schema: string;
  migrations: string;
  url: string;
  prisma(args: string[], env?: NodeJS.ProcessEnv): Promise<Run>;
  migrationNames(): string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database for the test and, for `migrate dev` on PGlite, a second one as the shadow database. */
async function databases(withShadow: boolean): Promise<{ url: string; shadowUrl?: string }> {
  const main = await freshDatabase();
  cleanups.push(() => main.drop());
  // On PostgreSQL the engine creates (and drops) a temporary shadow database on the same server.
  if (!withShadow || !embedded) return { url: main.url };
  // One PGlite socket serves one connection, and has no other database to create: shadow elsewhere.
  const shadow = await freshDatabase();
  cleanups.push(() => shadow.drop());
  return { url: main.url, shadowUrl: shadow.url };
}

async function workspace(
  schema: string,
  opts: { schemaPath?: string; migrationsPath?: string; shadow?: boolean } = {},
): Promise<Workspace> {
  const { url, shadowUrl } = await databases(opts.shadow ?? false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prisma-engine-test-'));
  cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
  const schemaPath = opts.schemaPath ?? path.join(dir, 'schema.prisma');
  const migrations = opts.migrationsPath ?? path.join(dir, 'migrations');
  if (!opts.schemaPath) fs.writeFileSync(schemaPath, schema);
  fs.writeFileSync(
    path.join(dir, 'prisma.config.ts'),
    `import { useWasmSchemaEngineWhenNoNativeOne } from ${JSON.stringify(SELECT)};

useWasmSchemaEngineWhenNoNativeOne();

export default {
  schema: ${JSON.stringify(schemaPath)},
  migrations: { path: ${JSON.stringify(migrations)} },
  datasource: { url: process.env.DATABASE_URL ?? '', shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL },
};
`,
  );
  return {
    dir,
    schema: schemaPath,
    migrations,
    url,
    prisma: (args, env = {}) =>
      runPrisma(dir, args, { DATABASE_URL: url, ...(shadowUrl ? { SHADOW_DATABASE_URL: shadowUrl } : {}), ...env }),
    migrationNames: () =>
      fs.existsSync(migrations)
        ? fs
            .readdirSync(migrations, { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => entry.name)
            .sort()
        : [],
  };
}

/** Runs the CLI without blocking this process, which serves the embedded database meanwhile. */
function runPrisma(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const base = { ...process.env };
  // Let prisma.config.ts (select.ts) choose the engine, as it does for the project.
  for (const name of [
    'PRISMA_SCHEMA_ENGINE_BINARY',
    'PRISMA_MIGRATION_ENGINE_BINARY',
    'DATABASE_URL',
    'SHADOW_DATABASE_URL',
  ]) {
    delete base[name];
  }
  const child = spawn(process.execPath, [PRISMA_CLI, ...args], {
    cwd,
    env: { ...base, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end(); // before the CLI connects: PGlite serves one connection at a time
  }
}

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    url,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

function writeMigration(ws: Workspace, name: string, sql: string): void {
  fs.mkdirSync(path.join(ws.migrations, name), { recursive: true });
  fs.writeFileSync(path.join(ws.migrations, name, 'migration.sql'), sql);
  const lock = path.join(ws.migrations, 'migration_lock.toml');
  if (!fs.existsSync(lock)) fs.writeFileSync(lock, 'provider = "postgresql"\n');
}

const INIT_SQL = `CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
`;

function expectSuccess(run: Run): void {
  if (run.code !== 0) throw new Error(`prisma exited ${run.code}:\n${run.output}`);
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function temporaryShadowDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(
    String(process.env.TEST_DATABASE_URL),
    `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`,
  );
  return rows.map((row) => row.datname);
}

describe(`prisma CLI over the Wasm schema engine, on ${embedded ? 'embedded PGlite' : 'PostgreSQL at TEST_DATABASE_URL'}`, () => {
  test('migrate dev --name init creates the first migration and applies it to a fresh database, and migrate status says up to date', async () => {
    const ws = await workspace(USER_SCHEMA, { shadow: true });
    const shadowsBefore = embedded ? [] : await temporaryShadowDatabases();

    const dev = await ws.prisma(['migrate', 'dev', '--name', 'init']);
    expectSuccess(dev);
    expect(dev.output).not.toContain('P1014');
    const [init, ...others] = ws.migrationNames();
    expect(others).toEqual([]);
    expect(init).toMatch(/^\d{14}_init$/);
    expect(fs.readFileSync(path.join(ws.migrations, String(init), 'migration.sql'), 'utf8')).toContain(
      'CREATE TABLE "User"',
    );
    expect(fs.existsSync(path.join(ws.migrations, 'migration_lock.toml'))).toBe(true);
    expect(await tables(ws.url)).toEqual(['User', '_prisma_migrations']);
    const applied = await query<{ migration_name: string }>(
      ws.url,
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL`,
    );
    expect(applied.map((row) => row.migration_name)).toEqual([init]);

    const status = await ws.prisma(['migrate', 'status']);
    expectSuccess(status);
    expect(status.output).toContain('Database schema is up to date');

    if (!embedded) expect(await temporaryShadowDatabases()).toEqual(shadowsBefore); // dropped again
  });

  test('migrate status reports a pending migration, and migrate deploy applies pending migrations', async () => {
    const ws = await workspace(USER_SCHEMA);
    writeMigration(ws, '20240101000000_init', INIT_SQL);

    const first = await ws.prisma(['migrate', 'deploy']); // a database without _prisma_migrations yet
    expectSuccess(first);
    expect(first.output).toContain('All migrations have been successfully applied');
    expect(await tables(ws.url)).toEqual(['User', '_prisma_migrations']);
    expectSuccess(await ws.prisma(['migrate', 'status']));

    writeMigration(
      ws,
      '20240102000000_add_post',
      `CREATE TABLE "Post" ("id" SERIAL PRIMARY KEY, "title" TEXT NOT NULL);\n`,
    );
    const pending = await ws.prisma(['migrate', 'status']);
    expect(pending.code).toBe(1);
    expect(pending.output).toContain('have not yet been applied');
    expect(pending.output).toContain('20240102000000_add_post');

    const deploy = await ws.prisma(['migrate', 'deploy']);
    expectSuccess(deploy);
    expect(deploy.output).toContain('20240102000000_add_post');
    expect(await tables(ws.url)).toEqual(['Post', 'User', '_prisma_migrations']);
    const status = await ws.prisma(['migrate', 'status']);
    expectSuccess(status);
    expect(status.output).toContain('Database schema is up to date');
  });

  test("migrate deploy applies the project's committed migrations, and the result matches prisma/schema.prisma", async () => {
    const ws = await workspace('', {
      schemaPath: path.join(ROOT, 'prisma', 'schema.prisma'),
      migrationsPath: path.join(ROOT, 'prisma', 'migrations'),
    });
    expectSuccess(await ws.prisma(['migrate', 'deploy']));
    const status = await ws.prisma(['migrate', 'status']);
    expectSuccess(status);
    expect(status.output).toContain('Database schema is up to date');
    // A schema change without its migration would show here.
    const diff = await ws.prisma([
      'migrate',
      'diff',
      '--from-config-datasource',
      '--to-schema',
      ws.schema,
      '--exit-code',
    ]);
    expect(diff.output).toContain('No difference detected');
    expect(diff.code).toBe(0);
  });

  test('migrate diff --from-empty --to-schema --script prints the SQL, and --exit-code tells a difference', async () => {
    const ws = await workspace(USER_SCHEMA);
    const diff = await ws.prisma(['migrate', 'diff', '--from-empty', '--to-schema', ws.schema, '--script']);
    expectSuccess(diff);
    expect(diff.stdout).toContain('CREATE TABLE "User"');
    expect(diff.stdout).toContain('CREATE UNIQUE INDEX "User_email_key" ON "User"("email");');
    expect(diff.stdout).not.toContain('jsonrpc');

    const same = await ws.prisma([
      'migrate',
      'diff',
      '--from-schema',
      ws.schema,
      '--to-schema',
      ws.schema,
      '--exit-code',
    ]);
    expect(same.code).toBe(0);
    const different = await ws.prisma(['migrate', 'diff', '--from-empty', '--to-schema', ws.schema, '--exit-code']);
    expect(different.code).toBe(2);
  });

  test('migrate reset --force drops every table, including one created outside the migrations, then reapplies the migrations', async () => {
    const ws = await workspace(USER_SCHEMA);
    writeMigration(ws, '20240101000000_init', INIT_SQL);
    expectSuccess(await ws.prisma(['migrate', 'deploy']));
    await query(ws.url, `CREATE TABLE "outsider" ("x" INT); INSERT INTO "User" ("email") VALUES ('a@example.org')`);
    expect(await tables(ws.url)).toEqual(['User', '_prisma_migrations', 'outsider']);

    expectSuccess(await ws.prisma(['migrate', 'reset', '--force']));

    expect(await tables(ws.url)).toEqual(['User', '_prisma_migrations']);
    expect(await query(ws.url, `SELECT * FROM "User"`)).toEqual([]);
    expect(await query(ws.url, `SELECT * FROM _prisma_migrations`)).toHaveLength(1);
  });

  test('migrate dev generates and applies a schema change adding NOT NULL columns and an enum, and is in sync after', async () => {
    const ws = await workspace(USER_SCHEMA, { shadow: true });
    expectSuccess(await ws.prisma(['migrate', 'dev', '--name', 'init']));

    fs.writeFileSync(ws.schema, USER_WITH_ROLE_SCHEMA);
    const dev = await ws.prisma(['migrate', 'dev', '--name', 'add_role']);
    expectSuccess(dev);
    const names = ws.migrationNames();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/_add_role$/);
    const sql = fs.readFileSync(path.join(ws.migrations, String(names[1]), 'migration.sql'), 'utf8');
    expect(sql).toContain(`CREATE TYPE "Role" AS ENUM ('admin', 'member');`);
    expect(sql).toContain('"name" TEXT NOT NULL');
    expect(sql).toContain('"role" "Role" NOT NULL');
    const columns = await query<{ column_name: string; is_nullable: string; udt_name: string }>(
      ws.url,
      `SELECT column_name, is_nullable, udt_name FROM information_schema.columns WHERE table_name = 'User' ORDER BY column_name`,
    );
    expect(columns).toEqual([
      { column_name: 'email', is_nullable: 'NO', udt_name: 'text' },
      { column_name: 'id', is_nullable: 'NO', udt_name: 'int4' },
      { column_name: 'name', is_nullable: 'NO', udt_name: 'text' },
      { column_name: 'role', is_nullable: 'NO', udt_name: 'Role' },
    ]);

    // Reading back the NOT NULL constraints (rows of their own in pg_constraint on PostgreSQL 18) and the enum.
    const again = await ws.prisma(['migrate', 'dev', '--name', 'nothing']);
    expectSuccess(again);
    expect(again.output).toContain('Already in sync');
    expect(ws.migrationNames()).toEqual(names);
    expectSuccess(await ws.prisma(['migrate', 'status']));
  });

  test('migrate dev creates a second migration on a database with history, with no SHADOW_DATABASE_URL (a temporary shadow database, dropped afterwards)', async () => {
    // The init migration is in the migrations folder but not yet on the database (as after pulling a
    // teammate's migration): migrate dev applies it first, then diffs the schema change against it.
    const ws = await workspace(USER_WITH_ROLE_SCHEMA);
    writeMigration(ws, '20240101000000_init', INIT_SQL);
    const shadowsBefore = embedded ? [] : await temporaryShadowDatabases();

    const dev = await ws.prisma(['migrate', 'dev', '--name', 'change']);

    if (embedded) {
      // One PGlite socket serves one connection and cannot host a second database: ask for a shadow one.
      expect(dev.code).not.toBe(0);
      expect(dev.output).toContain('Could not create a temporary shadow database');
      expect(dev.output).toContain('SHADOW_DATABASE_URL');
      expect(ws.migrationNames()).toEqual(['20240101000000_init']);
      return;
    }
    expectSuccess(dev);
    expect(dev.output).toContain('20240101000000_init');
    const names = ws.migrationNames();
    expect(names).toHaveLength(2);
    expect(names[1]).toMatch(/^\d{14}_change$/);
    const sql = fs.readFileSync(path.join(ws.migrations, String(names[1]), 'migration.sql'), 'utf8');
    expect(sql).toContain(`CREATE TYPE "Role" AS ENUM ('admin', 'member');`);
    expect(sql).not.toContain('CREATE TABLE "User"'); // diffed against the init migration
    const applied = await query<{ migration_name: string }>(
      ws.url,
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    expect(applied.map((row) => row.migration_name)).toEqual(names);
    const status = await ws.prisma(['migrate', 'status']);
    expectSuccess(status);
    expect(status.output).toContain('Database schema is up to date');
    expect(await temporaryShadowDatabases()).toEqual(shadowsBefore); // dropped again
  });

  test('failed commands exit non-zero: a failing migration (rolled back whole), an unreachable database, an engine panic', async () => {
    const ws = await workspace(USER_SCHEMA);
    writeMigration(ws, '20240101000000_init', INIT_SQL);
    writeMigration(
      ws,
      '20240102000000_broken',
      `CREATE TABLE "Half" ("id" INT PRIMARY KEY);\nSELECT * FROM "no_such_table";\n`,
    );
    const deploy = await ws.prisma(['migrate', 'deploy']);
    expect(deploy.code).not.toBe(0);
    expect(deploy.output).toContain('no_such_table');
    expect(await tables(ws.url)).toEqual(['User', '_prisma_migrations']); // no "Half": one transaction
    const status = await ws.prisma(['migrate', 'status']);
    expect(status.code).not.toBe(0);
    expect(status.output).toContain('20240102000000_broken');

    const unreachable = await ws.prisma(['migrate', 'status'], {
      DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${await closedPort()}/postgres`,
    });
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.output).toContain('P1001');

    const panic = await ws.prisma(['migrate', 'status'], { FORCE_PANIC_SCHEMA_ENGINE: '1' });
    expect(panic.code).not.toBe(0);
    expect(panic.output).toContain('debugPanic');
  });
});

// `deepdive keys create|list|revoke`: API keys kept hashed in the database (the ApiKey table), written
// directly through DATABASE_URL: managing keys is the one thing that cannot need a key.
import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { hashKey } from '../../api/auth';
import { ROLES, type Role } from '../../infra/config';
import type { Db } from '../../infra/db';
import { type Ctx, example } from './context';
import { CliError } from './io';
import { summary, table, when } from './table';

const nameSchema = z.string().trim().min(1, 'give the key a label').max(200);
const idSchema = z.uuid();

export const DATABASE_HELP =
  'Writes to the database named by DATABASE_URL (the one the API uses; with `npm start` on its embedded ' +
  'database: postgresql://postgres:postgres@127.0.0.1:5433/postgres).';

/** The command line, in the audit trail: what it did, not who ran it (the database's own log says that). */
export const CLI = { actor: 'cli', actorName: null, actorRole: null };

/** What `key:<role>:<hash prefix>` the audit trail shows for requests made with this key. */
const actorOf = (role: string, keyHash: string) => `key:${role}:${keyHash.slice(0, 8)}`;

export function registerKeys(program: Command, ctx: Ctx): void {
  const keys = program
    .command('keys')
    .description('API keys kept hashed in the database (besides those in API_KEYS)')
    .addHelpText('after', `\n${DATABASE_HELP}\n`);

  keys
    .command('create')
    .summary('create an API key (printed once)')
    .description(`create an API key and print it once: only its SHA-256 is kept. ${DATABASE_HELP}`)
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--name <label>', 'whose key it is or what it is for, e.g. "BU laptop (Sam)"')
    .option('--json', 'print {id, role, name, key, createdAt} as JSON')
    .addHelpText(
      'after',
      example(
        '$ DATABASE_URL=postgresql://… deepdive keys create --role business_unit --name "BU team"',
        '$ export DEEP_DIVE_API_KEY=<the key it printed>',
      ),
    )
    .action((opts: { role: Role; name: string; json?: boolean }) =>
      withDb(ctx, async (db) => {
        const name = nameSchema.safeParse(opts.name);
        if (!name.success) throw new CliError(`--name: ${name.error.issues[0]?.message}`);
        const key = randomBytes(32).toString('base64url');
        // The trail says which key came and went, never the key or its hash.
        const row = await db.$transaction(async (tx) => {
          const created = await tx.apiKey.create({ data: { role: opts.role, name: name.data, keyHash: hashKey(key) } });
          await tx.auditTrailEntry.create({
            data: {
              ...CLI,
              action: 'api_key.created',
              details: { keyId: created.id, role: created.role, label: created.name },
            },
          });
          return created;
        });
        if (opts.json) {
          return ctx.json({ id: row.id, role: row.role, name: row.name, key, createdAt: row.createdAt.toISOString() });
        }
        ctx.out(
          summary([
            ['Created key', row.id],
            ['Role', row.role],
            ['Name', row.name],
            ['Audit trail', actorOf(row.role, row.keyHash)],
          ]),
        );
        ctx.out('\nThe key (shown this once; only its hash is kept, so store it now):\n');
        ctx.out(`  ${key}\n`);
        ctx.out('Send it as `Authorization: Bearer <key>`, or export DEEP_DIVE_API_KEY=<key> for this CLI.');
      }),
    );

  keys
    .command('list')
    .summary('list the stored keys')
    .description(`every stored key (never the key itself): role, label, last use, revoked. ${DATABASE_HELP}`)
    .option('--json', 'print the keys as JSON')
    .addHelpText('after', example('$ deepdive keys list'))
    .action((opts: { json?: boolean }) =>
      withDb(ctx, async (db) => {
        const rows = await db.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
        const shown = rows.map((r) => ({
          id: r.id,
          role: r.role,
          name: r.name,
          actor: actorOf(r.role, r.keyHash),
          createdAt: r.createdAt.toISOString(),
          lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
          revokedAt: r.revokedAt?.toISOString() ?? null,
        }));
        if (opts.json) return ctx.json(shown);
        if (!shown.length) return ctx.out('No stored keys. Create one with `deepdive keys create --help`.');
        ctx.out(
          table(
            ['ID', 'ROLE', 'NAME', 'AUDIT TRAIL', 'CREATED', 'LAST USED', 'REVOKED'],
            shown.map((k) => [
              k.id,
              k.role,
              k.name,
              k.actor,
              when(k.createdAt),
              when(k.lastUsedAt),
              k.revokedAt ? when(k.revokedAt) : 'no',
            ]),
          ),
        );
      }),
    );

  keys
    .command('revoke')
    .summary('revoke a stored key')
    .description(`revoke a stored key: the API refuses it (401) from the next request on. ${DATABASE_HELP}`)
    .argument('<id>', 'the key ID, as `keys list` shows it')
    .addHelpText('after', example('$ deepdive keys revoke 6f1d0c1e-2a47-4c55-9b0e-3f3a8c9d7e21'))
    .action((id: string) =>
      withDb(ctx, async (db) => {
        if (!idSchema.safeParse(id).success) throw new CliError(`"${id}" is not a key ID (see \`deepdive keys list\`)`);
        const row = await db.apiKey.findUnique({ where: { id } });
        if (!row) throw new CliError(`no stored key ${id} (see \`deepdive keys list\`)`);
        if (row.revokedAt)
          return ctx.out(`Key ${id} (${row.name}) was already revoked on ${when(row.revokedAt.toISOString())}.`);
        await db.$transaction(async (tx) => {
          // Only the revocation that took effect goes in the trail, not one that lost a race to another.
          const { count } = await tx.apiKey.updateMany({
            where: { id, revokedAt: null },
            data: { revokedAt: new Date() },
          });
          if (count === 0) return;
          await tx.auditTrailEntry.create({
            data: { ...CLI, action: 'api_key.revoked', details: { keyId: id, role: row.role, label: row.name } },
          });
        });
        ctx.out(`Revoked key ${id} (${row.role}, ${row.name}).`);
      }),
    );
}

export async function withDb(ctx: Ctx, work: (db: Db) => Promise<void>): Promise<void> {
  if (ctx.io.db) {
    try {
      return await work(ctx.io.db);
    } catch (err) {
      throw databaseError(err);
    }
  }
  const url = ctx.io.env.DATABASE_URL;
  if (!url) {
    throw new CliError(`DATABASE_URL is not set. ${DATABASE_HELP}`);
  }
  // Loaded here: the API commands need no database client.
  const { createDb } = await import('../../infra/db');
  // On the embedded database the API holds its one connection for a while (README): a transaction waits for
  // it as a plain query does, not Prisma's default 2 s.
  const db = createDb(url, { poolMax: 1, transactionMaxWaitMs: 30_000 });
  try {
    await work(db);
  } catch (err) {
    throw databaseError(err);
  } finally {
    await db.$disconnect();
  }
}

function databaseError(err: unknown): Error {
  if (err instanceof CliError) return err;
  if (!(err instanceof Error)) return new CliError(String(err));
  const code = (err as { code?: unknown }).code;
  if (code === 'P2021') {
    return new CliError('the database has no ApiKey table: apply the migrations first (`npm run migrate`)');
  }
  const message = err.message.trim().split('\n').slice(-1)[0];
  return new CliError(`the database could not be used: ${message}`);
}

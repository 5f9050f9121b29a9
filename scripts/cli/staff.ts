// `deepdive staff add|list|deactivate`: the staff directory (who may sign in to the console, and as what),
// written directly through DATABASE_URL, like `keys`: the first business-unit account cannot need a console.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { HttpError } from '../../api/errors';
import { addStaff, deactivate, listStaff, staffSchema } from '../../api/staff';
import { ROLES, type Role } from '../../infra/config';
import { type Ctx, example } from './context';
import { CliError } from './io';
import { CLI, DATABASE_HELP, withDb } from './keys';
import { summary, table, when } from './table';

/** The directory's refusals (already there, no such person) in the CLI's words. */
async function refusalsAsCli<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw err instanceof HttpError ? new CliError(err.message) : err;
  }
}

export function registerStaff(program: Command, ctx: Ctx): void {
  const staff = program
    .command('staff')
    .description('the staff directory: who may sign in to the console, and as what')
    .addHelpText('after', `\n${DATABASE_HELP}\n`);

  staff
    .command('add')
    .summary('add a person (or make a deactivated one active again)')
    .description(`add a person who may sign in with the partnership's identity provider. ${DATABASE_HELP}`)
    .requiredOption('--email <address>', 'the email their identity provider confirms')
    .requiredOption('--name <name>', 'their full name, as the audit trail shows it')
    .addOption(new Option('--role <role>', 'what they may do').choices(ROLES).makeOptionMandatory())
    .addHelpText(
      'after',
      example('$ deepdive staff add --email sam.jones@partnership.example --name "Sam Jones" --role business_unit'),
    )
    .action((opts: { email: string; name: string; role: Role }) =>
      withDb(ctx, async (db) => {
        const parsed = staffSchema.safeParse(opts);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new CliError(`--${issue.path.join('.')}: ${issue.message}`);
        }
        const row = await refusalsAsCli(addStaff(db, CLI, parsed.data));
        ctx.out(
          summary([
            ['Added', row.id],
            ['Name', row.name],
            ['Email', row.email],
            ['Role', row.role],
          ]),
        );
      }),
    );

  staff
    .command('list')
    .summary('list the staff directory')
    .option('--json', 'print the directory as JSON')
    .addHelpText('after', example('$ deepdive staff list'))
    .action((opts: { json?: boolean }) =>
      withDb(ctx, async (db) => {
        const rows = (await listStaff(db)).map((r) => ({
          id: r.id,
          email: r.email,
          name: r.name,
          role: r.role,
          active: r.active,
          lastSignInAt: r.lastSignInAt?.toISOString() ?? null,
        }));
        if (opts.json) return ctx.json(rows);
        if (!rows.length) return ctx.out('Nobody yet. Add the first person with `deepdive staff add --help`.');
        ctx.out(
          table(
            ['ID', 'EMAIL', 'NAME', 'ROLE', 'ACTIVE', 'LAST SIGN-IN'],
            rows.map((r) => [r.id, r.email, r.name, r.role, r.active ? 'yes' : 'no', when(r.lastSignInAt)]),
          ),
        );
      }),
    );

  staff
    .command('deactivate')
    .summary('stop a person signing in (their sessions end at once)')
    .argument('<id>', 'their ID, as `staff list` shows it')
    .addHelpText('after', example('$ deepdive staff deactivate 6f1d0c1e-2a47-4c55-9b0e-3f3a8c9d7e21'))
    .action((id: string) =>
      withDb(ctx, async (db) => {
        if (!z.uuid().safeParse(id).success) throw new CliError(`"${id}" is not an ID (see \`deepdive staff list\`)`);
        const row = await refusalsAsCli(deactivate(db, CLI, id));
        ctx.out(`Deactivated ${row.name} (${row.email}): they cannot sign in, and any session of theirs has ended.`);
      }),
    );
}

// `deepdive agencies import <file.csv>`: the agency directory from a spreadsheet, through the API (the
// same validation, role check and audit trail as POST /api/agencies), upserted by name.
import type { Command } from 'commander';
import { AGENCY_COLUMNS, checkAgencyRows } from '../../domain/agencies-csv';
import type { CreateAgency } from '../../domain/schemas';
import { type Api, ApiError, createApi, describeApiError } from './api';
import { type Ctx, example, withApiOptions } from './context';
import { InputInvalid, readCsv } from './csv';
import { CliError } from './io';
import { table } from './table';

interface Agency extends CreateAgency {
  id: string;
}

type Action = 'create' | 'update' | 'unchanged' | 'skipped';
interface Planned {
  line: number;
  agency: CreateAgency;
  action: Action;
  id?: string;
}

interface ImportOptions {
  api?: string;
  key?: string;
  dryRun?: boolean;
  update: boolean;
  json?: boolean;
}

export function registerAgencies(program: Command, ctx: Ctx): void {
  const agencies = program.command('agencies').description('the agency directory');

  withApiOptions(
    agencies
      .command('import')
      .summary('create or update agencies from a CSV file')
      .description(
        'create or update agencies from a CSV file, matched by name. The columns are ' +
          `${AGENCY_COLUMNS.join(',')} (type: police, health, education, childrens_social_care, early_help, ` +
          'probation, youth_justice, housing, voluntary or other). The whole file is checked first: one bad ' +
          'line and nothing is imported. Needs a business_unit key.',
      )
      .argument('<file.csv>', 'the agencies, one per line after the header row'),
  )
    .option('--dry-run', 'check the file and show what would change, without changing anything')
    .option('--no-update', 'create new agencies only; leave those already in the directory as they are')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      example(
        '$ cat agencies.csv',
        'name,type,contactEmail,leadEmail',
        'North Yorkshire Police,police,audits@police.example,lead@police.example',
        '$ export DEEP_DIVE_API_KEY=<a business_unit key>',
        '$ deepdive agencies import agencies.csv',
      ),
    )
    .action((file: string, opts: ImportOptions) => importAgencies(ctx, file, opts));
}

async function importAgencies(ctx: Ctx, file: string, opts: ImportOptions): Promise<void> {
  const { valid, problems } = checkAgencyRows(readCsv(file, { required: AGENCY_COLUMNS }, ctx.io.cwd));
  if (problems.length) throw new InputInvalid(file, problems);

  const api = await createApi(opts, ctx.io);
  const directory = new Map((await api.get<Agency[]>('/api/agencies')).map((a) => [a.name, a]));
  const plan: Planned[] = valid.map(({ line, agency }) => {
    const existing = directory.get(agency.name);
    if (!existing) return { line, agency, action: 'create' };
    const same =
      existing.type === agency.type &&
      existing.contactEmail === agency.contactEmail &&
      existing.leadEmail === agency.leadEmail;
    return { line, agency, id: existing.id, action: same ? 'unchanged' : opts.update ? 'update' : 'skipped' };
  });

  if (!opts.dryRun) await apply(api, plan, file);
  report(ctx, plan, opts);
}

/** Updates first: a server without PATCH /api/agencies/:id refuses the first one, before anything has changed. */
async function apply(api: Api, plan: Planned[], file: string): Promise<void> {
  const done: Planned[] = [];
  const step = async (p: Planned) => {
    try {
      if (p.action === 'update') {
        const { type, contactEmail, leadEmail } = p.agency;
        await api.patch(`/api/agencies/${p.id}`, { type, contactEmail, leadEmail });
      } else if (p.action === 'create') {
        p.id = (await api.post<Agency>('/api/agencies', p.agency)).id;
      }
    } catch (err) {
      if (err instanceof ApiError && p.action === 'update' && err.status === 404 && !done.length) {
        const names = plan.filter((q) => q.action === 'update').map((q) => `"${q.agency.name}" (line ${q.line})`);
        throw new CliError(
          `${names.join(', ')} already in the directory with other details, and this server cannot update ` +
            'agencies (PATCH /api/agencies/:id answered 404). Nothing was imported. Import with --no-update to ' +
            'create the new agencies only.',
        );
      }
      if (err instanceof ApiError && p.action === 'create' && err.code === 'already_exists') {
        // Created by someone else since the directory was read: leave it as it is.
        p.action = 'skipped';
        p.id = (err.details as { id?: string } | undefined)?.id;
        return;
      }
      const detail = err instanceof ApiError ? describeApiError(err) : (err as Error).message;
      const doneText = done.length
        ? `Lines ${done.map((q) => q.line).join(', ')} were already applied; importing the file again is safe ` +
          '(agencies are matched by name).'
        : 'Nothing was changed.';
      throw new CliError(`${file} line ${p.line} ("${p.agency.name}"): ${detail}\n${doneText}`);
    }
    done.push(p);
  };
  for (const p of plan.filter((q) => q.action === 'update')) await step(p);
  for (const p of plan.filter((q) => q.action === 'create')) await step(p);
}

const PAST: Record<Action, string> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  skipped: 'skipped',
};

function report(ctx: Ctx, plan: Planned[], opts: ImportOptions): void {
  const label = (a: Action) => (opts.dryRun ? (a === 'create' || a === 'update' ? `would ${a}` : PAST[a]) : PAST[a]);
  if (opts.json) {
    ctx.json({
      dryRun: Boolean(opts.dryRun),
      agencies: plan.map((p) => ({ line: p.line, name: p.agency.name, action: label(p.action), id: p.id ?? null })),
    });
    return;
  }
  ctx.out(
    table(
      ['LINE', 'NAME', 'TYPE', 'RESULT', 'ID'],
      plan.map((p) => [p.line, p.agency.name, p.agency.type, label(p.action), p.id]),
    ),
  );
  const counts = (['create', 'update', 'unchanged', 'skipped'] as const)
    .map((a) => [a, plan.filter((p) => p.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} ${label(a)}`);
  ctx.out(`\n${counts.join(', ')}.${opts.dryRun ? ' (dry run: nothing was changed)' : ''}`);
  if (plan.some((p) => p.action === 'skipped')) {
    ctx.out('Skipped agencies are already in the directory with other details; they were left as they are.');
  }
}

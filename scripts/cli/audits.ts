// `deepdive audits start|list|show`: through the API, so that an audit started from the command line is
// validated, recorded and made idempotent exactly as any other.
import { randomUUID } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import {
  CANDIDATE_COLUMN_ORDER,
  CANDIDATE_COLUMNS,
  type CandidateRow,
  candidatePool,
  locateCandidate,
  namesAgencies,
  newProblems,
  sortProblems,
} from '../../domain/candidates-csv';
import { SERVICE_LEVELS } from '../../domain/cohort';
import { createAuditSchema, FOCUS_SOURCES } from '../../domain/schemas';
import { type Api, ApiError, createApi, describeApiError } from './api';
import { type Ctx, example, withApiOptions } from './context';
import { InputInvalid, type Problem, readCsv, where, zodProblems } from './csv';
import { CliError } from './io';
import { day, summary, table, when } from './table';

const OPTION_OF: Record<string, string> = {
  focus: '--focus',
  focusSource: '--focus-source',
  cohortSize: '--cohort-size',
  'window.from': '--window-from',
  'window.to': '--window-to',
  window: '--window-from/--window-to',
  'discussion.at': '--discussion-at',
  'discussion.location': '--discussion-location',
  discussion: '--discussion-at/--discussion-location',
};

interface StartOptions {
  api?: string;
  key?: string;
  focus: string;
  focusSource: string;
  cohortSize?: number;
  windowFrom?: string;
  windowTo?: string;
  discussionAt?: string;
  discussionLocation?: string;
  idempotencyKey?: string;
  json?: boolean;
}

interface ReadOptions {
  api?: string;
  key?: string;
  json?: boolean;
}

const positiveInt = (value: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('a whole number, such as 4');
  return Number(value);
};

export function registerAudits(program: Command, ctx: Ctx): void {
  const audits = program.command('audits').description('start and follow deep dive audits');

  withApiOptions(
    audits
      .command('start')
      .summary('start an audit from a candidate pool in a CSV file')
      .description(
        'start an audit from a candidate pool in a CSV file (POST /api/audits). The columns are ' +
          `${CANDIDATE_COLUMN_ORDER.join(',')}` +
          ` (childLocalId may be left empty; serviceLevel: ${SERVICE_LEVELS.join(', ')}; agencies: agency names ` +
          'or IDs separated by ";"; dates YYYY-MM-DD or ISO-8601 date-times). The whole file is checked first. ' +
          'Needs a business_unit key.',
      )
      .argument('<candidates.csv>', 'the candidate pool, one case per line after the header row'),
  )
    .requiredOption('--focus <text>', 'the practice focus, e.g. "Child exploitation"')
    .addOption(
      new Option('--focus-source <source>', 'where the focus came from').choices(FOCUS_SOURCES).makeOptionMandatory(),
    )
    .option('--cohort-size <n>', 'how many cases to draw (default 4)', positiveInt)
    .option('--window-from <date>', 'start of the review window (default: 6 months before today)')
    .option('--window-to <date>', 'end of the review window (default: today)')
    .option('--discussion-at <date-time>', 'when the multi-agency discussion is held (ISO-8601 with an offset)')
    .option('--discussion-location <place>', 'where it is held (with --discussion-at)')
    .option(
      '--idempotency-key <key>',
      'sent as Idempotency-Key (default: a new one per run, printed). Re-running with the same key and file ' +
        'returns the audit already started instead of a second one',
    )
    .option('--json', 'print the API response as JSON')
    .addHelpText(
      'after',
      example(
        '$ cat candidates.csv',
        'caseRef,serviceLevel,childName,childDateOfBirth,childLocalId,agencies,lastActivityAt',
        'NYC-1001,child_in_need,Alex Example,2014-03-02,LCS1001,North Yorkshire Police;Harrogate Health Trust,2026-10-01',
        '$ deepdive audits start --focus "Child exploitation" --focus-source business_plan_priority \\',
        '    --cohort-size 4 candidates.csv',
      ),
    )
    .action((file: string, opts: StartOptions) => startAudit(ctx, file, opts));

  withApiOptions(audits.command('list').description('every audit, newest first: stage, invitations, next deadline'))
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', example('$ deepdive audits list', '$ deepdive audits list --json'))
    .action((opts: ReadOptions) => listAudits(ctx, opts));

  withApiOptions(
    audits
      .command('show')
      .description('one audit: stage, cohort, invitations, deadlines, discussion, report, actions')
      .argument('<id>', 'the audit ID (as printed by `audits start` or `audits list`)'),
  )
    .option('--json', 'print the API response as JSON')
    .addHelpText('after', example('$ deepdive audits show 0b5c8a9e-4f3c-4a0e-9d8f-0e1c2b3a4d5e'))
    .action((id: string, opts: ReadOptions) => showAudit(ctx, id, opts));
}

// ---- start ----

const uuid = z.uuid();

async function startAudit(ctx: Ctx, file: string, opts: StartOptions): Promise<void> {
  const rows = readCsv(file, CANDIDATE_COLUMNS, ctx.io.cwd);
  const problems: Problem[] = [];
  if ((opts.windowFrom === undefined) !== (opts.windowTo === undefined)) {
    problems.push({ column: '--window-from/--window-to', message: 'give both, or neither for the default window' });
  }
  if ((opts.discussionAt === undefined) !== (opts.discussionLocation === undefined)) {
    problems.push({ column: '--discussion-at/--discussion-location', message: 'give both, or neither' });
  }

  const api = await createApi(opts, ctx.io);
  const pool = candidatePool(rows, namesAgencies(rows) ? await agencyDirectory(api) : []);
  problems.push(...pool.problems);

  const body = {
    focus: opts.focus,
    focusSource: opts.focusSource,
    ...(opts.windowFrom !== undefined && opts.windowTo !== undefined
      ? { window: { from: opts.windowFrom, to: opts.windowTo } }
      : {}),
    ...(opts.cohortSize !== undefined ? { cohortSize: opts.cohortSize } : {}),
    ...(opts.discussionAt !== undefined && opts.discussionLocation !== undefined
      ? { discussion: { at: opts.discussionAt, location: opts.discussionLocation } }
      : {}),
    candidates: pool.candidates,
  };
  const parsed = createAuditSchema.safeParse(body);
  if (!parsed.success) {
    problems.push(
      ...newProblems(
        problems,
        zodProblems(parsed.error.issues, (path) => locate(rows, path)),
      ),
    );
  }
  if (problems.length) {
    throw new InputInvalid(file, sortProblems(problems), 'no audit was started');
  }

  const idempotencyKey = opts.idempotencyKey ?? `cli-${randomUUID()}`;
  let created: { id: string; workflowId: string; stage: string };
  try {
    created = await withRetries(() =>
      api.post<typeof created>('/api/audits', body, { 'idempotency-key': idempotencyKey }),
    );
  } catch (err) {
    if (err instanceof ApiError) {
      const placed = (path: (string | number)[]) => {
        const at = locate(rows, path);
        return at ? where(file, at) : undefined;
      };
      throw new CliError(`the API refused the audit: ${describeApiError(err, placed)}\nNo audit was started.`);
    }
    throw err;
  }
  if (opts.json) return ctx.json(created);
  ctx.out(
    summary([
      ['Audit started', created.id],
      ['Workflow', created.workflowId],
      ['Stage', created.stage],
      ['Candidates', `${rows.length} (from ${file})`],
      ['Idempotency-Key', idempotencyKey],
    ]),
  );
  ctx.out(`\nFollow it with: deepdive audits show ${created.id}`);
}

/** Where a path into the request body comes from: a line and column of the file, or an option. */
function locate(rows: CandidateRow[], path: readonly PropertyKey[]): Omit<Problem, 'message'> | undefined {
  if (path[0] === 'candidates') return locateCandidate(rows, path);
  const key = path.map(String).join('.');
  const option = OPTION_OF[key] ?? OPTION_OF[String(path[0])];
  return option ? { column: option } : undefined;
}

/** The agency directory, to resolve the names the file gives. */
async function agencyDirectory(api: Api): Promise<{ id: string; name: string }[]> {
  try {
    return await api.get<{ id: string; name: string }[]>('/api/agencies');
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      throw new CliError(`${err.message} Agencies named in the file are looked up in the directory; give IDs instead.`);
    }
    throw err;
  }
}

/** A lost connection or a 503 is retried with the same Idempotency-Key: at most one audit is started. */
async function withRetries<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retriable = err instanceof ApiError ? err.status === 503 : err instanceof CliError;
      if (!retriable || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

// ---- list and show ----

interface Listed {
  id: string;
  focus: string;
  stage: string;
  createdAt: string;
  invitations: { total: number; open: number; overdue: number };
  nextDeadline: string | null;
}

async function listAudits(ctx: Ctx, opts: ReadOptions): Promise<void> {
  const audits = await (await createApi(opts, ctx.io)).get<Listed[]>('/api/audits');
  if (opts.json) return ctx.json(audits);
  if (!audits.length) return ctx.out('No audits yet. Start one with `deepdive audits start --help`.');
  ctx.out(
    table(
      ['ID', 'STAGE', 'INVITATIONS', 'NEXT DEADLINE', 'CREATED', 'FOCUS'],
      audits.map((a) => [
        a.id,
        a.stage,
        a.invitations.total
          ? `${a.invitations.open}/${a.invitations.total} open${a.invitations.overdue ? `, ${a.invitations.overdue} overdue` : ''}`
          : '-',
        when(a.nextDeadline),
        day(a.createdAt),
        a.focus,
      ]),
    ),
  );
}

interface Shown {
  id: string;
  workflowId: string;
  stage: string;
  focus: string;
  focusSource: string;
  window: { from: string; to: string };
  cohortSize: number;
  cohort: { caseRef: string; serviceLevel: string }[];
  invitations: {
    id: string;
    caseRef: string;
    agencyId: string;
    status: string;
    dueAt: string | null;
    submittedAt: string | null;
    late: boolean;
  }[];
  deadlines?: { invitationsGoBy?: string | null; collationBy?: string | null };
  unsentEmails?: unknown[];
  discussion: { at: string; location: string | null } | null;
  reportVersions?: {
    version: number;
    submittedAt: string;
    circulatedAt: string | null;
    approvals: { agencyId: string; status: string }[];
  }[];
  lisDecisions?: { decision: string; decidedAt: string }[];
  actions?: {
    number: number;
    kind: string;
    ownerAgencyId: string;
    dueAt: string;
    status: string;
    rag: string | null;
  }[];
  briefingUrl?: string | null;
  createdAt: string;
}

async function showAudit(ctx: Ctx, id: string, opts: ReadOptions): Promise<void> {
  if (!uuid.safeParse(id).success)
    throw new CliError(`"${id}" is not an audit ID (a UUID; see \`deepdive audits list\`)`);
  const api = await createApi(opts, ctx.io);
  const audit = await api.get<Shown>(`/api/audits/${id}`);
  if (opts.json) return ctx.json(audit);

  // Agency names where the key may read the directory (business unit, manager); IDs otherwise.
  const names = await api
    .get<{ id: string; name: string }[]>('/api/agencies')
    .then((list) => new Map(list.map((a) => [a.id, a.name])))
    .catch(() => new Map<string, string>());
  const agency = (agencyId: string) => names.get(agencyId) ?? agencyId;

  ctx.out(
    summary([
      ['Audit', audit.id],
      ['Stage', audit.stage],
      ['Focus', `${audit.focus} (${audit.focusSource})`],
      ['Review window', `${day(audit.window.from)} to ${day(audit.window.to)}`],
      ['Cohort size', audit.cohortSize],
      ['Workflow', audit.workflowId],
      ['Created', when(audit.createdAt)],
      ['Invitations go by', audit.deadlines?.invitationsGoBy ? when(audit.deadlines.invitationsGoBy) : undefined],
      ['Collation by', audit.deadlines?.collationBy ? when(audit.deadlines.collationBy) : undefined],
      [
        'Discussion',
        audit.discussion
          ? `${when(audit.discussion.at)}${audit.discussion.location ? `, ${audit.discussion.location}` : ''}`
          : 'not scheduled',
      ],
      ['Briefing', audit.briefingUrl ?? undefined],
      ['Unsent emails', audit.unsentEmails?.length ? audit.unsentEmails.length : undefined],
    ]),
  );

  ctx.out(`\nCohort (${audit.cohort.length} drawn)`);
  ctx.out(
    audit.cohort.length
      ? indent(
          table(
            ['CASE REF', 'SERVICE LEVEL'],
            audit.cohort.map((c) => [c.caseRef, c.serviceLevel]),
          ),
        )
      : '  not drawn yet',
  );

  if (audit.invitations.length) {
    const submitted = audit.invitations.filter((i) => i.status === 'submitted').length;
    ctx.out(`\nInvitations (${audit.invitations.length}: ${submitted} submitted)`);
    ctx.out(
      indent(
        table(
          ['CASE REF', 'AGENCY', 'STATUS', 'DUE', 'SUBMITTED'],
          audit.invitations.map((i) => [
            i.caseRef,
            agency(i.agencyId),
            i.late ? `${i.status} (late)` : i.status,
            when(i.dueAt),
            when(i.submittedAt),
          ]),
        ),
      ),
    );
  }

  if (audit.reportVersions?.length) {
    ctx.out('\nReport versions');
    ctx.out(
      indent(
        table(
          ['VERSION', 'SUBMITTED', 'CIRCULATED', 'APPROVALS'],
          audit.reportVersions.map((v) => [
            v.version,
            when(v.submittedAt),
            when(v.circulatedAt),
            countBy(v.approvals.map((a) => a.status)),
          ]),
        ),
      ),
    );
  }
  if (audit.lisDecisions?.length) {
    ctx.out('\nLIS decisions');
    ctx.out(
      indent(
        table(
          ['DECISION', 'DECIDED'],
          audit.lisDecisions.map((d) => [d.decision, when(d.decidedAt)]),
        ),
      ),
    );
  }
  if (audit.actions?.length) {
    ctx.out('\nActions');
    ctx.out(
      indent(
        table(
          ['#', 'KIND', 'OWNER', 'DUE', 'STATUS', 'RAG'],
          audit.actions.map((a) => [a.number, a.kind, agency(a.ownerAgencyId), day(a.dueAt), a.status, a.rag]),
        ),
      ),
    );
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

function countBy(values: string[]): string {
  if (!values.length) return '-';
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n} ${v}`).join(', ');
}

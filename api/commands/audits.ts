// Audits: start one, read where it is (with who saw its children's identifiers and its evidence pack),
// cancel it, replace a drawn case.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { isActiveInWindow } from '../../domain/cohort';
import {
  cancelAuditSchema,
  caseRow,
  type CreateAudit,
  createAuditSchema,
  replaceCaseSchema,
} from '../../domain/schemas';
import { fixTimeline, type TimelineOverrides } from '../../domain/timeline';
import type { Db } from '../../infra/db';
import { failedEmails } from '../../activities/email';
import {
  auditStateQuery,
  auditWorkflowId,
  cancelAuditUpdate,
  replaceCaseUpdate,
  stageSearchAttribute,
} from '../../workflows/messages';
import type { deepDiveAudit } from '../../workflows';
import { accessLog } from '../access-log';
import { approvalStatus, escalationStatus, escalationStatusSelect, openProblems } from '../audit-reads';
import type { Principal } from '../auth';
import { HttpError, parse, whileAuditRuns } from '../errors';
import { evidencePack } from '../evidence';
import {
  type AuditDeps,
  auditWorkflow,
  type CommandDeps,
  drawnCohort,
  findAudit,
  recordTrail,
  type UpdateOptions,
} from './deps';

const SIX_MONTHS_MS = 183 * 24 * 60 * 60 * 1000;

export type StartDeps = Pick<
  CommandDeps,
  'db' | 'temporal' | 'taskQueue' | 'allowCompressedTimelines' | 'retentionMonths'
>;

/**
 * Stores the audit with its candidate pool and starts its workflow. With an idempotency key, a retry of the
 * same request answers the audit the first one started (and starts its workflow if that was lost); another
 * request under the same key is a 409.
 */
export async function startAudit(
  deps: StartDeps,
  actor: Principal,
  input: unknown,
  opts: { idempotencyKey?: string } = {},
): Promise<{ id: string; workflowId: string; stage: 'selection' }> {
  const { db } = deps;
  const body = parse(createAuditSchema, input);
  const { idempotencyKey } = opts;
  const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');

  const earlier = async () => {
    const audit = idempotencyKey ? await db.audit.findUnique({ where: { idempotencyKey } }) : null;
    if (!audit) return undefined;
    if (audit.requestHash !== requestHash) {
      throw new HttpError(409, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request.');
    }
    await startWorkflow(deps, audit.id, (audit.timeline as TimelineOverrides | null) ?? undefined);
    return { id: audit.id, workflowId: audit.workflowId, stage: 'selection' as const };
  };
  const answered = await earlier();
  if (answered) return answered;

  const window = await refuseUnstartable(deps, body);

  const id = randomUUID();
  const workflowId = auditWorkflowId(id);
  const stored = db.$transaction([
    db.audit.create({
      data: {
        id,
        workflowId,
        focus: body.focus,
        focusSource: body.focusSource,
        windowFrom: new Date(window.from),
        windowTo: new Date(window.to),
        cohortSize: body.cohortSize,
        timeline: body.timeline,
        discussionAt: body.discussion ? new Date(body.discussion.at) : undefined,
        discussionLocation: body.discussion?.location,
        idempotencyKey,
        requestHash,
        createdBy: actor.actor,
        cases: {
          create: body.candidates.map(caseRow),
        },
      },
    }),
    recordTrail(db, id, actor, 'audit.started', { candidates: body.candidates.length }),
  ]);
  try {
    await stored;
  } catch (err) {
    // The same key sent twice at once (a double click): the first stored its audit; this one answers it.
    const first = (err as { code?: unknown }).code === 'P2002' ? await earlier() : undefined;
    if (!first) throw err;
    return first;
  }
  await startWorkflow(deps, id, body.timeline);
  return { id, workflowId, stage: 'selection' };
}

/** The audit `input` would start, checked as starting it checks it; nothing is stored. Throws the same refusals. */
export async function checkStart(
  deps: Pick<StartDeps, 'db' | 'allowCompressedTimelines'>,
  input: unknown,
): Promise<CreateAudit> {
  const body = parse(createAuditSchema, input);
  await refuseUnstartable(deps, body);
  return body;
}

/** What the schema cannot see: timelines this server refuses, unknown agencies, no candidate in the window. */
async function refuseUnstartable(
  deps: Pick<StartDeps, 'db' | 'allowCompressedTimelines'>,
  body: CreateAudit,
): Promise<{ from: string; to: string }> {
  if (body.timeline && !deps.allowCompressedTimelines) {
    throw new HttpError(
      400,
      'validation_failed',
      'timeline overrides are allowed only when the server runs with ALLOW_COMPRESSED_TIMELINES=true.',
      [{ path: ['timeline'], message: 'not allowed on this server' }],
    );
  }
  await refuseUnknownAgencies(deps.db, body);
  const window = body.window ?? {
    from: new Date(Date.now() - SIX_MONTHS_MS).toISOString(),
    to: new Date().toISOString(),
  };
  refuseEmptyPool(body, window);
  return window;
}

async function startWorkflow(
  { temporal, taskQueue, retentionMonths }: Pick<CommandDeps, 'temporal' | 'taskQueue' | 'retentionMonths'>,
  auditId: string,
  timeline: TimelineOverrides | undefined,
): Promise<void> {
  try {
    await temporal.workflow.start<typeof deepDiveAudit>('deepDiveAudit', {
      workflowId: auditWorkflowId(auditId),
      taskQueue,
      // The audit's timeline is fixed now, for its whole life: later defaults or holidays never move it.
      args: [{ auditId, timeline, fixedTimeline: fixTimeline(timeline, retentionMonths) }],
      typedSearchAttributes: [{ key: stageSearchAttribute, value: 'selection' }],
    });
  } catch (err) {
    // A retried request (same Idempotency-Key) after a lost response: the audit is already running.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function refuseUnknownAgencies(db: Db, body: CreateAudit): Promise<void> {
  const ids = [...new Set(body.candidates.flatMap((c) => c.agencyIds))];
  const known = new Set(
    (await db.agency.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((a) => a.id),
  );
  const issues = body.candidates.flatMap((c, i) =>
    c.agencyIds.flatMap((agencyId, j) =>
      known.has(agencyId) ? [] : [{ path: ['candidates', i, 'agencyIds', j], message: `unknown agency ${agencyId}` }],
    ),
  );
  if (issues.length) throw new HttpError(422, 'unknown_reference', 'Some agencies are not in the directory.', issues);
}

function refuseEmptyPool(body: CreateAudit, window: { from: string; to: string }): void {
  if (!body.candidates.some((c) => isActiveInWindow(c.lastActivityAt, window))) {
    throw new HttpError(422, 'empty_pool', 'No candidate was active inside the review window.', [
      { path: ['candidates'], message: `no lastActivityAt between ${window.from} and ${window.to}` },
    ]);
  }
}

/** Everything about the audit but its children's identifiers: what GET /api/audits/:id answers. */
/** How long the audit's state query may take before the request is refused with 503 (retry). */
export const QUERY_DEADLINE_MS = 5_000;

export async function auditState(deps: Pick<CommandDeps, 'db' | 'temporal' | 'publicUrl'>, auditId: string) {
  const { db, temporal } = deps;
  const audit = await findAudit(db, auditId);
  const [state, cohort, invitations, unsent, reportVersions, lisDecisions, actions, briefing, escalations, problems] =
    await Promise.all([
      // Years after it closed, Temporal may no longer hold the run: the database's copy answers then.
      // With Temporal's own database down the server holds a query unanswered: a deadline turns that into 503.
      temporal.connection
        .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => auditWorkflow(temporal, audit).query(auditStateQuery))
        .catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        }),
      drawnCohort(db, audit.id),
      db.invitation.findMany({
        where: { auditId: audit.id },
        orderBy: [{ case: { drawOrder: 'asc' } }, { createdAt: 'asc' }],
        select: {
          id: true,
          agencyId: true,
          status: true,
          dueAt: true,
          case: { select: { caseRef: true } },
          submission: { select: { late: true, submittedAt: true } },
        },
      }),
      failedEmails(db, audit.id),
      db.reportVersion.findMany({
        where: { auditId: audit.id },
        orderBy: { version: 'asc' },
        select: {
          id: true,
          version: true,
          submittedAt: true,
          circulatedAt: true,
          approvals: {
            orderBy: { createdAt: 'asc' },
            select: { id: true, agencyId: true, decision: true, supersededAt: true, dueAt: true, decidedAt: true },
          },
        },
      }),
      db.lisDecision.findMany({
        where: { auditId: audit.id },
        orderBy: { decidedAt: 'asc' },
        select: { decision: true, decidedAt: true },
      }),
      db.action.findMany({
        where: { auditId: audit.id },
        orderBy: { number: 'asc' },
        select: { id: true, number: true, kind: true, ownerAgencyId: true, dueAt: true, status: true, rag: true },
      }),
      db.briefing.findUnique({ where: { auditId: audit.id }, select: { slug: true } }),
      db.escalation.findMany({
        where: { auditId: audit.id },
        orderBy: { raisedAt: 'asc' },
        select: escalationStatusSelect,
      }),
      openProblems(db, audit.id),
    ]);
  // The follow-up's own view of each action (its next quarterly request); absent from older runs.
  const followUps = new Map((state?.actions ?? []).map((a) => [a.actionId, a]));
  return {
    id: audit.id,
    workflowId: audit.workflowId,
    stage: state?.stage ?? audit.stage,
    focus: audit.focus,
    focusSource: audit.focusSource,
    window: { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() },
    cohortSize: audit.cohortSize,
    cohort,
    cohortRationale: audit.cohortRationale,
    invitations: invitations.map((i) => ({
      id: i.id,
      caseRef: i.case.caseRef,
      agencyId: i.agencyId,
      status: i.status,
      dueAt: i.dueAt?.toISOString() ?? null,
      submittedAt: i.submission?.submittedAt?.toISOString() ?? null,
      late: i.submission?.late ?? false,
    })),
    deadlines: {
      invitationsGoBy: state?.invitationsDueToSendAt ?? null,
      collationBy: state?.submissionsCutOffAt ?? null,
      purgeAt: state?.purgeAt ?? null,
    },
    unsentEmails: unsent,
    // Steps that cannot be done (a row not there), tried again daily: for the business unit to put right.
    problems,
    discussion: audit.discussionAt
      ? { at: audit.discussionAt.toISOString(), location: audit.discussionLocation }
      : null,
    reportVersions: reportVersions.map((v) => ({
      id: v.id,
      version: v.version,
      submittedAt: v.submittedAt.toISOString(),
      circulatedAt: v.circulatedAt?.toISOString() ?? null,
      approvals: v.approvals.map((a) => ({
        id: a.id,
        agencyId: a.agencyId,
        status: approvalStatus(a),
        dueAt: a.dueAt.toISOString(),
        decidedAt: a.decidedAt?.toISOString() ?? null,
      })),
    })),
    lisDecisions: lisDecisions.map((d) => ({ decision: d.decision, decidedAt: d.decidedAt.toISOString() })),
    actions: actions.map((a) => ({
      id: a.id,
      number: a.number,
      kind: a.kind,
      ownerAgencyId: a.ownerAgencyId,
      dueAt: a.dueAt.toISOString(),
      status: a.status,
      rag: a.rag,
      nextReminderAt: (a.status === 'open' && followUps.get(a.id)?.nextReminderAt) || null,
    })),
    // Status only: the concern's words are for the link holder.
    escalations: escalations.map((e) => ({ id: e.id, agencyId: e.agencyId, ...escalationStatus(e) })),
    briefingUrl: briefing ? `${deps.publicUrl ?? ''}/briefings/${encodeURIComponent(briefing.slug)}` : null,
    createdAt: audit.createdAt.toISOString(),
  };
}

/** Every view of a page that showed the audit's children's identifiers. */
export async function auditAccessLog(deps: Pick<CommandDeps, 'db'>, auditId: string) {
  const audit = await findAudit(deps.db, auditId);
  return accessLog(deps.db, audit.id);
}

/** The anonymised evidence pack for inspection (api/evidence.ts). */
export async function auditEvidencePack(deps: Pick<CommandDeps, 'db' | 'publicUrl'>, auditId: string) {
  const audit = await findAudit(deps.db, auditId);
  return evidencePack(deps.db, audit.id, deps.publicUrl);
}

export async function cancelAudit(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  input: unknown,
  opts: UpdateOptions = {},
): Promise<{ id: string; stage: string }> {
  const audit = await findAudit(deps.db, auditId);
  const { reason } = parse(cancelAuditSchema, input);
  const state = await whileAuditRuns(auditWorkflow(deps.temporal, audit).executeUpdate(cancelAuditUpdate, opts));
  await recordTrail(deps.db, audit.id, actor, 'audit.cancelled', { reason });
  return { id: audit.id, stage: state.stage };
}

/** Before the invitations go, a drawn case is swapped for an undrawn candidate active in the window. */
export async function replaceCase(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  input: unknown,
  opts: UpdateOptions = {},
) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const { caseRef, replacementCaseRef } = parse(replaceCaseSchema, input);
  const cases = await db.case.findMany({
    where: { auditId: audit.id, caseRef: { in: [caseRef, replacementCaseRef] } },
  });
  const drawn = cases.find((c) => c.caseRef === caseRef && c.selectedAt && !c.replacedAt);
  const replacement = cases.find((c) => c.caseRef === replacementCaseRef);
  if (!drawn) throw new HttpError(404, 'not_found', `No drawn case ${caseRef} in this audit.`);
  if (!replacement) throw new HttpError(404, 'not_found', `No candidate ${replacementCaseRef} in this audit's pool.`);
  if (replacement.selectedAt || replacement.replacedAt) {
    throw new HttpError(
      409,
      'already_drawn',
      `${replacementCaseRef} has been drawn before; choose an undrawn candidate.`,
    );
  }
  const window = { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() };
  if (!isActiveInWindow(replacement.lastActivityAt.toISOString(), window)) {
    throw new HttpError(400, 'validation_failed', `${replacementCaseRef} had no activity inside the review window.`, [
      { path: ['replacementCaseRef'], message: 'not active inside the review window' },
    ]);
  }
  const change = { caseId: drawn.id, replacementCaseId: replacement.id };
  await whileAuditRuns(
    auditWorkflow(deps.temporal, audit).executeUpdate(replaceCaseUpdate, { ...opts, args: [change] }),
  );
  await recordTrail(db, audit.id, actor, 'cohort.replace_requested', change);
  return { cohort: await drawnCohort(db, audit.id) };
}

// Audits: start one, read where it is, cancel it.
import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { isActiveInWindow } from '../../domain/cohort';
import {
  cancelAuditSchema,
  caseRow,
  type CreateAudit,
  createAuditSchema,
  extendDeadlineSchema,
  raiseConcernSchema,
  replaceCaseSchema,
} from '../../domain/schemas';
import { failedEmails } from '../../activities/email';
import type { TimelineOverrides } from '../../domain/timeline';
import type { Db } from '../../infra/db';
import {
  auditStateQuery,
  auditWorkflowId,
  cancelAuditUpdate,
  escalationWorkflowId,
  extendDeadlineUpdate,
  noInvolvementUpdate,
  replaceCaseUpdate,
  sendInvitationsUpdate,
  stageSearchAttribute,
} from '../../workflows/messages';
import type { deepDiveAudit } from '../../workflows';
import { requireRole } from '../auth';
import { raiseConcern } from './respond';
import { HttpError, parse, whileAuditRuns } from '../errors';

export interface AuditsDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  allowCompressedTimelines: boolean;
}

const idempotencyKeySchema = z.string().min(1).max(200).optional();
const auditIdSchema = z.uuid();
const SIX_MONTHS_MS = 183 * 24 * 60 * 60 * 1000;

export function auditsRouter(deps: AuditsDeps): Router {
  const { db, temporal } = deps;
  const router = Router();

  const startWorkflow = async (auditId: string, timeline: TimelineOverrides | undefined): Promise<void> => {
    try {
      await temporal.workflow.start<typeof deepDiveAudit>('deepDiveAudit', {
        workflowId: auditWorkflowId(auditId),
        taskQueue: deps.taskQueue,
        args: [{ auditId, timeline }],
        typedSearchAttributes: [{ key: stageSearchAttribute, value: 'selection' }],
      });
    } catch (err) {
      // A retried request (same Idempotency-Key) after a lost response: the audit is already running.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };

  const handle = (audit: { workflowId: string }) => temporal.workflow.getHandle(audit.workflowId);

  const auditOr404 = async (id: unknown) => {
    const parsed = auditIdSchema.safeParse(id);
    const audit = parsed.success ? await db.audit.findUnique({ where: { id: parsed.data } }) : null;
    if (!audit) throw new HttpError(404, 'not_found', 'No such audit.');
    return audit;
  };

  router.post('/', requireRole('business_unit'), async (req, res) => {
    const body = parse(createAuditSchema, req.body);
    const idempotencyKey = parse(idempotencyKeySchema, req.get('idempotency-key'));
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');

    if (idempotencyKey) {
      const earlier = await db.audit.findUnique({ where: { idempotencyKey } });
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          throw new HttpError(409, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request.');
        }
        await startWorkflow(earlier.id, (earlier.timeline as TimelineOverrides | null) ?? undefined);
        res.status(201).json({ id: earlier.id, workflowId: earlier.workflowId, stage: 'selection' });
        return;
      }
    }

    if (body.timeline && !deps.allowCompressedTimelines) {
      throw new HttpError(
        400,
        'validation_failed',
        'timeline overrides are allowed only when the server runs with ALLOW_COMPRESSED_TIMELINES=true.',
        [{ path: ['timeline'], message: 'not allowed on this server' }],
      );
    }
    await refuseUnknownAgencies(db, body);
    const window = body.window ?? {
      from: new Date(Date.now() - SIX_MONTHS_MS).toISOString(),
      to: new Date().toISOString(),
    };
    refuseEmptyPool(body, window);

    const id = randomUUID();
    const workflowId = auditWorkflowId(id);
    await db.$transaction([
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
          createdBy: req.principal!.actor,
          cases: {
            create: body.candidates.map(caseRow),
          },
        },
      }),
      db.auditTrailEntry.create({
        data: {
          auditId: id,
          actor: req.principal!.actor,
          action: 'audit.started',
          details: { candidates: body.candidates.length },
        },
      }),
    ]);
    await startWorkflow(id, body.timeline);
    res.status(201).json({ id, workflowId, stage: 'selection' });
  });

  /** Every audit, newest first, from the database's copy of the stage: no Temporal round trip per row. */
  router.get('/', requireRole('business_unit', 'manager', 'lis'), async (_req, res) => {
    const audits = await db.audit.findMany({
      orderBy: { createdAt: 'desc' },
      select: {
        id: true,
        focus: true,
        stage: true,
        createdAt: true,
        invitations: { select: { status: true, dueAt: true } },
      },
    });
    const now = Date.now();
    res.json(
      audits.map((a) => {
        const open = a.invitations.filter((i) => i.status === 'pending');
        const dues = open.flatMap((i) => (i.dueAt ? [i.dueAt.getTime()] : []));
        const upcoming = dues.filter((d) => d >= now);
        return {
          id: a.id,
          focus: a.focus,
          stage: a.stage,
          createdAt: a.createdAt.toISOString(),
          invitations: { total: a.invitations.length, open: open.length, overdue: dues.filter((d) => d < now).length },
          nextDeadline: upcoming.length ? new Date(Math.min(...upcoming)).toISOString() : null,
        };
      }),
    );
  });

  router.get('/:id', requireRole('business_unit', 'manager', 'lis'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const [state, cohort, invitations, unsent] = await Promise.all([
      temporal.workflow.getHandle(audit.workflowId).query(auditStateQuery),
      db.case.findMany({
        where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: { caseRef: true, serviceLevel: true },
      }),
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
    ]);
    res.json({
      id: audit.id,
      workflowId: audit.workflowId,
      stage: state.stage,
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
        invitationsGoBy: state.invitationsDueToSendAt ?? null,
        collationBy: state.submissionsCutOffAt ?? null,
      },
      unsentEmails: unsent,
      discussion: audit.discussionAt
        ? { at: audit.discussionAt.toISOString(), location: audit.discussionLocation }
        : null,
      createdAt: audit.createdAt.toISOString(),
    });
  });

  router.post('/:id/cancel', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const { reason } = parse(cancelAuditSchema, req.body);
    const state = await whileAuditRuns(handle(audit).executeUpdate(cancelAuditUpdate));
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, actor: req.principal!.actor, action: 'audit.cancelled', details: { reason } },
    });
    res.json({ id: audit.id, stage: state.stage });
  });

  router.post('/:id/cohort/replace', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const { caseRef, replacementCaseRef } = parse(replaceCaseSchema, req.body);
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
    await whileAuditRuns(
      handle(audit).executeUpdate(replaceCaseUpdate, {
        args: [{ caseId: drawn.id, replacementCaseId: replacement.id }],
      }),
    );
    await db.auditTrailEntry.create({
      data: {
        auditId: audit.id,
        actor: req.principal!.actor,
        action: 'cohort.replace_requested',
        details: { caseId: drawn.id, replacementCaseId: replacement.id },
      },
    });
    res.json({
      cohort: await db.case.findMany({
        where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: { caseRef: true, serviceLevel: true },
      }),
    });
  });

  router.post('/:id/invitations/send', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    await whileAuditRuns(handle(audit).executeUpdate(sendInvitationsUpdate));
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, actor: req.principal!.actor, action: 'invitations.send_requested' },
    });
    res.status(202).json({ id: audit.id, stage: 'invitations', sending: true });
  });

  router.post('/:id/deadlines', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(extendDeadlineSchema, req.body);
    const changed = await whileAuditRuns(handle(audit).executeUpdate(extendDeadlineUpdate, { args: [body] }));
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, actor: req.principal!.actor, action: 'deadline.extended', details: body },
    });
    res.json({ invitations: changed.map((i) => ({ id: i.invitationId, dueAt: i.dueAt })) });
  });

  router.post('/:id/invitations/:invitationId/no-involvement', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const invitation = await db.invitation.findFirst({
      where: { id: parse(z.string(), req.params.invitationId), auditId: audit.id },
    });
    if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation in this audit.');
    const closed = await whileAuditRuns(
      handle(audit).executeUpdate(noInvolvementUpdate, { args: [{ invitationId: invitation.id }] }),
    );
    await db.auditTrailEntry.create({
      data: {
        auditId: audit.id,
        actor: req.principal!.actor,
        action: 'invitation.no_involvement',
        details: { invitationId: invitation.id },
      },
    });
    res.json({ id: invitation.id, status: closed.status });
  });

  router.post('/:id/concerns', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(raiseConcernSchema, req.body);
    const [agency, drawnCase] = await Promise.all([
      db.agency.findUnique({ where: { id: body.agencyId } }),
      body.caseRef ? db.case.findFirst({ where: { auditId: audit.id, caseRef: body.caseRef } }) : null,
    ]);
    if (!agency) throw new HttpError(404, 'not_found', 'No such agency in the directory.');
    if (body.caseRef && !drawnCase) throw new HttpError(404, 'not_found', `No case ${body.caseRef} in this audit.`);
    const escalation = await db.escalation.create({
      data: {
        auditId: audit.id,
        caseId: drawnCase?.id,
        agencyId: agency.id,
        source: 'business_unit',
        concern: body.description,
      },
    });
    await db.auditTrailEntry.create({
      data: {
        auditId: audit.id,
        actor: req.principal!.actor,
        action: 'concern.raised',
        details: { escalationId: escalation.id },
      },
    });
    await raiseConcern(temporal, audit.workflowId, escalation.id);
    res.status(201).json({ id: escalation.id, workflowId: escalationWorkflowId(escalation.id) });
  });

  return router;
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
  if (issues.length) throw new HttpError(400, 'validation_failed', 'Some agencies are not in the directory.', issues);
}

function refuseEmptyPool(body: CreateAudit, window: { from: string; to: string }): void {
  if (!body.candidates.some((c) => isActiveInWindow(c.lastActivityAt, window))) {
    throw new HttpError(400, 'validation_failed', 'No candidate was active inside the review window.', [
      { path: ['candidates'], message: `no lastActivityAt between ${window.from} and ${window.to}` },
    ]);
  }
}

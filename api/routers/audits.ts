// Audits: start one, read where it is, cancel it.
import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { isActiveInWindow } from '../../domain/cohort';
import { cancelAuditSchema, type CreateAudit, createAuditSchema } from '../../domain/schemas';
import type { TimelineOverrides } from '../../domain/timeline';
import type { Db } from '../../infra/db';
import { auditStateQuery, auditWorkflowId, cancelAuditUpdate, stageSearchAttribute } from '../../workflows/messages';
import type { deepDiveAudit } from '../../workflows';
import { requireRole } from '../auth';
import { HttpError, parse } from '../errors';

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
      throw new HttpError(400, 'validation_failed', 'timeline overrides are allowed only when the server runs with ALLOW_COMPRESSED_TIMELINES=true.', [
        { path: ['timeline'], message: 'not allowed on this server' },
      ]);
    }
    await refuseUnknownAgencies(db, body);
    const window = body.window ?? { from: new Date(Date.now() - SIX_MONTHS_MS).toISOString(), to: new Date().toISOString() };
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
            create: body.candidates.map((c) => ({
              caseRef: c.caseRef,
              serviceLevel: c.serviceLevel,
              childName: c.child.name,
              childDob: new Date(c.child.dateOfBirth),
              childLocalId: c.child.localId,
              agencyIds: c.agencyIds,
              lastActivityAt: new Date(c.lastActivityAt),
            })),
          },
        },
      }),
      db.auditTrailEntry.create({
        data: { auditId: id, actor: req.principal!.actor, action: 'audit.started', details: { candidates: body.candidates.length } },
      }),
    ]);
    await startWorkflow(id, body.timeline);
    res.status(201).json({ id, workflowId, stage: 'selection' });
  });

  router.get('/:id', requireRole('business_unit', 'manager', 'lis'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const [state, cohort] = await Promise.all([
      temporal.workflow.getHandle(audit.workflowId).query(auditStateQuery),
      db.case.findMany({
        where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: { caseRef: true, serviceLevel: true },
      }),
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
      discussion: audit.discussionAt ? { at: audit.discussionAt.toISOString(), location: audit.discussionLocation } : null,
      createdAt: audit.createdAt.toISOString(),
    });
  });

  router.post('/:id/cancel', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const { reason } = parse(cancelAuditSchema, req.body);
    const state = await temporal.workflow
      .getHandle(audit.workflowId)
      .executeUpdate(cancelAuditUpdate)
      .catch((err: unknown) => {
        // The audit row exists, so a missing run means it has already ended.
        if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'wrong_stage', 'The audit has already ended.');
        throw err;
      });
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, actor: req.principal!.actor, action: 'audit.cancelled', details: { reason } },
    });
    res.json({ id: audit.id, stage: state.stage });
  });

  return router;
}

async function refuseUnknownAgencies(db: Db, body: CreateAudit): Promise<void> {
  const ids = [...new Set(body.candidates.flatMap((c) => c.agencyIds))];
  const known = new Set((await db.agency.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((a) => a.id));
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

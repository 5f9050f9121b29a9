// Audits: start one, read where it is, cancel it; and the business unit's and the LIS's part of stages 4–9:
// schedule the discussion, record its outcome, draft and submit the report, sign it off.
import { createHash, randomUUID } from 'node:crypto';
import { type Request, Router } from 'express';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { z } from 'zod';
import { isActiveInWindow } from '../../domain/cohort';
import {
  cancelAuditSchema,
  caseRow,
  type CreateAudit,
  createAuditSchema,
  extendDeadlineSchema,
  lisDecisionSchema,
  type OutcomeBody,
  outcomeSchema,
  raiseConcernSchema,
  REPORT_FIELDS,
  replaceCaseSchema,
  reportSchema,
  scheduleDiscussionSchema,
} from '../../domain/schemas';
import { clip, draftReport } from '../../domain/report-draft';
import {
  caseIdentifiers,
  checkReportFields,
  identifierPatterns,
  redactIdentifiers,
} from '../../domain/reidentification';
import { failedEmails } from '../../activities/email';
import { evidencePack } from '../evidence';
import { fixTimeline, type TimelineOverrides } from '../../domain/timeline';
import type { Db } from '../../infra/db';
import {
  auditStateQuery,
  auditWorkflowId,
  cancelAuditUpdate,
  escalationWorkflowId,
  extendDeadlineUpdate,
  lisDecisionUpdate,
  noInvolvementUpdate,
  recordOutcomeUpdate,
  replaceCaseUpdate,
  scheduleDiscussionUpdate,
  sendInvitationsUpdate,
  stageSearchAttribute,
  submitReportVersionUpdate,
} from '../../workflows/messages';
import type { deepDiveAudit } from '../../workflows';
import { approvalStatus, auditSummaries, escalationStatus, escalationStatusSelect, openProblems } from '../audit-reads';
import { accessLog } from '../access-log';
import { requireRole, trailActor } from '../auth';
import { idempotencyKeySchema, updateIdFor } from '../idempotency';
import { raiseConcern } from './respond';
import { HttpError, parse, whileAuditRuns } from '../errors';

export interface AuditsDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  allowCompressedTimelines: boolean;
  /** Where the product is reached: the 7 Point Briefing is published under it (a path alone when unset). */
  publicUrl?: string;
}

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
        // The audit's timeline is fixed now, for its whole life: later defaults or holidays never move it.
        args: [{ auditId, timeline, fixedTimeline: fixTimeline(timeline) }],
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
    const idempotencyKey = parse(idempotencyKeySchema.optional(), req.get('idempotency-key'));
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
          ...trailActor(req.principal!),
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
    res.json(await auditSummaries(db));
  });

  router.get('/:id', requireRole('business_unit', 'manager', 'lis'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const [state, cohort, invitations, unsent, reportVersions, lisDecisions, actions, briefing, escalations, problems] =
      await Promise.all([
        // Years after it closed, Temporal may no longer hold the run: the database's copy answers then.
        temporal.workflow
          .getHandle(audit.workflowId)
          .query(auditStateQuery)
          .catch((err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          }),
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
    res.json({
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
    });
  });

  router.get('/:id/access-log', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    res.json(await accessLog(db, audit.id));
  });

  router.get('/:id/evidence', requireRole('business_unit', 'manager', 'lis'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    res.set('Cache-Control', 'no-store');
    res.attachment(`deep-dive-evidence-${audit.id}.json`);
    res.json(await evidencePack(db, audit.id, deps.publicUrl));
  });

  router.post('/:id/cancel', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const { reason } = parse(cancelAuditSchema, req.body);
    const state = await whileAuditRuns(handle(audit).executeUpdate(cancelAuditUpdate, updateIdFor(req, 'cancel')));
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, ...trailActor(req.principal!), action: 'audit.cancelled', details: { reason } },
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
        ...updateIdFor(req, 'replace-case'),
        args: [{ caseId: drawn.id, replacementCaseId: replacement.id }],
      }),
    );
    await db.auditTrailEntry.create({
      data: {
        auditId: audit.id,
        ...trailActor(req.principal!),
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
    await whileAuditRuns(handle(audit).executeUpdate(sendInvitationsUpdate, updateIdFor(req, 'send-invitations')));
    await db.auditTrailEntry.create({
      data: { auditId: audit.id, ...trailActor(req.principal!), action: 'invitations.send_requested' },
    });
    res.status(202).json({ id: audit.id, stage: 'invitations', sending: true });
  });

  router.post('/:id/deadlines', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(extendDeadlineSchema, req.body);
    const changed = await whileAuditRuns(
      handle(audit).executeUpdate(extendDeadlineUpdate, { args: [body], ...updateIdFor(req, 'extend') }),
    );
    // The workflow writes the deadlines too, after it has answered; written here as well, the caller's next
    // read already has them.
    await db.$transaction([
      db.invitation.updateMany({
        where: { id: { in: changed.map((i) => i.invitationId) } },
        data: { dueAt: new Date(body.dueAt) },
      }),
      db.auditTrailEntry.create({
        data: { auditId: audit.id, ...trailActor(req.principal!), action: 'deadline.extended', details: body },
      }),
    ]);
    res.json({ invitations: changed.map((i) => ({ id: i.invitationId, dueAt: i.dueAt })) });
  });

  router.post('/:id/invitations/:invitationId/no-involvement', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const invitation = await db.invitation.findFirst({
      where: { id: parse(z.string(), req.params.invitationId), auditId: audit.id },
    });
    if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation in this audit.');
    const closed = await whileAuditRuns(
      handle(audit).executeUpdate(noInvolvementUpdate, {
        args: [{ invitationId: invitation.id }],
        ...updateIdFor(req, 'no-involvement'),
      }),
    );
    // As for an extension: the workflow writes the status too, after it has answered; here the link stops now.
    await db.$transaction([
      db.invitation.updateMany({
        where: { id: invitation.id, status: 'pending' },
        data: { status: 'no_involvement' },
      }),
      db.auditTrailEntry.create({
        data: {
          auditId: audit.id,
          ...trailActor(req.principal!),
          action: 'invitation.no_involvement',
          details: { invitationId: invitation.id },
        },
      }),
    ]);
    res.json({ id: invitation.id, status: closed.status });
  });

  router.post('/:id/concerns', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(raiseConcernSchema, req.body);
    const [agency, drawnCase] = await Promise.all([
      db.agency.findUnique({ where: { id: body.agencyId } }),
      body.caseRef ? db.case.findFirst({ where: { auditId: audit.id, caseRef: body.caseRef } }) : null,
    ]);
    // Well-formed, but naming what is not there: 422, where the issue is (the URL's audit is there).
    const unknown = [
      ...(agency ? [] : [{ path: ['agencyId'], message: `unknown agency ${body.agencyId}` }]),
      ...(body.caseRef && !drawnCase
        ? [{ path: ['caseRef'], message: `${body.caseRef} is not a case in this audit` }]
        : []),
    ];
    if (unknown.length || !agency) {
      throw new HttpError(
        422,
        'unknown_reference',
        'The concern names an agency or case this audit does not have.',
        unknown,
      );
    }
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
        ...trailActor(req.principal!),
        action: 'concern.raised',
        details: { escalationId: escalation.id },
      },
    });
    await raiseConcern(temporal, audit.workflowId, escalation.id);
    res.status(201).json({ id: escalation.id, workflowId: escalationWorkflowId(escalation.id) });
  });

  const trail = (auditId: string, req: Request, action: string, details?: Record<string, string | number>) =>
    db.auditTrailEntry.create({ data: { auditId, ...trailActor(req.principal!), action, details } });

  /** Every identifier of the audit's candidate pool (drawn or not), for the re-identification check. */
  const poolIdentifiers = (auditId: string) =>
    db.case.findMany({
      where: { auditId },
      select: { caseRef: true, childName: true, childDob: true, childLocalId: true },
      orderBy: { caseRef: 'asc' },
    });

  // Stage 5. The date and place are stored first (the pack's email reads the place from the database); the
  // workflow keeps the date. Refused (the discussion stage is over), the previous date and place come back.
  router.post('/:id/discussion', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(scheduleDiscussionSchema, req.body);
    const at = new Date(body.at).toISOString();
    const previous = { discussionAt: audit.discussionAt, discussionLocation: audit.discussionLocation };
    await db.$transaction([
      db.audit.update({
        where: { id: audit.id },
        data: { discussionAt: new Date(at), discussionLocation: body.location },
      }),
      trail(audit.id, req, 'discussion.scheduled', { at, location: body.location }),
    ]);
    await updateOrUndo(
      () =>
        handle(audit).executeUpdate(scheduleDiscussionUpdate, { args: [{ at }], ...updateIdFor(req, 'discussion') }),
      () =>
        db.$transaction([
          db.audit.update({ where: { id: audit.id }, data: previous }),
          trail(audit.id, req, 'discussion.schedule_refused', { at }),
        ]),
    );
    res.json({ discussion: { at, location: body.location } });
  });

  // The outcome is saved before the workflow hears of it; refused (the meeting is still to come, say), it
  // stays as an unaccepted draft that the next post replaces. Once accepted it cannot change.
  router.post('/:id/discussion/outcome', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(outcomeSchema, req.body);
    await refuseUnknownOutcomeReferences(db, audit.id, body);
    const alreadyRecorded = () =>
      new HttpError(409, 'already_recorded', 'The outcome of this discussion has been recorded already.');
    await db.$transaction(async (tx) => {
      const existing = await tx.outcome.findUnique({ where: { auditId: audit.id } });
      if (existing?.acceptedAt) throw alreadyRecorded();
      const data = { content: body, recordedBy: req.principal!.actor };
      let row;
      if (existing) {
        const { count } = await tx.outcome.updateMany({ where: { id: existing.id, acceptedAt: null }, data });
        if (count === 0) throw alreadyRecorded();
        row = existing;
      } else {
        row = await tx.outcome.create({ data: { auditId: audit.id, ...data } });
      }
      await tx.auditTrailEntry.create({
        data: {
          auditId: audit.id,
          ...trailActor(req.principal!),
          action: 'outcome.saved',
          details: { outcomeId: row.id },
        },
      });
      return row;
    });
    await whileAuditRuns(handle(audit).executeUpdate(recordOutcomeUpdate, updateIdFor(req, 'outcome')));
    // The workflow's activity turned the accepted outcome into Action and Escalation rows.
    const [actions, escalations] = await Promise.all([
      db.action.findMany({
        where: { auditId: audit.id },
        orderBy: { number: 'asc' },
        select: { id: true, number: true, kind: true, ownerAgencyId: true, dueAt: true },
      }),
      db.escalation.findMany({
        where: { auditId: audit.id, source: 'outcome' },
        orderBy: { raisedAt: 'asc' },
        select: { id: true },
      }),
    ]);
    res.status(201).json({
      actions: actions.map((a) => ({ ...a, dueAt: a.dueAt.toISOString() })),
      escalations: escalations.map((e) => e.id),
    });
  });

  // Stage 6. The system's first draft, from the submissions and the outcome, with any identifier a
  // practitioner typed into a quoted point redacted.
  router.get('/:id/report/draft', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const [submissions, outcome, agencies, pool] = await Promise.all([
      db.submission.findMany({
        where: { invitation: { auditId: audit.id }, submittedAt: { not: null } },
        orderBy: [{ invitation: { case: { drawOrder: 'asc' } } }, { invitation: { createdAt: 'asc' } }],
        select: { content: true, invitation: { select: { caseId: true, agencyId: true } } },
      }),
      db.outcome.findUnique({ where: { auditId: audit.id }, select: { content: true } }),
      db.agency.findMany({ select: { id: true, name: true } }),
      poolIdentifiers(audit.id),
    ]);
    const draft = draftReport({
      submissions: submissions.map((s) => ({ ...s.invitation, content: s.content })),
      outcome: outcome?.content ?? null,
      agencyNames: Object.fromEntries(agencies.map((a) => [a.id, a.name])),
    });
    const cohort = pool.map(caseIdentifiers);
    const patterns = identifierPatterns(cohort);
    const report = Object.fromEntries(
      REPORT_FIELDS.map((field) => [field, draft[field].map((t) => clip(redactIdentifiers(t, patterns)))]),
    ) as Record<(typeof REPORT_FIELDS)[number], string[]>;
    res.set('Cache-Control', 'no-store');
    res.json({ ...report, grades: draft.grades, warnings: checkReportFields(report, cohort).warnings });
  });

  // A submitted version is final: it passes the re-identification check and goes for approval at once, or
  // it is refused with what to fix and nothing is stored or sent.
  router.post('/:id/report', requireRole('business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(reportSchema, req.body);
    const content = Object.fromEntries(REPORT_FIELDS.map((f) => [f, body[f]])) as Record<string, string[]>;
    const { failures, warnings } = checkReportFields(content, (await poolIdentifiers(audit.id)).map(caseIdentifiers));
    if (failures.length) {
      await trail(audit.id, req, 'report.reidentification_failed', {
        failures: failures.length,
        kinds: [...new Set(failures.map((f) => f.kind))].join(','),
      });
      throw new HttpError(
        422,
        'reidentification_failed',
        `The report could identify a child or family (${failures.length} item${failures.length === 1 ? '' : 's'} to fix): nothing was stored or sent.`,
        failures,
      );
    }
    const row = await createReportVersion(db, audit.id, content, req.principal!.actor);
    await updateOrUndo(
      () =>
        handle(audit).executeUpdate(submitReportVersionUpdate, {
          args: [{ reportVersionId: row.id }],
          updateId: `report-version-${row.id}`,
        }),
      () =>
        db.$transaction([
          db.reportVersion.deleteMany({ where: { id: row.id } }),
          trail(audit.id, req, 'report.version_refused', { reportVersionId: row.id, version: row.version }),
        ]),
    );
    res.status(201).json({ id: row.id, version: row.version, warnings });
  });

  // Stage 8. The LIS (or the business unit on its behalf) signs off the latest version or returns it: the one
  // circulated last. A newer one not circulated is a submission the workflow has yet to take, or has refused
  // and whose row is being taken back (with any decision on it).
  router.post('/:id/lis-decision', requireRole('lis', 'business_unit'), async (req, res) => {
    const audit = await auditOr404(req.params.id);
    const body = parse(lisDecisionSchema, req.body);
    const latest = await db.reportVersion.findFirst({
      where: { auditId: audit.id },
      orderBy: [{ circulatedAt: { sort: 'desc', nulls: 'last' } }, { version: 'desc' }],
    });
    if (!latest) throw new HttpError(409, 'wrong_stage', 'No report version has been submitted for sign-off yet.');
    const decision = await db
      .$transaction(async (tx) => {
        const row = await tx.lisDecision.create({
          data: {
            auditId: audit.id,
            reportVersionId: latest.id,
            decision: body.decision,
            comments: body.comments,
            decidedBy: req.principal!.actor,
          },
        });
        await tx.auditTrailEntry.create({
          data: {
            auditId: audit.id,
            ...trailActor(req.principal!),
            action: 'lis.decided',
            details: { lisDecisionId: row.id, reportVersionId: latest.id, decision: body.decision },
          },
        });
        return row;
      })
      .catch(versionTakenBack);
    const state = await updateOrUndo(
      () =>
        handle(audit).executeUpdate(lisDecisionUpdate, {
          updateId: `lis-decision-${decision.id}`,
          args: [{ lisDecisionId: decision.id, decision: body.decision }],
        }),
      // deleteMany: a version taken back since has taken its decisions with it, which is what the undo wants.
      () =>
        db.$transaction([
          db.lisDecision.deleteMany({ where: { id: decision.id } }),
          trail(audit.id, req, 'lis.decision_refused', { lisDecisionId: decision.id }),
        ]),
    );
    res.json({ decision: body.decision, stage: state.stage });
  });

  return router;
}

/**
 * Runs an update to the audit's workflow that the API has already stored the content of. When the workflow
 * refuses it for certain (a wrong stage, a missing run), `undo` takes the stored content back before the
 * refusal is answered; an unknown outcome (Temporal unreachable) leaves it for a retry.
 */
function updateOrUndo<T>(call: () => Promise<T>, undo: () => Promise<unknown>): Promise<T> {
  return whileAuditRuns(
    call().catch(async (err: unknown) => {
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) await undo();
      throw err;
    }),
  );
}

/** A decision on a version that was taken back (a refused submission) between reading it and deciding on it. */
function versionTakenBack(err: unknown): never {
  if ((err as { code?: unknown }).code === 'P2003') {
    throw new HttpError(409, 'conflict', 'The report changed while the decision was being recorded; try again.');
  }
  throw err;
}

/**
 * The next version number. The audit's row is locked for the transaction, so simultaneous submissions take
 * their numbers one after the other instead of racing for the same one (a unique violation).
 */
async function createReportVersion(db: Db, auditId: string, content: Record<string, string[]>, actor: string) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Audit" WHERE id = ${auditId} FOR NO KEY UPDATE`;
    const last = await tx.reportVersion.aggregate({ where: { auditId }, _max: { version: true } });
    const version = (last._max.version ?? 0) + 1;
    const row = await tx.reportVersion.create({ data: { auditId, version, content, submittedBy: actor } });
    await tx.auditTrailEntry.create({
      data: { auditId, actor, action: 'report.version_submitted', details: { reportVersionId: row.id, version } },
    });
    return row;
  });
}

/** Every agency the outcome names is in the directory; every concern is about a child in the drawn cohort. */
async function refuseUnknownOutcomeReferences(db: Db, auditId: string, body: OutcomeBody): Promise<void> {
  const agencyRefs: { path: (string | number)[]; id: string }[] = [
    ...body.attendance.map((a, i) => ({ path: ['attendance', i, 'agencyId'], id: a.agencyId })),
    ...body.urgentActions.map((a, i) => ({ path: ['urgentActions', i, 'ownerAgencyId'], id: a.ownerAgencyId })),
    ...body.recommendations.map((r, i) => ({ path: ['recommendations', i, 'ownerAgencyId'], id: r.ownerAgencyId })),
    ...body.concerns.flatMap((c, i) => (c.agencyId ? [{ path: ['concerns', i, 'agencyId'], id: c.agencyId }] : [])),
  ];
  const [agencies, drawn] = await Promise.all([
    db.agency.findMany({ where: { id: { in: [...new Set(agencyRefs.map((r) => r.id))] } }, select: { id: true } }),
    db.case.findMany({ where: { auditId, selectedAt: { not: null }, replacedAt: null }, select: { caseRef: true } }),
  ]);
  const known = new Set(agencies.map((a) => a.id));
  const cohort = new Set(drawn.map((c) => c.caseRef));
  const issues = [
    ...agencyRefs.flatMap((r) => (known.has(r.id) ? [] : [{ path: r.path, message: `unknown agency ${r.id}` }])),
    ...body.concerns.flatMap((c, i) =>
      cohort.has(c.caseRef)
        ? []
        : [{ path: ['concerns', i, 'caseRef'], message: `${c.caseRef} is not a case in this audit's cohort` }],
    ),
  ];
  if (issues.length) {
    throw new HttpError(
      422,
      'unknown_reference',
      'The outcome names agencies or cases this audit does not have.',
      issues,
    );
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

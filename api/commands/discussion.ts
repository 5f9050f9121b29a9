// The multi-agency discussion (stage 5): its date and place, then its outcome, which the workflow turns into
// actions and escalations.
import { type OutcomeBody, outcomeSchema, scheduleDiscussionSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { recordOutcomeUpdate, scheduleDiscussionUpdate } from '../../workflows/messages';
import type { Principal } from '../auth';
import { HttpError, parse, whileAuditRuns } from '../errors';
import {
  type AuditDeps,
  auditWorkflow,
  drawnCohort,
  findAudit,
  recordTrail,
  type UpdateOptions,
  updateOrUndo,
} from './deps';

/**
 * The date and place are stored first (the pack's email reads the place from the database); the workflow keeps
 * the date. Refused (the discussion stage is over), the previous date and place come back.
 */
export async function scheduleDiscussion(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  input: unknown,
  opts: UpdateOptions = {},
) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const body = parse(scheduleDiscussionSchema, input);
  const at = new Date(body.at).toISOString();
  const previous = { discussionAt: audit.discussionAt, discussionLocation: audit.discussionLocation };
  await db.$transaction([
    db.audit.update({
      where: { id: audit.id },
      data: { discussionAt: new Date(at), discussionLocation: body.location },
    }),
    recordTrail(db, audit.id, actor, 'discussion.scheduled', { at, location: body.location }),
  ]);
  await updateOrUndo(
    () => auditWorkflow(deps.temporal, audit).executeUpdate(scheduleDiscussionUpdate, { args: [{ at }], ...opts }),
    () =>
      db.$transaction([
        db.audit.update({ where: { id: audit.id }, data: previous }),
        recordTrail(db, audit.id, actor, 'discussion.schedule_refused', { at }),
      ]),
  );
  return { discussion: { at, location: body.location } };
}

/**
 * The outcome is saved before the workflow hears of it; refused (the meeting is still to come, say), it stays
 * as an unaccepted draft that the next one replaces. Once accepted it cannot change.
 */
export async function recordOutcome(
  deps: AuditDeps,
  actor: Principal,
  auditId: string,
  input: unknown,
  opts: UpdateOptions = {},
) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const body = parse(outcomeSchema, input);
  await refuseUnknownOutcomeReferences(db, audit.id, body);
  const alreadyRecorded = () =>
    new HttpError(409, 'already_recorded', 'The outcome of this discussion has been recorded already.');
  await db.$transaction(async (tx) => {
    const existing = await tx.outcome.findUnique({ where: { auditId: audit.id } });
    if (existing?.acceptedAt) throw alreadyRecorded();
    const data = { content: body, recordedBy: actor.actor };
    let row;
    if (existing) {
      const { count } = await tx.outcome.updateMany({ where: { id: existing.id, acceptedAt: null }, data });
      if (count === 0) throw alreadyRecorded();
      row = existing;
    } else {
      row = await tx.outcome.create({ data: { auditId: audit.id, ...data } });
    }
    await recordTrail(tx, audit.id, actor, 'outcome.saved', { outcomeId: row.id });
  });
  await whileAuditRuns(auditWorkflow(deps.temporal, audit).executeUpdate(recordOutcomeUpdate, opts));
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
  return {
    actions: actions.map((a) => ({ ...a, dueAt: a.dueAt.toISOString() })),
    escalations: escalations.map((e) => e.id),
  };
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
    drawnCohort(db, auditId),
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

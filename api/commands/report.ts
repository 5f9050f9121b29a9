// The report (stages 6–8): the system's first draft, each version the business unit submits, and the LIS's
// sign-off or return of the latest one.
import { clip, draftReport as composeDraft } from '../../domain/report-draft';
import {
  caseIdentifiers,
  checkReportFields,
  identifierPatterns,
  redactIdentifiers,
} from '../../domain/reidentification';
import { lisDecisionSchema, REPORT_FIELDS, reportSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { lisDecisionUpdate, submitReportVersionUpdate } from '../../workflows/messages';
import type { Principal } from '../auth';
import { HttpError, parse } from '../errors';
import { type AuditDeps, auditWorkflow, findAudit, recordTrail, updateOrUndo } from './deps';

type ReportFields = Record<(typeof REPORT_FIELDS)[number], string[]>;

/**
 * The system's first draft, from the submissions and the outcome, with any identifier a practitioner typed
 * into a quoted point redacted; `warnings` are what the re-identification check would still question.
 */
export async function draftReport(deps: Pick<AuditDeps, 'db'>, auditId: string) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const [submissions, outcome, agencies, pool] = await Promise.all([
    db.submission.findMany({
      where: { invitation: { auditId: audit.id }, submittedAt: { not: null } },
      orderBy: [{ invitation: { case: { drawOrder: 'asc' } } }, { invitation: { createdAt: 'asc' } }],
      select: { content: true, invitation: { select: { caseId: true, agencyId: true } } },
    }),
    db.outcome.findUnique({ where: { auditId: audit.id }, select: { content: true } }),
    db.agency.findMany({ select: { id: true, name: true } }),
    poolIdentifiers(db, audit.id),
  ]);
  const draft = composeDraft({
    submissions: submissions.map((s) => ({ ...s.invitation, content: s.content })),
    outcome: outcome?.content ?? null,
    agencyNames: Object.fromEntries(agencies.map((a) => [a.id, a.name])),
  });
  const cohort = pool.map(caseIdentifiers);
  const patterns = identifierPatterns(cohort);
  const report = Object.fromEntries(
    REPORT_FIELDS.map((field) => [field, draft[field].map((t) => clip(redactIdentifiers(t, patterns)))]),
  ) as ReportFields;
  return { ...report, grades: draft.grades, warnings: checkReportFields(report, cohort).warnings };
}

/**
 * A submitted version is final: it passes the re-identification check and goes for approval at once, or it
 * is refused (422) with what to fix and nothing is stored or sent.
 */
export async function submitReportVersion(deps: AuditDeps, actor: Principal, auditId: string, input: unknown) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const { content, failures, warnings } = await checkReportAgainstPool(db, audit.id, input);
  if (failures.length) {
    await recordTrail(db, audit.id, actor, 'report.reidentification_failed', {
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
  const row = await createReportVersion(db, audit.id, content, actor);
  await updateOrUndo(
    () =>
      auditWorkflow(deps.temporal, audit).executeUpdate(submitReportVersionUpdate, {
        args: [{ reportVersionId: row.id }],
        updateId: `report-version-${row.id}`,
      }),
    () =>
      db.$transaction([
        db.reportVersion.deleteMany({ where: { id: row.id } }),
        recordTrail(db, audit.id, actor, 'report.version_refused', { reportVersionId: row.id, version: row.version }),
      ]),
  );
  return { id: row.id, version: row.version, warnings };
}

/**
 * The re-identification check alone, as a submission would run it, with nothing stored, sent or recorded: the
 * console's "Check for identifying details" shows what to fix before anything leaves the business unit.
 */
export async function checkReportVersion(deps: Pick<AuditDeps, 'db'>, auditId: string, input: unknown) {
  const audit = await findAudit(deps.db, auditId);
  const { failures, warnings } = await checkReportAgainstPool(deps.db, audit.id, input);
  return { failures, warnings };
}

/** The report as the schema takes it, checked against every identifier of the audit's candidate pool. */
async function checkReportAgainstPool(db: Db, auditId: string, input: unknown) {
  const body = parse(reportSchema, input);
  const content = Object.fromEntries(REPORT_FIELDS.map((f) => [f, body[f]])) as ReportFields;
  const cohort = (await poolIdentifiers(db, auditId)).map(caseIdentifiers);
  return { content, ...checkReportFields(content, cohort) };
}

/**
 * The LIS (or the business unit on its behalf) signs off the latest version or returns it: the one circulated
 * last. A newer one not circulated is a submission the workflow has yet to take, or has refused and whose row
 * is being taken back (with any decision on it).
 */
export async function decideLis(deps: AuditDeps, actor: Principal, auditId: string, input: unknown) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const body = parse(lisDecisionSchema, input);
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
          decidedBy: actor.actor,
        },
      });
      await recordTrail(tx, audit.id, actor, 'lis.decided', {
        lisDecisionId: row.id,
        reportVersionId: latest.id,
        decision: body.decision,
      });
      return row;
    })
    .catch(versionTakenBack);
  const state = await updateOrUndo(
    () =>
      auditWorkflow(deps.temporal, audit).executeUpdate(lisDecisionUpdate, {
        updateId: `lis-decision-${decision.id}`,
        args: [{ lisDecisionId: decision.id, decision: body.decision }],
      }),
    // deleteMany: a version taken back since has taken its decisions with it, which is what the undo wants.
    () =>
      db.$transaction([
        db.lisDecision.deleteMany({ where: { id: decision.id } }),
        recordTrail(db, audit.id, actor, 'lis.decision_refused', { lisDecisionId: decision.id }),
      ]),
  );
  return { decision: body.decision, stage: state.stage };
}

/** Every identifier of the audit's candidate pool (drawn or not), for the re-identification check. */
const poolIdentifiers = (db: Db, auditId: string) =>
  db.case.findMany({
    where: { auditId },
    select: { caseRef: true, childName: true, childDob: true, childLocalId: true },
    orderBy: { caseRef: 'asc' },
  });

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
async function createReportVersion(db: Db, auditId: string, content: ReportFields, actor: Principal) {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Audit" WHERE id = ${auditId} FOR NO KEY UPDATE`;
    const last = await tx.reportVersion.aggregate({ where: { auditId }, _max: { version: true } });
    const version = (last._max.version ?? 0) + 1;
    const row = await tx.reportVersion.create({ data: { auditId, version, content, submittedBy: actor.actor } });
    await recordTrail(tx, auditId, actor, 'report.version_submitted', { reportVersionId: row.id, version });
    return row;
  });
}

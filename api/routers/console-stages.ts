// The console's pages for the cohort (stage 1–2) and the discussion (stage 5): thin adapters over the same
// commands as the JSON API's routes (api/commands/), so a page does exactly what its route does. A refusal
// comes back as the page with the design system's error summary and what was typed still in the form.
import { type Request, type Response, Router } from 'express';
import { type CohortRationale, isActiveInWindow } from '../../domain/cohort';
import type { Area } from '../../domain/labels';
import { AREAS, type OutcomeBody } from '../../domain/schemas';
import { STAGES, type Stage } from '../../domain/stages';
import { recordView } from '../access-log';
import { replaceCase } from '../commands/audits';
import { type AuditDeps, findAudit } from '../commands/deps';
import { recordOutcome, scheduleDiscussion } from '../commands/discussion';
import { sendInvitations } from '../commands/invitations';
import { HttpError } from '../errors';
import { cohortPage, type CohortView, type ReplaceForm, replaceSelectId } from '../views/cohort';
import type { Errors } from '../views/components';
import {
  discussionPage,
  type DiscussionView,
  formDateTime,
  outcomeBody,
  outcomeErrors,
  readOutcomeForm,
  type ScheduleForm,
  scheduleErrors,
  type SelfGrade,
} from '../views/discussion';
import { formFields } from '../views/forms';
import { sendPage } from '../views/layout';
import { requireStaff } from './console';
import { sendWithLinks } from './console-links';

const auditIdOf = (req: Request) => String(req.params.id);

/** What a command refused, as the page shows it: the status, and the problems with their fields. */
async function attempt<T>(run: () => Promise<T>, errorsOf: (err: HttpError) => Errors) {
  try {
    return { result: await run() };
  } catch (err) {
    if (!(err instanceof HttpError) || err.status >= 500) throw err;
    return { refused: { status: err.status, errors: errorsOf(err) } };
  }
}

type Issues = { path: PropertyKey[]; message: string }[];
const issuesOf = (err: HttpError): Issues => (Array.isArray(err.details) ? (err.details as Issues) : []);

const past = (stage: Stage, than: Stage) => STAGES.indexOf(stage) > STAGES.indexOf(than);

export function consoleStagesRouter(deps: AuditDeps): Router {
  const { db } = deps;
  const router = Router();
  const readers = requireStaff('business_unit', 'manager', 'lis');
  const businessUnit = requireStaff('business_unit');

  // ---- Cohort ----

  async function showCohort(
    req: Request,
    res: Response,
    status: number,
    extra: Pick<CohortView, 'errors' | 'posted' | 'done'> = {},
  ) {
    const audit = await findAudit(db, auditIdOf(req));
    const staff = req.staff!;
    const identifiers = staff.role === 'business_unit';
    const [cases, undrawn, sendRequested] = await Promise.all([
      db.case.findMany({
        where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: {
          caseRef: true,
          serviceLevel: true,
          childDob: true,
          // Read only for those who may see them.
          childName: identifiers,
          childLocalId: identifiers,
        },
      }),
      db.case.findMany({
        where: { auditId: audit.id, selectedAt: null, replacedAt: null },
        orderBy: { caseRef: 'asc' },
        select: { caseRef: true, serviceLevel: true, lastActivityAt: true },
      }),
      db.auditTrailEntry.count({ where: { auditId: audit.id, action: 'invitations.send_requested' } }),
    ]);
    const window = { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() };
    const invitationsGone = sendRequested > 0 || past(audit.stage, 'invitations');
    const view: CohortView = {
      staff,
      audit: {
        id: audit.id,
        focus: audit.focus,
        stage: audit.stage,
        windowTo: audit.windowTo,
        seed: audit.cohortSeed,
        rationale: audit.cohortRationale as CohortRationale | null,
      },
      cases: cases.map((c) => ({
        caseRef: c.caseRef,
        serviceLevel: c.serviceLevel,
        childDob: c.childDob,
        childName: c.childName ?? null,
        childLocalId: c.childLocalId ?? null,
      })),
      replacements: undrawn.filter((c) => isActiveInWindow(c.lastActivityAt.toISOString(), window)),
      identifiers,
      invitationsGone,
      canChange: identifiers && cases.length > 0 && !invitationsGone && audit.stage === 'invitations',
      ...extra,
    };
    // Logged before it is shown: nobody sees a child's name without a row saying so.
    if (identifiers && cases.length > 0) {
      await recordView(db, {
        auditId: audit.id,
        page: 'cohort',
        path: `/audits/${audit.id}/cohort`,
        by: req.principal!,
      });
    }
    sendPage(res, status, cohortPage(view));
  }

  const cohortDone = (value: unknown) => (value === 'replaced' || value === 'sent' ? value : undefined);

  router.get('/audits/:id/cohort', readers, async (req, res) => {
    await showCohort(req, res, 200, { done: cohortDone(req.query.done) });
  });

  router.post('/audits/:id/cohort/replace', businessUnit, async (req, res) => {
    const posted: ReplaceForm = {
      caseRef: '',
      replacementCaseRef: '',
      ...formFields(req.body, ['caseRef', 'replacementCaseRef']),
    };
    const audit = await findAudit(db, auditIdOf(req));
    const drawn = await db.case.findMany({
      where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
      orderBy: { drawOrder: 'asc' },
      select: { caseRef: true },
    });
    const row = drawn.findIndex((c) => c.caseRef === posted.caseRef);
    // The select of the row the person used; the first one when the post names no drawn case.
    const field = replaceSelectId(Math.max(row, 0));
    const outcome = await attempt(
      () => replaceCase(deps, req.principal!, audit.id, posted),
      (err) => {
        const missing =
          issuesOf(err).some((i) => i.path[0] === 'replacementCaseRef') && !posted.replacementCaseRef.trim();
        if (missing) return [{ id: field, text: `Choose a case to replace ${posted.caseRef || 'this case'} with` }];
        if (err.code === 'wrong_stage') {
          return [
            { id: 'cohort-status', text: 'The invitations have already been sent, so the cohort can no longer change' },
          ];
        }
        return [{ id: field, text: err.message }];
      },
    );
    if (outcome.refused) return showCohort(req, res, outcome.refused.status, { ...outcome.refused, posted });
    res.redirect(303, `/audits/${audit.id}/cohort?done=replaced`);
  });

  router.post('/audits/:id/cohort/send-invitations', businessUnit, async (req, res) => {
    const id = auditIdOf(req);
    const outcome = await attempt(
      () => sendInvitations(deps, req.principal!, id),
      (err) => [
        {
          id: err.code === 'wrong_stage' ? 'cohort-status' : 'send-invitations',
          text:
            err.code === 'wrong_stage'
              ? 'The invitations have already been sent, or the cohort is still being drawn: nothing was sent again'
              : err.message,
        },
      ],
    );
    if (outcome.refused) return showCohort(req, res, outcome.refused.status, outcome.refused);
    res.redirect(303, `/audits/${id}/cohort?done=sent`);
  });

  // ---- Discussion ----

  async function showDiscussion(
    req: Request,
    res: Response,
    status: number,
    extra: Pick<DiscussionView, 'errors' | 'schedule' | 'outcome' | 'done'> = {},
  ) {
    const audit = await findAudit(db, auditIdOf(req));
    const [invitations, cases, outcome, actions, concerns] = await Promise.all([
      db.invitation.findMany({
        where: { auditId: audit.id },
        orderBy: [{ case: { drawOrder: 'asc' } }, { agency: { name: 'asc' } }],
        select: {
          agency: { select: { id: true, name: true } },
          case: { select: { caseRef: true } },
          submission: { select: { content: true, submittedAt: true } },
        },
      }),
      db.case.findMany({
        where: { auditId: audit.id, selectedAt: { not: null }, replacedAt: null },
        orderBy: { drawOrder: 'asc' },
        select: { caseRef: true },
      }),
      db.outcome.findUnique({ where: { auditId: audit.id } }),
      db.action.findMany({
        where: { auditId: audit.id },
        orderBy: { number: 'asc' },
        select: { number: true, kind: true, dueAt: true, ownerAgencyId: true },
      }),
      db.escalation.count({ where: { auditId: audit.id, source: 'outcome' } }),
    ]);
    const agencies = [...new Map(invitations.map((i) => [i.agency.id, i.agency])).values()].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    const nameOf = new Map(agencies.map((a) => [a.id, a.name]));
    const selfGrades = Object.fromEntries(AREAS.map((a) => [a, [] as SelfGrade[]])) as Record<Area, SelfGrade[]>;
    for (const i of invitations) {
      if (!i.submission?.submittedAt) continue;
      const sections = ((i.submission.content ?? {}) as { sections?: Partial<Record<Area, { grade?: string }>> })
        .sections;
      for (const area of AREAS) {
        const grade = sections?.[area]?.grade;
        if (grade) selfGrades[area].push({ agency: i.agency.name, caseRef: i.case.caseRef, grade });
      }
    }
    const accepted = outcome?.acceptedAt ? outcome : null;
    const content = accepted?.content as OutcomeBody | undefined;
    // An owner the discussion named need not have been invited: its name from the directory.
    const unnamed = actions.map((a) => a.ownerAgencyId).filter((id) => !nameOf.has(id));
    if (unnamed.length) {
      const named = await db.agency.findMany({ where: { id: { in: unnamed } }, select: { id: true, name: true } });
      for (const a of named) nameOf.set(a.id, a.name);
    }
    const bu = req.staff!.role === 'business_unit';
    const stillOpen = !accepted && !past(audit.stage, 'discussion');
    const view: DiscussionView = {
      staff: req.staff!,
      audit: { id: audit.id, focus: audit.focus, stage: audit.stage },
      discussion: {
        at: audit.discussionAt,
        location: audit.discussionLocation,
        packCirculatedAt: audit.packCirculatedAt,
      },
      agencies,
      cases: cases.map((c) => c.caseRef),
      selfGrades,
      recorded:
        accepted && content
          ? {
              recordedAt: accepted.acceptedAt!,
              present: content.attendance.filter((a) => a.present).map((a) => nameOf.get(a.agencyId) ?? a.agencyId),
              absent: content.attendance.filter((a) => !a.present).map((a) => nameOf.get(a.agencyId) ?? a.agencyId),
              findings: content.findings,
              actions: actions.map((a) => ({
                number: a.number,
                kind: a.kind,
                owner: nameOf.get(a.ownerAgencyId) ?? a.ownerAgencyId,
                dueAt: a.dueAt,
              })),
              concerns,
            }
          : null,
      canSchedule: bu && stillOpen && audit.stage !== 'cancelled',
      canRecord:
        bu && stillOpen && audit.stage === 'discussion' && !!audit.discussionAt && audit.discussionAt <= new Date(),
      ...extra,
    };
    await sendWithLinks(db, req, res, status, discussionPage(view), { kind: 'pack', auditId: audit.id });
  }

  const discussionDone = (value: unknown) => (value === 'scheduled' || value === 'recorded' ? value : undefined);

  router.get('/audits/:id/discussion', readers, async (req, res) => {
    await showDiscussion(req, res, 200, { done: discussionDone(req.query.done) });
  });

  router.post('/audits/:id/discussion', businessUnit, async (req, res) => {
    const schedule: ScheduleForm = { at: '', location: '', ...formFields(req.body, ['at', 'location']) };
    const id = auditIdOf(req);
    const outcome = await attempt(
      () =>
        scheduleDiscussion(deps, req.principal!, id, { at: formDateTime(schedule.at), location: schedule.location }),
      (err) =>
        issuesOf(err).length
          ? scheduleErrors(issuesOf(err))
          : [{ id: 'discussion-summary', text: `The discussion cannot be moved now: ${err.message}` }],
    );
    if (outcome.refused) return showDiscussion(req, res, outcome.refused.status, { ...outcome.refused, schedule });
    res.redirect(303, `/audits/${id}/discussion?done=scheduled`);
  });

  router.post('/audits/:id/discussion/outcome', businessUnit, async (req, res) => {
    const audit = await findAudit(db, auditIdOf(req));
    const { form, add } = readOutcomeForm(req.body);
    // "Add another": the same form with one more row, nothing recorded.
    if (add) return showDiscussion(req, res, 200, { outcome: form });
    const invited = await db.invitation.findMany({
      where: { auditId: audit.id },
      distinct: ['agencyId'],
      select: { agencyId: true },
    });
    const { body, rowIndex } = outcomeBody(
      form,
      invited.map((i) => i.agencyId),
    );
    const outcome = await attempt(
      () => recordOutcome(deps, req.principal!, audit.id, body),
      (err) =>
        issuesOf(err).length
          ? outcomeErrors(issuesOf(err), form, rowIndex)
          : [{ id: 'outcome', text: outcomeRefusal(err) }],
    );
    if (outcome.refused) return showDiscussion(req, res, outcome.refused.status, { ...outcome.refused, outcome: form });
    res.redirect(303, `/audits/${audit.id}/discussion?done=recorded`);
  });

  return router;
}

/** A refusal of the whole outcome, in words that say what to do. */
function outcomeRefusal(err: HttpError): string {
  if (err.code === 'already_recorded') return 'The outcome of this discussion has already been recorded';
  if (/held/.test(err.message)) return 'The discussion has not been held yet: record its outcome after it';
  return `The outcome cannot be recorded now: ${err.message}`;
}

// The agency's emailed link: /respond/:token opens the audit tool for one child, for that link only.
// What the agency typed is saved before anything else happens; only then is the workflow told.
// A browser gets the form (api/views/respond.ts); everyone else JSON.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { respondSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { submissionReceivedUpdate } from '../../workflows/messages';
import { startEscalation } from '../commands/concerns';
import { HttpError, parse } from '../errors';
import { type LinkLife, refuseCancelled, refuseExpired, unknownLink } from '../link-life';
import { csrfToken, isFormPost, linkFormCsrf } from '../security';
import { formText } from '../views/forms';
import { linkPath, sendPage, wantsHtml } from '../views/layout';
import { respondErrors, respondFromForm, respondPage, type RespondPageView } from '../views/respond';

export interface RespondDeps {
  db: Db;
  temporal: Client;
  linkSecret: string;
  life: LinkLife;
}

type Lookup = Pick<RespondDeps, 'db' | 'life'>;

const NOT_KNOWN = 'This link is not known. Check it against the email, or ask the business unit for a new one.';

/**
 * Refuses a link that takes nothing any more: its agency had no involvement, its audit was purged, or
 * collation is over (the pack has gone out) and the grace after it has passed.
 */
function refuseClosed(
  life: LinkLife,
  invitation: { status: string; audit: { purgedAt: Date | null; packCirculatedAt: Date | null } },
): void {
  if (invitation.audit.purgedAt) throw auditPurged();
  refuseExpired(life, invitation.audit.packCirculatedAt, 'the submissions have been collated for the discussion');
  if (invitation.status === 'no_involvement')
    throw new HttpError(
      410,
      'link_closed',
      'This audit tool was closed: your agency was recorded as having no involvement.',
    );
}

/** Everything the page shows. */
async function invitationFor({ db, life }: Lookup, token: string) {
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: { case: true, agency: true, audit: true, submission: true },
  });
  if (!invitation) throw await unknownLink(db, life, token, NOT_KNOWN);
  refuseClosed(life, invitation);
  await refuseCancelled(db, life, invitation.audit);
  return invitation;
}

/** Only what a save needs: one query on the hot path. */
async function linkFor({ db, life }: Lookup, token: string) {
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: tokenHash(token) },
    select: {
      id: true,
      status: true,
      auditId: true,
      caseId: true,
      agencyId: true,
      audit: { select: { id: true, stage: true, workflowId: true, purgedAt: true, packCirculatedAt: true } },
    },
  });
  if (!invitation) throw await unknownLink(db, life, token, NOT_KNOWN);
  refuseClosed(life, invitation);
  await refuseCancelled(db, life, invitation.audit);
  return invitation;
}

type Invitation = Awaited<ReturnType<typeof invitationFor>>;

/** What the link holder sees: the child's identifiers (here only), the deadline and what was saved. */
export async function viewResponse(link: Lookup, token: string) {
  return toView(await invitationFor(link, token));
}

function toView(invitation: Invitation) {
  return {
    audit: { title: invitation.audit.focus },
    agency: { name: invitation.agency.name },
    case: {
      caseRef: invitation.case.caseRef,
      serviceLevel: invitation.case.serviceLevel,
      child: {
        name: invitation.case.childName,
        dateOfBirth: invitation.case.childDob?.toISOString().slice(0, 10) ?? null,
        localId: invitation.case.childLocalId,
      },
    },
    dueAt: invitation.dueAt?.toISOString() ?? null,
    status: invitation.status,
    submittedAt: invitation.submission?.submittedAt?.toISOString() ?? null,
    content: invitation.submission?.content ?? null,
  };
}

/** The page adds whether this audit tool has already raised an immediate-risk concern. */
async function pageView(link: Lookup, token: string): Promise<RespondPageView> {
  const { db } = link;
  const invitation = await invitationFor(link, token);
  const concern = await db.escalation.findFirst({
    where: {
      auditId: invitation.auditId,
      caseId: invitation.caseId,
      agencyId: invitation.agencyId,
      source: 'submission',
    },
    select: { raisedAt: true },
  });
  return { ...toView(invitation), concernRaisedAt: concern?.raisedAt.toISOString() ?? null };
}

/**
 * Stores the draft or the final submission (and any immediate-risk concern) with its trail entry, then
 * tells the workflow. 404 unknown link, 410 closed, 400 bad body, 409 already submitted.
 *
 * The invitation's row is the lock: the save is a conditional update of it (still pending), so of several
 * simultaneous saves none lands after a submission, and the submission answered 200 is the one stored.
 * The final submission marks the invitation submitted in the same transaction; the workflow is told after.
 */
export async function saveResponse(
  { db, temporal, life }: Omit<RespondDeps, 'linkSecret'>,
  token: string,
  input: unknown,
): Promise<{ saved: true; submitted: boolean; late?: boolean }> {
  const link = await linkFor({ db, life }, token);
  const body = parse(respondSchema, input);
  if (link.status !== 'pending') {
    // A retry of a submission whose answer was lost: the workflow may not have heard of it yet.
    await tellSubmitted(temporal, link.audit.workflowId, link.id).catch(() => undefined);
    throw alreadySubmitted();
  }
  const { submit, immediateRiskConcern, ...content } = body;
  const submittedAt = submit ? new Date() : null;
  const escalation = await db.$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({
      where: { id: link.id, status: 'pending' },
      data: submit ? { status: 'submitted' } : { updatedAt: new Date() },
    });
    if (claimed.count === 0) throw alreadySubmitted();
    await tx.submission.upsert({
      where: { invitationId: link.id },
      create: { invitationId: link.id, content, submittedAt },
      update: { content, submittedAt },
    });
    await tx.auditTrailEntry.create({
      data: {
        auditId: link.auditId,
        actor: `link:respond:${link.id}`,
        action: submit ? 'submission.submitted' : 'submission.draft_saved',
        details: { invitationId: link.id },
      },
    });
    // An immediate-risk concern escalates at once, from a draft too; one per audit tool.
    if (!immediateRiskConcern) return null;
    const where = {
      auditId: link.auditId,
      caseId: link.caseId,
      agencyId: link.agencyId,
      source: 'submission' as const,
    };
    if (await tx.escalation.findFirst({ where })) return null;
    return tx.escalation.create({ data: { ...where, concern: immediateRiskConcern.description } });
  });
  if (escalation) await startEscalation(temporal, link.audit.workflowId, escalation.id);
  if (!submit) return { saved: true, submitted: false };
  try {
    const state = await tellSubmitted(temporal, link.audit.workflowId, link.id);
    return { saved: true, submitted: true, late: state.late };
  } catch (err) {
    // Kept whatever the audit's state: an ended audit still has the agency's submission on record.
    if (err instanceof WorkflowNotFoundError) return { saved: true, submitted: true, late: true };
    throw err;
  }
}

/** One update per invitation, by its ID: telling the workflow again returns the first answer. */
function tellSubmitted(temporal: Client, workflowId: string, invitationId: string) {
  return temporal.workflow
    .getHandle(workflowId)
    .executeUpdate(submissionReceivedUpdate, { args: [{ invitationId }], updateId: `submission-${invitationId}` });
}

export function respondRouter(deps: RespondDeps): Router {
  const router = Router();
  const { linkSecret } = deps;

  router.get('/:token', async (req, res) => {
    const { token } = req.params;
    if (!wantsHtml(req)) {
      res.json(await viewResponse(deps, token));
      return;
    }
    const { saved: query } = req.query;
    const saved = query === 'draft' || query === 'submitted' ? query : undefined;
    const view = await pageView(deps, token);
    const page: { csrf: string; action: string; saved?: typeof saved } = {
      csrf: csrfToken(linkSecret, token),
      action: linkPath(req),
      saved,
    };
    if (req.query.check === '1' && !view.submittedAt) {
      // "Check your answers" shows the saved draft; one that is not complete goes back to the form, saying why.
      const complete = respondSchema.safeParse({ ...(view.content as object), submit: true });
      if (!complete.success) {
        sendPage(res, 200, respondPage(view, { ...page, errors: respondErrors(complete.error.issues) }));
        return;
      }
      sendPage(res, 200, respondPage(view, { ...page, check: true }));
      return;
    }
    sendPage(res, 200, respondPage(view, page));
  });

  router.post('/:token', linkFormCsrf(linkSecret), async (req, res) => {
    const { token } = req.params;
    if (!isFormPost(req)) {
      res.json(await saveResponse(deps, token, req.body));
      return;
    }
    const form = respondFromForm(req.body);
    // "Continue": checked as a final submission, saved as a draft, then "check your answers".
    const toCheck = formText((req.body as Record<string, unknown> | undefined)?.submit) === 'check';
    const view = await pageView(deps, token);
    if (view.submittedAt) throw alreadySubmitted();
    const checked = respondSchema.safeParse(toCheck ? { ...form, submit: true } : form);
    if (checked.success) {
      const result = await saveResponse(deps, token, form);
      const next = toCheck ? 'check=1' : `saved=${result.submitted ? 'submitted' : 'draft'}`;
      res.redirect(303, `${linkPath(req)}?${next}`);
      return;
    }
    // A final submission that is not complete yet is kept as a draft, so nothing typed is lost.
    const asDraft = { ...form, submit: false };
    const draftSaved = (form.submit || toCheck) && respondSchema.safeParse(asDraft).success;
    if (draftSaved) await saveResponse(deps, token, asDraft);
    const shown = draftSaved ? await pageView(deps, token) : view;
    const page = respondPage(shown, {
      csrf: csrfToken(linkSecret, token),
      action: linkPath(req),
      errors: respondErrors(checked.error.issues),
      draftSaved,
      posted: form,
    });
    sendPage(res, 400, page);
  });

  return router;
}

/** 410 for the links of an audit whose identifiable data has gone (the pack's too). */
export function auditPurged(): HttpError {
  return new HttpError(
    410,
    'link_closed',
    'This audit has ended and its records about the children were deleted at the end of their retention period.',
  );
}

function alreadySubmitted(): HttpError {
  return new HttpError(
    409,
    'already_submitted',
    'This audit tool has been submitted; if something in it needs correcting, tell the business unit.',
  );
}

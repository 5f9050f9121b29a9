// The agency's emailed link: /respond/:token opens the audit tool for one child, for that link only.
// What the agency typed is saved before anything else happens; only then is the workflow told.
// A browser gets the form (api/views/respond.ts); everyone else JSON.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { respondSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { raiseConcernUpdate, submissionReceivedUpdate } from '../../workflows/messages';
import { HttpError, parse, whileAuditRuns } from '../errors';
import { csrfToken, isFormPost, linkFormCsrf } from '../security';
import { linkPath, sendPage, wantsHtml } from '../views/layout';
import { respondErrors, respondFromForm, respondPage, type RespondPageView } from '../views/respond';

export interface RespondDeps {
  db: Db;
  temporal: Client;
  linkSecret: string;
}

async function invitationFor(db: Db, token: string) {
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: { case: true, agency: true, audit: true, submission: true },
  });
  if (!invitation)
    throw new HttpError(
      404,
      'not_found',
      'This link is not known. Check it against the email, or ask the business unit for a new one.',
    );
  if (invitation.status === 'no_involvement')
    throw new HttpError(
      410,
      'link_closed',
      'This audit tool was closed: your agency was recorded as having no involvement.',
    );
  return invitation;
}

type Invitation = Awaited<ReturnType<typeof invitationFor>>;

/** What the link holder sees: the child's identifiers (here only), the deadline and what was saved. */
export async function viewResponse(db: Db, token: string) {
  return toView(await invitationFor(db, token));
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
async function pageView(db: Db, token: string): Promise<RespondPageView> {
  const invitation = await invitationFor(db, token);
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
 */
export async function saveResponse(
  { db, temporal }: Omit<RespondDeps, 'linkSecret'>,
  token: string,
  input: unknown,
): Promise<{ saved: true; submitted: boolean; late?: boolean }> {
  const invitation = await invitationFor(db, token);
  const body = parse(respondSchema, input);
  if (invitation.submission?.submittedAt) throw alreadySubmitted();
  const submittedAt = body.submit ? new Date() : null;
  const { submit: _submit, immediateRiskConcern, ...content } = body;
  const escalation = await db.$transaction(async (tx) => {
    await tx.submission.upsert({
      where: { invitationId: invitation.id },
      create: { invitationId: invitation.id, content, submittedAt },
      update: { content, submittedAt },
    });
    await tx.auditTrailEntry.create({
      data: {
        auditId: invitation.auditId,
        actor: `link:respond:${invitation.id}`,
        action: body.submit ? 'submission.submitted' : 'submission.draft_saved',
        details: { invitationId: invitation.id },
      },
    });
    // An immediate-risk concern escalates at once, from a draft too; one per audit tool.
    if (!immediateRiskConcern) return null;
    const where = {
      auditId: invitation.auditId,
      caseId: invitation.caseId,
      agencyId: invitation.agencyId,
      source: 'submission' as const,
    };
    if (await tx.escalation.findFirst({ where })) return null;
    return tx.escalation.create({ data: { ...where, concern: immediateRiskConcern.description } });
  });
  if (escalation) await raiseConcern(temporal, invitation.audit.workflowId, escalation.id);
  if (!body.submit) return { saved: true, submitted: false };
  try {
    const state = await temporal.workflow
      .getHandle(invitation.audit.workflowId)
      .executeUpdate(submissionReceivedUpdate, { args: [{ invitationId: invitation.id }] });
    return { saved: true, submitted: true, late: state.late };
  } catch (err) {
    // Kept whatever the audit's state: an ended audit still has the agency's submission on record.
    if (err instanceof WorkflowNotFoundError) return { saved: true, submitted: true, late: true };
    throw err;
  }
}

export function respondRouter(deps: RespondDeps): Router {
  const router = Router();
  const { db, linkSecret } = deps;

  router.get('/:token', async (req, res) => {
    const { token } = req.params;
    if (!wantsHtml(req)) {
      res.json(await viewResponse(db, token));
      return;
    }
    const saved = req.query.saved === 'draft' || req.query.saved === 'submitted' ? req.query.saved : undefined;
    const page = respondPage(await pageView(db, token), {
      csrf: csrfToken(linkSecret, token),
      action: linkPath(req),
      saved,
    });
    sendPage(res, 200, page);
  });

  router.post('/:token', linkFormCsrf(linkSecret), async (req, res) => {
    const { token } = req.params;
    if (!isFormPost(req)) {
      res.json(await saveResponse(deps, token, req.body));
      return;
    }
    const form = respondFromForm(req.body);
    const view = await pageView(db, token);
    if (view.submittedAt) throw alreadySubmitted();
    const checked = respondSchema.safeParse(form);
    if (checked.success) {
      const result = await saveResponse(deps, token, form);
      res.redirect(303, `${linkPath(req)}?saved=${result.submitted ? 'submitted' : 'draft'}`);
      return;
    }
    // A final submission that is not complete yet is kept as a draft, so nothing typed is lost.
    const asDraft = { ...form, submit: false };
    const draftSaved = form.submit && respondSchema.safeParse(asDraft).success;
    if (draftSaved) await saveResponse(deps, token, asDraft);
    const shown = draftSaved ? await pageView(db, token) : view;
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

function alreadySubmitted(): HttpError {
  return new HttpError(
    409,
    'already_submitted',
    'This audit tool has been submitted; ask the business unit to reopen it to change it.',
  );
}

/** Starts the urgent escalation of a stored concern; an audit that has ended cannot, and says so. */
export async function raiseConcern(temporal: Client, workflowId: string, escalationId: string): Promise<void> {
  await whileAuditRuns(
    temporal.workflow.getHandle(workflowId).executeUpdate(raiseConcernUpdate, { args: [{ escalationId }] }),
    'The audit has ended: telephone the agency lead about this concern.',
  );
}

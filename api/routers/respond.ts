// The agency's emailed link: /respond/:token opens the audit tool for one child, for that link only.
// What the agency typed is saved before anything else happens; only then is the workflow told.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { respondSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { raiseConcernUpdate, submissionReceivedUpdate } from '../../workflows/messages';
import { HttpError, parse, whileAuditRuns } from '../errors';

export function respondRouter({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = Router();

  const invitationFor = async (token: string) => {
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
  };

  router.get('/:token', async (req, res) => {
    const invitation = await invitationFor(req.params.token);
    res.set('Cache-Control', 'no-store');
    res.json({
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
    });
  });

  router.post('/:token', async (req, res) => {
    const invitation = await invitationFor(req.params.token);
    const body = parse(respondSchema, req.body);
    if (invitation.submission?.submittedAt) {
      throw new HttpError(
        409,
        'already_submitted',
        'This audit tool has been submitted; ask the business unit to reopen it to change it.',
      );
    }
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
    if (!body.submit) {
      res.json({ saved: true, submitted: false });
      return;
    }
    try {
      const state = await temporal.workflow
        .getHandle(invitation.audit.workflowId)
        .executeUpdate(submissionReceivedUpdate, { args: [{ invitationId: invitation.id }] });
      res.json({ saved: true, submitted: true, late: state.late });
    } catch (err) {
      // Kept whatever the audit's state: an ended audit still has the agency's submission on record.
      if (err instanceof WorkflowNotFoundError) {
        res.json({ saved: true, submitted: true, late: true });
        return;
      }
      throw err;
    }
  });

  return router;
}

/** Starts the urgent escalation of a stored concern; an audit that has ended cannot, and says so. */
export async function raiseConcern(temporal: Client, workflowId: string, escalationId: string): Promise<void> {
  await whileAuditRuns(
    temporal.workflow.getHandle(workflowId).executeUpdate(raiseConcernUpdate, { args: [{ escalationId }] }),
    'The audit has ended: telephone the agency lead about this concern.',
  );
}

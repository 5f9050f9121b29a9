// The practitioner's emailed link to one report version: /approve/:token shows the report and takes
// the decision. The decision (and its comments) is saved before anything else happens; only then is
// the audit's workflow told. A decision the workflow refuses stays on record: it is the person's input.
// A browser gets the page (api/views/approve.ts); everyone else JSON.
import type { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approveSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { FAILURE } from '../../workflows/errors';
import { approvalDecisionUpdate } from '../../workflows/messages';
import { HttpError, parse } from '../errors';
import { type LinkLife, refuseCancelled, refuseExpired, unknownLink } from '../link-life';
import { type ApprovalView, approveErrors, approveFromForm, approvePage } from '../views/approve';
import { linkFormRouter } from './link-form';

export interface LinkDeps {
  db: Db;
  temporal: Client;
  life: LinkLife;
}

/** What finding a link's task needs. */
export type LinkLookup = Pick<LinkDeps, 'db' | 'life'>;

const UNKNOWN_LINK = 'This link is not known. Check it against the email, or ask the business unit for a new one.';
const SUPERSEDED = 'A newer version of the report has been circulated; use the link in the newer email to approve it.';

async function approvalFor({ db, life }: LinkLookup, token: string) {
  const approval = await db.approval.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: {
      reportVersion: { include: { audit: { select: { id: true, stage: true, focus: true, workflowId: true } } } },
    },
  });
  if (!approval) throw await unknownLink(db, life, token, UNKNOWN_LINK);
  if (approval.supersededAt) throw new HttpError(410, 'link_closed', SUPERSEDED);
  refuseExpired(life, approval.decidedAt, 'your decision on this version of the report has been recorded');
  await refuseCancelled(db, life, approval.reportVersion.audit);
  return approval;
}

/** What the link holder sees: the report version, its deadline and any decision already made. */
export async function viewApproval(link: LinkLookup, token: string): Promise<ApprovalView> {
  const approval = await approvalFor(link, token);
  return {
    audit: { title: approval.reportVersion.audit.focus },
    version: approval.reportVersion.version,
    report: approval.reportVersion.content,
    dueAt: approval.dueAt.toISOString(),
    decision: approval.decision,
    comments: approval.comments,
    decidedAt: approval.decidedAt?.toISOString() ?? null,
    superseded: approval.supersededAt !== null,
  };
}

/**
 * Stores the decision with its trail entry, then tells the audit's workflow. 404 unknown link, 410
 * superseded, 400 bad body, 409 already decided, 409 (with `details.saved`) when the workflow refuses
 * or has ended — the decision stays stored either way.
 */
export async function decideApproval(
  { db, temporal, life }: LinkDeps,
  token: string,
  input: unknown,
): Promise<{ saved: true; decision: 'approved' | 'changes_requested' }> {
  const approval = await approvalFor({ db, life }, token);
  const body = parse(approveSchema, input);
  if (approval.decision) {
    // Saved earlier while Temporal could not be reached? Telling it again (the same update ID) is harmless.
    await tell(temporal, approval, approval.decision).catch(() => undefined);
    throw alreadyDecided();
  }
  const decision = body.decision === 'approve' ? 'approved' : 'changes_requested';
  const auditId = approval.reportVersion.auditId;

  await db.$transaction(async (tx) => {
    // Conditional, so two submits at once (or a newer version circulated meanwhile) cannot both win.
    const stored = await tx.approval.updateMany({
      where: { id: approval.id, decision: null, supersededAt: null },
      // By the link's clock, which ends the link a grace after it.
      data: { decision, comments: body.comments || null, decidedAt: new Date(life.now()) },
    });
    if (stored.count === 0) {
      const now = await tx.approval.findUniqueOrThrow({ where: { id: approval.id } });
      throw now.supersededAt && !now.decision ? new HttpError(410, 'link_closed', SUPERSEDED) : alreadyDecided();
    }
    await tx.auditTrailEntry.create({
      data: {
        auditId,
        actor: `link:approve:${approval.id}`,
        action: `approval.${decision}`,
        details: {
          approvalId: approval.id,
          reportVersionId: approval.reportVersionId,
          version: approval.reportVersion.version,
          agencyId: approval.agencyId,
        },
      },
    });
  });

  try {
    await tell(temporal, approval, decision);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new HttpError(409, 'wrong_stage', 'Your decision has been recorded, but the audit has already ended.', {
        saved: true,
      });
    }
    const refused = refusalMessage(err);
    if (refused !== undefined) throw new HttpError(409, 'wrong_stage', refused, { saved: true });
    throw err;
  }
  return { saved: true, decision };
}

function tell(
  temporal: Client,
  approval: { id: string; reportVersion: { audit: { workflowId: string } } },
  decision: 'approved' | 'changes_requested',
) {
  return temporal.workflow.getHandle(approval.reportVersion.audit.workflowId).executeUpdate(approvalDecisionUpdate, {
    args: [{ approvalId: approval.id, decision }],
    // The same decision told twice is one update.
    updateId: `approval-decision-${approval.id}`,
  });
}

function alreadyDecided(): HttpError {
  return new HttpError(
    409,
    'already_done',
    'A decision has already been recorded for this version of the report; it cannot be changed here.',
  );
}

/** The workflow's message when it refused an update (wrong stage, already done, not in this audit). */
export function refusalMessage(err: unknown): string | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const type = err.cause.type;
  return type === FAILURE.wrongStage || type === FAILURE.notFound ? err.cause.message : undefined;
}

export function approveRouter(deps: LinkDeps & { linkSecret: string }): Router {
  return linkFormRouter(deps.linkSecret, {
    view: (token) => viewApproval(deps, token),
    answered: (view) => view.decision !== null,
    submit: (token, input) => decideApproval(deps, token, input),
    schema: approveSchema,
    fromForm: approveFromForm,
    errors: approveErrors,
    page: approvePage,
  });
}

// The owner agency's quarterly link to one action: /progress/:token shows the action and takes this
// quarter's progress. The report is saved before anything else happens; only then is the action's
// follow-up workflow told. A report the workflow cannot take stays on record. A browser gets the page
// (api/views/progress.ts); everyone else JSON.
import type { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { progressSchema } from '../../domain/schemas';
import { tokenHash } from '../../infra/links';
import { actionProgressUpdate, actionWorkflowId } from '../../workflows/messages';
import { HttpError, parse } from '../errors';
import { progressErrors, progressFromForm, progressPage, type ProgressView } from '../views/progress';
import { refuseExpired, unknownLink } from '../link-life';
import { type LinkDeps, type LinkLookup, refusalMessage } from './approve';
import { linkFormRouter } from './link-form';

const CLOSED = 'This action has been closed by the Learning and Improvement Subgroup; no further progress is needed.';
const CANCELLED = 'The deep dive this action came from has been cancelled; no further progress is needed.';

async function progressFor({ db, life }: LinkLookup, token: string) {
  const progress = await db.actionProgress.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: { action: { include: { audit: { select: { focus: true } } } } },
  });
  if (!progress) {
    throw await unknownLink(
      db,
      life,
      token,
      'This link is not known. Check it against the email, or ask the business unit for a new one.',
    );
  }
  if (progress.action.status === 'closed') throw new HttpError(410, 'link_closed', CLOSED);
  if (progress.action.status === 'cancelled') throw new HttpError(410, 'link_closed', CANCELLED);
  // The next quarter's request replaces this one, with a link of its own.
  const next = await db.actionProgress.findFirst({
    where: { actionId: progress.actionId, quarter: { gt: progress.quarter } },
    orderBy: { quarter: 'asc' },
    select: { requestedAt: true },
  });
  refuseExpired(life, next?.requestedAt, "a later quarter's progress has been asked for, with a link of its own");
  return progress;
}

/** What the link holder sees: the action, the quarter asked about and what was reported for it. */
export async function viewProgress(link: LinkLookup, token: string): Promise<ProgressView> {
  const progress = await progressFor(link, token);
  const { action } = progress;
  return {
    audit: { title: action.audit.focus },
    action: {
      number: action.number,
      description: action.description,
      dueAt: action.dueAt.toISOString(),
      status: 'open',
    },
    quarter: progress.quarter,
    reported: progress.reportedAt
      ? {
          status: progress.status,
          update: progress.update,
          impactEvidence: progress.impactEvidence,
          reportedAt: progress.reportedAt.toISOString(),
        }
      : null,
  };
}

/**
 * Stores the quarter's report (and the action's latest RAG) with its trail entry, then tells the
 * action's follow-up. 404 unknown link, 410 action closed, 400 bad body, 409 already reported, 409
 * (with `details.saved`) when the follow-up refuses; `recorded: false` when the follow-up has ended.
 */
export async function reportProgress(
  { db, temporal, life }: LinkDeps,
  token: string,
  input: unknown,
): Promise<{ saved: true; recorded: boolean }> {
  const progress = await progressFor({ db, life }, token);
  const body = parse(progressSchema, input);
  if (progress.reportedAt) throw alreadyReported();
  const { action } = progress;

  await db.$transaction(async (tx) => {
    // Conditional, so two submits at once cannot both win, nor a report slip past the action's closure.
    const stored = await tx.actionProgress.updateMany({
      where: { id: progress.id, reportedAt: null },
      data: {
        status: body.status,
        update: body.update,
        impactEvidence: body.impactEvidence || null,
        reportedAt: new Date(),
      },
    });
    if (stored.count === 0) throw alreadyReported();
    // A late answer for an earlier quarter does not overwrite a later quarter's status.
    const later = await tx.actionProgress.findFirst({
      where: { actionId: action.id, quarter: { gt: progress.quarter }, reportedAt: { not: null } },
      select: { id: true },
    });
    const stillOpen = { id: action.id, status: 'open' as const };
    const open = later
      ? await tx.action.count({ where: stillOpen })
      : (await tx.action.updateMany({ where: stillOpen, data: { rag: body.status } })).count;
    if (open === 0) throw new HttpError(410, 'link_closed', CLOSED);
    await tx.auditTrailEntry.create({
      data: {
        auditId: action.auditId,
        actor: `link:progress:${progress.id}`,
        action: 'action.progress_reported',
        details: {
          actionId: action.id,
          number: action.number,
          progressId: progress.id,
          quarter: progress.quarter,
          status: body.status,
        },
      },
    });
  });

  try {
    await temporal.workflow.getHandle(actionWorkflowId(action.id)).executeUpdate(actionProgressUpdate, {
      args: [{ progressId: progress.id, status: body.status }],
      // The same report told twice is one update.
      updateId: `action-progress-${progress.id}`,
    });
  } catch (err) {
    // The action's follow-up has ended: the report is kept on the action's history all the same.
    if (err instanceof WorkflowNotFoundError) return { saved: true, recorded: false };
    const refused = refusalMessage(err);
    if (refused !== undefined) throw new HttpError(409, 'wrong_stage', refused, { saved: true });
    throw err;
  }
  return { saved: true, recorded: true };
}

function alreadyReported(): HttpError {
  return new HttpError(
    409,
    'already_done',
    'Progress has already been reported for this quarter; the next request will come by email.',
  );
}

export function progressRouter(deps: LinkDeps & { linkSecret: string }): Router {
  return linkFormRouter(deps.linkSecret, {
    view: (token) => viewProgress(deps, token),
    answered: (view) => view.reported !== null,
    submit: (token, input) => reportProgress(deps, token, input),
    schema: progressSchema,
    fromForm: progressFromForm,
    errors: progressErrors,
    page: progressPage,
  });
}

// The agency lead's emailed link to one urgent concern: /acknowledge/:token shows the concern to the
// link holder and takes the acknowledgement. Who acknowledged and the action taken are stored in the
// Escalation row first; only then is the escalation's workflow told, which closes the row and stops
// the re-escalations. A browser gets the page (api/views/acknowledge.ts); everyone else JSON.
import type { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { acknowledgeSchema } from '../../domain/schemas';
import { tokenHash } from '../../infra/links';
import { acknowledgeEscalationUpdate, escalationWorkflowId } from '../../workflows/messages';
import { HttpError, parse } from '../errors';
import {
  type AcknowledgementView,
  acknowledgeErrors,
  acknowledgeFromForm,
  acknowledgePage,
} from '../views/acknowledge';
import { refuseExpired, unknownLink } from '../link-life';
import { type LinkDeps, type LinkLookup, refusalMessage } from './approve';
import { linkFormRouter } from './link-form';

async function escalationFor({ db, life }: LinkLookup, token: string) {
  const escalation = await db.escalation.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: { audit: { select: { focus: true } } },
  });
  if (!escalation) {
    throw await unknownLink(
      db,
      life,
      token,
      'This link is not known. Check it against the email, or telephone the safeguarding partnership.',
    );
  }
  refuseExpired(life, escalation.acknowledgedAt, 'this concern has been acknowledged');
  return escalation;
}

/** The concern, its agency and window, and the acknowledgement once given. 404 for an unknown link. */
export async function viewAcknowledgement(link: LinkLookup, token: string): Promise<AcknowledgementView> {
  const { db } = link;
  const escalation = await escalationFor(link, token);
  const agency = await db.agency.findUnique({ where: { id: escalation.agencyId }, select: { name: true } });
  return {
    audit: { title: escalation.audit.focus },
    agency: { name: agency?.name ?? null },
    concern: escalation.concern,
    raisedAt: escalation.raisedAt.toISOString(),
    acknowledgeBy: escalation.acknowledgeBy?.toISOString() ?? null,
    acknowledged: escalation.acknowledgedBy
      ? {
          by: escalation.acknowledgedBy,
          actionTaken: escalation.actionTaken,
          at: escalation.acknowledgedAt?.toISOString() ?? null,
        }
      : null,
  };
}

/**
 * Stores who acknowledged and what they did (once), with its trail entry, then tells the escalation's
 * workflow. 404 unknown link, 400 bad body, 409 already acknowledged, 409 (with `details.saved`) when
 * the workflow refuses. Without a workflow to tell (it was never started, or is gone) the row is
 * closed here, since nothing else would close it.
 */
export async function acknowledgeEscalation(
  { db, temporal, life }: LinkDeps,
  token: string,
  input: unknown,
): Promise<{ saved: true; acknowledgedAt: string }> {
  const escalation = await escalationFor({ db, life }, token);
  const body = parse(acknowledgeSchema, input);
  const tell = (at?: Date) =>
    temporal.workflow.getHandle(escalationWorkflowId(escalation.id)).executeUpdate(acknowledgeEscalationUpdate, {
      args: [{ escalationId: escalation.id, acknowledgedAt: at?.toISOString() }],
      // The same acknowledgement told twice is one update.
      updateId: `acknowledge-${escalation.id}`,
    });
  if (escalation.acknowledgedBy) {
    // Stored earlier while Temporal could not be reached? Telling it again (the same update ID) is harmless.
    if (escalation.status === 'open') await tell(escalation.acknowledgedAt ?? undefined).catch(() => undefined);
    throw alreadyAcknowledged();
  }

  // By the link's clock, which ends the link a grace after it.
  const acknowledgedAt = new Date(life.now());
  await db.$transaction(async (tx) => {
    // Conditional, so two acknowledgements at once cannot both win.
    const stored = await tx.escalation.updateMany({
      where: { id: escalation.id, acknowledgedBy: null, status: 'open' },
      data: { acknowledgedBy: body.name, actionTaken: body.actionTaken, acknowledgedAt },
    });
    if (stored.count === 0) throw alreadyAcknowledged();
    await tx.auditTrailEntry.create({
      data: {
        auditId: escalation.auditId,
        actor: `link:acknowledge:${escalation.id}`,
        action: 'escalation.acknowledged',
        details: { escalationId: escalation.id, agencyId: escalation.agencyId },
      },
    });
  });

  try {
    const state = await tell(acknowledgedAt);
    return { saved: true, acknowledgedAt: state.acknowledgedAt ?? acknowledgedAt.toISOString() };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      await db.escalation.updateMany({
        where: { id: escalation.id, status: 'open' },
        data: { status: 'acknowledged' },
      });
      return { saved: true, acknowledgedAt: acknowledgedAt.toISOString() };
    }
    const refused = refusalMessage(err);
    if (refused !== undefined) throw new HttpError(409, 'already_done', refused, { saved: true });
    throw err;
  }
}

function alreadyAcknowledged(): HttpError {
  return new HttpError(409, 'already_done', 'This concern has already been acknowledged.');
}

export function acknowledgeRouter(deps: LinkDeps & { linkSecret: string }): Router {
  return linkFormRouter(deps.linkSecret, {
    view: (token) => viewAcknowledgement(deps, token),
    answered: (view) => view.acknowledged !== null,
    submit: (token, input) => acknowledgeEscalation(deps, token, input),
    schema: acknowledgeSchema,
    fromForm: acknowledgeFromForm,
    errors: acknowledgeErrors,
    page: acknowledgePage,
  });
}

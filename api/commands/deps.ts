// What the commands need, and what the audit commands share. A command is one action of the service (start
// an audit, extend a deadline, …), written once: the JSON API's routers and the staff console's pages are
// thin adapters over it, so both doors do the same thing. Commands take plain values, throw HttpErrors and
// return plain data; they know nothing of HTTP requests.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import type { Prisma } from '../../prisma/generated/client';
import type { Db } from '../../infra/db';
import { type Principal, trailActor } from '../auth';
import { HttpError, whileAuditRuns } from '../errors';

export interface CommandDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  allowCompressedTimelines: boolean;
  /** Where the product is reached: the 7 Point Briefing is published under it (a path alone when unset). */
  publicUrl?: string;
  /** RETENTION_MONTHS, fixed in each audit's timeline as it starts; the default's (12) unless set. */
  retentionMonths?: number;
}

/** What most commands need: the database and the audit's workflow. */
export type AuditDeps = Pick<CommandDeps, 'db' | 'temporal'>;

/**
 * The workflow update's ID, when the caller has one (api/idempotency.ts's `updateIdFor`): Temporal takes an
 * update sent again with the same ID once.
 */
export interface UpdateOptions {
  updateId?: string;
}

const auditIdSchema = z.uuid();

/** The audit, or a 404 (also for an ID that is not a UUID: no audit could have it). */
export async function findAudit(db: Db, auditId: string) {
  const parsed = auditIdSchema.safeParse(auditId);
  const audit = parsed.success ? await db.audit.findUnique({ where: { id: parsed.data } }) : null;
  if (!audit) throw new HttpError(404, 'not_found', 'No such audit.');
  return audit;
}

export const auditWorkflow = (temporal: Client, audit: { workflowId: string }) =>
  temporal.workflow.getHandle(audit.workflowId);

/** One row of the audit trail; a Prisma promise, so that it can join a `$transaction([...])`. */
export const recordTrail = (
  db: Pick<Db, 'auditTrailEntry'>,
  auditId: string,
  actor: Principal,
  action: string,
  details?: Prisma.InputJsonObject,
) => db.auditTrailEntry.create({ data: { auditId, ...trailActor(actor), action, details } });

/** The audit's drawn cohort, in draw order: references and service levels only. */
export const drawnCohort = (db: Db, auditId: string) =>
  db.case.findMany({
    where: { auditId, selectedAt: { not: null }, replacedAt: null },
    orderBy: { drawOrder: 'asc' },
    select: { caseRef: true, serviceLevel: true },
  });

/**
 * Runs an update to the audit's workflow whose content is already stored. When the workflow refuses it for
 * certain (a wrong stage, a missing run), `undo` takes the stored content back before the refusal is
 * answered; an unknown outcome (Temporal unreachable) leaves it for a retry.
 */
export function updateOrUndo<T>(call: () => Promise<T>, undo: () => Promise<unknown>): Promise<T> {
  return whileAuditRuns(
    call().catch(async (err: unknown) => {
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) await undo();
      throw err;
    }),
  );
}

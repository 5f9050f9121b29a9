// "Send again": an email of the audit that failed (the relay refused it for good) or is unconfirmed (it may
// not have gone), sent once more at the business unit's request, through a short workflow of its own
// (workflows/resend.ts) and the outbox, under a new key. A `refused` email is not offered: its input was
// refused and would be again. See activities/email.ts for the outbox's states.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';
import { emailIdOf, resendKey, type SendAgain, sendAgainOf } from '../../activities/email';
import { type Notification, SENT_AFTER_CANCEL } from '../../domain/notifications';
import type { resendEmail } from '../../workflows';
import type { Principal } from '../auth';
import { HttpError } from '../errors';
import { type CommandDeps, findAudit, recordTrail } from './deps';

export type EmailDeps = Pick<CommandDeps, 'db' | 'temporal' | 'taskQueue'>;

/** The workflow of one sending again: named by its outbox key, so a request sent twice starts one. */
export const resendWorkflowId = (key: string) => `resend-${key}`;

const REFUSALS: Record<Exclude<SendAgain, 'available'>, [string, string]> = {
  in_progress: ['already_sending', 'This email is already being sent again.'],
  refused: ['refused_email', 'This email was not sent because its content was refused; it would be refused again.'],
  not_kept: [
    'not_kept',
    'This email was sent before Deep Dive kept what it needs to send it again: use "Send the link again" for an invitation, or contact the recipient.',
  ],
  delivered: ['already_sent', 'This email has been delivered: there is nothing to send again.'],
};

const emailIdSchema = z.string().regex(/^[0-9a-f]{32}$/);

/**
 * Sends the audit's email `emailId` (UnsentEmail's `id`) again, to the address its purpose has today. 404 for
 * an email not of this audit; 409 when it is not failed or unconfirmed, or is already being sent again.
 */
export async function sendEmailAgain(deps: EmailDeps, actor: Principal, auditId: string, emailId: string) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const wanted = emailIdSchema.safeParse(emailId);
  // The ID is a hash of the key: the audit's own emails are few enough to hash each.
  const keys = wanted.success
    ? await db.emailOutbox.findMany({ where: { auditId: audit.id, resendOf: null }, select: { key: true } })
    : [];
  const key = keys.find((k) => emailIdOf(k.key) === wanted.data)?.key;
  const row = key && (await db.emailOutbox.findUnique({ where: { key } }));
  if (!row) throw new HttpError(404, 'not_found', 'No such email in this audit.');
  const resends = await db.emailOutbox.findMany({ where: { resendOf: row.key }, select: { status: true } });
  const state = sendAgainOf(row, resends.map((r) => r.status));
  if (state !== 'available') throw new HttpError(409, ...REFUSALS[state]);
  const notification = row.notification as Notification;
  if (audit.stage === 'cancelled' && !SENT_AFTER_CANCEL.has(notification.purpose)) {
    throw new HttpError(409, 'wrong_stage', 'The audit was cancelled: this email is no longer sent.');
  }

  const attempt = resends.length + 1;
  const again = resendKey(row.key, attempt);
  try {
    await deps.temporal.workflow.start<typeof resendEmail>('resendEmail', {
      workflowId: resendWorkflowId(again),
      taskQueue: deps.taskQueue,
      args: [{ auditId: audit.id, key: again, resendOf: row.key, notification }],
      // A run that failed (a row it needs was gone) may be tried again; one that ran may not.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, ...REFUSALS.in_progress);
    throw err;
  }
  await recordTrail(db, audit.id, actor, 'email.sent_again', { key: row.key, attempt });
  return { id: emailIdOf(row.key), key: again, attempt, sending: true as const };
}

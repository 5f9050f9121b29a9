// "Send again": an email that failed or is unconfirmed, asked for once more by the business unit
// (api/commands/emails.ts). A short workflow of its own, started under the new email's outbox key, so the
// email goes through the notify activity and the outbox like every other — retried while the relay is
// down, sent at most once, never from the API's process — and a request sent twice starts it once. The
// input is the notification's purpose and IDs: the activity renders the email from the database.
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import type { Notification } from '../domain/notifications';
import { notify } from './notify';

export interface ResendInput {
  auditId: string;
  /** The new email's outbox key, `<resendOf>/again/<n>`. */
  key: string;
  /** The outbox key of the email sent again: `resent` once this one is sent. */
  resendOf: string;
  notification: Notification;
}

export async function resendEmail(input: ResendInput): Promise<void> {
  try {
    await notify(input);
  } catch (err) {
    const type = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
    // Refused again: the new row says so, and the original stays on the audit's page to try again.
    if (type !== 'EmailRejected' && type !== 'EmailInvalid') throw err;
    log.warn('email sent again was not sent', { auditId: input.auditId, type });
  }
}

// Every email the workflows send goes through here: one activity, keyed so a retry never sends twice.
import { ActivityFailure, ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { type Notification, notificationKey } from '../domain/notifications';
import { ON_CANCEL } from './activity-options';
import { steadily } from './steps';

export const { notify } = proxyActivities<Activities>({
  ...ON_CANCEL,
  startToCloseTimeout: '1 minute',
  // SMTP outages are retried until the relay is back; a rejected address is recorded, not retried.
  retry: {
    initialInterval: '10 seconds',
    backoffCoefficient: 2,
    maximumInterval: '15 minutes',
    nonRetryableErrorTypes: ['EmailRejected', 'EmailInvalid', 'NotFound'],
  },
});

/**
 * Sends one email. A rejected or invalid address is recorded in the outbox and the process goes on; an
 * email that cannot be made (its row is not there) is the audit's problem, shown and tried again daily.
 */
export async function tell(auditId: string, notification: Notification, occasion?: string): Promise<void> {
  const step = `email ${notification.purpose}`;
  const once = { once: true } as const;
  await steadily(
    step,
    async () => {
      try {
        await notify({ key: notificationKey(auditId, notification, occasion), auditId, notification });
      } catch (err) {
        const type =
          err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
        if (type === 'EmailRejected' || type === 'EmailInvalid') {
          // Recorded in the outbox and shown to the business unit; the process goes on.
          log.warn('email not sent', { auditId, purpose: notification.purpose, type });
          return;
        }
        throw err;
      }
    },
    once,
  );
}

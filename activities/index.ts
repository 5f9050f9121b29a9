// Every side effect the workflows ask for, built from their dependencies. One module per stage.
import { ApplicationFailure } from '@temporalio/common';
import type { EmailConfig } from '../emails';
import type { Db } from '../infra/db';
import { auditActivities } from './audit';
import { emailActivities, type EmailMetrics, type MailTransport } from './email';
import { discussionActivities } from './discussion';
import { escalationActivities } from './escalation';
import { followUpActivities } from './follow-up';
import { invitationActivities } from './invitations';
import { notifyActivities } from './notify';
import { reportActivities } from './report';
import { retentionActivities } from './retention';
import { selectionActivities } from './selection';
import { FAILURE } from '../workflows/errors';

export interface ActivityDeps {
  db: Db;
  transport: MailTransport;
  mailFrom: string;
  email: EmailConfig;
  /** Start of every link in emails. */
  publicUrl: string;
  /** Derives the secret in every emailed link (infra/links.ts). */
  linkSecret: string;
  /** Where notices to the business unit go. */
  businessUnitEmail: string;
  /** Where an urgent escalation goes when the agency lead has not acknowledged it in its window. */
  partnershipManagerEmail: string;
  /** The Learning and Improvement Subgroup: sign-off requests and quarterly action summaries. */
  lisEmail: string;
  /** Email outcomes are counted here; the Temporal SDK's metric meter when unset (activities/email.ts). */
  metrics?: EmailMetrics;
}

export function createActivities(deps: ActivityDeps) {
  // Not an activity of its own: workflows ask `notify`, so that links and addresses stay out of history.
  const email = emailActivities(deps);
  return rowsNeeded({
    ...auditActivities(deps),
    ...selectionActivities(deps),
    ...invitationActivities(deps),
    ...escalationActivities(deps),
    ...discussionActivities(deps),
    ...reportActivities(deps),
    ...followUpActivities(deps),
    ...retentionActivities(deps),
    ...notifyActivities({ ...deps, send: (input) => email.sendEmail(input) }),
  });
}

/**
 * A row an activity needs that is not there (Prisma's P2025, from `…OrThrow` or an update) is a `NotFound`
 * that no retry cures: not retried, and shown to the business unit by the workflow (workflows/steps.ts).
 */
function rowsNeeded<A extends Record<string, (input: never) => Promise<unknown>>>(activities: A): A {
  const wrapped = Object.entries(activities).map(([name, activity]) => [
    name,
    async (input: never) => {
      try {
        return await activity(input);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'P2025') throw err;
        throw ApplicationFailure.nonRetryable(`${name}: a row it needs is not there`, FAILURE.notFound);
      }
    },
  ]);
  return Object.fromEntries(wrapped) as A;
}

export type Activities = ReturnType<typeof createActivities>;

// Stage 2 — invitations: the business unit reviews the drawn cohort (and may replace a case) until it
// sends the invitations or the review period ends; then one invitation per case × involved agency.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { deadlineAfter, type Timeline } from '../domain/timeline';
import { DATABASE_ACTIVITY, ON_CANCEL } from './activity-options';
import type { AuditState } from './messages';
import { tell } from './notify';
import { cutOffAt } from './submissions';
import { steady } from './steps';

const { createInvitations } = steady(proxyActivities<Activities>(DATABASE_ACTIVITY));
// Its answer is the replacement update's: a refusal goes back to the business unit.
const { replaceCase } = proxyActivities<Activities>({
  ...ON_CANCEL,
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['NotFound', 'InvalidReplacement'],
  },
});

/** Plans the review before the stage is entered, so that a query never sees the stage without its deadline. */
export function planCohortReview(state: AuditState, timeline: Timeline): void {
  state.invitationsDueToSendAt = deadlineAfter(new Date(), timeline.cohortReview).toISOString();
}

/** Waits in stage `invitations` until the business unit sends them, the review period ends, or a cancel. */
export async function reviewCohort(state: AuditState, sendRequested: () => boolean): Promise<void> {
  const sendBy = Date.parse(state.invitationsDueToSendAt!);
  await condition(() => sendRequested() || state.cancelled, Math.max(0, sendBy - Date.now()));
}

export async function replaceDrawnCase(state: AuditState, caseId: string, replacementCaseId: string): Promise<void> {
  const replacement = await replaceCase({ auditId: state.auditId, caseId, replacementCaseId });
  state.cohort = state.cohort.map((c) => (c.caseId === caseId ? replacement : c));
}

export async function sendInvitations(state: AuditState, timeline: Timeline): Promise<void> {
  const dueAt = deadlineAfter(new Date(), timeline.submissions.window).toISOString();
  const created = await createInvitations({ auditId: state.auditId, dueAt });
  state.invitations = created.map((i) => ({ ...i, status: 'pending', dueAt, late: false }));
  state.submissionsCutOffAt = cutOffAt(state, timeline).toISOString();
  await Promise.all(created.map((i) => tell(state.auditId, { purpose: 'invitation', invitationId: i.invitationId })));
}

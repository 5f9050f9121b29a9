// How the workflows call the database activities: the one set of options the stages share.
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { FAILURE } from './errors';

/**
 * When a cancel stops a stage, an activity it has in flight is left to finish (its result unread), not
 * asked to stop: none can stop half-way (they do not heartbeat), and those whose effect would outlive the
 * cancel check the audit's stage themselves (recordStage, notify, publishBriefing, acceptOutcome).
 */
export const ON_CANCEL = { cancellationType: ActivityCancellationType.ABANDON } satisfies ActivityOptions;

/** A quick database step, retried through a brief outage; a row that is not there is not retried. */
export const DATABASE_ACTIVITY = {
  ...ON_CANCEL,
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [FAILURE.notFound] },
} satisfies ActivityOptions;

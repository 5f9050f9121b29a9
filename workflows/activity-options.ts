// How the workflows call the database activities: the one set of options the stages share.
import type { ActivityOptions } from '@temporalio/workflow';
import { FAILURE } from './errors';

/** A quick database step, retried through a brief outage; a row that is not there is not retried. */
export const DATABASE_ACTIVITY = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: [FAILURE.notFound] },
} satisfies ActivityOptions;

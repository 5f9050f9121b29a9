import { ApplicationFailure } from '@temporalio/common';
import type { Stage } from '../domain/stages';

/** Failure types the API maps to HTTP statuses; activities list them as non-retryable. */
export const FAILURE = {
  wrongStage: 'WrongStage',
  notFound: 'NotFound',
  invalidReplacement: 'InvalidReplacement',
} as const;

export function wrongStage(action: string, stage: Stage): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.wrongStage,
    message: `cannot ${action} while the audit is in stage ${stage}`,
    details: [{ stage }],
    nonRetryable: true,
  });
}

export function notFound(what: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE.notFound, message: `no ${what} in this audit`, nonRetryable: true });
}

/** Refuses what can be done once only (a second acknowledgement): a WrongStage, which the API maps to 409. */
export function alreadyDone(action: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.wrongStage,
    message: `cannot ${action}: it is already done`,
    nonRetryable: true,
  });
}

/** A refusal the API maps to 409, with its own words (a discussion not yet held, say). */
export function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE.wrongStage, message, nonRetryable: true });
}

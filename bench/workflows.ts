// The engine's own workflows for `npm run bench` (parts 1, 1b, 1c): they accept updates and do nothing
// else — or, to take the full path apart, the one thing the audit's `submissionReceived` handler does
// besides: record the outcome in PostgreSQL, as an activity or as a local activity. What they measure is
// the engine's own cost of an update, the limit the product's full path is held to. Bundled on their own
// (bundleWorkflowCode), never registered by the product's worker.
import {
  allHandlersFinished,
  condition,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { BenchActivities } from './activities';

/** The same shape of argument as the audit's `submissionReceived`: one ID. */
export const benchUpdate = defineUpdate<number, [{ invitationId: string }]>('benchUpdate');

const options = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
} as const;
const { recordOutcome } = proxyActivities<BenchActivities>(options);
const local = proxyLocalActivities<BenchActivities>(options);

/** Accepts `expected` updates, answering each with how many it has had, then completes. */
async function accept(expected: number, record?: (input: { invitationId: string }) => Promise<void>): Promise<number> {
  let received = 0;
  setHandler(benchUpdate, async (input) => {
    if (record) await record(input);
    return ++received;
  });
  await condition(() => received >= expected);
  await condition(allHandlersFinished);
  return received;
}

/** 1. Nothing but the update. */
export function bareUpdates(expected: number): Promise<number> {
  return accept(expected);
}

/** 1b. Each update awaits an activity, as the audit's handler awaits `recordInvitationOutcome`. */
export function updatesWithActivity(expected: number): Promise<number> {
  return accept(expected, recordOutcome);
}

/** 1c. The same write as a local activity: run by the worker inside the workflow task, no task of its own. */
export function updatesWithLocalActivity(expected: number): Promise<number> {
  return accept(expected, local.recordOutcome);
}

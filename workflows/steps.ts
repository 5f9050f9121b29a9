// How a workflow does the work its update handlers leave it, and what it does with a step that cannot be
// done. Handlers change state and return (PATCHES.handlersReturnAtOnce): what takes time — an email, a
// child started, a database write — is a chore the workflow does in turn, outside every handler, so that
// no API request waits on SMTP. A step that cannot be done (a row that is not there) is shown to the
// business unit and tried again each day (PATCHES.stepsFailVisibly): never the end of the whole audit, and
// never retried without a sign.
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  log,
  patched,
  proxyActivities,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { PATCHES } from './patches';

const { recordProblem } = proxyActivities<Activities>(DATABASE_ACTIVITY);

/** A step that failed for good is tried again after this, its problem shown until it succeeds. */
export const RETRY_FAILED_STEP_AFTER = '1 day';

/**
 * Runs `step` until it succeeds. The activities retry what passes (an outage) themselves; a failure that
 * no retry cures (`NotFound`, a Prisma P2025) is recorded as the audit's problem, where the business unit
 * sees it (GET /api/audits/:id `problems`), and the step is tried again a day later, and so on; once it
 * succeeds the problem is marked resolved. An email (`once`) is not tried again: it stays a problem, and
 * the stage goes on without it. Before the patch, such a failure failed the workflow.
 */
export async function steadily<T>(step: string, run: () => Promise<T>, opts?: { once: true }): Promise<T | undefined> {
  let problemId: string | undefined;
  for (;;) {
    try {
      const result = await run();
      if (problemId) await recordProblem({ ...where(), problemId, step, resolved: true });
      return result;
    } catch (err) {
      if (!(err instanceof ActivityFailure) || isCancellation(err) || !patched(PATCHES.stepsFailVisibly)) throw err;
      if (!problemId) {
        problemId = uuid4();
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const type = cause?.type ?? undefined;
        const message = cause?.message ?? err.message;
        log.warn('step failed; shown to the business unit', { step, type, retried: !opts?.once });
        await recordProblem({ ...where(), problemId, step, type, message });
      }
      if (opts?.once) return undefined;
      await sleep(RETRY_FAILED_STEP_AFTER);
    }
  }
}

/** The workflow a problem is filed under, and its parent's (the audit of a follow-up or an escalation). */
const where = () => ({ workflowId: workflowInfo().workflowId, parentWorkflowId: workflowInfo().parent?.workflowId });

/** Every activity of `activities`, each call run `steadily` under the activity's name. */
export function steady<A extends object>(activities: A): A {
  return new Proxy(activities, {
    get(target, name) {
      const activity = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) => steadily(String(name), () => activity(...args));
    },
  });
}

/**
 * The work a workflow's update handlers leave it, done one at a time in the order it was left (emails
 * beside it, `meanwhile`), in the
 * workflow's root scope (a cancel of the stages does not stop it: a concern raised just before still
 * starts its escalation). `done()` is what a workflow waits for, with `allHandlersFinished`, before it ends.
 */
export function chores() {
  const queue: (() => Promise<void>)[] = [];
  let busy = false;
  let sending = 0;
  async function work(): Promise<void> {
    busy = true;
    while (queue.length) {
      await queue[0]!();
      queue.shift();
    }
    busy = false;
  }
  const push = (chore: () => Promise<void>) => {
    queue.push(chore);
    if (!busy) void work();
  };
  return {
    /** Left for later: the handler returns at once. Its activities are `steady`: a failure is shown, not thrown. */
    later: (chore: () => Promise<void>): void => push(chore),
    /** The handler's answer is the chore's result (the rows it made): it waits its turn, and a refusal is the handler's. */
    inTurn: <T>(chore: () => Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => push(() => chore().then(resolve, reject))),
    /**
     * An email, sent beside the queue rather than in it: a relay that is down holds up only its own
     * emails (retried for as long as it takes), never the database writes or escalations behind them.
     */
    meanwhile: (email: () => Promise<void>): void => {
      sending++;
      void email().finally(() => sending--);
    },
    done: (): boolean => !busy && queue.length === 0 && sending === 0,
  };
}

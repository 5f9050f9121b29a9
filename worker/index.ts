// Wiring: a worker for the audit task queue, with the activities and their dependencies.
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import type { Logger } from '../infra/logger';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUE } from '../workflows/messages';

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** A pre-built bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorker({
  connection,
  namespace,
  taskQueue,
  workflowBundle,
  ...deps
}: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? TASK_QUEUE,
    activities: createActivities(deps),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
  });
}

/**
 * Sends the SDK's own logs (worker state, workflow and activity `log`) to our pino logger. Once per
 * process, before the first worker or connection; the bundler's chatter stays below WARN unless debugging.
 */
export function installWorkerLogging(log: Logger): void {
  const level: LogLevel = ['debug', 'trace'].includes(log.level) ? 'DEBUG' : 'WARN';
  try {
    Runtime.install({
      logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
        const method = l === 'WARN' ? 'warn' : l === 'ERROR' ? 'error' : l === 'INFO' ? 'info' : 'debug';
        log[method]({ sdk: true, ...meta }, message);
      }),
    });
  } catch (err) {
    // A second embedded start in the same process (the restart test) keeps the first installation.
    if (!(err instanceof Error && err.name === 'IllegalStateError')) throw err;
  }
}

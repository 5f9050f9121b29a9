// Wiring: a worker for the audit task queue, with the activities and their dependencies.
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  type RuntimeOptions,
  Worker,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import { auditIdOf, type Logger } from '../infra/logger';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUE } from '../workflows/messages';
import { DEPLOYMENT_NAME } from './bundle';
import { DEFAULT_WORKER_SIZING, type WorkerSizing } from './sizing';

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** The bundle built with the release (worker/bundle.ts); tests build one per run. */
  workflowBundle: { codePath: string };
  /** The release's build ID, reported to Temporal as the worker's deployment version; none in tests. */
  buildId?: string;
  /** How long a shutdown lets in-flight activities finish, then when it gives up; WORKER_SHUTDOWN unless set. */
  shutdown?: { graceTime: WorkerOptions['shutdownGraceTime']; forceTime: WorkerOptions['shutdownForceTime'] };
  /** Its cache and slots (worker/sizing.ts); DEFAULT_WORKER_SIZING unless set. */
  sizing?: WorkerSizing;
}

/**
 * On SIGTERM/SIGINT the SDK stops polling and lets activities in flight run for `graceTime`: longer than
 * the longest activity timeout (1 minute, workflows/notify.ts), so that an attempt under way finishes.
 * One still running then is cancelled, and Temporal retries it on another worker. `forceTime` ends the
 * shutdown regardless, within docker-compose.yml's `stop_grace_period: 90s` for the worker.
 */
export const WORKER_SHUTDOWN = { graceTime: '65 seconds', forceTime: '80 seconds' } as const;

export async function createWorker({
  connection,
  namespace,
  taskQueue,
  workflowBundle,
  buildId,
  shutdown = WORKER_SHUTDOWN,
  sizing = DEFAULT_WORKER_SIZING,
  ...deps
}: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue ?? TASK_QUEUE,
    // Set, never the SDK's defaults: its cache grows with the heap limit (2,310 runs here), past 1 GiB.
    ...sizing,
    shutdownGraceTime: shutdown.graceTime,
    shutdownForceTime: shutdown.forceTime,
    activities: createActivities(deps),
    workflowBundle,
    // Reported, not routed by: a release replaces the last one on every open audit, safe by patched()
    // (docs/OPERATIONS.md, "Releases"). Each workflow task's completion records the build that ran it.
    ...(buildId
      ? {
          workerDeploymentOptions: {
            version: { deploymentName: DEPLOYMENT_NAME, buildId },
            useWorkerVersioning: false,
          },
        }
      : {}),
  });
}

export interface WorkerRuntimeOptions {
  /** `host:port` for the SDK's Prometheus exporter (`/metrics` there); none when unset. */
  metricsBindAddress?: string;
}

/**
 * The SDK's Runtime: its logs (worker state, workflow and activity `log`) go to our pino logger, with
 * the audit's id added where the workflow is an audit's (the SDK gives the workflowId); its metrics
 * (workflow and activity task latencies, slots, polls, RPCs, and the email outcomes activities count)
 * go to a Prometheus exporter when `metricsBindAddress` is set. The bundler's chatter stays below WARN
 * unless debugging.
 */
export function workerRuntimeOptions(log: Logger, { metricsBindAddress }: WorkerRuntimeOptions = {}): RuntimeOptions {
  const level: LogLevel = ['debug', 'trace'].includes(log.level) ? 'DEBUG' : 'WARN';
  return {
    logger: new DefaultLogger(level, ({ level: l, message, meta }) => {
      const method = l === 'WARN' ? 'warn' : l === 'ERROR' ? 'error' : l === 'INFO' ? 'info' : 'debug';
      const { error, ...rest }: { error?: unknown; [key: string]: unknown } = meta ?? {};
      const auditId = auditIdOf(rest.workflowId);
      // An Error under `error` would print as {}: pino's `err` serializer keeps its type, message and stack.
      const err = error instanceof Error ? { err: error } : error !== undefined ? { error } : {};
      log[method]({ sdk: true, ...rest, ...err, ...(auditId ? { auditId } : {}) }, message);
    }),
    ...(metricsBindAddress
      ? {
          telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress } } },
        }
      : {}),
  };
}

/** Installs workerRuntimeOptions once per process, before the first worker or connection. */
export function installWorkerLogging(log: Logger, options: WorkerRuntimeOptions = {}): void {
  try {
    Runtime.install(workerRuntimeOptions(log, options));
  } catch (err) {
    // A second embedded start in the same process (the restart test) keeps the first installation.
    if (!(err instanceof Error && err.name === 'IllegalStateError')) throw err;
  }
}

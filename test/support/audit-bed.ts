// The real parts a test file runs against, and the beds built from them. `useWorkerBed`: the time-skipping
// server, a migrated database, a real SMTP catcher and a worker with the real activities. `useAuditBed`
// adds the two moves every audit-workflow test makes. test/support/app-bed.ts serves the API over them.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher';
import type { Activities } from '../../activities';
import type { Db } from '../../infra/db';
import { deepDiveAudit } from '../../workflows';
import { type AuditState, auditStateQuery, auditWorkflowId, stageSearchAttribute } from '../../workflows/messages';
import { fixTimeline } from '../../domain/timeline';
import { realActivities } from './activities';
import { migratedDatabase } from './database';
import { insertAudit } from './fixtures';
import { devServerEnvironment, timeSkippingEnvironment, workflowBundle } from './temporal';

export interface WorkerBed {
  env: TestWorkflowEnvironment;
  db: Db;
  /** The database's connection URL, for code that opens its own connection. */
  dbUrl: string;
  catcher: MailCatcher;
}

export interface PartsOptions {
  /** The Temporal server: the Temporal CLI's dev server or the time-skipping test server; none if unset. */
  temporal?: 'dev' | 'time-skipping';
  /** With `temporal`: an SMTP catcher and a worker with the real activities on this task queue. */
  workerOn?: string;
  /** What the worker runs instead of the real activities, built from them (a latch around one, say). */
  activities?: (real: Activities) => Activities;
}

/**
 * A migrated database and what `opts` asks for, for the caller's beforeAll/afterAll to start and stop;
 * `stop` tears down whatever did start. Fields not asked for stay unset.
 */
export function realParts(opts: PartsOptions) {
  const bed = {} as WorkerBed;
  let database: Awaited<ReturnType<typeof migratedDatabase>> | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const environment = { dev: devServerEnvironment, 'time-skipping': timeSkippingEnvironment };

  async function start(): Promise<void> {
    const [env, db, catcher] = await Promise.all([
      opts.temporal && environment[opts.temporal](),
      migratedDatabase(),
      opts.temporal && opts.workerOn ? startMailCatcher({ port: 0 }) : undefined,
    ]);
    database = db;
    Object.assign(bed, { db: db.db, dbUrl: db.url, env, catcher });
    if (env && catcher && opts.workerOn) {
      worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: opts.workerOn,
        workflowBundle: workflowBundle(),
        activities: (opts.activities ?? ((real) => real))(realActivities(bed.db, catcher.url)),
      });
      running = worker.run();
    }
  }

  async function stop(): Promise<void> {
    worker?.shutdown();
    await running;
    await bed.env?.teardown();
    await bed.catcher?.stop();
    await database?.drop();
  }

  return { bed, start, stop };
}

/** Registers beforeAll/afterAll for this file; the bed's fields are set once beforeAll has run. */
export function useWorkerBed(taskQueue: string, opts: Pick<PartsOptions, 'activities'> = {}): WorkerBed {
  const parts = realParts({ temporal: 'time-skipping', workerOn: taskQueue, ...opts });
  beforeAll(parts.start);
  afterAll(parts.stop);
  return parts.bed;
}

/** The worker bed, and starting an audit on it as the API does (its rows first, then its workflow). */
export function useAuditBed(taskQueue: string, opts: Pick<PartsOptions, 'activities'> = {}) {
  const bed = useWorkerBed(taskQueue, opts);
  const startAudit = (cohortSize = 4, more: { sixAgencies?: boolean } = {}) =>
    startAuditOn(bed, taskQueue, cohortSize, more);
  return { bed, startAudit };
}

/** An audit started on `bed` as the API starts one: its rows first, then its workflow. */
export async function startAuditOn(
  bed: WorkerBed,
  taskQueue: string,
  cohortSize = 4,
  opts: { sixAgencies?: boolean } = {},
) {
  const { auditId, agencies } = await insertAudit(bed.db, { cohortSize, ...opts });
  const handle = await bed.env.client.workflow.start(deepDiveAudit, {
    taskQueue,
    workflowId: auditWorkflowId(auditId),
    args: [{ auditId, fixedTimeline: fixTimeline() }],
    typedSearchAttributes: [{ key: stageSearchAttribute, value: 'selection' }],
  });
  return { auditId, agencies, handle };
}

export type AuditHandle = Awaited<ReturnType<typeof startAuditOn>>['handle'];

export async function untilStage(handle: AuditHandle, stage: AuditState['stage']): Promise<AuditState> {
  for (let i = 0; i < 200; i++) {
    const state = await handle.query(auditStateQuery);
    if (state.stage === stage) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the audit never reached ${stage}`);
}

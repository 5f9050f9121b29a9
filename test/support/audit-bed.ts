// What every audit-workflow test file sets up: the time-skipping server, a migrated database, a real
// SMTP catcher and a worker with the real activities; and the two moves every test makes.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher';
import type { Db } from '../../infra/db';
import { deepDiveAudit } from '../../workflows';
import { type AuditState, auditStateQuery, auditWorkflowId, stageSearchAttribute } from '../../workflows/messages';
import { realActivities } from './activities';
import { migratedDatabase } from './database';
import { insertAudit } from './fixtures';
import { timeSkippingEnvironment, workflowBundle } from './temporal';

export interface AuditBed {
  env: TestWorkflowEnvironment;
  db: Db;
  catcher: MailCatcher;
}

/** Registers beforeAll/afterAll for this file; the bed's fields are set once beforeAll has run. */
export function useAuditBed(taskQueue: string) {
  const bed = {} as AuditBed;
  let database: Awaited<ReturnType<typeof migratedDatabase>> | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  beforeAll(async () => {
    [bed.env, database, bed.catcher] = await Promise.all([
      timeSkippingEnvironment(),
      migratedDatabase(),
      startMailCatcher({ port: 0 }),
    ]);
    bed.db = database.db;
    worker = await Worker.create({
      connection: bed.env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: realActivities(bed.db, bed.catcher.url),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await bed.env?.teardown();
    await bed.catcher?.stop();
    await database?.drop();
  });

  async function startAudit(cohortSize = 4, opts: { sixAgencies?: boolean } = {}) {
    const { auditId, agencies } = await insertAudit(bed.db, { cohortSize, ...opts });
    const handle = await bed.env.client.workflow.start(deepDiveAudit, {
      taskQueue,
      workflowId: auditWorkflowId(auditId),
      args: [{ auditId }],
      typedSearchAttributes: [{ key: stageSearchAttribute, value: 'selection' }],
    });
    return { auditId, agencies, handle };
  }

  return { bed, startAudit };
}

export type AuditHandle = Awaited<ReturnType<ReturnType<typeof useAuditBed>['startAudit']>>['handle'];

export async function untilStage(handle: AuditHandle, stage: AuditState['stage']): Promise<AuditState> {
  for (let i = 0; i < 200; i++) {
    const state = await handle.query(auditStateQuery);
    if (state.stage === stage) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the audit never reached ${stage}`);
}

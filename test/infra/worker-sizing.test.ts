// The worker's cache and slots (worker/sizing.ts): read from the environment with what is wrong named,
// and handed to the SDK by createWorker, so that no worker runs on the SDK's heap-sized defaults.
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadEmailConfig } from '../../emails';
import { createDb } from '../../infra/db';
import { createTransport } from '../../infra/mailer';
import { createWorker } from '../../worker';
import { DEFAULT_WORKER_SIZING, missingWorkerProcessSettings, workerProcess, workerSizing } from '../../worker/sizing';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal';

const unset = {
  WORKER_MAX_CACHED_WORKFLOWS: undefined,
  WORKER_MAX_WORKFLOW_TASKS: undefined,
  WORKER_MAX_ACTIVITIES: undefined,
  WORKER_MAX_LOCAL_ACTIVITIES: undefined,
};

describe('workerSizing', () => {
  test('unset or empty: the defaults, a bounded cache', () => {
    expect(workerSizing(unset)).toEqual(DEFAULT_WORKER_SIZING);
    expect(workerSizing({ ...unset, WORKER_MAX_CACHED_WORKFLOWS: ' ' })).toEqual(DEFAULT_WORKER_SIZING);
    expect(DEFAULT_WORKER_SIZING.maxCachedWorkflows).toBe(500);
  });

  test('each variable sets its own figure', () => {
    expect(
      workerSizing({
        WORKER_MAX_CACHED_WORKFLOWS: '400',
        WORKER_MAX_WORKFLOW_TASKS: '4',
        WORKER_MAX_ACTIVITIES: '8',
        WORKER_MAX_LOCAL_ACTIVITIES: '6',
      }),
    ).toEqual({
      maxCachedWorkflows: 400,
      maxConcurrentWorkflowTaskExecutions: 4,
      maxConcurrentActivityTaskExecutions: 8,
      maxConcurrentLocalActivityExecutions: 6,
    });
    // 0 turns the cache off (every task replays its history); the slots keep their defaults.
    expect(workerSizing({ ...unset, WORKER_MAX_CACHED_WORKFLOWS: '0' }).maxCachedWorkflows).toBe(0);
  });

  test.each([
    [{ WORKER_MAX_CACHED_WORKFLOWS: 'lots' }, 'WORKER_MAX_CACHED_WORKFLOWS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '1' }, 'WORKER_MAX_CACHED_WORKFLOWS: 0 (no cache) or at least 2'],
    [{ WORKER_MAX_ACTIVITIES: '0' }, 'WORKER_MAX_ACTIVITIES'],
    [{ WORKER_MAX_WORKFLOW_TASKS: '2.5' }, 'WORKER_MAX_WORKFLOW_TASKS'],
    [{ WORKER_MAX_CACHED_WORKFLOWS: '5', WORKER_MAX_WORKFLOW_TASKS: '6' }, 'cannot exceed WORKER_MAX_CACHED_WORKFLOWS'],
  ])('%j is refused, naming the variable', (set, message) => {
    expect(() => workerSizing({ ...unset, ...set })).toThrow(message);
  });
});

describe('createWorker', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });
  afterAll(() => env?.teardown());

  /** The worker createWorker makes (on a task queue of its own), run and shut down again. */
  async function workerWith(taskQueue: string, sizing?: ReturnType<typeof workerSizing>): Promise<Worker> {
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: workflowBundle(),
      ...(sizing ? { sizing } : {}),
      // Never reached: no task comes.
      db: createDb('postgresql://nobody@127.0.0.1:1/none'),
      transport: createTransport('smtp://127.0.0.1:1'),
      mailFrom: 'Deep Dive <deep-dive@sizing.test>',
      email: loadEmailConfig({}),
      publicUrl: 'http://deep-dive.test',
      linkSecret: 'x'.repeat(32),
      businessUnitEmail: 'bu@sizing.test',
      partnershipManagerEmail: 'manager@sizing.test',
      lisEmail: 'lis@sizing.test',
    });
    const running = worker.run();
    worker.shutdown();
    await running;
    return worker;
  }

  /** What the SDK compiled the options into: the cache, and a fixed number of slots per kind of task. */
  function sizingOf(worker: Worker) {
    const tuner = worker.options.tuner as unknown as Record<string, { type: string; numSlots: number }>;
    return {
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: tuner.workflowTaskSlotSupplier!.numSlots,
      maxConcurrentActivityTaskExecutions: tuner.activityTaskSlotSupplier!.numSlots,
      maxConcurrentLocalActivityExecutions: tuner.localActivityTaskSlotSupplier!.numSlots,
    };
  }

  test('the SDK gets the default sizing, not its own heap-sized cache', async () => {
    expect(sizingOf(await workerWith('sizing-default'))).toEqual(DEFAULT_WORKER_SIZING);
  });

  test("and the environment's when set", async () => {
    const sizing = workerSizing({ ...unset, WORKER_MAX_CACHED_WORKFLOWS: '50', WORKER_MAX_ACTIVITIES: '5' });
    expect(sizingOf(await workerWith('sizing-set', sizing))).toEqual({
      ...DEFAULT_WORKER_SIZING,
      maxCachedWorkflows: 50,
      maxConcurrentActivityTaskExecutions: 5,
    });
  });
});

describe("the worker process's settings (its Node flag and glibc's arena limit)", () => {
  test('a worker started as the compose file starts it misses nothing', () => {
    expect(missingWorkerProcessSettings(['--optimize-for-size'], { MALLOC_ARENA_MAX: '2' })).toEqual([]);
  });

  test('and so does one a harness starts with workerProcess', () => {
    const { args, env } = workerProcess('dist/worker/main.js', { MALLOC_ARENA_MAX: '8', PATH: '/usr/bin' });
    expect(args.at(-1)).toBe('dist/worker/main.js');
    expect(env.PATH).toBe('/usr/bin');
    expect(missingWorkerProcessSettings(args.slice(0, -1), env)).toEqual([]);
  });

  test('one started with plain `node` is told both, to log them', () => {
    expect(missingWorkerProcessSettings([], {})).toEqual(['--optimize-for-size', 'MALLOC_ARENA_MAX=2']);
    expect(missingWorkerProcessSettings(['--optimize-for-size'], { MALLOC_ARENA_MAX: '8' })).toEqual([
      'MALLOC_ARENA_MAX=2',
    ]);
  });
});

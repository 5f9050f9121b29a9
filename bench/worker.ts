// A worker in a process of its own, for `npm run bench`: forked by bench/harness.ts so that its memory
// (RSS) is the worker's alone and its CPU is not shared with the API or the load. Configured by the
// environment (BENCH_WORKER_*), driven over the IPC channel: `memory` answers process.memoryUsage()
// and the worker's cache, `stop` shuts it down and exits (writing a --cpu-prof profile if asked for).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';
import type { Worker as WorkerThread } from 'node:worker_threads';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadEmailConfig } from '../emails';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { createWorker, installWorkerLogging } from '../worker';
import { workerSizing } from '../worker/sizing';
import { benchActivities } from './activities';
import type { WorkerMemory, WorkerReply, WorkerRequest } from './harness';
import { startProfile } from './profile';
import { countQueries, queriesSent } from './queries';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bench worker: ${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  countQueries();
  const mode = required('BENCH_WORKER_MODE');
  installWorkerLogging(createLogger('warn'));
  const taskQueue = required('BENCH_WORKER_TASK_QUEUE');
  const workflowBundle = { codePath: required('BENCH_WORKER_BUNDLE') };
  const connection = await NativeConnection.connect({ address: required('BENCH_WORKER_TEMPORAL_ADDRESS') });
  const db = createDb(required('BENCH_WORKER_DATABASE_URL'));
  const worker =
    mode === 'bare'
      ? await Worker.create({
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle,
          activities: benchActivities(db),
          // The production cache, so that part 3's reference holds as many runs as the audits' worker does.
          maxCachedWorkflows: workerSizing().maxCachedWorkflows,
        })
      : await createWorker({
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle,
          db,
          transport: createTransport(required('BENCH_WORKER_SMTP_URL')),
          mailFrom: 'Deep Dive <deep-dive@bench.test>',
          email: loadEmailConfig({}),
          publicUrl: required('BENCH_WORKER_PUBLIC_URL'),
          linkSecret: required('BENCH_WORKER_LINK_SECRET'),
          businessUnitEmail: 'business-unit@bench.test',
          partnershipManagerEmail: 'manager@bench.test',
          lisEmail: 'lis@bench.test',
          // As worker/main.ts sizes it: WORKER_MAX_* in the bench's environment.
          sizing: workerSizing(),
        });
  const running = worker.run();

  const reply = (message: WorkerReply) => process.send!(message);
  const memory = (gc: boolean): WorkerMemory => {
    if (gc) global.gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const status = worker.getStatus();
    return {
      rss,
      heapUsed,
      heapTotal,
      external,
      arrayBuffers,
      cachedWorkflows: status.numCachedWorkflows,
      maxCachedWorkflows: worker.options.maxCachedWorkflows,
      queries: queriesSent(),
    };
  };
  let profiling: Awaited<ReturnType<typeof startProfile>> | undefined;
  process.on('message', (request: WorkerRequest) => {
    if (request.type === 'memory') reply({ type: 'memory', id: request.id, memory: memory(request.gc) });
    if (request.type === 'profile-start')
      void startProfile().then((p) => {
        profiling = p;
        reply({ type: 'done', id: request.id });
      });
    if (request.type === 'profile-stop')
      void (profiling ? profiling.stop(request.file) : Promise.resolve()).then(() => {
        profiling = undefined;
        reply({ type: 'done', id: request.id });
      });
    if (request.type === 'heap-snapshot')
      void heapSnapshots(worker, request.file).then(() => reply({ type: 'done', id: request.id }));
    if (request.type === 'stop') {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      void running
        .then(async () => {
          await connection.close();
          await db.$disconnect();
        })
        .finally(() => process.exit(0));
    }
  });
  // Nothing is left running if the bench itself dies.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    void running.finally(() => process.exit(0));
  });
  reply({ type: 'ready', memory: memory(false) });
  await running;
}

/**
 * The main isolate's heap to `file`, and each workflow thread's beside it (`<file>-workflows-<i>`): the SDK
 * keeps its threads private, so they are reached through its internals, if it still has them. A snapshot
 * collects garbage first, so both hold what is retained.
 */
async function heapSnapshots(worker: Worker, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  global.gc?.();
  v8.writeHeapSnapshot(file);
  const internals = worker as unknown as {
    workflowCreator?: { workerThreadClients?: { workerThread: WorkerThread }[] };
  };
  const threads = internals.workflowCreator?.workerThreadClients ?? [];
  for (const [i, { workerThread }] of threads.entries()) {
    const stream = await workerThread.getHeapSnapshot();
    await pipeline(stream, fs.createWriteStream(file.replace(/(\.heapsnapshot)?$/, `-workflows-${i}.heapsnapshot`)));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

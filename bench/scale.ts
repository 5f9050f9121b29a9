// Part 3 of `npm run bench`: many open audits waiting in awaiting_submissions on one worker. The worker
// runs alone in its own process, so its RSS is its own; the audits are opened through the API as the
// business unit opens them (created, drawn, invitations sent with their emails). The worker has its
// production sizing (worker/sizing.ts, WORKER_MAX_* in the environment): past its cache limit the least
// recently used audits are evicted, and what bringing one back costs is measured by querying it.
import path from 'node:path';
import { auditWorkflowId, auditStateQuery } from '../workflows/messages';
import { auditBody, createAgencies, type AuditShape, openAudits } from './audits';
import { cpuWindow } from './cpu';
import { latencyOf, type Latency, mapLimit, waitFor, type WorkerMemory } from './harness';
import { formatHeapGrowth, heapGrowth } from './heap';
import type { Stack } from './stack';
import { processGroups } from './throughput';
import { bareUpdates } from './workflows';

export interface ScaleOptions {
  audits: number;
  shape: AuditShape;
  /** Concurrent API calls while opening them. */
  concurrency: number;
  /**
   * Where to write heap snapshots of the worker, one audit open and all of them, and summarise them. A
   * snapshot leaves the worker's RSS higher: the RSS figures of such a run are not comparable.
   */
  heapSnapshotDir?: string;
  say(line: string): void;
}

export interface ScaleResult {
  audits: number;
  invitations: number;
  /** Seconds from the first POST /api/audits: all created, all drawn, all invitations sent, all waiting. */
  seconds: { created: number; drawn: number; sent: number; awaiting: number };
  /** Before any work, after a full GC. */
  idle: WorkerMemory;
  /** After one warm-up audit was opened (the workflow bundle, Prisma, MJML loaded), after a full GC. */
  warm: WorkerMemory;
  cpu: { wall: number; cpu: Record<string, number> };
  /** The highest RSS seen (sampled every 500 ms) while the audits were being opened. */
  peakRss: number;
  /** Once all wait, and settled for a few seconds. */
  steady: WorkerMemory;
  /** The same after a full garbage collection. */
  afterGc: WorkerMemory;
  /**
   * A query to audits still in the worker's cache, and to the first audits opened (evicted when more are open
   * than the cache holds): the latter fetches the audit's history and replays it before it answers.
   */
  query?: { cached: Latency; evicted?: Latency; sampled: number };
  /**
   * The engine's reference, measured the same way: a fresh worker of the bare workflow (bench/workflows.ts),
   * one opened (warm), then as many as the audits but no more than its cache holds, waiting (steady).
   */
  bare?: { workflows: number; warm: WorkerMemory; steady: WorkerMemory };
}

/** RSS per cached run of the bare workflow, measured as the audits are: warm after one, steady after all. */
async function bareReference(stack: Stack, audits: number): Promise<NonNullable<ScaleResult['bare']>> {
  const taskQueue = 'bench-scale-bare';
  const worker = await stack.forkWorker('bare', taskQueue);
  try {
    const open = async (from: number, count: number) => {
      await mapLimit(
        Array.from({ length: count }, (_, i) => from + i),
        20,
        (i) =>
          stack.temporal.workflow.start(bareUpdates, { taskQueue, workflowId: `bench-scale-bare-${i}`, args: [1] }),
      );
      await waitFor(
        async () => (await worker.memory()).cachedWorkflows >= from + count,
        'the bare workflows',
        300_000,
        250,
      );
    };
    await open(0, 1);
    const warm = await worker.memory(true);
    const workflows = Math.max(1, Math.min(audits, warm.maxCachedWorkflows - 1));
    await open(1, workflows);
    await new Promise((r) => setTimeout(r, 3000));
    return { workflows, warm, steady: await worker.memory(false) };
  } finally {
    await worker.stop();
  }
}

/** Each audit's auditState query, one at a time, timed. */
async function queryLatency(stack: Stack, ids: string[]): Promise<Latency> {
  const ms: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    await stack.temporal.workflow.getHandle(auditWorkflowId(id)).query(auditStateQuery);
    ms.push(performance.now() - t0);
  }
  return latencyOf(ms);
}

export async function scale(stack: Stack, opts: ScaleOptions): Promise<ScaleResult> {
  const taskQueue = 'bench-scale';
  const worker = await stack.forkWorker('real', taskQueue);
  const api = await stack.serveApi(stack.temporal, taskQueue);
  try {
    const agencies = await createAgencies(api.base, Math.max(8, opts.shape.agenciesPerCase));
    const body = auditBody(agencies, opts.shape);
    const idle = await worker.memory(true);
    await openAudits(api.base, stack.db, body, 1);
    const warm = await worker.memory(true);
    const snapshot = async (name: string) => {
      if (!opts.heapSnapshotDir) return undefined;
      const file = path.join(opts.heapSnapshotDir, `${name}.heapsnapshot`);
      await worker.heapSnapshot(file);
      return file.replace(/\.heapsnapshot$/, '-workflows-0.heapsnapshot');
    };
    // After `warm` is measured: a snapshot leaves the worker's RSS higher.
    const warmSnapshot = await snapshot('scale-warm');
    let peakRss = warm.rss;
    const sampler = setInterval(() => {
      void worker.memory().then(
        (m) => (peakRss = Math.max(peakRss, m.rss)),
        () => undefined,
      );
    }, 500);
    const started = performance.now();
    const window = cpuWindow(processGroups(stack, worker.pid));
    const seconds = { created: 0, drawn: 0, sent: 0, awaiting: 0 };
    opts.say(
      `  opening ${opts.audits} audits (${opts.shape.cases} cases × ${opts.shape.agenciesPerCase} agencies) on one worker`,
    );
    let ids: string[];
    try {
      ids = await openAudits(api.base, stack.db, body, opts.audits, {
        concurrency: opts.concurrency,
        // Each phase of 1,000 audits takes a few minutes here; 10,000 ten times as long.
        timeoutMs: Math.max(600_000, opts.audits * 600),
        onPhase: (phase) => {
          seconds[phase] = (performance.now() - started) / 1000;
          opts.say(`    ${phase} after ${seconds[phase].toFixed(1)} s`);
        },
      });
    } finally {
      clearInterval(sampler);
    }
    const cpu = window.stop();
    await new Promise((r) => setTimeout(r, 3000));
    const steady = await worker.memory(false);
    const afterGc = await worker.memory(true);
    const allSnapshot = await snapshot(`scale-${opts.audits}`);
    if (warmSnapshot && allSnapshot)
      opts.say(formatHeapGrowth(`  heap per open audit`, heapGrowth(warmSnapshot, allSnapshot, opts.audits)));
    // The newest are in the cache; the oldest were evicted if more were opened than it holds.
    const sampled = Math.max(1, Math.min(20, ids.length, Math.floor(steady.maxCachedWorkflows / 2)));
    const cachedQuery = await queryLatency(stack, ids.slice(-sampled));
    const evicted = ids.length + 1 > steady.maxCachedWorkflows ? ids.slice(0, sampled) : undefined;
    const query = { cached: cachedQuery, sampled, ...(evicted ? { evicted: await queryLatency(stack, evicted) } : {}) };
    opts.say('  the same for the bare workflow, in a worker of its own');
    const bare = await bareReference(stack, opts.audits);
    return {
      audits: opts.audits,
      invitations: opts.audits * opts.shape.cases * opts.shape.agenciesPerCase,
      seconds,
      idle,
      warm,
      cpu,
      peakRss: Math.max(peakRss, steady.rss),
      steady,
      afterGc,
      query,
      bare,
    };
  } finally {
    await api.close();
    await worker.stop();
  }
}

// How much one worker holds and runs at once, so that its memory has a ceiling (docs/OPERATIONS.md,
// "Worker memory"). Every open audit the worker has run lately stays in its cache, ready for its next
// task; past `maxCachedWorkflows` the least recently used is evicted, and replayed from its history when
// it next gets a task. Figures behind the defaults: docs/BENCHMARKS.md, part 3.
import { z } from 'zod';

export interface WorkerSizing {
  /** Workflow runs (audits and their children) kept in memory between their tasks. */
  maxCachedWorkflows: number;
  /** Workflow tasks at once: they run one by one in the workflow thread; more only waits in memory. */
  maxConcurrentWorkflowTaskExecutions: number;
  /** Activities at once: database writes and emails, over a pool of 10 database connections. */
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
}

/**
 * 500 cached runs at ~330 KiB of RSS each above a warm worker's ~250 MiB keep a worker near 400 MiB
 * whatever the number of open audits (408 MiB at most with 10,000 open); the slots keep the peak of a burst
 * of tasks far below 1 GiB.
 */
export const DEFAULT_WORKER_SIZING: WorkerSizing = {
  maxCachedWorkflows: 500,
  maxConcurrentWorkflowTaskExecutions: 10,
  maxConcurrentActivityTaskExecutions: 20,
  maxConcurrentLocalActivityExecutions: 20,
};

const count = (min: number) => z.coerce.number().int().min(min).max(100_000).optional();

const sizingSchema = z.object({
  // The SDK refuses a cache of 1 (0 turns caching off: every task replays the whole history).
  WORKER_MAX_CACHED_WORKFLOWS: count(0).refine((n) => n !== 1, '0 (no cache) or at least 2'),
  WORKER_MAX_WORKFLOW_TASKS: count(2),
  WORKER_MAX_ACTIVITIES: count(1),
  WORKER_MAX_LOCAL_ACTIVITIES: count(1),
});

type SizingEnv = Record<keyof z.input<typeof sizingSchema>, string | undefined>;

/** The worker's sizing from the environment, each unset (or empty) value its default; throws what is wrong. */
export function workerSizing(
  env: SizingEnv = {
    WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS,
    WORKER_MAX_WORKFLOW_TASKS: process.env.WORKER_MAX_WORKFLOW_TASKS,
    WORKER_MAX_ACTIVITIES: process.env.WORKER_MAX_ACTIVITIES,
    WORKER_MAX_LOCAL_ACTIVITIES: process.env.WORKER_MAX_LOCAL_ACTIVITIES,
  },
): WorkerSizing {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = sizingSchema.safeParse(set);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`The worker's sizing is not valid: ${issues}`);
  }
  const e = parsed.data;
  const d = DEFAULT_WORKER_SIZING;
  const sizing = {
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS ?? d.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_WORKFLOW_TASKS ?? d.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: e.WORKER_MAX_ACTIVITIES ?? d.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: e.WORKER_MAX_LOCAL_ACTIVITIES ?? d.maxConcurrentLocalActivityExecutions,
  };
  // The SDK would quietly lower it: a task in progress holds its run in the cache.
  if (sizing.maxCachedWorkflows > 0 && sizing.maxConcurrentWorkflowTaskExecutions > sizing.maxCachedWorkflows)
    throw new Error(
      `The worker's sizing is not valid: WORKER_MAX_WORKFLOW_TASKS (${sizing.maxConcurrentWorkflowTaskExecutions}) cannot exceed WORKER_MAX_CACHED_WORKFLOWS (${sizing.maxCachedWorkflows})`,
    );
  return sizing;
}

/**
 * How a worker's Node process is started (docker-compose.yml, the Dockerfile, dev/cluster.ts and the
 * benchmark all start it so; docs/BENCHMARKS.md, "Why an audit costs what it costs"). Both are read when
 * the process starts, so they are given at its start, never set from inside.
 * - `--optimize-for-size`: V8 collects garbage before growing a heap rather than after. The workflow
 *   thread's heap is otherwise left to grow to several times what the cached runs hold.
 * - `MALLOC_ARENA_MAX=2`: glibc's allocator keeps two arenas instead of one per thread that ever
 *   allocated (the SDK's Rust threads, V8's helpers), each holding freed memory of its own.
 * Per cached audit they took the worker's RSS from ~800 to ~280 KiB (bench part 3, 400 audits).
 */
export const WORKER_NODE_FLAGS = ['--optimize-for-size'] as const;
export const WORKER_PROCESS_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** The arguments and environment of a worker process running `script` (`node` the executable), as above. */
export function workerProcess(script: string, env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...WORKER_NODE_FLAGS, script], env: { ...env, ...WORKER_PROCESS_ENV } };
}

/** Whether this process was started as WORKER_NODE_FLAGS and WORKER_PROCESS_ENV say; what is missing if not. */
export function missingWorkerProcessSettings(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return [
    ...WORKER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag)),
    ...Object.entries(WORKER_PROCESS_ENV)
      .filter(([name, value]) => env[name] !== value)
      .map(([name, value]) => `${name}=${value}`),
  ];
}

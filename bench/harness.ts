// What every part of `npm run bench` shares: a worker in its own process, a fresh PostgreSQL database, a
// closed-loop load at a fixed number of clients with its latencies, JSON over HTTP, and waiting.
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { newDatabaseOn } from '../test/support/fresh-database';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../worker/sizing';

// ---------------------------------------------------------------------------------------------------
// A worker in a child process (bench/worker.ts)

export interface WorkerMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  cachedWorkflows: number;
  maxCachedWorkflows: number;
  /** SQL statements the worker's process has sent so far. */
  queries: number;
}

export type WorkerRequest =
  | { type: 'memory'; id: string; gc: boolean }
  | { type: 'profile-start'; id: string }
  | { type: 'profile-stop'; id: string; file: string }
  | { type: 'heap-snapshot'; id: string; file: string }
  | { type: 'stop' };
export type WorkerReply =
  | { type: 'ready'; memory: WorkerMemory }
  | { type: 'memory'; id: string; memory: WorkerMemory }
  | { type: 'done'; id: string };

export interface ChildWorker {
  pid: number;
  /** At start, once the worker polls. */
  ready: WorkerMemory;
  /** process.memoryUsage() of the worker's process; after a full GC when `gc`. */
  memory(gc?: boolean): Promise<WorkerMemory>;
  /** V8's CPU profiler in the worker's process, over a window; the profile is written to `file`. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
  /** V8 heap snapshots of the worker: its main thread's to `file`, its workflow thread's beside it. */
  heapSnapshot(file: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ChildWorkerOptions {
  mode: 'bare' | 'real';
  taskQueue: string;
  temporalAddress: string;
  bundlePath: string;
  databaseUrl?: string;
  smtpUrl?: string;
  publicUrl?: string;
  linkSecret?: string;
}

export async function forkWorker(opts: ChildWorkerOptions): Promise<ChildWorker> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_WORKER_MODE: opts.mode,
    BENCH_WORKER_TASK_QUEUE: opts.taskQueue,
    BENCH_WORKER_TEMPORAL_ADDRESS: opts.temporalAddress,
    BENCH_WORKER_BUNDLE: opts.bundlePath,
    BENCH_WORKER_DATABASE_URL: opts.databaseUrl ?? '',
    BENCH_WORKER_SMTP_URL: opts.smtpUrl ?? '',
    BENCH_WORKER_PUBLIC_URL: opts.publicUrl ?? '',
    BENCH_WORKER_LINK_SECRET: opts.linkSecret ?? '',
    // Started as a production worker is (worker/sizing.ts).
    ...WORKER_PROCESS_ENV,
  };
  const execArgv = ['--expose-gc', ...WORKER_NODE_FLAGS];
  const child: ChildProcess = fork(path.join(__dirname, 'worker.js'), [], {
    env,
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pending = new Map<string, (memory: WorkerMemory | undefined) => void>();
  let onReady: ((memory: WorkerMemory) => void) | undefined;
  child.on('message', (reply: WorkerReply) => {
    if (reply.type === 'ready') onReady?.(reply.memory);
    if (reply.type === 'memory' || reply.type === 'done') {
      pending.get(reply.id)?.(reply.type === 'memory' ? reply.memory : undefined);
      pending.delete(reply.id);
    }
  });
  const ask = (request: (id: string) => WorkerRequest) =>
    new Promise<WorkerMemory | undefined>((resolve, reject) => {
      const id = randomUUID();
      pending.set(id, resolve);
      child.send(request(id), (err) => err && reject(err));
    });
  const ready = await Promise.race([
    new Promise<WorkerMemory>((resolve) => (onReady = resolve)),
    exited.then((code) => {
      throw new Error(`the bench worker (${opts.mode}, ${opts.taskQueue}) exited with code ${code} while starting`);
    }),
  ]);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    ready,
    memory: async (gc = false) => (await ask((id) => ({ type: 'memory', id, gc })))!,
    startProfile: async () => void (await ask((id) => ({ type: 'profile-start', id }))),
    stopProfile: async (file) => void (await ask((id) => ({ type: 'profile-stop', id, file }))),
    heapSnapshot: async (file) => void (await ask((id) => ({ type: 'heap-snapshot', id, file }))),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null) return;
        child.send({ type: 'stop' } satisfies WorkerRequest);
        const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

// ---------------------------------------------------------------------------------------------------
// Ports, the database

/** A new, empty database `deep_dive_bench_<timestamp>` on the server; `drop` removes it whatever holds it. */
export function createBenchDatabase(serverUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  return newDatabaseOn(
    serverUrl,
    `deep_dive_bench_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Load, latency, time

export const now = (): number => performance.now();

export interface LoadResult {
  /** Requests that succeeded. */
  ok: number;
  failed: number;
  /** The first few failures, as text. */
  failures: string[];
  seconds: number;
  /** Successful requests per second over the whole run. */
  perSecond: number;
  latency: Latency;
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, in milliseconds. */
export function latencyOf(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? NaN, mean };
}

/**
 * A closed loop: `clients` concurrent clients, each taking the next task as soon as its last one ended,
 * until none are left. Each task's latency is from its start to its settling.
 */
export async function runLoad<T>(tasks: T[], clients: number, run: (task: T) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let next = 0;
  const started = now();
  const client = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      const t0 = now();
      try {
        await run(task);
        latencies.push(now() - t0);
      } catch (err) {
        failed++;
        if (failures.length < 5) failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, tasks.length) }, client));
  const seconds = (now() - started) / 1000;
  return {
    ok: latencies.length,
    failed,
    failures,
    seconds,
    perSecond: latencies.length / seconds,
    latency: latencyOf(latencies),
  };
}

/** Runs `fn` over `items` with at most `limit` at once; results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Tasks j-major: the first of every group, then the second of every group… (round robin over workflows). */
export function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...groups.map((g) => g.length));
  for (let j = 0; j < longest; j++) for (const g of groups) if (j < g.length) out.push(g[j]!);
  return out;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 120_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------------
// JSON over HTTP (Node's fetch, undici)

export interface JsonResponse {
  status: number;
  body: unknown;
}

export async function http(
  base: string,
  method: string,
  urlPath: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text stands
  }
  return { status: res.status, body };
}

/** The response's body when its status is the one expected; otherwise an error that says what came back. */
export async function expectStatus<T>(response: Promise<JsonResponse>, status: number, what: string): Promise<T> {
  const res = await response;
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  return res.body as T;
}

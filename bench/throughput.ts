// Parts 1 and 2 of `npm run bench`: the engine's own limit on updates, then the product's full path —
// the agency's POST /respond/:token, saved to PostgreSQL and told to the audit's workflow as an update —
// with the same number of workflows, updates per workflow and concurrent clients.
import path from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import { findPids, cpuWindow, type ProcessGroups } from './cpu';
import { auditBody, createAgencies, type AuditShape, invitationLinks, openAudits, submit, untilStage } from './audits';
import { type ChildWorker, interleave, type LoadResult, mapLimit, runLoad } from './harness';
import { startProfile } from './profile';
import { queriesSent } from './queries';
import type { Stack } from './stack';
import { bareUpdates, benchUpdate, updatesWithActivity, updatesWithLocalActivity } from './workflows';

export interface ThroughputOptions {
  /** Workflows (audits) whose updates (submissions) are measured. */
  workflows: number;
  shape: AuditShape;
  clients: number;
  /** Audits submitted in full before the measured run, to warm the path up. */
  warmupAudits: number;
  /** Names this run's profile files. */
  label: string;
  /** Part 1 only: the bare update (1), with the audit's activity (1b), or with it as a local activity (1c). */
  variant?: EngineVariant;
  /** Where CPU profiles of the measured window go, when asked for. */
  profileDir?: string;
  say(line: string): void;
}

export type EngineVariant = 'bare' | 'activity' | 'local';
const VARIANTS = { bare: bareUpdates, activity: updatesWithActivity, local: updatesWithLocalActivity } as const;

export interface ThroughputResult {
  load: LoadResult;
  cpu: { wall: number; cpu: Record<string, number> };
  /** Set up (full path: audits created, drawn, invited) before the measured window, in seconds. */
  setupSeconds: number;
  /** History events the measured updates added to one workflow, per update, and what they were. */
  history: { perUpdate: number; kinds: Record<string, number> };
  /** Inside the engine, over a sample of the workflows' measured windows. */
  timings: TaskTimings;
  /** SQL statements sent during the measured window, per request: by the bench's process (the API), by the worker. */
  queries: { api: number; worker: number };
  profiles: string[];
  /** Part 1: the engine's own memory per open workflow (a bare one, cached, waiting). */
}

export function processGroups(stack: Stack, workerPid: number): ProcessGroups {
  return {
    worker: () => [workerPid],
    ...stack.temporalProcesses,
    "Deep Dive's PostgreSQL backends": () => findPids(stack.database.name),
  };
}

const EventType = proto.api.enums.v1.EventType;
type HistoryEvent = proto.api.history.v1.IHistoryEvent;

const KINDS: [RegExp, string][] = [
  [/WORKFLOW_TASK/, 'workflow task'],
  [/ACTIVITY_TASK/, 'activity'],
  [/UPDATE/, 'update'],
  [/TIMER/, 'timer'],
  [/MARKER/, 'marker'],
];

/** A history's events from `from` to its last completed update: what the measured updates made. */
function measuredEvents(events: HistoryEvent[], from: number): HistoryEvent[] {
  let end = events.length;
  while (end > from && events[end - 1]!.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) end--;
  return events.slice(from, end);
}

/**
 * The events one workflow's history gained from `from` to its last completed update, per update, by kind
 * (workflow task, activity…): what follows the last update (the audit's move to collation, the bare
 * workflow's completion) is left out.
 */
async function historyPerUpdate(stack: Stack, workflowId: string, from: number, updates: number) {
  const added = measuredEvents((await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [], from);
  const kinds: Record<string, number> = {};
  for (const e of added) {
    const name = EventType[e.eventType ?? 0] ?? String(e.eventType);
    const kind = KINDS.find(([re]) => re.test(name))?.[1] ?? name.replace('EVENT_TYPE_', '').toLowerCase();
    kinds[kind] = (kinds[kind] ?? 0) + 1 / updates;
  }
  return { perUpdate: added.length / updates, kinds };
}

export interface TaskTimings {
  /** Mean milliseconds: queued (scheduled → started) and run (started → completed), per kind of task. */
  workflowTask: { queued: number; run: number; count: number };
  activity: { queued: number; run: number; count: number };
}

const millis = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

/** From the histories' own timestamps: how long tasks waited for a worker, and how long they ran. */
async function taskTimings(stack: Stack, samples: { workflowId: string; from: number }[]): Promise<TaskTimings> {
  const sum = { wq: 0, wr: 0, wn: 0, aq: 0, ar: 0, an: 0 };
  for (const { workflowId, from } of samples) {
    const events = (await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const at = new Map(events.map((e) => [Number(e.eventId), millis(e)]));
    for (const e of measuredEvents(events, from)) {
      const wftStarted = e.workflowTaskStartedEventAttributes;
      const wftDone = e.workflowTaskCompletedEventAttributes;
      const actStarted = e.activityTaskStartedEventAttributes;
      const actDone = e.activityTaskCompletedEventAttributes;
      if (wftStarted) {
        sum.wq += millis(e) - at.get(Number(wftStarted.scheduledEventId))!;
        sum.wn++;
      }
      if (wftDone) sum.wr += millis(e) - at.get(Number(wftDone.startedEventId))!;
      if (actStarted) {
        sum.aq += millis(e) - at.get(Number(actStarted.scheduledEventId))!;
        sum.an++;
      }
      if (actDone) sum.ar += millis(e) - at.get(Number(actDone.startedEventId))!;
    }
  }
  return {
    workflowTask: { queued: sum.wq / (sum.wn || 1), run: sum.wr / (sum.wn || 1), count: sum.wn },
    activity: { queued: sum.aq / (sum.an || 1), run: sum.ar / (sum.an || 1), count: sum.an },
  };
}

/** Starts counting SQL statements here and in the worker; the returned function gives them per request. */
async function countingQueries(worker: ChildWorker) {
  const [self, child] = [queriesSent(), (await worker.memory()).queries];
  return async (requests: number) => ({
    api: (queriesSent() - self) / Math.max(1, requests),
    worker: ((await worker.memory()).queries - child) / Math.max(1, requests),
  });
}

const historyLength = async (stack: Stack, workflowId: string) =>
  ((await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? []).length;

async function profiled<T>(
  opts: ThroughputOptions,
  worker: { startProfile(): Promise<void>; stopProfile(file: string): Promise<void> },
  run: () => Promise<T>,
): Promise<{ result: T; profiles: string[] }> {
  if (!opts.profileDir) return { result: await run(), profiles: [] };
  const [self] = await Promise.all([startProfile(), worker.startProfile()]);
  const result = await run();
  const files = [
    path.join(opts.profileDir, `${opts.label}-api.cpuprofile`),
    path.join(opts.profileDir, `${opts.label}-worker.cpuprofile`),
  ];
  await self.stop(files[0]!);
  await worker.stopProfile(files[1]!);
  return { result, profiles: files };
}

export async function engineBaseline(stack: Stack, opts: ThroughputOptions): Promise<ThroughputResult> {
  const perWorkflow = opts.shape.cases * opts.shape.agenciesPerCase;
  const taskQueue = 'bench-bare';
  const setupStarted = performance.now();
  const worker = await stack.forkWorker('bare', taskQueue);
  const workflow = VARIANTS[opts.variant ?? 'bare'];
  try {
    const run = `${opts.label}-${Date.now().toString(36)}`;
    // One update each to warm the workflow up (its first task, the worker's cache), then the measured ones.
    const ids = await mapLimit(
      Array.from({ length: opts.workflows }, (_, i) => i),
      20,
      async (i) => {
        const handle = await stack.temporal.workflow.start(workflow, {
          taskQueue,
          workflowId: `bench-bare-${run}-${i}`,
          args: [perWorkflow + 1],
        });
        await handle.executeUpdate(benchUpdate, { args: [{ invitationId: `warm-up-${i}` }] });
        return handle.workflowId;
      },
    );
    const samples = await Promise.all(
      ids.slice(0, 10).map(async (workflowId) => ({ workflowId, from: await historyLength(stack, workflowId) })),
    );
    const historyFrom = samples[0]!.from;
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    opts.say(`  ${ids.length} bare workflows running; ${ids.length * perWorkflow} updates at ${opts.clients} clients`);
    const tasks = interleave(ids.map((id) => Array.from({ length: perWorkflow }, (_, j) => ({ id, j }))));
    const window = cpuWindow(processGroups(stack, worker.pid));
    const counted = await countingQueries(worker);
    const { result: load, profiles } = await profiled(opts, worker, () =>
      runLoad(tasks, opts.clients, async ({ id, j }) => {
        await stack.temporal.workflow
          .getHandle(id)
          .executeUpdate(benchUpdate, { args: [{ invitationId: `${id}-${j}` }] });
      }),
    );
    const cpu = window.stop();
    const queries = await counted(load.ok);
    // Every workflow got all it was sent, and completed.
    await mapLimit(ids, 20, async (id) => {
      const received = await stack.temporal.workflow.getHandle<typeof workflow>(id).result();
      if (received !== perWorkflow + 1 && load.failed === 0) throw new Error(`${id} received ${received} updates`);
    });
    const history = await historyPerUpdate(stack, ids[0]!, historyFrom, perWorkflow);
    const timings = await taskTimings(stack, samples);
    return { load, cpu, setupSeconds, history, timings, queries, profiles };
  } finally {
    await worker.stop();
  }
}

export async function fullPath(
  stack: Stack,
  opts: ThroughputOptions,
): Promise<ThroughputResult & { collationSeconds: number }> {
  const taskQueue = 'bench-full';
  const setupStarted = performance.now();
  const worker = await stack.forkWorker('real', taskQueue);
  const api = await stack.serveApi(stack.temporal, taskQueue);
  try {
    const agencies = await createAgencies(api.base, Math.max(8, opts.shape.agenciesPerCase));
    const body = auditBody(agencies, opts.shape);
    const count = opts.workflows + opts.warmupAudits;
    opts.say(
      `  opening ${count} audits (${opts.shape.cases} cases × ${opts.shape.agenciesPerCase} agencies) over the API`,
    );
    const ids = await openAudits(api.base, stack.db, body, count);
    const links = await invitationLinks(stack.db, stack.linkSecret, ids);
    const [warm, measured] = [links.slice(0, opts.warmupAudits), links.slice(opts.warmupAudits)];
    if (warm.length) await runLoad(warm.flat(), opts.clients, (i) => submit(api.base, i.token));
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const tasks = interleave(measured);
    const samples = await Promise.all(
      measured.slice(0, 10).map(async (m) => {
        const workflowId = `audit-${m[0]!.auditId}`;
        return { workflowId, from: await historyLength(stack, workflowId) };
      }),
    );
    const { workflowId: sample, from: historyFrom } = samples[0]!;
    opts.say(
      `  ${measured.length} audits awaiting submissions; ${tasks.length} submissions at ${opts.clients} clients`,
    );

    const window = cpuWindow(processGroups(stack, worker.pid));
    const counted = await countingQueries(worker);
    const { result: load, profiles } = await profiled(opts, worker, () =>
      runLoad(tasks, opts.clients, (i) => submit(api.base, i.token)),
    );
    const cpu = window.stop();
    const queries = await counted(load.ok);
    // Every audit whose submissions all landed moves on to collation.
    const collating = performance.now();
    if (load.failed === 0) await untilStage(stack.db, ids.slice(opts.warmupAudits), 'collation');
    const collationSeconds = (performance.now() - collating) / 1000;
    const history = await historyPerUpdate(stack, sample, historyFrom, measured[0]!.length);
    const timings = await taskTimings(stack, samples);
    return { load, cpu, setupSeconds, history, timings, queries, profiles, collationSeconds };
  } finally {
    await api.close();
    await worker.stop();
  }
}

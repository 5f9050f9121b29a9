// Part 3 of `npm run bench`: many open audits waiting in awaiting_submissions on one worker. The worker
// runs alone in its own process, so its RSS is its own; the audits are opened through the API as the
// business unit opens them (created, drawn, invitations sent with their emails).
import { auditBody, createAgencies, type AuditShape, openAudits } from './audits';
import { cpuWindow } from './cpu';
import type { WorkerMemory } from './harness';
import type { Stack } from './stack';
import { processGroups } from './throughput';

export interface ScaleOptions {
  audits: number;
  shape: AuditShape;
  /** Concurrent API calls while opening them. */
  concurrency: number;
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
    try {
      await openAudits(api.base, stack.db, body, opts.audits, {
        concurrency: opts.concurrency,
        timeoutMs: 600_000,
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
    };
  } finally {
    await api.close();
    await worker.stop();
  }
}

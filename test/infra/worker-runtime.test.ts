// The worker's Temporal Runtime: the SDK's logs to pino (with the audit's id, without the activity task
// token), and the SDK's metrics on a Prometheus endpoint at METRICS_PORT, checked in a worker process of
// its own (the Runtime is installed once per process) against the dev server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { EMAIL_OUTCOMES_METRIC } from '../../activities/email';
import { createLogger } from '../../infra/logger';
import { WORKER_SHUTDOWN, workerRuntimeOptions } from '../../worker';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../../worker/sizing';
import { migratedDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { spawnTypeScript } from '../support/processes';
import { devServerEnvironment } from '../support/temporal';

const AUDIT_ID = '0b7d5c1e-4f7a-4d8e-9a57-3c2f1e0d9b8a';

function capture(level = 'debug') {
  const lines: string[] = [];
  const log = createLogger(level, { destination: { write: (line: string) => void lines.push(line) } });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('without METRICS_PORT: logs only, no exporter', () => {
  const { log } = capture();
  const options = workerRuntimeOptions(log);
  expect(options.logger).toBeDefined();
  expect(options.telemetryOptions).toBeUndefined();
});

test('with METRICS_PORT: a Prometheus exporter on that address', () => {
  const { log } = capture();
  expect(workerRuntimeOptions(log, { metricsBindAddress: '0.0.0.0:9464' }).telemetryOptions).toEqual({
    metrics: { prometheus: { bindAddress: '0.0.0.0:9464' } },
  });
});

test("the SDK's log lines: JSON, the audit's id added from the workflowId, the task token censored", () => {
  const { log, parsed } = capture();
  const sdkLogger = workerRuntimeOptions(log).logger!;
  sdkLogger.warn('Activity failed', {
    workflowId: `audit-${AUDIT_ID}`,
    activityType: 'sendEmail',
    taskToken: 'CiQ2YjQ1secret-task-token',
    attempt: 2,
    error: new Error('email audit-x/invitation/1 deferred: 451 try later'),
  });
  sdkLogger.info('Workflow completed', { workflowId: 'action-1', workflowType: 'actionFollowUp' });
  const [first, second] = parsed();
  expect(first).toMatchObject({
    level: 40,
    msg: 'Activity failed',
    sdk: true,
    workflowId: `audit-${AUDIT_ID}`,
    auditId: AUDIT_ID,
    activityType: 'sendEmail',
    taskToken: '[redacted]',
    err: { type: 'Error', message: 'email audit-x/invitation/1 deferred: 451 try later', stack: expect.any(String) },
  });
  expect(second).toMatchObject({ level: 30, workflowId: 'action-1' });
  expect(second).not.toHaveProperty('auditId');
});

test('shutdown: activities get longer than the longest activity timeout, all within the compose stop grace', () => {
  const ms = (d: string) => Number(/^(\d+) seconds$/.exec(d)![1]) * 1000;
  expect(ms(WORKER_SHUTDOWN.graceTime)).toBeGreaterThan(60_000); // notify's startToCloseTimeout: 1 minute
  expect(ms(WORKER_SHUTDOWN.forceTime)).toBeGreaterThan(ms(WORKER_SHUTDOWN.graceTime));
  expect(ms(WORKER_SHUTDOWN.forceTime)).toBeLessThan(90_000); // docker-compose.yml: stop_grace_period: 90s
});

describe('a worker process with METRICS_PORT', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await devServerEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  test("serves the SDK's metrics and the email outcomes at /metrics, and stops on SIGTERM", async () => {
    const port = await freePort();
    const address = (env.connection as unknown as { options: { address: string } }).options.address;
    // The worker's own wiring (installWorkerLogging), compiled on the fly as jest does.
    const script = `
      const { NativeConnection, Runtime, Worker } = require('@temporalio/worker');
      const { createLogger } = require('./infra/logger');
      const { installWorkerLogging } = require('./worker');
      const { EMAIL_OUTCOMES_METRIC } = require('./activities/email');
      (async () => {
        installWorkerLogging(createLogger('warn'), { metricsBindAddress: '127.0.0.1:${port}' });
        Runtime.instance().metricMeter.createCounter(EMAIL_OUTCOMES_METRIC).add(1, { outcome: 'sent' });
        const connection = await NativeConnection.connect({ address: ${JSON.stringify(address)} });
        const worker = await Worker.create({
          connection, taskQueue: 'metrics-probe', activities: { probe: async () => 'ok' }, shutdownGraceTime: '1s',
        });
        console.log('ready');
        await worker.run();
        await connection.close();
        console.log('stopped');
      })().catch((err) => { console.error(err); process.exit(1); });
    `;
    const child = spawnTypeScript(script);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; !out.includes('ready'); i++) {
        if (i > 300 || child.exitCode !== null) throw new Error(`the worker did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      let text = '';
      for (let i = 0; i < 50 && !/^temporal_num_pollers/m.test(text); i++) {
        await new Promise((r) => setTimeout(r, 200));
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        text = await res.text();
      }
      expect(text).toMatch(/^temporal_num_pollers\{.*task_queue="metrics-probe".*\} \d+/m);
      expect(text).toMatch(/^temporal_worker_start\{.*task_queue="metrics-probe".*\} 1$/m);
      expect(text).toMatch(/^temporal_long_request\{.*operation="PollActivityTaskQueue".*\} \d+/m);
      expect(text).toMatch(new RegExp(`^${EMAIL_OUTCOMES_METRIC}\\{.*outcome="sent".*\\} 1$`, 'm'));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('worker/main.ts: on SIGTERM the worker stops, then Temporal, the database and SMTP are let go; exit 0', async () => {
    const database = await migratedDatabase();
    const port = await freePort();
    const address = (env.connection as unknown as { options: { address: string } }).options.address;
    const script = `
      require('./worker/main.ts');
    `;
    // Started as the compose file starts it: with its process settings, so it has nothing to warn of.
    const child = spawnTypeScript(
      script,
      {
        ...WORKER_PROCESS_ENV,
        PATH: process.env.PATH,
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: 'worker-main-probe',
        WORKFLOW_BUNDLE_DIR: process.env.WORKFLOW_BUNDLE_DIR,
        SMTP_URL: 'smtp://127.0.0.1:1',
        LINK_SECRET: 'test-link-secret-0123456789abcdef0123456789',
        METRICS_PORT: `127.0.0.1:${port}`,
      },
      WORKER_NODE_FLAGS,
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; !out.includes('worker running'); i++) {
        if (i > 900 || child.exitCode !== null) throw new Error(`the worker did not start: ${err}${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(await metrics.text()).toMatch(/^temporal_worker_start\{.*task_queue="worker-main-probe".*\} 1$/m);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const messages = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((l) => !l.sdk)
        .map((l) => l.msg);
      expect(messages).toEqual(['worker running', 'worker stopped: closing connections', 'worker shut down']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  }, 120_000);
});

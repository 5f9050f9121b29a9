// Graceful shutdown of the API (infra/shutdown.ts, as api/main.ts runs it on SIGTERM): a request in
// flight is answered in full, no new connection is taken, and only then are the database, Temporal
// and SMTP let go; a request that outlasts the bound is cut, and the connections are closed anyway.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import type { Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { shutdownGracefully, trackRequests } from '../../infra/shutdown';
import { migratedDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { spawnTypeScript } from '../support/processes';
import { devServerEnvironment } from '../support/temporal';

/**
 * The real app, over stand-ins: /healthz asks "Temporal", whose answer waits until `release()`, so that
 * the request stays in flight as long as the test wants.
 */
function slowApp() {
  let release: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  const inFlight = new Promise<void>((resolve) => (arrived = resolve));
  const answer = new Promise<void>((resolve) => (release = resolve));
  const app = createApp({
    config: {
      apiKeys: [],
      allowCompressedTimelines: false,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'deep-dive' },
    },
    db: { $queryRaw: () => Promise.resolve([{ 1: 1 }]) } as unknown as Db,
    temporal: {
      workflowService: {
        getSystemInfo: async () => {
          arrived();
          await answer;
          return {};
        },
      },
    } as unknown as Client,
    log: createLogger('silent'),
    transport: { verify: () => Promise.resolve(true) },
    linkSecret: 'test-link-secret-0123456789abcdef0123456789',
  });
  return { app, inFlight, release: () => release() };
}

async function listen(app: Express) {
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  trackRequests(server);
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A plain keep-alive GET, as a proxy in front would send it. */
function get(url: string, agent: http.Agent): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

test('a slow request in flight when shutdown is asked for is answered in full; the connections close after it', async () => {
  const { app, inFlight, release } = slowApp();
  const { server, base } = await listen(app);
  const agent = new http.Agent({ keepAlive: true });
  const events: string[] = [];

  // An idle kept-alive connection too, which must not hold the shutdown open.
  expect((await get(`${base}/api/agencies`, agent)).status).toBe(401);
  const slow = get(`${base}/healthz`, agent);
  await inFlight;

  const shutdown = shutdownGracefully({
    server,
    timeoutMs: 5000,
    closers: ['database', 'temporal', 'smtp'].map((name) => ({
      name,
      close: () => void events.push(`close ${name}`),
    })),
  });
  // Stopped listening at once: a new connection is refused while the slow one is still answered.
  await new Promise((r) => setTimeout(r, 100));
  await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  expect(events).toEqual([]);

  await new Promise((r) => setTimeout(r, 300));
  expect(events).toEqual([]);
  events.push('answered');
  release();
  const res = await slow;
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toEqual({ status: 'ok', temporal: 'ok', database: 'ok', smtp: 'ok' });
  expect(res.connection).toBe('close');

  expect(await shutdown).toBe('clean');
  expect(events).toEqual(['answered', 'close database', 'close temporal', 'close smtp']);
  expect(server.listening).toBe(false);
  agent.destroy();
});

test('a request that outlasts the bound is cut, and the connections are still closed', async () => {
  const { app, inFlight, release } = slowApp();
  const { server, base } = await listen(app);
  const agent = new http.Agent({ keepAlive: true });
  const closed: string[] = [];
  const slow = get(`${base}/healthz`, agent).catch((err: Error) => err);
  await inFlight;

  const started = Date.now();
  const outcome = await shutdownGracefully({
    server,
    timeoutMs: 400,
    closers: [
      { name: 'database', close: () => void closed.push('database') },
      { name: 'temporal', close: () => Promise.reject(new Error('already closed')) },
      { name: 'smtp', close: () => void closed.push('smtp') },
    ],
  });
  expect(outcome).toBe('timed_out');
  expect(Date.now() - started).toBeLessThan(3000);
  expect(await slow).toMatchObject({ message: 'socket hang up' }); // the client sees its connection cut
  expect(closed).toEqual(['database', 'smtp']);
  release();
  agent.destroy();
});

test('api/main.ts: serves, then on SIGTERM logs its shutdown as JSON and exits 0', async () => {
  const [database, env] = await Promise.all([migratedDatabase(), devServerEnvironment()]);
  const port = await freePort();
  const address = (env.connection as unknown as { options: { address: string } }).options.address;
  // The production entry point, compiled on the fly as jest does.
  const script = `
    require('./api/main.ts');
  `;
  const child = spawnTypeScript(script, {
    PATH: process.env.PATH,
    PORT: String(port),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    SMTP_URL: 'smtp://127.0.0.1:1',
    LINK_SECRET: 'test-link-secret-0123456789abcdef0123456789',
    API_KEYS: 'business_unit:bu-key-0123456789abcdef',
    TRUST_PROXY: '1',
    METRICS_TOKEN: 'metrics-token-0123456789abcdef',
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    for (let i = 0; !out.includes('API listening'); i++) {
      if (i > 300 || child.exitCode !== null) throw new Error(`the API did not start: ${err}${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789abcdef' },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('deepdive_process_resident_memory_bytes');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const logged = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['connected to Temporal', 'API listening', 'stop requested', 'shut down']),
    );
    expect(logged.find((l) => l.msg === 'API listening')).toMatchObject({
      process: 'api',
      trustProxy: 1,
      metrics: true,
    });
    expect(logged.find((l) => l.msg === 'connected to Temporal')).toMatchObject({
      temporal: { address, tls: 'off', apiKeySet: false, namespace: 'default' },
    });
    expect(logged.find((l) => l.msg === 'shut down')).toMatchObject({ clean: true });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await env.teardown();
    await database.drop();
  }
});

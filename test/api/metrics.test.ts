// GET /metrics: Prometheus's text format, HTTP requests by route pattern (never a link's token), audits
// per stage and emails per outbox status read from the database, email outcomes as they happen; a
// token when METRICS_TOKEN is set, nothing when METRICS_ENABLED=false (or neither a token nor METRICS_PUBLIC:
// infra/config.ts).
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { EMAIL_OUTCOMES_METRIC, emailActivities, type SendEmailInput } from '../../activities/email';
import { createApp } from '../../api/app';
import { createMetrics, type Metrics } from '../../api/metrics';
import { loadEmailConfig } from '../../emails';
import { SAMPLES } from '../../emails/samples';
import type { Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { migratedDatabase } from '../support/database';
import { insertAudit } from '../support/fixtures';
import { serve } from '../support/http';

const KEY = 'bu-key-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const LINK_SECRET = 'test-link-secret-0123456789abcdef0123456789';

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
let metrics: Metrics;
let http: Awaited<ReturnType<typeof serve>>;

function app(opts: { metrics?: Metrics; enabled?: boolean; token?: string } = {}) {
  return createApp({
    config: {
      apiKeys: [{ role: 'business_unit', key: KEY }],
      allowCompressedTimelines: false,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'deep-dive' },
      metrics: { enabled: opts.enabled ?? true, token: opts.token, workerBindAddress: undefined },
    },
    db,
    temporal: {} as Client,
    log: createLogger('silent'),
    transport: { verify: () => Promise.resolve(true) },
    linkSecret: LINK_SECRET,
    metrics: opts.metrics,
  });
}

beforeAll(async () => {
  database = await migratedDatabase();
  db = database.db;
  metrics = createMetrics({ db });
  http = await serve(app({ metrics }));
});
afterAll(async () => {
  await http?.close();
  await database?.drop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The text exposition format, strictly: `# HELP`/`# TYPE` lines, then samples `name{label="value",…} number`
 * of a declared family. Throws on any other line.
 */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        families.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|[+-]?Inf|NaN))$/i.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    const family = [...families.keys()].find((f) => name === f || /^_(bucket|sum|count)$/.test(name.slice(f.length)));
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

async function scrape(base = http.base, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/metrics`, { headers });
  const text = await res.text();
  return { res, text, samples: res.ok ? parseExposition(text) : [] };
}

const value = (samples: Sample[], name: string, labels: Record<string, string>): number =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

test('GET /metrics is served in the Prometheus text format, which parses', async () => {
  const { res, text, samples } = await scrape();
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(text).toContain('# TYPE deepdive_http_requests_total counter');
  expect(text).toContain('# TYPE deepdive_http_request_duration_seconds histogram');
  expect(text).toContain('# TYPE deepdive_audits gauge');
  expect(text).toContain('# TYPE deepdive_email_outbox gauge');
  expect(text).toContain('# TYPE deepdive_email_outcomes_total counter');
  expect(value(samples, 'deepdive_metrics_database_up', {})).toBe(1);
  // Every stage and every outcome is a series from the start, so that rates and alerts see a 0.
  expect(samples.filter((s) => s.name === 'deepdive_audits')).toHaveLength(11);
  expect(value(samples, 'deepdive_email_outcomes_total', { outcome: 'failed' })).toBe(0);
});

test('HTTP requests are counted and timed by method, route pattern and status; a link token never appears', async () => {
  const before = (await scrape()).samples;
  const token = randomBytes(32).toString('base64url');
  expect((await http.call('GET', '/api/agencies', { key: KEY })).status).toBe(200);
  expect((await http.call('GET', '/api/agencies', { key: KEY })).status).toBe(200);
  expect((await http.call('GET', '/api/agencies', { key: 'wrong-key-0123456789abcdef' })).status).toBe(401);
  expect((await http.call('GET', `/respond/${token}`)).status).toBe(404);
  expect((await http.call('GET', `/respond/${token}/more?caseRef=NYC-4711`)).status).toBe(404);
  expect((await http.call('GET', `/no/such/${token}`)).status).toBe(404);
  const { text, samples } = await scrape();

  const delta = (labels: Record<string, string>) =>
    value(samples, 'deepdive_http_requests_total', labels) - value(before, 'deepdive_http_requests_total', labels);
  expect(delta({ method: 'GET', route: '/api/agencies', status: '200' })).toBe(2);
  // Refused before a route matched: counted under the prefix.
  expect(delta({ method: 'GET', route: '/api/*', status: '401' })).toBe(1);
  expect(delta({ method: 'GET', route: '/respond/:token', status: '404' })).toBe(1);
  expect(delta({ method: 'GET', route: '/respond/*', status: '404' })).toBe(1);
  expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
  const count = (labels: Record<string, string>) =>
    value(samples, 'deepdive_http_request_duration_seconds_count', labels) -
    value(before, 'deepdive_http_request_duration_seconds_count', labels);
  expect(count({ route: '/api/agencies', status: '200' })).toBe(2);
  expect(value(samples, 'deepdive_http_request_duration_seconds_sum', { route: '/api/agencies' })).toBeGreaterThan(0);
  expect(text).not.toContain(token);
  expect(text).not.toContain('NYC-4711');
  expect(text).not.toContain(KEY);
});

test('audits per stage come from the database at each scrape', async () => {
  const before = value((await scrape()).samples, 'deepdive_audits', { stage: 'selection' });
  const { auditId } = await insertAudit(db);
  expect(value((await scrape()).samples, 'deepdive_audits', { stage: 'selection' })).toBe(before + 1);
  await db.audit.update({ where: { id: auditId }, data: { stage: 'invitations' } });
  const after = (await scrape()).samples;
  expect(value(after, 'deepdive_audits', { stage: 'selection' })).toBe(before);
  expect(value(after, 'deepdive_audits', { stage: 'invitations' })).toBeGreaterThanOrEqual(1);
});

describe('emails', () => {
  const sent: unknown[] = [];
  const activities = (counted: Pick<Metrics, 'emailOutcome'> | undefined) =>
    emailActivities({
      db,
      transport: { sendMail: (mail) => Promise.resolve(void sent.push(mail)) },
      mailFrom: 'Deep Dive <deep-dive@partnership.example>',
      email: loadEmailConfig({}),
      metrics: counted,
    });
  const input = (to = 'audits@police.example'): SendEmailInput => ({
    key: `audit-metrics/invitation/${randomBytes(6).toString('hex')}`,
    to,
    template: 'invitation',
    data: SAMPLES.invitation,
  });

  test('a sent email moves the outcome counter and the outbox gauge; a refused one too', async () => {
    const before = (await scrape()).samples;
    const acts = activities(metrics);
    await new MockActivityEnvironment().run(acts.sendEmail, input());
    await expect(new MockActivityEnvironment().run(acts.sendEmail, input('not an address'))).rejects.toThrow(/refused/);
    const after = (await scrape()).samples;
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);
    expect(delta('deepdive_email_outcomes_total', { outcome: 'sent' })).toBe(1);
    expect(delta('deepdive_email_outcomes_total', { outcome: 'refused' })).toBe(1);
    expect(delta('deepdive_email_outbox', { status: 'sent' })).toBe(1);
    expect(delta('deepdive_email_outbox', { status: 'refused' })).toBe(1);
    expect(sent).toHaveLength(1);
  });

  test("without metrics injected, outcomes go to the Temporal SDK's meter (the worker's METRICS_PORT)", async () => {
    const added: { name: string; value: number; tags: unknown }[] = [];
    const meter = {
      createCounter: (name: string) => ({
        add: (v: number, tags: unknown) => void added.push({ name, value: v, tags }),
      }),
    } as unknown as MetricMeter;
    await new MockActivityEnvironment(undefined, { metricMeter: meter }).run(activities(undefined).sendEmail, input());
    expect(added).toEqual([
      { name: EMAIL_OUTCOMES_METRIC, value: 1, tags: expect.objectContaining({ outcome: 'sent' }) },
    ]);
  });
});

test('METRICS_TOKEN: a bearer token is needed, and no API key will do', async () => {
  const guarded = await serve(app({ metrics: createMetrics({ db }), token: METRICS_TOKEN }));
  try {
    const none = await scrape(guarded.base);
    expect(none.res.status).toBe(401);
    expect(none.res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(JSON.parse(none.text)).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    expect((await scrape(guarded.base, { authorization: `Bearer ${KEY}` })).res.status).toBe(401);
    expect((await scrape(guarded.base, { authorization: `Bearer ${METRICS_TOKEN}x` })).res.status).toBe(401);
    const ok = await scrape(guarded.base, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(ok.res.status).toBe(200);
    expect(ok.samples.length).toBeGreaterThan(0);
  } finally {
    await guarded.close();
  }
});

test('METRICS_ENABLED=false: no /metrics (404), the app otherwise the same', async () => {
  const off = await serve(app({ enabled: false }));
  try {
    expect((await scrape(off.base)).res.status).toBe(404);
    expect((await off.call('GET', '/api/agencies', { key: KEY })).status).toBe(200);
  } finally {
    await off.close();
  }
});

test('with the database down a scrape still answers, saying so', async () => {
  const down = createMetrics({ db: { $queryRaw: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as Db });
  const text = await down.registry.metrics();
  const samples = parseExposition(text);
  expect(value(samples, 'deepdive_metrics_database_up', {})).toBe(0);
  expect(samples.filter((s) => s.name === 'deepdive_audits')).toEqual([]);
});

test("process metrics (heap, event loop) when asked for, as the API's main does", async () => {
  const withProcess = createMetrics({ processMetrics: true });
  const samples = parseExposition(await withProcess.registry.metrics());
  expect(samples.some((s) => s.name === 'deepdive_process_resident_memory_bytes')).toBe(true);
  expect(samples.some((s) => s.name === 'deepdive_nodejs_eventloop_lag_seconds')).toBe(true);
});

// Structured logs: every request through the real app (database, routers, errors) and an email
// activity, written by the real pino logger into a capture. Every line is JSON with the IDs it should
// carry, and none holds an API key, a link token, a cookie, a CSRF token, what a practitioner typed,
// or a child's identifier.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { emailActivities } from '../../activities/email';
import { createApp } from '../../api/app';
import { createMetrics } from '../../api/metrics';
import { loadEmailConfig } from '../../emails';
import { SAMPLES } from '../../emails/samples';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { createLogger, redactUrl } from '../../infra/logger';
import { auditWorkflowId } from '../../workflows/messages';
import { workerRuntimeOptions } from '../../worker';
import { migratedDatabase } from '../support/database';
import { IDENTIFIERS, insertAudit } from '../support/fixtures';
import { serve } from '../support/http';

const KEY = 'bu-key-logging-0123456789abcdef';
const WRONG_KEY = 'not-a-key-logging-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-logging-0123456789';
const LINK_SECRET = 'test-link-secret-logging-0123456789abcdef';
const TYPED = 'Practitioner wrote: Zephyrine Quixleworth disclosed at school on 2014-03-02';
const CONCERN = 'Concern: bruising seen on 12 March, mother not answering';

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
let http: Awaited<ReturnType<typeof serve>>;
const lines: string[] = [];
/** Every secret and identifier the requests carry: none may appear in a log line. */
const secrets: string[] = [
  KEY,
  WRONG_KEY,
  METRICS_TOKEN,
  LINK_SECRET,
  TYPED,
  'disclosed at school',
  CONCERN,
  'bruising',
];
let childName: string;
let auditId: string;
let token: string;

/** The Temporal frontend is unreachable: the routes that need it answer 503 and log a warning. */
const unavailable = () =>
  Promise.reject(Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }));
const temporal = {
  connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
  workflow: { getHandle: () => ({ query: unavailable, executeUpdate: unavailable, signal: unavailable }) },
  workflowService: { getSystemInfo: () => Promise.resolve({}) },
} as unknown as Client;

const log = createLogger('debug', { destination: { write: (line: string) => void lines.push(line) } });

beforeAll(async () => {
  database = await migratedDatabase();
  db = database.db;
  const audit = await insertAudit(db);
  auditId = audit.auditId;
  const cases = await db.case.findMany({ where: { auditId } });
  childName = cases[0]!.childName!;
  secrets.push(
    ...IDENTIFIERS,
    ...cases.flatMap((c) => [c.caseRef, c.childName, c.childLocalId].filter((v): v is string => !!v)),
  );
  token = randomBytes(32).toString('base64url');
  secrets.push(token);
  await db.invitation.create({
    data: {
      id: randomUUID(),
      auditId,
      caseId: cases[0]!.id,
      agencyId: audit.agencies[0]!.id,
      tokenHash: tokenHash(token),
    },
  });
  const app = createApp({
    config: {
      apiKeys: [{ role: 'business_unit', key: KEY }],
      allowCompressedTimelines: false,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'deep-dive' },
      metrics: { enabled: true, token: METRICS_TOKEN, workerBindAddress: undefined },
    },
    db,
    temporal,
    log,
    transport: { verify: () => Promise.resolve(true) },
    linkSecret: LINK_SECRET,
    metrics: createMetrics({ db }),
  });
  http = await serve(app);
});
afterAll(async () => {
  await http?.close();
  await database?.drop();
});

const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
/** Lets the response's `close` (which writes the line) run. */
const settle = () => new Promise((r) => setTimeout(r, 50));

function request(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('authorization', `Bearer ${init.key}`);
  return fetch(`${http.base}${path}`, { redirect: 'manual', ...init, headers });
}

test('requests of every kind are logged as one JSON line each, with no key, token, cookie or identifier', async () => {
  const expectStatus = async (res: Promise<Response>, status: number) => {
    const r = await res;
    await r.arrayBuffer();
    expect(r.status).toBe(status);
    return r;
  };
  await expectStatus(request('/healthz'), 200);
  await expectStatus(request('/api/agencies', { key: KEY }), 200);
  await expectStatus(request('/api/audits', { key: KEY }), 200);
  await expectStatus(request(`/api/audits/${auditId}`, { key: KEY }), 503); // Temporal is down
  await expectStatus(request(`/api/audits?caseRef=${encodeURIComponent(IDENTIFIERS[0]!)}`, { key: WRONG_KEY }), 401);
  // The agency's emailed link: the page (with the child's identifiers), a draft saved, a concern (the
  // workflow is then unreachable), a wrong path under it, a query string.
  await expectStatus(request(`/respond/${token}`, { headers: { accept: 'text/html' } }), 200);
  await expectStatus(request(`/respond/${token}?saved=draft&child=${encodeURIComponent('Quixleworth')}`), 200);
  await expectStatus(
    request(`/respond/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ submit: false, childVoice: TYPED }),
    }),
    200,
  );
  await expectStatus(
    request(`/respond/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ submit: false, immediateRiskConcern: { description: CONCERN } }),
    }),
    503,
  );
  await expectStatus(request(`/respond/${token}/extra`), 404);
  await expectStatus(request(`/approve/${token}`), 404);
  // Metrics with and without the token.
  await expectStatus(request('/metrics'), 401);
  await expectStatus(request('/metrics', { key: METRICS_TOKEN }), 200);
  await settle();

  const entries = parsed();
  const requestLines = entries.filter((e) => e.msg === 'request');
  expect(requestLines).toHaveLength(13);
  for (const line of lines) {
    for (const secret of secrets) expect({ line, leaks: line.includes(secret) }).toEqual({ line, leaks: false });
  }
  for (const entry of requestLines) {
    expect(entry).toEqual(
      expect.objectContaining({
        level: expect.any(Number),
        service: 'deep-dive',
        method: expect.stringMatching(/^(GET|POST)$/),
        route: expect.any(String),
        url: expect.any(String),
        status: expect.any(Number),
        durationMs: expect.any(Number),
      }),
    );
    expect(entry).not.toHaveProperty('headers');
    expect(entry).not.toHaveProperty('body');
    expect(String(entry.url)).not.toContain('?');
  }
  const line = (method: string, route: string, status: number) =>
    requestLines.find((e) => e.method === method && e.route === route && e.status === status);
  expect(line('GET', '/api/audits/:id', 503)).toMatchObject({
    url: `/api/audits/${auditId}`,
    auditId,
    workflowId: auditWorkflowId(auditId),
  });
  expect(line('GET', '/api/*', 401)).toMatchObject({ url: '/api/audits' });
  expect(line('GET', '/respond/:token', 200)).toMatchObject({ url: '/respond/:token' });
  expect(line('POST', '/respond/:token', 200)).toMatchObject({ url: '/respond/:token' });
  expect(line('POST', '/respond/:token', 503)).toMatchObject({ url: '/respond/:token' });
  expect(line('GET', '/respond/*', 404)).toMatchObject({ url: '/respond/:token/extra' });
  expect(line('GET', '/approve/:token', 404)).toMatchObject({ url: '/approve/:token' });
  // Health checks and scrapes at debug, the rest at info.
  expect(line('GET', '/healthz', 200)).toMatchObject({ level: 20 });
  expect(line('GET', '/metrics', 200)).toMatchObject({ level: 20 });
  expect(line('GET', '/api/agencies', 200)).toMatchObject({ level: 30 });
  // The 503s are explained by the error handler, by route pattern.
  expect(entries).toContainEqual(
    expect.objectContaining({ level: 40, code: 'unavailable', method: 'POST', route: '/:token' }),
  );
});

test("an email activity's log lines, through the worker's Runtime logger: audit and workflow IDs, no task token", async () => {
  const before = lines.length;
  const acts = emailActivities({
    db,
    transport: { sendMail: () => Promise.resolve({}) },
    mailFrom: 'Deep Dive <deep-dive@partnership.example>',
    email: loadEmailConfig({}),
  });
  const env = new MockActivityEnvironment(
    {
      workflowExecution: { workflowId: auditWorkflowId(auditId), runId: randomUUID() },
      taskToken: Buffer.from('secret-task-token-bytes'),
      base64TaskToken: 'c2VjcmV0LXRhc2stdG9rZW4tYnl0ZXM=',
    },
    { logger: workerRuntimeOptions(log).logger },
  );
  const key = `${auditWorkflowId(auditId)}/invitation/${randomUUID()}`;
  await env.run(acts.sendEmail, {
    key,
    auditId,
    to: 'audits@police.example',
    template: 'invitation' as const,
    data: SAMPLES.invitation,
  });
  // A label naming a child of the cohort is refused, and the refusal logged without the name.
  await expect(
    env.run(acts.sendEmail, {
      key: `${key}/again`,
      auditId,
      to: 'audits@police.example',
      template: 'invitation' as const,
      data: { ...SAMPLES.invitation, agencyName: `${childName} Family Support` },
    }),
  ).rejects.toThrow(/refused/);
  const written = lines.slice(before);
  const entries = written.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(entries).toContainEqual(
    expect.objectContaining({
      msg: 'email sent',
      key,
      auditId,
      workflowId: auditWorkflowId(auditId),
      template: 'invitation' as const,
    }),
  );
  expect(entries).toContainEqual(expect.objectContaining({ msg: 'email refused', auditId, taskToken: '[redacted]' }));
  for (const line of written) {
    for (const secret of [...secrets, 'c2VjcmV0LXRhc2stdG9rZW4tYnl0ZXM=', SAMPLES.invitation.link]) {
      expect({ line, leaks: line.includes(secret) }).toEqual({ line, leaks: false });
    }
  }
});

test('redactUrl: no query, no link token', () => {
  expect(redactUrl('/respond/abc.DEF-_123/extra?x=1#f')).toBe('/respond/:token/extra');
  expect(redactUrl('/acknowledge/t0k3n')).toBe('/acknowledge/:token');
  expect(redactUrl('/pack/t0k3n?download=1')).toBe('/pack/:token');
  expect(redactUrl('/api/audits/0b7d5c1e?caseRef=NYC-1')).toBe('/api/audits/0b7d5c1e');
  expect(redactUrl('/respondent/x')).toBe('/respondent/x');
});

test('the censor: credentials and identifiers passed to a log call by mistake are replaced', () => {
  const before = lines.length;
  log.info(
    {
      authorization: `Bearer ${KEY}`,
      headers: { authorization: `Bearer ${KEY}`, cookie: 'deep_dive_session=abc' },
      config: { linkSecret: LINK_SECRET, apiKeys: [KEY], smtpUrl: 'smtps://user:pw@relay:465' },
      case: { caseRef: 'NYC-4711', childName: 'Zephyrine Quixleworth' },
      body: { childVoice: TYPED },
      req: { method: 'POST', url: `/respond/${token}?x=1`, headers: { cookie: 'c' } },
    },
    'by mistake',
  );
  const [line] = lines.slice(before);
  for (const secret of [KEY, LINK_SECRET, 'NYC-4711', 'Zephyrine', TYPED, token, 'user:pw', 'deep_dive_session=abc']) {
    expect(line).not.toContain(secret);
  }
  expect(JSON.parse(line!)).toMatchObject({ req: { method: 'POST', url: '/respond/:token' }, msg: 'by mistake' });
});

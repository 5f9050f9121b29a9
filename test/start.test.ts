// `npm start` on its embedded defaults: the Temporal dev server with its UI, PGlite, the mail catcher,
// the worker and the API — then a stop and a second start that resumes the first one's audits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDeepDive, type Running } from '../scripts/start';
import { AGENCIES, candidates } from './support/fixtures';
import { callJson, eventually } from './support/http';
import { freePorts } from './support/ports';

jest.setTimeout(180_000);

let dataDir: string;
let env: NodeJS.ProcessEnv;
let running: Running | undefined;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-start-'));
  const { DATABASE_URL: _d, TEMPORAL_ADDRESS: _t, SMTP_URL: _s, API_KEYS: _k, ...inherited } = process.env;
  const [databasePort, smtpPort, temporalPort, temporalUiPort, oidcPort] = await freePorts(5);
  env = {
    ...inherited,
    DATA_DIR: dataDir,
    PORT: '0',
    EMBEDDED_DATABASE_PORT: String(databasePort),
    EMBEDDED_SMTP_PORT: String(smtpPort),
    EMBEDDED_TEMPORAL_PORT: String(temporalPort),
    EMBEDDED_TEMPORAL_UI_PORT: String(temporalUiPort),
    EMBEDDED_OIDC_PORT: String(oidcPort),
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const buKey = (r: Running) => r.apiKeys.find((k) => k.role === 'business_unit')!.key;

test('starts every embedded part, and a second start resumes the audits of the first', async () => {
  running = await startDeepDive(env);
  const first = running;
  const api = (method: string, p: string, body?: unknown) =>
    callJson(first.urls.api, method, p, { key: buKey(first), body });

  expect(await callJson(first.urls.api, 'GET', '/healthz')).toMatchObject({
    status: 200,
    body: { status: 'ok', temporal: 'ok', database: 'ok', smtp: 'ok' },
  });
  expect((await fetch(first.urls.temporalUi!)).status).toBe(200);
  expect((await fetch(first.urls.mail!)).status).toBe(200);
  // It serves /dev/mail (every emailed link) and development keys: this machine only.
  expect(first.apiAddress.address).toBe('127.0.0.1');

  const agencyIds: string[] = [];
  for (const agency of AGENCIES) agencyIds.push((await api('POST', '/api/agencies', agency)).body.id);
  const created = await api('POST', '/api/audits', {
    focus: 'Mental health',
    focusSource: 'practice_concern',
    candidates: candidates(agencyIds),
  });
  expect(created.status).toBe(201);
  const before = await eventually(
    async () => {
      const res = await api('GET', `/api/audits/${created.body.id}`);
      return res.body.stage === 'invitations' ? res.body : undefined;
    },
    'the cohort draw',
    60_000,
  );

  await first.stop();
  running = undefined;

  running = await startDeepDive(env);
  const second = running;
  expect(second.apiKeys).toEqual(first.apiKeys);
  // The development accounts: in the staff directory, their password kept with the data.
  expect(first.devStaff?.accounts.map((a) => a.email)).toEqual(['bu@dev.local', 'manager@dev.local', 'lis@dev.local']);
  expect(first.devStaff?.password).toMatch(/^\S{16,}$/);
  expect(second.devStaff?.password).toBe(first.devStaff?.password);
  expect((await fetch(`${second.devStaff!.issuer}/.well-known/openid-configuration`)).status).toBe(200);
  const after = await callJson(second.urls.api, 'GET', `/api/audits/${created.body.id}`, { key: buKey(second) });
  expect(after.status).toBe(200);
  expect(after.body).toEqual(before);

  // The resumed workflow still runs: it takes an update and moves on.
  const cancelled = await callJson(second.urls.api, 'POST', `/api/audits/${created.body.id}/cancel`, {
    key: buKey(second),
    body: { reason: 'Restart check' },
  });
  expect(cancelled).toMatchObject({ status: 200, body: { stage: 'cancelled' } });
});

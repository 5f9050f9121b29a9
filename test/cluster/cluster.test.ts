// The production engine (issue 17): Deep Dive on a Temporal cluster on PostgreSQL (dev/cluster.ts: frontend,
// history, matching and worker services as processes; 2 APIs behind a proxy; 3 workers), driven over HTTP
// through the proxy exactly as the fault suite drives `npm start`'s parts. One audit start to finish; then
// one with the history service SIGKILLed mid-lifecycle and restarted: every request the API acknowledged
// is in the database, refusals during the outage are 503 with Retry-After, and the audit completes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Cluster, startCluster } from '../../dev/cluster';
import { createDb, type Db } from '../../infra/db';
import {
  checkSubmissions,
  duplicateMessageIds,
  lostAcknowledged,
  unfinishedWorkflows,
  workflowIdsOf,
} from '../faults/checks';
import { Http } from '../faults/http';
import {
  type AuditRun,
  type Driver,
  driveAudit,
  FAULT_TIMELINE,
  newRun,
  persist,
  StagePoller,
} from '../faults/lifecycle';
import { Mailbox } from '../faults/mailbox';
import { buildIfStale, PrivateCluster } from '../faults/stack';
import { freePort } from '../support/ports';

// A cluster to start and whole audits to drive: minutes.
jest.setTimeout(12 * 60_000);

const TAG = `c${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`[cluster test] ${line}\n`);

let dir: string;
let cluster: Cluster;
let http: Http;
let mail: Mailbox;
let poller: StagePoller;
let db: Db;
let temporal: Client;
let privatePostgres: PrivateCluster | undefined;
const keys = {
  bu: `bu-${TAG}-${'k'.repeat(20)}`,
  manager: `mgr-${TAG}-${'k'.repeat(20)}`,
  lis: `lis-${TAG}-${'k'.repeat(20)}`,
};

beforeAll(async () => {
  buildIfStale(say);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-cluster-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(await freePort()),
    DATA_DIR: dir,
    API_KEYS: `business_unit:${keys.bu},manager:${keys.manager},lis:${keys.lis}`,
    ALLOW_COMPRESSED_TIMELINES: 'true',
    EMBEDDED_SMTP_PORT: '0',
    EMBEDDED_OIDC_PORT: '0',
    LOG_LEVEL: 'info',
  };
  // Everything npm start would embed is the cluster's own here, whatever the test run's environment says.
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'OIDC_ISSUER', 'PUBLIC_URL', 'LINK_SECRET'])
    delete env[name];
  // CI's PostgreSQL (TEST_DATABASE_URL); else one of the test's own from Debian's binaries, as the fault suite has.
  let postgresUrl = process.env.TEST_DATABASE_URL;
  if (!postgresUrl) {
    privatePostgres = await PrivateCluster.create(path.join(os.tmpdir(), `deep-dive-cluster-pg-${TAG}.log`));
    privatePostgres.start();
    postgresUrl = `${privatePostgres.url}/postgres`;
  }
  cluster = await startCluster({ env, postgresUrl, name: `dd_cluster_${TAG}`, dropOnStop: true, log: say });
  // The caught mail as JSON lines, as the fault suite's catcher process writes it.
  const mailFile = path.join(dir, 'mail.jsonl');
  fs.writeFileSync(mailFile, '');
  cluster.catcher!.onMessage((m) =>
    fs.appendFileSync(mailFile, `${JSON.stringify({ ...m, messageId: m.messageId ?? null, pid: process.pid })}\n`),
  );
  mail = new Mailbox(mailFile);
  http = new Http(cluster.url);
  poller = new StagePoller(http, keys.bu);
  poller.start();
  db = createDb(cluster.databaseUrl, { poolMax: 2 });
  temporal = new Client({ connection: await Connection.connect({ address: cluster.temporalAddress }) });
}, 10 * 60_000);

afterAll(async () => {
  poller?.stop();
  await db?.$disconnect();
  await temporal?.connection.close();
  await cluster?.stop();
  privatePostgres?.destroy();
  if (privatePostgres) fs.rmSync(privatePostgres.logFile, { force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 3 * 60_000);

/** Each run's submissions as stored before the sign-off that starts the clock of their purge. */
const submissionChecks = new Map<AuditRun, Awaited<ReturnType<typeof checkSubmissions>>>();

function driver(): Driver {
  return {
    http,
    mail,
    keys,
    stages: poller,
    timeline: FAULT_TIMELINE,
    discussionLeadMs: 6000,
    timeoutMs: 8 * 60_000,
    beforeSignOff: async (run) => {
      submissionChecks.set(run, await checkSubmissions(db, run));
    },
  };
}

/** What must hold of every audit driven on the cluster, faults or none. */
async function expectCompletedWithNothingLost(run: AuditRun): Promise<void> {
  expect(run.error).toBeUndefined();
  expect(poller.stage(run.id!)).toBe('completed');
  expect(await lostAcknowledged(db, http.acknowledged)).toEqual([]);
  const submissions = submissionChecks.get(run)!;
  expect(submissions.problems).toEqual([]);
  expect(submissions.stored).toBeGreaterThan(0);
  expect(duplicateMessageIds(mail).duplicates).toBe(0);
  expect(await unfinishedWorkflows(temporal, await workflowIdsOf(db, [run]), 60_000)).toEqual([]);
  // Refusals are 503s (with Retry-After, checked where they happen); never another 5xx.
  expect(http.serverErrors.filter((e) => e.status !== 503)).toEqual([]);
}

test('an audit runs start to finish through the proxy, on the Temporal cluster on PostgreSQL', async () => {
  http.scenario = 'clean';
  const run = newRun(0, TAG, 'clean');
  await driveAudit(driver(), run);
  await expectCompletedWithNothingLost(run);
  expect(http.serverErrors).toEqual([]);
  // The proxy shared the requests between both APIs: the cluster's shape, not one process behind a name.
  for (const api of cluster.apis)
    expect(fs.readFileSync(api.logFile, 'utf8').split('"msg":"request"').length - 1).toBeGreaterThan(10);
});

test('the history service SIGKILLed and restarted mid-lifecycle: 503 with Retry-After meanwhile, nothing lost, the audit completes', async () => {
  http.scenario = 'history-killed';
  const run = newRun(1, TAG, 'history');
  const driving = driveAudit(driver(), run);
  driving.catch(() => undefined);
  // Once invitations are out: the discussion, every submission and the rest are still to come.
  while (run.seen.awaiting_submissions === undefined) {
    if (run.error) throw new Error(run.error);
    await sleep(100);
  }

  await cluster.temporal.history.kill();
  say('history SIGKILLed');
  // Starting an audit needs history: refused while it is down, and safe to send again with the same key.
  const probe = {
    focus: `Probe while history is down (${TAG})`,
    focusSource: 'practice_concern',
    candidates: [
      {
        caseRef: `PROBE-${TAG}`.toUpperCase(),
        serviceLevel: 'child_in_need',
        child: { name: 'Probe Child', dateOfBirth: '2015-05-05' },
        agencyIds: [run.agencies[0]!.id!],
        lastActivityAt: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      },
    ],
    timeline: FAULT_TIMELINE,
  };
  const send = () =>
    http.call('POST', '/api/audits', {
      key: keys.bu,
      body: probe,
      headers: { 'idempotency-key': `probe-${TAG}` },
      timeoutMs: 60_000,
    });
  const refused = await send();
  expect({ status: refused.status, retryAfter: refused.headers.get('retry-after') }).toEqual({
    status: 503,
    retryAfter: expect.stringMatching(/^\d+$/),
  });
  // The API's refusal (Temporal unavailable), not the proxy's (no API process answered).
  expect(refused.body.error.message).toMatch(/A service Deep Dive depends on is unavailable/);
  await sleep(5000);

  await cluster.temporal.history.start();
  say('history restarted');
  const accepted = await persist('POST /api/audits after the outage', send);
  expect(accepted.status).toBe(201);
  const again = await send();
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body.id).toBe(accepted.body.id);
  expect(await db.audit.count({ where: { focus: probe.focus } })).toBe(1);

  await driving;
  say(
    `requests refused with 503 in this scenario (driver and probe): ${http.serverErrors.filter((e) => e.scenario === http.scenario).length}`,
  );
  await expectCompletedWithNothingLost(run);
  expect(cluster.temporal.history.kills).toBe(1);
});

// The fault suite on the production engine (issue 17): Deep Dive on a Temporal cluster on PostgreSQL
// (dev/cluster.ts: frontend, history, matching and worker services as processes; 2 APIs behind a proxy; 3
// workers), driven over HTTP through the proxy exactly as the dev server's suite drives `npm start`'s parts.
// One cluster for every scenario, each driving whole audits to completion with the same checks and figures
// (test/faults/scenarios.ts): first the engine's own faults — the history service SIGKILLed, the matching
// service restarted, the frontend SIGKILLed with requests in flight, Temporal's PostgreSQL stopped for 30 s —
// then the dev server's scenarios — workers SIGKILLed, one of the two APIs restarted, the SMTP relay and the
// product's database stopped. Temporal's PostgreSQL and the product's are two private clusters, so that
// each can be stopped while the other stays up. Its figures go to docs/RELIABILITY.md, a section of its own.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type Cluster, startCluster, type TemporalService } from '../../dev/cluster';
import { createDb, type Db } from '../../infra/db';
import { ensureTemporalServer, ensureTool } from '../../scripts/tools';
import { Http, type Reply, type ServerError } from '../faults/http';
import { type AuditRun, FAULT_TIMELINE, newRun, persist, StagePoller } from '../faults/lifecycle';
import { Mailbox } from '../faults/mailbox';
import { noTotals, type Report, type ScenarioFigures, writeEngineSection } from '../faults/report';
import { expectClean, type FaultStack, FaultScenarios } from '../faults/scenarios';
import {
  buildIfStale,
  makeSecrets,
  PrivateCluster,
  productEnv,
  ROOT,
  startAppDatabase,
  startCatcher,
} from '../faults/stack';
import { freePort } from '../support/ports';

// A cluster to start and eight scenarios of whole audits: minutes.
jest.setTimeout(12 * 60_000);

/** Audits each scenario drives (the dev server's suite drives 3–12): the cluster is slower to start and CI's time is short. */
const AUDITS = Number(process.env.CLUSTER_FAULTS_AUDITS ?? 2);
const KILLS = Number(process.env.CLUSTER_FAULTS_KILLS ?? 4);
const ALL = ['history', 'matching', 'frontend', 'temporal-db', 'crash', 'api', 'smtp', 'db'];
/** For working on the suite: CLUSTER_FAULTS=frontend (say) runs only those scenarios. */
const ONLY = (process.env.CLUSTER_FAULTS ?? ALL.join(',')).split(',');
const scenarioTest = (key: string) => (ONLY.includes(key) ? test : test.skip);
const TAG = Date.now()
  .toString(36)
  .slice(-5)
  .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]!);
const RUN_DIR = path.join(ROOT, 'test-artifacts/cluster', new Date().toISOString().replace(/[:.]/g, '-'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const suiteStarted = Date.now();
const say = (line: string) => {
  const stamped = `[cluster faults +${((Date.now() - suiteStarted) / 1000).toFixed(1)}s] ${line}`;
  process.stdout.write(`${stamped}\n`);
  fs.appendFileSync(path.join(RUN_DIR, 'suite.log'), `${stamped}\n`);
};

let cluster: Cluster;
let temporalPostgres: PrivateCluster;
let appPostgres: PrivateCluster;
let catcher: FaultStack['catcher'];
let stack: FaultStack;
let http: Http;
let db: Db;
let temporal: Client;
let poller: StagePoller;
let runner: FaultScenarios;
let clusterMs = 0;
const report: Pick<Report, 'totals' | 'findings'> = {
  findings: [],
  totals: noTotals(),
};
/** Audits started by the probes (not driven): cancelled at the end, so that nothing is left running. */
const probeAudits: string[] = [];

beforeAll(async () => {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const runs = path.dirname(RUN_DIR);
  for (const old of fs.readdirSync(runs).sort().reverse().slice(3))
    fs.rmSync(path.join(runs, old), { recursive: true, force: true });
  buildIfStale(say);
  const t = Date.now();
  const logsDir = path.join(RUN_DIR, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });
  const secrets = makeSecrets();
  // startCluster migrates the product's database itself.
  const app = await startAppDatabase(path.join(logsDir, 'postgres.log'), () => Promise.resolve(), say);
  appPostgres = app.postgres;
  temporalPostgres = await PrivateCluster.create(path.join(logsDir, 'temporal-postgres.log'));
  temporalPostgres.start();
  process.once('exit', () => {
    appPostgres?.destroy();
    temporalPostgres?.destroy();
  });
  const mail = await startCatcher(RUN_DIR, logsDir, say);
  catcher = mail.catcher;
  const env: NodeJS.ProcessEnv = {
    ...productEnv(RUN_DIR, secrets, mail.smtpUrl),
    DATABASE_URL: app.databaseUrl,
    PORT: String(await freePort()),
    EMBEDDED_OIDC_PORT: '0',
  };
  cluster = await startCluster({ env, postgresUrl: `${temporalPostgres.url}/postgres`, name: 'deep_dive', log: say });
  clusterMs = Date.now() - t;
  say(`cluster up in ${clusterMs} ms: ${cluster.url}; logs in ${cluster.logsDir}`);
  const temporalCli = ensureTool('cli');
  if (!temporalCli) throw new Error('No Temporal CLI: run `node scripts/tools.js`');
  stack = {
    apiUrl: cluster.url,
    secrets,
    logsDir: cluster.logsDir,
    temporalCli,
    temporalAddress: cluster.temporalAddress,
    workers: cluster.workers,
    // One of the two behind the proxy: the proxy sends its requests to the other meanwhile.
    api: cluster.apis[0]!,
    catcher,
    postgres: appPostgres,
  };
  http = new Http(cluster.url, path.join(RUN_DIR, 'requests.log'));
  db = createDb(app.databaseUrl, { poolMax: 4 });
  temporal = new Client({ connection: await Connection.connect({ address: cluster.temporalAddress }) });
  poller = new StagePoller(http, secrets.keys.bu);
  poller.start();
  runner = new FaultScenarios({
    stack,
    http,
    db,
    temporal,
    mail: new Mailbox(mail.mailFile),
    poller,
    report,
    runDir: RUN_DIR,
    tag: TAG,
    say,
  });
}, 10 * 60_000);

afterAll(async () => {
  poller?.stop();
  try {
    if (runner) writeFigures();
  } finally {
    await db?.$disconnect();
    await temporal?.connection.close();
    await cluster?.stop();
    await catcher?.stop(5000);
    appPostgres?.destroy();
    temporalPostgres?.destroy();
  }
}, 3 * 60_000);

function writeFigures(): void {
  const scenarios = runner.scenarios;
  const sum = (f: (sc: ScenarioFigures) => number) => scenarios.reduce((n, sc) => n + f(sc), 0);
  const refusals = http.serverErrors.filter((e) => e.status === 503);
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const summary: [string, string][] = [
    ['runs (lifecycle audits driven)', `${sum((sc) => sc.audits)} audits in ${scenarios.length} fault scenarios`],
    ['audits completed', `${sum((sc) => sc.completed)} / ${sum((sc) => sc.audits)}`],
    ['requests acknowledged (2xx) then lost', `${sum((sc) => sc.lost)} of ${sum((sc) => sc.acknowledged)}`],
    ['submissions lost', `${sum((sc) => sc.submissionsLost)} of ${sum((sc) => sc.submissions)}`],
    ['duplicate emails (same Message-ID caught twice)', String(sum((sc) => sc.emails?.duplicates ?? 0))],
    [
      'emails stopped mid-send by a kill (not resent, shown to the BU)',
      String(sum((sc) => sc.emails?.unconfirmed ?? 0)),
    ],
    ['workflows left running or failed', `${sum((sc) => sc.stuck)} of ${sum((sc) => sc.workflows)}`],
    [
      '503 answered while something was down / of them refusals without Retry-After (/healthz aside)',
      `${refusals.length} / ${notRetryable(refusals).length}`,
    ],
    ['5xx other than 503', String(http.serverErrors.length - refusals.length)],
    ['requests that got no HTTP answer at all', String(http.networkErrors)],
    ['HTTP requests made', String(http.requests)],
    [
      'timings',
      `total ${s(Date.now() - suiteStarted)}; cluster start ${s(clusterMs)}; ${scenarios.map((sc) => `${sc.name} ${s(sc.ms)}`).join('; ')}`,
    ],
  ];
  const full = ONLY.length === ALL.length && AUDITS >= 2;
  const file = full ? path.join(ROOT, 'docs/RELIABILITY.md') : path.join(RUN_DIR, 'RELIABILITY.md');
  writeEngineSection(
    {
      title: 'On the production engine: a Temporal cluster on PostgreSQL',
      intro: `The same figures from test/cluster/cluster.test.ts (\`npm test\` runs it): the Temporal server ${ensureTemporalServer().version} built from source (scripts/tools.js), its frontend, history, matching and worker services as separate processes with 4 history shards on a private PostgreSQL of their own; the product's database on another; 3 workers and 2 APIs behind dev/proxy.ts (dev/cluster.ts). One cluster for every scenario, ${AUDITS} whole audits each (the worker crashes ${AUDITS + 1}). Every refusal while something was down must be a 503 with Retry-After, and a request retried with its Idempotency-Key takes effect once. \`CLUSTER_FAULTS=history,matching,frontend,temporal-db,crash,api,smtp,db\` picks scenarios, \`CLUSTER_FAULTS_AUDITS\` (2) and \`CLUSTER_FAULTS_KILLS\` (4) change its size; a smaller run writes its own folder's copy (test-artifacts/cluster/).`,
      started: new Date(suiteStarted).toISOString(),
      finished: new Date().toISOString(),
      summary,
      scenarios: scenarios.map(({ notes, ...rest }) => ({ ...rest, notes: notes.slice(0, 20) })),
      findings: report.findings,
    },
    file,
  );
  say(`figures written to ${path.relative(ROOT, file)}`);
}

/**
 * 5xx answers that are not a retryable refusal (503 with Retry-After). /healthz is left out: its 503 is a
 * report of what is down, for the load balancer, not a request refused.
 */
const notRetryable = (errors: ServerError[]) =>
  errors.filter((e) => e.route !== 'GET /healthz' && (e.status !== 503 || !/^\d+$/.test(e.retryAfter ?? '')));

/** Every refusal in the scenario was a 503 with Retry-After: safe to retry, and saying when. */
function expectRetryableRefusals(scenario: string): void {
  expect(notRetryable(http.serverErrors.filter((e) => e.scenario === scenario))).toEqual([]);
}

const runsFor = (scenario: string, n = AUDITS) => Array.from({ length: n }, (_, i) => newRun(i, TAG, scenario));

/** Until the first of the runs has its invitations out: the submissions, discussion and the rest still to come. */
async function midLifecycle(runs: AuditRun[]): Promise<void> {
  while (!runs.some((r) => r.seen.awaiting_submissions !== undefined)) {
    if (runs.every((r) => r.error)) throw new Error(runs[0]!.error);
    await sleep(100);
  }
}

/** An audit of one child, to start by POST /api/audits (with an Idempotency-Key) while something is down. */
function probeAudit(run: AuditRun, name: string) {
  return {
    focus: `Probe ${name} (${TAG})`,
    focusSource: 'practice_concern',
    candidates: [
      {
        caseRef: `PROBE-${TAG}-${name}`.toUpperCase(),
        serviceLevel: 'child_in_need',
        child: { name: `Probe Quixfault${TAG}`, dateOfBirth: '2015-05-05' },
        agencyIds: [run.agencies[0]!.id!],
        lastActivityAt: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      },
    ],
    timeline: FAULT_TIMELINE,
  };
}

/**
 * Sends the probe once (the answer is returned as it came), then again with the same key until it is
 * accepted: exactly one audit with its workflow running, and a third send is the first one's replay.
 */
async function probeOnce(run: AuditRun, name: string, first: Promise<Reply>): Promise<Reply | string> {
  const body = probeAudit(run, name);
  const send = () =>
    http.call('POST', '/api/audits', {
      key: stack.secrets.keys.bu,
      body,
      headers: { 'idempotency-key': `probe-${TAG}-${name}` },
      timeoutMs: 60_000,
    });
  const answer = await first.catch((err: Error) => `no answer (${err.message})`);
  const accepted = await persist(`POST /api/audits (${name})`, send);
  expect(accepted.status).toBe(201);
  probeAudits.push(accepted.body.id);
  http.acknowledge('audit', 'POST', '/api/audits', accepted.status, { auditId: accepted.body.id, focus: body.focus });
  const again = await send();
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body.id).toBe(accepted.body.id);
  expect(await db.audit.count({ where: { focus: body.focus } })).toBe(1);
  const description = await temporal.workflow.getHandle(`audit-${accepted.body.id}`).describe();
  expect(description.status.name).toBe('RUNNING');
  return answer;
}

function sendProbe(run: AuditRun, name: string): Promise<Reply> {
  const p = http.call('POST', '/api/audits', {
    key: stack.secrets.keys.bu,
    body: probeAudit(run, name),
    headers: { 'idempotency-key': `probe-${TAG}-${name}` },
    timeoutMs: 60_000,
  });
  p.catch(() => undefined);
  return p;
}

/** A first answer to a request sent during a fault: accepted, or refused as safe to retry. */
function expectAcceptedOrRetryable(answer: Reply | string): void {
  if (typeof answer === 'string') throw new Error(`the proxy left a request unanswered: ${answer}`);
  if (answer.status === 201) return;
  expect({ status: answer.status, retryAfter: answer.headers.get('retry-after') }).toEqual({
    status: 503,
    retryAfter: expect.stringMatching(/^\d+$/),
  });
}

/** A Temporal service that died of the fault is restarted, as its supervisor (systemd, Kubernetes) would: counted. */
async function superviseTemporal(): Promise<string[]> {
  const restarted: string[] = [];
  for (const [name, part] of Object.entries(cluster.temporal) as [TemporalService, typeof cluster.temporal.history][])
    if (!part.running) {
      restarted.push(name);
      await part.start();
    }
  if (restarted.length) say(`restarted as a supervisor would: ${restarted.join(', ')}`);
  return restarted;
}

describe("the engine's own faults", () => {
  scenarioTest('history')(
    'the history service SIGKILLed and restarted mid-lifecycle: 503 with Retry-After meanwhile, nothing lost, the audits complete',
    async () => {
      const runs = runsFor('history');
      let refused = '' as Reply | string;
      const f = await runner.run('history SIGKILLed', runs, async () => {
        await midLifecycle(runs);
        await cluster.temporal.history.kill();
        say('history SIGKILLed');
        // Starting an audit needs history: refused while it is down, and safe to send again with the same key.
        const first = await sendProbe(runs[0]!, 'history').catch((err: Error) => `no answer (${err.message})`);
        await sleep(5000);
        await cluster.temporal.history.start();
        say('history restarted');
        refused = await probeOnce(
          runs[0]!,
          'history',
          typeof first === 'string' ? Promise.reject(new Error(first)) : Promise.resolve(first),
        );
        return `history SIGKILLed, down ~5 s; a POST /api/audits sent meanwhile: ${typeof refused === 'string' ? refused : refused.status}, then 201 once retried`;
      });
      expect(typeof refused === 'string' ? refused : refused.status).toBe(503);
      // The API's refusal (Temporal unavailable), not the proxy's (no API process answered).
      expect(typeof refused !== 'string' && refused.body.error.message).toMatch(/A service Deep Dive depends on/);
      expectAcceptedOrRetryable(refused);
      expectClean(f);
      expectRetryableRefusals(f.name);
      expect(cluster.temporal.history.kills).toBe(1);
    },
  );

  scenarioTest('matching')(
    'the matching service restarted mid-lifecycle: nothing lost, the audits complete',
    async () => {
      const runs = runsFor('matching');
      const f = await runner.run('matching restarted', runs, async () => {
        await midLifecycle(runs);
        const t = Date.now();
        await cluster.temporal.matching.stop();
        say('matching stopped');
        await sleep(5000);
        await cluster.temporal.matching.start();
        say(`matching restarted after ${Date.now() - t} ms`);
        return `matching stopped (SIGTERM) and restarted, down ${((Date.now() - t) / 1000).toFixed(0)} s`;
      });
      expectClean(f);
      expectRetryableRefusals(f.name);
    },
  );

  scenarioTest('frontend')(
    'the frontend SIGKILLed and restarted with API requests in flight: each answered 201 or 503 + Retry-After, one effect each once retried',
    async () => {
      const runs = runsFor('frontend');
      const answers: (Reply | string)[] = [];
      const f = await runner.run('frontend SIGKILLed', runs, async () => {
        await midLifecycle(runs);
        // Six audits started at once, the frontend killed under them; three more sent while it is down.
        const inFlight = Array.from({ length: 6 }, (_, i) => sendProbe(runs[0]!, `frontend-${i}`));
        await sleep(50);
        await cluster.temporal.frontend.kill();
        say('frontend SIGKILLed');
        const whileDown = Array.from({ length: 3 }, (_, i) => sendProbe(runs[0]!, `frontend-down-${i}`));
        await sleep(5000);
        await cluster.temporal.frontend.start();
        say('frontend restarted');
        const supervised = await superviseTemporal();
        for (const [i, p] of inFlight.entries()) answers.push(await probeOnce(runs[0]!, `frontend-${i}`, p));
        for (const [i, p] of whileDown.entries()) answers.push(await probeOnce(runs[0]!, `frontend-down-${i}`, p));
        const counts = new Map<string, number>();
        for (const a of answers) {
          const k = typeof a === 'string' ? 'none' : String(a.status);
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        return `frontend SIGKILLed with 6 POST /api/audits in flight, 3 more sent while down 5 s (first answers ${[...counts].map(([k, n]) => `${k}×${n}`).join(' ')}; each retried with its Idempotency-Key: 1 audit each)${supervised.length ? `; restarted after it: ${supervised.join(', ')}` : ''}`;
      });
      f.extra.firstAnswers = answers.map((a) => (typeof a === 'string' ? a : a.status)).join(' ');
      for (const a of answers) expectAcceptedOrRetryable(a);
      expectClean(f);
      expectRetryableRefusals(f.name);
    },
  );

  scenarioTest('temporal-db')(
    "Temporal's PostgreSQL stopped 30 s mid-lifecycle (the product's stays up): 503 with Retry-After meanwhile, nothing lost",
    async () => {
      const runs = runsFor('temporal-db');
      const during: number[] = [];
      let first: Promise<Reply> | undefined;
      let answer = '' as Reply | string;
      const f = await runner.run("Temporal's PostgreSQL outage", runs, async () => {
        await midLifecycle(runs);
        temporalPostgres.stop('immediate');
        const t = Date.now();
        say("Temporal's PostgreSQL stopped (immediate)");
        first = sendProbe(runs[0]!, 'temporal-db');
        // Reads sent while it is down, each given a client's patience (10 s, twice the query's deadline), the
        // last sent early enough to be answered within the 30 s.
        while (Date.now() - t < 20_000) {
          const r = await http
            .call('GET', `/api/audits/${runs[0]!.id}`, { key: stack.secrets.keys.manager, timeoutMs: 10_000 })
            .catch(() => undefined);
          during.push(r?.status ?? 0);
          await sleep(2000);
        }
        await sleep(Math.max(0, 30_000 - (Date.now() - t)));
        temporalPostgres.start();
        const downMs = Date.now() - t;
        say(`Temporal's PostgreSQL started again after ${downMs} ms`);
        // The services reconnect by themselves; one that gave up is restarted, as its supervisor would.
        await sleep(5000);
        const supervised = await superviseTemporal();
        answer = await probeOnce(runs[0]!, 'temporal-db', first);
        const statuses = [...new Set(during)].join('/');
        return `Temporal's PostgreSQL down ${(downMs / 1000).toFixed(0)} s (stop -m immediate); GET /api/audits/:id meanwhile: ${statuses}; a POST /api/audits sent meanwhile: ${typeof answer === 'string' ? answer : answer.status}${supervised.length ? `; Temporal services that exited and were restarted: ${supervised.join(', ')}` : ''}`;
      });
      // Every read meanwhile is answered within a client's patience: its state, or 503 once the workflow
      // query's deadline (api/commands/audits.ts QUERY_DEADLINE_MS) passes.
      expect(during.filter((st) => st === 0)).toEqual([]);
      expect(during.filter((st) => st >= 500 && st !== 503)).toEqual([]);
      expectAcceptedOrRetryable(answer);
      expectClean(f);
      expectRetryableRefusals(f.name);
    },
  );
});

describe("the dev server's scenarios, on the cluster", () => {
  scenarioTest('crash')(
    `worker crashes: ${AUDITS + 1} audits while the 3 workers are SIGKILLed at random, at least ${KILLS} times`,
    async () => {
      const runs = runsFor('crash', AUDITS + 1);
      runs[0]!.concern = true;
      const f = await runner.workerCrashes(runs, KILLS);
      expectClean(f);
      expectRetryableRefusals(f.name);
      expect(stack.workers.reduce((n, w) => n + w.kills, 0)).toBeGreaterThanOrEqual(KILLS);
    },
  );

  scenarioTest('api')(
    'one of the two APIs restarted (SIGKILL and SIGTERM): the proxy routes around it, no acknowledged request lost',
    async () => {
      const unanswered = http.networkErrors;
      const f = await runner.apiRestarts(runsFor('api'));
      expectClean(f);
      expectRetryableRefusals(f.name);
      // The proxy answered every request: the other API, or 503 + Retry-After for one cut off mid-way.
      expect(http.networkErrors - unanswered).toBe(0);
      expect(stack.api.incarnations).toBeGreaterThanOrEqual(5);
    },
  );

  scenarioTest('smtp')('SMTP outage: everything delivered after recovery, nothing twice', async () => {
    const { figures: f, health } = await runner.smtpOutage(runsFor('smtp'));
    expect(health?.status).toBe(503);
    expect(health?.body).toMatchObject({ status: 'degraded', smtp: 'unavailable', database: 'ok', temporal: 'ok' });
    expectClean(f);
    expectRetryableRefusals(f.name);
    expect(f.emails!.delivered + f.emails!.unconfirmed - f.emails!.unconfirmedDelivered).toBe(f.emails!.outbox);
  });

  scenarioTest('db')(
    "the product's database stopped mid-run (Temporal's stays up): 503 in the error shape, never 500, nothing lost",
    async () => {
      const done = runner.lifecycleRuns.find((r) => r.links.respond.length && r.links.progress.length);
      const {
        figures: f,
        during,
        retries,
      } = await runner.databaseOutage(runsFor('db'), {
        respond: done?.links.respond[0],
        progress: done?.links.progress[0],
      });
      expect(during.filter((p) => p.status !== 503 || !p.shaped)).toEqual([]);
      expect(retries.highestAttempt).toBeGreaterThan(1);
      expectClean(f);
      expectRetryableRefusals(f.name);
    },
  );
});

test('the probes cancelled; both APIs served requests; no refusal but 503s with Retry-After in the whole run', async () => {
  http.scenario = 'cleanup';
  for (const id of probeAudits)
    await persist(`cancel probe ${id}`, () =>
      http.call('POST', `/api/audits/${id}/cancel`, {
        key: stack.secrets.keys.bu,
        body: { reason: 'A probe of the fault suite' },
      }),
    );
  // The proxy shared the requests between both APIs: the cluster's shape, not one process behind a name.
  for (const api of cluster.apis)
    expect(fs.readFileSync(api.logFile, 'utf8').split('"msg":"request"').length - 1).toBeGreaterThan(10);
  expect(notRetryable(http.serverErrors)).toEqual([]);
});

// `npm run bench` (not part of `npm test`): the performance figures of issue 8, against the Temporal dev
// server and a real PostgreSQL on this machine, printed and written into docs/BENCHMARKS.md.
//   1. the engine's own limit: bare workflows taking updates, nothing else;
//   2. the full path: agencies' submissions over HTTP (saved, then the workflow update), 50 clients;
//   3. scale: 1,000 open audits awaiting submissions on one worker — its RSS, the time to open them;
//   4. history: events per run of the largest audit through every stage and three years of follow-up;
//   5. emails: the existing render bench (cold, warm);
//   6. pages: the staff console's pages with 500 audits in the database (`--only=pages`; its own section).
// Settings: flags (`npm run bench -- --workflows=100`) or the environment (BENCH_WORKFLOWS=100); see
// SETTINGS below and docs/BENCHMARKS.md. `--only=engine,full` runs some parts; `--profile` saves CPU
// profiles of the measured windows of parts 1–2 and summarises them; `--no-write` leaves the docs alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../infra/logger';
import { PROJECT_ROOT } from '../infra/migrate';
import { installWorkerLogging } from '../worker';
import { emailBench } from './emails';
import { history } from './history';
import { formatSummary, summarise } from './profile';
import { countQueries } from './queries';
import {
  type EngineRun,
  machine,
  PAGES_SECTION,
  pagesSection,
  withEngineResults,
  writeEngineResults,
  type Results,
  SECTION,
  section,
  targets,
  VARIANT_NAMES,
  write,
} from './report';
import { pages } from './pages';
import { scale } from './scale';
import { type Engine, startStack, type Stack, temporalDescription } from './stack';
import { type EngineVariant, engineBaseline, fullPath } from './throughput';

const SETTINGS = {
  /** Workflows in part 1 and audits in part 2. */
  workflows: 50,
  /** Each part-2 audit's shape; part 1's workflows take cases × agenciesPerCase updates each. */
  cases: 4,
  agenciesPerCase: 2,
  clients: 50,
  warmupAudits: 5,
  scaleAudits: 1000,
  /** Part 3's audits: the default cohort (4 cases), each case involving 2 agencies, as in part 2. */
  scaleCases: 4,
  scaleAgenciesPerCase: 2,
  scaleConcurrency: 20,
  historyCases: 10,
  historyAgencies: 8,
  historyActions: 8,
  historyYears: 3,
  pagesAudits: 500,
  pagesRequests: 100,
};
type Settings = typeof SETTINGS;
const PARTS = ['emails', 'engine', 'full', 'scale', 'history', 'pages'] as const;
const ENGINES = ['dev', 'cluster'] as const;
/** The parts that measure the engine; the others do not depend on where Temporal runs and stay on the dev server. */
const CLUSTER_PARTS = ['engine', 'full', 'scale'];

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`not a flag: ${argv[i]}`);
    const value = m[2] ?? (argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true');
    flags.set(
      m[1]!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
      value,
    );
  }
  const envName = (key: string) => `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const settings = { ...SETTINGS };
  for (const key of Object.keys(SETTINGS) as (keyof Settings)[]) {
    const raw = flags.get(key) ?? process.env[envName(key)];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a whole number, not ${raw}`);
    settings[key] = n;
    flags.delete(key);
  }
  const engine = (flags.get('engine') ?? process.env.BENCH_ENGINE ?? 'dev') as Engine;
  if (!ENGINES.includes(engine)) throw new Error(`--engine: dev or cluster, not ${engine}`);
  const defaultParts = engine === 'cluster' ? CLUSTER_PARTS : PARTS.filter((p) => p !== 'pages');
  const only = (flags.get('only') ?? process.env.BENCH_ONLY ?? defaultParts.join(',')).split(',');
  for (const part of only)
    if (!PARTS.includes(part as (typeof PARTS)[number])) throw new Error(`--only: no part ${part}`);
  if (engine === 'cluster') {
    const others = only.filter((p) => !CLUSTER_PARTS.includes(p));
    if (others.length)
      throw new Error(`--engine=cluster runs parts ${CLUSTER_PARTS.join(', ')} only, not ${others.join(', ')}`);
    if (process.env.BENCH_TEMPORAL_ADDRESS)
      throw new Error('--engine=cluster starts its own Temporal: unset BENCH_TEMPORAL_ADDRESS');
  }
  const profile = (flags.get('profile') ?? process.env.BENCH_PROFILE) === 'true' || process.env.BENCH_PROFILE === '1';
  const writeDocs = flags.get('noWrite') === undefined && process.env.BENCH_NO_WRITE === undefined;
  const heapSnapshots = flags.get('heapSnapshots') === 'true';
  for (const known of ['only', 'profile', 'noWrite', 'engine', 'heapSnapshots']) flags.delete(known);
  if (flags.size) throw new Error(`unknown setting(s): ${[...flags.keys()].join(', ')}`);
  return {
    engine,
    settings,
    only: new Set(only),
    profile,
    writeDocs,
    heapSnapshots,
    databaseServerUrl: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres',
    temporalAddress: process.env.BENCH_TEMPORAL_ADDRESS,
  };
}

const started = performance.now();
const say = (line: string) =>
  process.stdout.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const s = opts.settings;
  const loadAverage = os.loadavg();
  installWorkerLogging(createLogger('warn'));
  countQueries();
  const results: Results = {
    temporalEngine: opts.engine,
    temporal: temporalDescription(opts.engine, opts.temporalAddress),
    machine: machine(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    date: new Date(),
    seconds: 0,
    loadAverage,
    settings: {
      workflows: s.workflows,
      perWorkflow: s.cases * s.agenciesPerCase,
      cases: s.cases,
      agenciesPerCase: s.agenciesPerCase,
      clients: s.clients,
      warmupAudits: s.warmupAudits,
      scaleAudits: s.scaleAudits,
      scaleShape: `${s.scaleCases}x${s.scaleAgenciesPerCase}`,
      historyCases: s.historyCases,
      historyAgencies: s.historyAgencies,
      historyActions: s.historyActions,
      historyYears: s.historyYears,
    },
  };
  const profileDir = opts.profile
    ? path.join(PROJECT_ROOT, 'test-artifacts', 'bench-profiles', new Date().toISOString().replace(/[:.]/g, '-'))
    : undefined;

  // First, on a quiet machine: the email bench (it writes its own section of docs/BENCHMARKS.md).
  if (opts.only.has('emails')) {
    say('5. emails: the render bench (npm run bench:emails)');
    results.emails = await emailBench({ keepDocs: !opts.writeDocs });
  }

  let stack: Stack | undefined;
  const interrupted = () => {
    say('interrupted: stopping, dropping the bench database');
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const needsStack = ['engine', 'full', 'scale', 'history', 'pages'].some((p) => opts.only.has(p));
  if (needsStack) {
    stack = await startStack({
      databaseServerUrl: opts.databaseServerUrl,
      temporalAddress: opts.temporalAddress,
      engine: opts.engine,
      say,
    });
    say(`Temporal (${opts.engine}) on ${stack.temporalAddress}, database ${stack.database.name}`);
    try {
      const throughput = {
        workflows: s.workflows,
        shape: { cases: s.cases, agenciesPerCase: s.agenciesPerCase },
        clients: s.clients,
        warmupAudits: s.warmupAudits,
        profileDir,
        say,
      };
      // The baseline runs before and after the full path, so that both see the same machine; then the two
      // variants that take the full path apart (the audit's activity in the update, as a task or local).
      const engine = async (variant: EngineVariant, when: EngineRun['when']): Promise<EngineRun> => {
        say(`1. engine: ${VARIANT_NAMES[variant]}${variant === 'bare' ? ` (${when} the full path)` : ''}`);
        const result = await engineBaseline(stack!, {
          ...throughput,
          label: `engine-${variant}-${when}`,
          variant,
        });
        say(`  ${result.load.perSecond.toFixed(1)} updates/s, p99 ${result.load.latency.p99.toFixed(0)} ms`);
        return { ...result, variant, when };
      };
      if (opts.only.has('engine')) results.engine = [await engine('bare', 'before')];
      if (opts.only.has('full')) {
        say('2. full path');
        results.full = await fullPath(stack, { ...throughput, label: 'full-path' });
        const { load } = results.full;
        say(
          `  ${load.perSecond.toFixed(1)} submissions/s, p99 ${load.latency.p99.toFixed(0)} ms, ${load.failed} failed ${load.failures.join(' / ')}`,
        );
      }
      if (opts.only.has('engine')) {
        results.engine!.push(await engine('bare', 'after'));
        results.engine!.push(await engine('activity', 'after'));
        results.engine!.push(await engine('local', 'after'));
      }
      if (opts.only.has('scale')) {
        say('3. scale');
        results.scale = await scale(stack, {
          audits: s.scaleAudits,
          shape: { cases: s.scaleCases, agenciesPerCase: s.scaleAgenciesPerCase },
          concurrency: s.scaleConcurrency,
          heapSnapshotDir: opts.heapSnapshots ? path.join(PROJECT_ROOT, 'test-artifacts', 'bench-heap') : undefined,
          say,
        });
      }
      if (opts.only.has('history')) {
        say('4. history (time-skipping test server)');
        results.history = await history(stack, {
          cases: s.historyCases,
          agenciesPerCase: s.historyAgencies,
          actions: s.historyActions,
          years: s.historyYears,
          say,
        });
      }
      if (opts.only.has('pages')) {
        say('6. pages: the staff console');
        results.pages = await pages(stack, {
          audits: s.pagesAudits,
          auditsWithActions: Math.min(100, s.pagesAudits),
          actionsPerAudit: 3,
          requests: s.pagesRequests,
          say,
        });
      }
    } finally {
      say('stopping; dropping the bench database');
      await stack.stop();
    }
  }
  results.seconds = (performance.now() - started) / 1000;

  // The raw figures first, so that a run of many minutes is never lost to a fault in rendering them.
  fs.mkdirSync(path.join(PROJECT_ROOT, 'test-artifacts'), { recursive: true });
  fs.writeFileSync(path.join(PROJECT_ROOT, 'test-artifacts', `bench-${opts.engine}.json`), JSON.stringify(results));
  const file = path.join(PROJECT_ROOT, 'docs', 'BENCHMARKS.md');
  // Parts 1–4 share one section; the console's pages have their own, so either can be run alone.
  const sections: [string, string][] = [];
  // This engine's figures beside the other engine's last ones (kept in a file of their own next to the doc).
  const engineFile = path.join(PROJECT_ROOT, 'docs', 'BENCHMARKS.json');
  const engines = withEngineResults(engineFile, results);
  if (['engine', 'full', 'scale', 'history'].some((p) => opts.only.has(p))) sections.push([SECTION, section(engines)]);
  if (results.pages) sections.push([PAGES_SECTION, pagesSection(results)]);
  for (const [, text] of sections) process.stdout.write(`\n${text}\n`);
  if (profileDir) {
    const files = [...(results.engine ?? []), ...(results.full ? [results.full] : [])].flatMap((r) => r.profiles);
    for (const file of files) process.stdout.write(`\n${formatSummary(path.basename(file), summarise(file))}\n`);
  }
  if (opts.writeDocs && sections.length) {
    for (const [heading, text] of sections) await write(file, text, heading);
    if (sections.some(([heading]) => heading === SECTION)) await writeEngineResults(engineFile, engines);
    say(`written to ${path.relative(process.cwd(), file)}`);
  }
  const missed = targets(results).filter((t) => t.met === false);
  say(
    `done in ${results.seconds.toFixed(0)} s; targets: ${targets(results).filter((t) => t.met).length} met, ${missed.length} missed`,
  );
  const pageFailed = results.pages?.pages.some((p) => p.status !== 200);
  if (results.engine?.some((e) => e.load.failed) || results.full?.load.failed || pageFailed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

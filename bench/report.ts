// The figures of `npm run bench` as one Markdown section — printed, and written into docs/BENCHMARKS.md in
// place of the previous run's (every other section of the file stays as it is) — with each target of
// issue 8 marked met or missed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import type { EmailFigures } from './emails';
import type { Latency } from './harness';
import type { HistoryResult } from './history';
import type { PagesResult } from './pages';
import type { ScaleResult } from './scale';
import type { Engine } from './stack';
import type { EngineVariant, ThroughputResult } from './throughput';

export const VARIANT_NAMES: Record<EngineVariant, string> = {
  bare: 'update only',
  activity: "update + the audit's activity",
  local: "update + the audit's activity as a local activity",
};

export type EngineRun = ThroughputResult & { variant: EngineVariant; when: 'before' | 'after' };

export const SECTION = '## Performance: `npm run bench`';

export interface Results {
  temporalEngine: Engine;
  /** Where Temporal ran, in words. */
  temporal: string;
  machine: string;
  command: string;
  date: Date;
  seconds: number;
  settings: Record<string, string | number>;
  /** The baseline before and after the full path, then its variants. */
  engine?: EngineRun[];
  full?: ThroughputResult & { collationSeconds: number };
  scale?: ScaleResult;
  history?: HistoryResult;
  emails?: EmailFigures;
  pages?: PagesResult;
  loadAverage: number[];
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mib = (n: number) => `${(n / MiB).toFixed(0)} MiB`;

/** A Markdown table laid out as prettier lays it out, so the file stays as prettier leaves it. */
export function table(header: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(3, ...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    `| ${r.map((v, c) => (align[c] === 'r' ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (align[c] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...cells.slice(1).map(line)].join('\n');
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / GiB).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

interface Target {
  target: string;
  figure: string;
  met: boolean | undefined;
}

/** The baseline's throughput: the mean of its runs (before and after the full path). */
export function baselineRate(r: Results): number | undefined {
  const runs = r.engine?.filter((e) => e.variant === 'bare') ?? [];
  if (!runs.length) return undefined;
  return runs.reduce((sum, e) => sum + e.load.perSecond, 0) / runs.length;
}

/** Every measured run in the order it ran, with its name in the tables. */
function measuredRuns(r: Results): [string, ThroughputResult][] {
  const engine = (e: EngineRun): [string, ThroughputResult] => [
    e.variant === 'bare'
      ? `1. engine, update only (${e.when})`
      : `1${e.variant === 'activity' ? 'b' : 'c'}. engine, ${VARIANT_NAMES[e.variant]}`,
    e,
  ];
  return [
    ...(r.engine ?? []).filter((e) => e.when === 'before').map(engine),
    ...(r.full ? [['2. full path', r.full] as [string, ThroughputResult]] : []),
    ...(r.engine ?? []).filter((e) => e.when === 'after').map(engine),
  ];
}

/** Part 3's RSS per cached run: past the cache limit only the cached runs cost memory. */
const perCachedAudit = (c: ScaleResult) => (c.steady.rss - c.warm.rss) / Math.max(1, c.steady.cachedWorkflows - 1);
const perCachedBare = (b: NonNullable<ScaleResult['bare']>) => (b.steady.rss - b.warm.rss) / b.workflows;

export function targets(r: Results): Target[] {
  const base = baselineRate(r);
  const ratio = base && r.full ? r.full.load.perSecond / base : undefined;
  const rss = r.scale ? Math.max(r.scale.steady.rss, r.scale.peakRss) : undefined;
  const auditToBare = r.scale?.bare ? perCachedAudit(r.scale) / perCachedBare(r.scale.bare) : undefined;
  const warm = r.emails ? Math.max(...r.emails.rows.map((row) => row.warmMs)) : undefined;
  return [
    {
      target: 'full path ≥ 0.5 × engine baseline',
      figure: ratio === undefined ? 'not run' : `${ratio.toFixed(2)} ×`,
      met: ratio === undefined ? undefined : ratio >= 0.5,
    },
    {
      target: `full path p99 < 250 ms at ${r.settings.clients} concurrent`,
      figure: r.full ? ms(r.full.load.latency.p99) : 'not run',
      met: r.full ? r.full.load.latency.p99 < 250 && r.full.load.failed === 0 : undefined,
    },
    {
      target: `${r.scale?.audits ?? 1000} open audits < 1 GiB worker RSS`,
      figure: rss === undefined ? 'not run' : `${mib(rss)} (highest of steady and peak)`,
      met: rss === undefined ? undefined : rss < GiB,
    },
    {
      target: 'a cached audit ≤ 2 × a cached bare workflow in worker RSS',
      figure: auditToBare === undefined ? 'not run' : `${auditToBare.toFixed(1)} ×`,
      met: auditToBare === undefined ? undefined : auditToBare <= 2,
    },
    {
      target: 'every workflow run < 5,000 events',
      figure: r.history ? `largest run ${r.history.maxEvents} events` : 'not run',
      met: r.history ? r.history.maxEvents < 5000 : undefined,
    },
    {
      target: 'warm render < 10 ms',
      figure: warm === undefined ? 'not run' : `slowest template ${warm.toFixed(3)} ms`,
      met: warm === undefined ? undefined : warm < 10,
    },
  ];
}

type Window = [string, { wall: number; cpu: Record<string, number> }];

function cpuTable(runs: [Engine, Results][], windows: (r: Results) => Window[]): string {
  return byEngine(runs, 'window', ['wall', `CPU s: ${PROCESSES_HEADER}`, 'machine busy'], (r) =>
    windows(r).map(([name, w]) => [name, [`${f1(w.wall)} s`, perProcess(w.cpu, f1), busy(w)]]),
  );
}

const latencyCells = (l: Latency) => `${[l.p50, l.p95, l.p99, l.max].map(f0).join(' / ')} ms`;

export const ENGINE_NAMES: Record<Engine, string> = { dev: 'dev server', cluster: 'cluster' };

/** Each engine's last figures, kept beside the doc: a run on one engine rewrites its column and keeps the other's. */
export type EngineResults = Partial<Record<Engine, Results>>;

export function readEngineResults(file: string): EngineResults {
  if (!fs.existsSync(file)) return {};
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<Engine, Results & { date: string }>;
  return Object.fromEntries(Object.entries(stored).map(([engine, r]) => [engine, { ...r, date: new Date(r.date) }]));
}

/** This run's figures in place of its engine's last, beside the other engine's kept in `file`. */
export function withEngineResults(file: string, results: Results): EngineResults {
  return { ...readEngineResults(file), [results.temporalEngine]: { ...results, pages: undefined } };
}

export async function writeEngineResults(file: string, results: EngineResults): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(JSON.stringify(results), { ...options, filepath: file }));
}

type Cell = string | number;

/**
 * A table with a column per engine for each measure, side by side: one row per label any engine has
 * ('—' where an engine has none). A measure named '' is headed by the engine's name alone.
 */
function byEngine(
  runs: [Engine, Results][],
  first: string,
  measures: string[],
  rows: (r: Results) => [string, Cell[]][],
): string {
  const perEngine = runs.map(([, r]) => new Map(rows(r)));
  const labels = [...new Set(perEngine.flatMap((m) => [...m.keys()]))];
  const header = measures.flatMap((m) => runs.map(([e]) => (m ? `${m}: ${ENGINE_NAMES[e]}` : ENGINE_NAMES[e])));
  return table(
    [first, ...header],
    labels.map((label) => [label, ...measures.flatMap((_, c) => perEngine.map((m) => m.get(label)?.[c] ?? '—'))]),
    ['l', ...header.map(() => 'r' as const)],
  );
}

/** The processes of the CPU figures, in one cell: Temporal's are the server's processes, + on the cluster its PostgreSQL backends. */
const PROCESSES: string[][] = [
  ['bench process (API, load)'],
  ['worker'],
  ['Temporal server', "Temporal's PostgreSQL backends"],
  ["Deep Dive's PostgreSQL backends"],
  ['everything else on the machine'],
];
const PROCESSES_HEADER = 'bench process / worker / Temporal / Deep Dive’s PostgreSQL / everything else';

function perProcess(cpu: Record<string, number>, scale: (seconds: number) => string): string {
  return PROCESSES.map((names) =>
    names
      .filter((n) => n in cpu)
      .map((n) => scale(cpu[n]!))
      .join(' + '),
  ).join(' / ');
}

const busy = (w: { wall: number; cpu: Record<string, number> }) =>
  `${((100 * Object.values(w.cpu).reduce((a, b) => a + b, 0)) / (os.availableParallelism() * w.wall)).toFixed(0)} %`;

export function section(store: EngineResults): string {
  const runs = (Object.keys(ENGINE_NAMES) as Engine[]).flatMap((e): [Engine, Results][] =>
    store[e] ? [[e, store[e]]] : [],
  );
  const first = runs[0]![1];
  const s = first.settings;
  const each = (figure: (r: Results) => string) => runs.map(([e, r]) => `${ENGINE_NAMES[e]} ${figure(r)}`).join(', ');
  const out: string[] = [
    SECTION,
    '',
    'Parts 1–3 on each engine, side by side: each column is its engine’s last run, kept in `docs/BENCHMARKS.json`',
    '(`npm run bench` runs the dev server, `npm run bench -- --engine=cluster` the cluster; each rewrites its own',
    "column and keeps the other's). Parts 4–5 do not depend on the engine and run on the dev server only.",
    '',
    ...runs.map(
      ([e, r]) =>
        `- **${ENGINE_NAMES[e]}**: \`${r.command}\` on ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${f0(r.seconds)} s in all; ` +
        `${r.machine}; load average at start ${r.loadAverage.map((l) => l.toFixed(2)).join(' / ')}. Temporal: ${r.temporal}. Settings: ` +
        Object.entries(r.settings)
          .map(([k, v]) => `\`${k}=${v}\``)
          .join(', ') +
        '.',
    ),
    '',
    'On both engines the bench forks its own worker processes and serves the API in its own process, pointed at',
    "Temporal's frontend, so each part measures the same worker and API against either engine (the cluster's own",
    'three workers and two APIs behind a proxy would spread the load the parts measure on one worker). PostgreSQL: a',
    'fresh database on `BENCH_DATABASE_URL`, SMTP: the dev mail catcher. Each worker runs in a process of its own (the',
    "production layout: `start:api` and `start:worker` apart); the API and the load's clients share the bench's process.",
    '',
  ];

  out.push('### Targets', '');
  out.push(
    byEngine(runs, 'target', [''], (r) =>
      targets(r).map((t) => [t.target, [`${t.figure}${t.met === undefined ? '' : t.met ? ', met' : ', **missed**'}`]]),
    ),
    '',
  );

  if (runs.some(([, r]) => r.engine || r.full)) {
    out.push('### 1–2. Engine baseline and full path', '');
    const measured = (r: Results) => {
      const per = Number(r.settings.perWorkflow);
      return measuredRuns(r).map(([name, m]): [string, ThroughputResult, boolean] => [
        `${name}: ${r.settings.workflows} ${m === r.full ? 'audits' : 'workflows'} × ${per}`,
        m,
        m === r.full,
      ]);
    };
    out.push(
      byEngine(runs, 'run', ['throughput', 'p50 / p95 / p99 / max', 'failed'], (r) => {
        const base = baselineRate(r);
        return measured(r).map(([name, m, full]) => [
          name,
          [
            `${f1(m.load.perSecond)} ${full ? 'submissions' : 'updates'}/s${base ? ` (${(m.load.perSecond / base).toFixed(2)} ×)` : ''}`,
            latencyCells(m.load.latency),
            m.load.failed,
          ],
        ]);
      }),
      '',
    );
    out.push(
      `${s.clients} concurrent clients in a closed loop, each workflow's updates spread round-robin over the run; × is the`,
      `ratio to the engine baseline on the same engine, the mean of its two runs (${each((r) => `${f1(baselineRate(r) ?? NaN)}`)} updates/s). Engine: \`bench/workflows.ts\`, a workflow`,
      'that only counts updates (warmed by one update each), run before and after the full path; 1b and 1c add to each',
      "update the database write the audit's handler made until 2026-11-26 (the Prisma batch transaction of",
      '`recordInvitationOutcome`), as an activity and as a local activity: the evidence behind moving it. Full path:',
      "each POST claims the invitation and saves the submission, the invitation's status and the trail entry in one",
      "transaction, then awaits the audit's `submissionReceived` update, whose handler changes workflow state only (an",
      `activity only for a late submission); ${s.warmupAudits} audits were submitted first as warm-up.`,
      runs.some(([, r]) => r.full)
        ? `Opening the ${Number(s.workflows) + Number(s.warmupAudits)} audits (created, drawn, invited) took ${each((r) => (r.full ? `${f1(r.full.setupSeconds)} s` : '—'))}; after the last answer, all were in collation within ${each((r) => (r.full ? `${f1(r.full.collationSeconds)} s` : '—'))}.`
        : '',
      '',
    );
    const perRequest = (m: ThroughputResult) => (seconds: number) => f1((1000 * seconds) / Math.max(1, m.load.ok));
    out.push(
      'What one update (baseline) or one submission (full path) costs: history events the workflow gained, SQL statements',
      "sent (node-postgres queries, BEGIN and COMMIT included) by the bench's process and by the worker, and CPU",
      "milliseconds per process (CPU seconds over the measured window ÷ requests; Temporal's are its server's, + on the",
      'cluster its PostgreSQL backends):',
      '',
      byEngine(runs, 'run', ['history events', 'SQL statements: API / worker', `CPU ms: ${PROCESSES_HEADER}`], (r) =>
        measured(r).map(([name, m]) => [
          name,
          [
            `${f1(m.history.perUpdate)} (${Object.entries(m.history.kinds)
              .map(([k, n]) => `${k} ${f1(n)}`)
              .join(', ')})`,
            `${f1(m.queries.api)} / ${f1(m.queries.worker)}`,
            perProcess(m.cpu.cpu, perRequest(m)),
          ],
        ]),
      ),
      '',
      'Inside the engine, from the timestamps of the measured events of up to 10 of the workflows: a workflow task or an',
      "activity task waits in its queue (scheduled → started: until a worker's poller takes it) and then runs (started →",
      'completed). Mean milliseconds; the HTTP latency is the full path seen by its clients:',
      '',
      byEngine(
        runs,
        'run',
        [
          'mean latency',
          'workflow tasks per update',
          'workflow task queued / run',
          'activities per update',
          'activity queued / run',
        ],
        (r) => {
          const sampled = Math.max(1, Math.min(10, Number(r.settings.workflows)) * Number(r.settings.perWorkflow));
          return measured(r).map(([name, m]) => [
            name,
            [
              ms(m.load.latency.mean),
              f1(m.timings.workflowTask.count / sampled),
              `${f1(m.timings.workflowTask.queued)} / ${f1(m.timings.workflowTask.run)} ms`,
              f1(m.timings.activity.count / sampled),
              m.timings.activity.count ? `${f1(m.timings.activity.queued)} / ${f1(m.timings.activity.run)} ms` : '—',
            ],
          ]);
        },
      ),
      '',
      `CPU seconds per process during each measured window (${os.availableParallelism()} cores = ${os.availableParallelism()} CPU-seconds per second of wall time;`,
      '"everything else" is what other processes on the machine used meanwhile):',
      '',
      cpuTable(runs, (r) => measured(r).map(([name, m]) => [name, m.cpu])),
      '',
    );
  }

  if (runs.some(([, r]) => r.scale)) {
    out.push('### 3. Scale: open audits on one worker', '');
    out.push(
      byEngine(runs, 'measure', [''], (r) => {
        if (!r.scale) return [];
        const c = r.scale;
        const rows: [string, string][] = [
          ['open audits (invitations)', `${c.audits} (${c.invitations})`],
          ['all created (POST /api/audits, workflow started)', `${f1(c.seconds.created)} s`],
          ['all drawn (stage invitations)', `${f1(c.seconds.drawn)} s`],
          ['all invitations sent (POST …/invitations/send)', `${f1(c.seconds.sent)} s`],
          ['all waiting in awaiting_submissions (invitation emails sent)', `${f1(c.seconds.awaiting)} s`],
          ['worker RSS: started, nothing run yet', mib(c.idle.rss)],
          ['worker RSS: one audit opened (code loaded, warm)', mib(c.warm.rss)],
          ['worker RSS: peak while opening', mib(c.peakRss)],
          ['worker RSS: all audits waiting (steady)', mib(c.steady.rss)],
          ['worker RSS after a full GC', mib(c.afterGc.rss)],
          [
            'V8 heap used / external / array buffers, after GC',
            `${mib(c.afterGc.heapUsed)} / ${mib(c.afterGc.external)} / ${mib(c.afterGc.arrayBuffers)}`,
          ],
          [
            'workflows in the worker’s cache / its limit',
            `${c.steady.cachedWorkflows} / ${c.steady.maxCachedWorkflows}`,
          ],
          [
            'RSS per open audit (steady − warm) / N',
            `${((c.steady.rss - c.warm.rss) / c.audits / 1024).toFixed(0)} KiB`,
          ],
          // The figure to hold against a bare workflow.
          ['RSS per cached run (steady − warm) / (cached − 1)', `${(perCachedAudit(c) / 1024).toFixed(0)} KiB`],
        ];
        // Figures kept from a run before the queries were timed have none.
        if (c.query)
          rows.push([
            `auditState query, p50 / max of ${c.query.sampled}: a cached audit`,
            `${ms(c.query.cached.p50)} / ${ms(c.query.cached.max)}`,
          ]);
        if (c.query?.evicted)
          rows.push([
            'the same, an evicted audit (its history fetched and replayed)',
            `${ms(c.query.evicted.p50)} / ${ms(c.query.evicted.max)}`,
          ]);
        if (c.bare) {
          const perBare = perCachedBare(c.bare);
          rows.push(
            [
              'bare workflows the same way, a worker of their own: open, RSS warm → steady',
              `${c.bare.workflows}: ${mib(c.bare.warm.rss)} → ${mib(c.bare.steady.rss)}`,
            ],
            ['RSS per cached bare workflow (steady − warm) / N', `${(perBare / 1024).toFixed(0)} KiB`],
            ['a cached audit ÷ a cached bare workflow', `${(perCachedAudit(c) / perBare).toFixed(1)} ×`],
          );
        }
        return rows.map(([label, figure]) => [label, [figure]]);
      }),
      '',
      "RSS is the worker process's own (`process.memoryUsage().rss` in its process); times count from the first POST,",
      'after one warm-up audit. CPU seconds while opening them:',
      '',
      cpuTable(runs, (r) => (r.scale ? [['3. opening', r.scale.cpu]] : [])),
      '',
    );
  }

  // Parts 4–5 run on the dev server only.
  const r = store.dev;
  if (r?.history) {
    const h = r.history;
    out.push('### 4. History: events per workflow run', '');
    out.push(
      `The largest audit, ${r.settings.historyCases} cases × ${r.settings.historyAgencies} agencies (${h.invitations} invitations), every stage over the API, ${h.actions}`,
      `actions followed up for ${h.quarters} quarters (every owner reporting each quarter, all overdue in the last year), then`,
      `closed, completed and purged — on the time-skipping test server with the default timeline (${f0(h.seconds)} s).`,
      '',
      table(
        ['workflow run', 'events'],
        [
          ...h.audit.map((m) => [`deepDiveAudit, at ${m.milestone}`, m.events]),
          ...h.actionRuns.slice(0, 1).map((perRun) => [`actionFollowUp (one action), per run`, perRun.join(', ')]),
          [`actionFollowUp, largest run of all ${h.actions}`, Math.max(...h.actionRuns.flat())],
        ],
        ['l', 'r'],
      ),
      '',
      `The follow-up years added ${f1(h.followUp.perActionQuarter)} events to the audit's own run per action and quarter (${h.followUp.kinds
        .filter(([, n]) => n >= 0.05)
        .map(([k, n]) => `${k.replace(/_/g, ' ')} ${n.toFixed(1)}`)
        .join(', ')}): the run grows with actions × quarters, for as long as actions stay open.`,
      '',
    );
  }

  if (r?.emails) {
    const e = r.emails;
    const warm = e.rows.map((row) => row.warmMs);
    const cold = e.rows.map((row) => row.coldMs);
    out.push('### 5. Emails', '');
    out.push(
      `From \`npm run bench:emails\` (its own section below, per template): ${e.rows.length} templates, cold ${Math.min(...cold).toFixed(1)}–${Math.max(...cold).toFixed(1)} ms,`,
      `warm ${Math.min(...warm).toFixed(3)}–${Math.max(...warm).toFixed(3)} ms; the process's first compile (loading MJML) ${e.firstCompileMs.toFixed(1)} ms.`,
      '',
    );
  }
  return out.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

export const PAGES_SECTION = '## Console pages: `npm run bench -- --only=pages`';

/** Part 6: the staff console's server time per page with many audits in the database. */
export function pagesSection(r: Results): string {
  const p = r.pages!;
  return [
    PAGES_SECTION,
    '',
    `\`${r.command}\` on ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC; ${machine()}.`,
    `${p.audits} audits in the database, opened through the API in ${f0(p.openSeconds)} s (each awaiting submissions:`,
    `4 cases, 8 invitations), ${p.actions} open actions on ${Math.ceil(p.actions / 3)} of them. Each page asked for ${p.requests}`,
    'times after 5 warm-up requests, one at a time over loopback with keep-alive, signed in as the business unit: the',
    'time to the last byte, which on loopback is the server’s time plus a fraction of a millisecond.',
    '',
    table(
      ['page', 'status', 'size', 'p50', 'p95', 'max'],
      p.pages.map((t) => [
        `\`${t.path}\``,
        t.status,
        `${(t.bytes / 1024).toFixed(1)} KiB`,
        `${t.latency.p50.toFixed(1)} ms`,
        `${t.latency.p95.toFixed(1)} ms`,
        `${t.latency.max.toFixed(1)} ms`,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  ].join('\n');
}

/**
 * Replaces this section in docs/BENCHMARKS.md (up to the next `## `), or puts it first; then the file as
 * prettier lays it out (the email bench writes its table unaligned).
 */
export async function write(file: string, text: string, heading = SECTION): Promise<void> {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = existing.indexOf(heading);
  let updated: string;
  if (start === -1) {
    const first = existing.indexOf('\n## ');
    updated =
      first === -1
        ? `${existing.trimEnd()}\n\n${text}\n`
        : `${existing.slice(0, first).trimEnd()}\n\n${text}\n${existing.slice(first)}`;
  } else {
    const next = existing.indexOf('\n## ', start + heading.length);
    updated = existing.slice(0, start) + text + (next === -1 ? '' : `\n${existing.slice(next)}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
}

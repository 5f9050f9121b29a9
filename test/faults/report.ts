// The figures of one run: printed as a table at the end, and written to docs/RELIABILITY.md with the
// machine and the date (the last runs are kept in a history table at the bottom of that file).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmailFigures } from './checks';
import type { RouteResult } from './fuzz';
import type { LogScan } from './scan';

/** One fault scenario's figures, as the suite measures them. */
export interface ScenarioFigures {
  name: string;
  audits: number;
  completed: number;
  faults: string;
  acknowledged: number;
  lost: number;
  submissions: number;
  submissionsLost: number;
  emails?: EmailFigures;
  workflows: number;
  stuck: number;
  ms: number;
  notes: string[];
  extra: Record<string, string | number>;
}

export interface Report {
  started: string;
  finished?: string;
  seed: number;
  setup: { buildMs: number; built: boolean; stackMs: number };
  scenarios: ScenarioFigures[];
  fuzz: RouteResult[];
  fuzzMs?: number;
  security: { name: string; ok: boolean; evidence: string }[];
  logScan?: LogScan;
  tellLost?: { outcome: string; ok: boolean };
  races?: string;
  catcher?: { total: number; duplicates: number; withoutId: number };
  catcherResets?: number;
  requests?: number;
  findings: string[];
  totals: {
    kills: number;
    audits: number;
    auditsCompleted: number;
    submissionsLost: number;
    duplicateEmails: number;
    fiveHundreds: number;
    serviceUnavailable: number;
  };
}

/** A suite's totals before its first scenario. */
export const noTotals = (): Report['totals'] => ({
  kills: 0,
  auditsCompleted: 0,
  audits: 0,
  submissionsLost: 0,
  duplicateEmails: 0,
  fiveHundreds: 0,
  serviceUnavailable: 0,
});

const HISTORY_MARK = '<!-- history: one row per run, newest first -->';
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

function machine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  let postgres = '';
  try {
    postgres = fs.readdirSync('/usr/lib/postgresql').sort().at(-1) ?? '';
  } catch {
    // none
  }
  return `${os.hostname()} — ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}${postgres ? `, PostgreSQL ${postgres}` : ''}`;
}

function commit(root: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim()
      ? ' + local changes'
      : '';
    return `${head}${dirty}`;
  } catch {
    return 'unknown';
  }
}

/** Writes docs/RELIABILITY.md (formatted as `npm run format` would); returns the summary table as printed. */
export function writeReport(r: Report, file: string, runDir: string): string {
  const root = path.resolve(__dirname, '../..');
  const totalMs = Date.parse(r.finished ?? new Date().toISOString()) - Date.parse(r.started);
  const emails = r.scenarios.reduce(
    (t, sc) => ({
      outbox: t.outbox + (sc.emails?.outbox ?? 0),
      delivered: t.delivered + (sc.emails?.delivered ?? 0),
      unconfirmed: t.unconfirmed + (sc.emails?.unconfirmed ?? 0),
      unconfirmedDelivered: t.unconfirmedDelivered + (sc.emails?.unconfirmedDelivered ?? 0),
      lost: t.lost + (sc.emails?.lost ?? 0),
    }),
    { outbox: 0, delivered: 0, unconfirmed: 0, unconfirmedDelivered: 0, lost: 0 },
  );
  const fuzzCases = r.fuzz.reduce((n, f) => n + f.cases, 0);
  const fuzz5xx = r.fuzz.reduce(
    (n, f) =>
      n +
      Object.entries(f.statuses)
        .filter(([st]) => Number(st) >= 500)
        .reduce((m, [, c]) => m + c, 0),
    0,
  );
  const lostAcknowledged = r.scenarios.reduce((n, sc) => n + sc.lost, 0);
  const stuck = r.scenarios.reduce((n, sc) => n + sc.stuck, 0);
  const failedSecurity = r.security.filter((c) => !c.ok).length;

  const summary: [string, string][] = [
    ['runs (lifecycle audits driven)', `${r.totals.audits} audits in ${r.scenarios.length} fault scenarios`],
    ['kills', `${r.totals.kills} worker SIGKILLs, ${apiRestarts(r)} API restarts, 1 SMTP outage, 1 PostgreSQL outage`],
    ['audits completed', `${r.totals.auditsCompleted} / ${r.totals.audits}`],
    ['requests acknowledged (2xx) then lost', String(lostAcknowledged)],
    ['submissions lost', String(r.totals.submissionsLost)],
    ['emails: outbox rows / delivered', `${emails.outbox} / ${emails.delivered}`],
    ['duplicate emails (same Message-ID caught twice)', String(r.totals.duplicateEmails)],
    [
      'emails stopped mid-send by a kill (not resent, shown to the BU)',
      `${emails.unconfirmed} (${emails.unconfirmedDelivered} of them had reached the catcher)`,
    ],
    ['emails marked sent but never caught', String(emails.lost)],
    ['workflows left running or failed', String(stuck)],
    [
      'fuzz cases',
      `${fuzzCases} over ${r.fuzz.length} routes (min ${Math.min(...r.fuzz.map((f) => f.cases))} per route)`,
    ],
    ['5xx seen (other than 503 during outages)', `${r.totals.fiveHundreds} (fuzz: ${fuzz5xx})`],
    ['503 answered while a dependency was down', String(r.totals.serviceUnavailable)],
    ['security checks', `${r.security.length - failedSecurity} / ${r.security.length} passed`],
    [
      'log lines scanned / secrets or identifiers found',
      r.logScan ? `${r.logScan.lines} / ${r.logScan.hits.length}` : 'not run',
    ],
    ['HTTP requests made', String(r.requests ?? 0)],
    ['SMTP connection resets the dev catcher would have died of', String(r.catcherResets ?? 0)],
    [
      'timings',
      `total ${s(totalMs)}; build ${r.setup.built ? s(r.setup.buildMs) : 'up to date'}; stack ${s(r.setup.stackMs)}; ${r.scenarios.map((sc) => `${sc.name} ${s(sc.ms)}`).join('; ')}; fuzz ${s(r.fuzzMs ?? 0)}`,
    ],
  ];
  const width = Math.max(...summary.map(([k]) => k.length));
  const table = [
    '── Deep Dive reliability suite ─────────────────────────────────────────────',
    ...summary.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    ...(r.findings.length ? ['findings:', ...r.findings.map((f) => `  - ${f}`)] : []),
    '────────────────────────────────────────────────────────────────────────────',
  ].join('\n');

  const md: string[] = [];
  md.push('# Reliability');
  md.push('');
  md.push(
    'Figures from the reliability suite (test/faults/; `npm test` runs it with every other test, so CI does; `npm run test:faults` alone): the real Temporal dev server, a private PostgreSQL cluster, the SMTP catcher, two workers and the API, each an OS process of its own (built from `dist/`), while workers are SIGKILLed, the API is restarted, the SMTP relay and the database are stopped, and every route is fuzzed. Written by the suite itself at the end of each run; the history at the bottom keeps the last runs.',
  );
  md.push('');
  md.push(`- **Date**: ${r.started} → ${r.finished ?? ''}`);
  md.push(`- **Machine**: ${machine()}`);
  md.push(`- **Commit**: ${commit(root)}`);
  md.push(`- **Fuzz seed**: ${r.seed} (\`FAULTS_SEED=${r.seed} npm run test:faults\` replays the same cases)`);
  md.push(`- **Logs of this run**: \`${path.relative(root, runDir)}/\` (gitignored)`);
  md.push('');
  md.push('## Summary');
  md.push('');
  md.push('| figure | value |');
  md.push('|---|---|');
  for (const [k, v] of summary) md.push(`| ${k} | ${v} |`);
  md.push('');
  md.push('## Fault scenarios');
  md.push('');
  md.push(...scenarioTable(r.scenarios));
  if (r.tellLost)
    md.push(
      `- **A submission saved while its workflow could not be told** (workers down, API SIGKILLed mid-request): ${r.tellLost.outcome} — ${r.tellLost.ok ? 'reached the workflow' : '**never reached the workflow**'}`,
    );
  md.push('');
  md.push('## Hostile input (fast-check)');
  md.push('');
  md.push(
    `${fuzzCases} cases, ${r.fuzz.length} routes (every path and method of \`GET /api/openapi.json\`), in ${s(r.fuzzMs ?? 0)}. Each case: a valid body broken one way (a field dropped or retyped, hostile strings — NUL, lone surrogates, 21 000 characters, prototype keys), random JSON, or a bad encoding (form, text/plain, multipart, malformed JSON, UTF-16 charset, gzip that is not, 1.1 MB, 2 000–80 000 levels of nesting); path segments real, random or junk (malformed percent-escapes, 3 000 characters); any key or none; any Accept. Passed when every answer is below 500 and every refusal to a JSON client is \`{"error": {"code", "message", "details"?}}\`.`,
  );
  md.push('');
  md.push('| route | cases | of which form posts | failed | answers |');
  md.push('|---|---|---|---|---|');
  for (const f of r.fuzz) {
    const answers = Object.entries(f.statuses)
      .map(([st, c]) => `${st}×${c}`)
      .join(' ');
    md.push(`| \`${f.route}\` | ${f.cases} | ${f.forms} | ${f.failures} | ${answers} |`);
  }
  const failed = r.fuzz.filter((f) => f.failure);
  if (failed.length) {
    md.push('');
    md.push('Failed routes, with the smallest failing case fast-check found:');
    md.push('');
    for (const f of failed) md.push(`- \`${f.route}\`: ${f.failure!.replace(/\|/g, '\\|').slice(0, 900)}`);
  }
  md.push('');
  if (r.races)
    md.push(
      `Simultaneous requests (a report and an LIS sign-off refused together, one discussion scheduled twelve times, one tool submitted ten times at once): ${r.races}.`,
      '',
    );
  md.push('## Security checks');
  md.push('');
  md.push('| check | result | evidence |');
  md.push('|---|---|---|');
  for (const c of r.security)
    md.push(`| ${c.name} | ${c.ok ? 'passed' : '**FAILED**'} | ${c.evidence.replace(/\|/g, '\\|')} |`);
  if (r.logScan) {
    md.push(
      `| no secret or child identifier in any log line | ${r.logScan.hits.length ? '**FAILED**' : 'passed'} | ${r.logScan.lines} lines of ${r.logScan.files.join(', ')} searched for ${r.logScan.needles} values (API keys, LINK_SECRET, every emailed link token, every child's name, date of birth, local id and case reference)${r.logScan.hits.length ? `: ${r.logScan.hits.slice(0, 10).join('; ')}` : ''} |`,
    );
  }
  md.push('');
  if (r.findings.length) {
    md.push('## Findings of this run');
    md.push('');
    for (const f of r.findings) md.push(`- ${f}`);
    md.push('');
  }
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  // The cluster suite's section (writeEngineSection) is its own: kept as it was.
  const cluster = engineSection(previous);
  if (cluster) md.push(cluster, '');
  md.push('## How to run');
  md.push('');
  md.push(
    "`npm run test:faults` alone, or `npm test` (it is a jest project of its own there; it builds `dist/` first when a source is newer). It needs the PostgreSQL server binaries (`/usr/lib/postgresql/*/bin`, `apt-get install postgresql`; `.ci/run` installs them; run as root, the private cluster is owned by and run as the `postgres` user) and the Temporal CLI (`node scripts/tools.js`, which the script runs first). `FAULTS_AUDITS` (12), `FAULTS_KILLS` (10), `FAULTS_FUZZ_RUNS` (200) and `FAULTS_SEED` change its size and replay its fuzz cases; `FAULTS_SCENARIOS=crash,api,tell,smtp,db` picks the fault scenarios (fuzz and security always run). Every process's output, the caught mail and each request's status are kept in the run's folder.",
  );
  md.push('');

  // History: the previous rows, kept below the mark.
  const kept = previous.includes(HISTORY_MARK)
    ? previous
        .split(HISTORY_MARK)[1]!
        .split('\n')
        .filter((l) => l.startsWith('| 20'))
    : [];
  const row = `| ${r.started} | ${os.hostname()} | ${commit(root)} | ${r.totals.auditsCompleted}/${r.totals.audits} | ${r.totals.kills} | ${r.totals.submissionsLost} | ${r.totals.duplicateEmails} | ${fuzzCases} | ${r.totals.fiveHundreds} | ${s(totalMs)} |`;
  md.push('## History');
  md.push('');
  md.push(HISTORY_MARK);
  md.push('');
  md.push(
    '| date | machine | commit | audits completed | worker kills | submissions lost | duplicate emails | fuzz cases | 5xx | time |',
  );
  md.push('|---|---|---|---|---|---|---|---|---|---|');
  md.push(row, ...kept.slice(0, 19));
  md.push('');
  writeFormatted(file, md.join('\n'));
  return table;
}

/** Written as `npm run format` would (prettier's API loads itself by dynamic import, which jest does not allow: its CLI then). */
function writeFormatted(file: string, text: string): void {
  fs.writeFileSync(file, text);
  execFileSync(
    process.execPath,
    [require.resolve('prettier/bin/prettier.cjs'), '--write', '--log-level', 'warn', file],
    {
      cwd: path.resolve(__dirname, '../..'),
    },
  );
}

/** One row per scenario, with its figures: the same table for every engine. */
export function scenarioTable(scenarios: ScenarioFigures[]): string[] {
  const md = [
    '| scenario | faults | audits completed | 2xx acknowledged / lost | submissions stored / lost | emails: outbox / delivered / duplicates / stopped mid-send | workflows / left running | time |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const sc of scenarios) {
    const e = sc.emails;
    md.push(
      `| ${sc.name} | ${sc.faults} | ${sc.completed} / ${sc.audits} | ${sc.acknowledged} / ${sc.lost} | ${sc.submissions} / ${sc.submissionsLost} | ${e ? `${e.outbox} / ${e.delivered} / ${e.duplicates} / ${e.unconfirmed}` : ''} | ${sc.workflows} / ${sc.stuck} | ${s(sc.ms)} |`,
    );
  }
  md.push('');
  for (const sc of scenarios.filter((x) => Object.keys(x.extra).length || x.notes.length)) {
    md.push(
      `- **${sc.name}**: ${Object.entries(sc.extra)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}${sc.notes.length ? ` — notes: ${sc.notes.join('; ')}` : ''}`,
    );
  }
  return md;
}

const ENGINE_BEGIN = '<!-- engine: cluster (written by test/cluster/cluster.test.ts) -->';
const ENGINE_END = '<!-- /engine: cluster -->';

function engineSection(text: string): string | undefined {
  const from = text.indexOf(ENGINE_BEGIN);
  const to = text.indexOf(ENGINE_END);
  return from >= 0 && to > from ? text.slice(from, to + ENGINE_END.length) : undefined;
}

/** The cluster suite's figures, for its section of the file. */
export interface EngineReport {
  title: string;
  intro: string;
  started: string;
  finished: string;
  /** figure → value, as the summary table shows them. */
  summary: [string, string][];
  scenarios: ScenarioFigures[];
  findings: string[];
}

/**
 * Writes (or replaces) the cluster's section of docs/RELIABILITY.md, before "## How to run", leaving the dev
 * server suite's part as it is; writeReport keeps this section when it rewrites the rest.
 */
export function writeEngineSection(r: EngineReport, file: string): void {
  const md = [
    ENGINE_BEGIN,
    '',
    `## ${r.title}`,
    '',
    r.intro,
    '',
    `- **Date**: ${r.started} → ${r.finished}`,
    `- **Machine**: ${machine()}`,
    `- **Commit**: ${commit(path.resolve(__dirname, '../..'))}`,
    '',
    '| figure | value |',
    '|---|---|',
    ...r.summary.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    ...scenarioTable(r.scenarios),
    ...(r.findings.length ? ['', '### Findings of this run', '', ...r.findings.map((f) => `- ${f}`)] : []),
    '',
    ENGINE_END,
  ].join('\n');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Reliability\n';
  const old = engineSection(previous);
  let text: string;
  if (old) text = previous.replace(old, md);
  else if (previous.includes('\n## How to run')) text = previous.replace('\n## How to run', `\n${md}\n\n## How to run`);
  else text = `${previous.trimEnd()}\n\n${md}\n`;
  writeFormatted(file, text);
}

function apiRestarts(r: Report): number {
  const sc = r.scenarios.find((x) => x.name === 'API restarts');
  return Number(/(\d+) API restarts/.exec(sc?.faults ?? '')?.[1] ?? 0);
}

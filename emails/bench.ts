// `npm run bench:emails`: how long rendering takes per template, cold (a new renderer: MJML compile,
// then the substitution) and warm (the compiled HTML cached), written to docs/BENCHMARKS.md.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/migrate';
import { loadEmailConfig } from './config';
import { TEMPLATE_NAMES, type TemplateName } from './registry';
import { createRenderer, type Renderer } from './render';
import { SAMPLES } from './samples';

const COLD_RUNS = 5;
const WARM_RUNS = 2000;
const SECTION = '## Email rendering';

async function ms(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function bench() {
  const config = loadEmailConfig();
  const render = (renderer: Renderer, name: TemplateName) => renderer.render(name, SAMPLES[name]);
  // The process's first compile also loads and warms up MJML itself; reported apart from the templates.
  const firstEver = await ms(() => render(createRenderer(config), 'invitation'));

  const rows: { name: TemplateName; cold: number; warm: number }[] = [];
  for (const name of TEMPLATE_NAMES) {
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) cold.push(await ms(() => render(createRenderer(config), name)));
    const renderer = createRenderer(config);
    await render(renderer, name);
    const warm = await ms(async () => {
      for (let i = 0; i < WARM_RUNS; i++) await render(renderer, name);
    });
    rows.push({ name, cold: median(cold), warm: warm / WARM_RUNS });
  }
  return { firstEver, rows };
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  let nproc = String(os.availableParallelism());
  try {
    nproc = execSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // not on this system: Node's count stands
  }
  return `nproc ${nproc}, ${cpu}, ${memory} memory, Node ${process.version}`;
}

function section(result: Awaited<ReturnType<typeof bench>>): string {
  const f = (n: number) => n.toFixed(3);
  return [
    SECTION,
    '',
    `\`npm run bench:emails\` on ${new Date().toISOString().slice(0, 10)}; ${machine()}.`,
    `Cold: a new renderer's first render (MJML compile + substitution), median of ${COLD_RUNS}. Warm: the HTML`,
    `cached, mean of ${WARM_RUNS} renders. The process's very first compile, which also loads MJML, took`,
    `${f(result.firstEver)} ms.`,
    '',
    '| template | cold (ms) | warm (ms) |',
    '|---|---:|---:|',
    ...result.rows.map((r) => `| ${r.name} | ${f(r.cold)} | ${f(r.warm)} |`),
    '',
  ].join('\n');
}

/** Replaces the section in docs/BENCHMARKS.md (others' sections stay), or adds it. */
function write(text: string): string {
  const file = path.join(PROJECT_ROOT, 'docs', 'BENCHMARKS.md');
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = existing.indexOf(SECTION);
  let updated: string;
  if (start === -1) {
    updated = `${existing.trimEnd()}\n\n${text}`;
  } else {
    const next = existing.indexOf('\n## ', start + SECTION.length);
    updated = existing.slice(0, start) + text + (next === -1 ? '' : existing.slice(next + 1));
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, updated);
  return file;
}

bench().then(
  (result) => {
    const text = section(result);
    console.log(text);
    console.log(`written to ${path.relative(process.cwd(), write(text))}`);
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);

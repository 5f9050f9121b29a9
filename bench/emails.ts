// Part 5 of `npm run bench`: the existing email bench (`npm run bench:emails`, emails/bench.ts), run as
// it is — it writes its own section of docs/BENCHMARKS.md — and its figures read back from what it prints.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/migrate';

export interface EmailFigures {
  firstCompileMs: number;
  rows: { template: string; coldMs: number; warmMs: number }[];
}

/** `keepDocs`: docs/BENCHMARKS.md as it was before (`--no-write`): the email bench always writes its section. */
export async function emailBench(opts: { keepDocs: boolean }): Promise<EmailFigures> {
  const docs = path.join(PROJECT_ROOT, 'docs', 'BENCHMARKS.md');
  const before = opts.keepDocs && fs.existsSync(docs) ? fs.readFileSync(docs, 'utf8') : undefined;
  try {
    return await run();
  } finally {
    if (before !== undefined) fs.writeFileSync(docs, before);
  }
}

async function run(): Promise<EmailFigures> {
  const script = path.join(__dirname, '..', 'emails', 'bench.js');
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the email bench exited with code ${code}:\n${out}`);
  const rows = [...out.matchAll(/^\| (\w+)\s*\| +([\d.]+) \| +([\d.]+) \|$/gm)].map((m) => ({
    template: m[1]!,
    coldMs: Number(m[2]),
    warmMs: Number(m[3]),
  }));
  const first = /took\s+([\d.]+) ms/.exec(out);
  if (!rows.length) throw new Error(`the email bench printed no figures:\n${out}`);
  return { firstCompileMs: first ? Number(first[1]) : NaN, rows };
}

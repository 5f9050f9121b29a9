// Reading the CLI's CSV files (domain/csv.ts parses them): every problem is reported with the file's name,
// its line (1 = the header) and column, and the whole file is checked before anything is sent anywhere.
import fs from 'node:fs';
import path from 'node:path';
import { type Columns, type CsvRow, CsvInvalid, parseCsv, type Problem } from '../../domain/csv';
import { CliError } from './io';

export { type CsvRow, type Problem, zodProblems } from '../../domain/csv';

/** One or more problems with the input: nothing was sent. */
export class InputInvalid extends CliError {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
    outcome = 'nothing was imported',
  ) {
    super(formatProblems(file, problems, outcome));
  }
}

const MAX_SHOWN = 50;

export function formatProblems(file: string, problems: Problem[], outcome: string): string {
  const lines = problems.slice(0, MAX_SHOWN).map((p) => `  ${where(file, p)}: ${p.message}`);
  if (problems.length > MAX_SHOWN) lines.push(`  … and ${problems.length - MAX_SHOWN} more`);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`${file}: ${count}; ${outcome}.`, ...lines].join('\n');
}

export function where(file: string, p: Omit<Problem, 'message'>): string {
  if (p.line === undefined) return p.column ?? file;
  return `${file} line ${p.line}${p.column ? `, column ${p.column}` : ''}`;
}

/** Reads and parses a CSV file; throws InputInvalid naming the line (and column) of any problem. */
export function readCsv<C extends string>(file: string, columns: Columns<C>, cwd = process.cwd()): CsvRow<C>[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code ?? String(err)})`,
    );
  }
  try {
    return parseCsv(text, columns);
  } catch (err) {
    if (err instanceof CsvInvalid) throw new InputInvalid(file, err.problems);
    throw err;
  }
}

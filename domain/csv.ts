// Reading a CSV file of records: a header row naming the columns, then one record per line. Every problem
// is reported with its line (1 = the header) and column, and the whole file is checked before anything is
// done with it. Shared by the command line (scripts/cli) and the console's uploads (api/routers).
import { CsvError, parse } from 'csv-parse/sync';
import type { z } from 'zod';

export interface CsvRow<C extends string = string> {
  /** The line the record starts on (the header is line 1). */
  line: number;
  /** Every known column, trimmed; '' for an empty cell or an absent optional column. */
  cells: Record<C, string>;
}

export interface Problem {
  /** Absent for problems that are not about one line (a command-line option, the file as a whole). */
  line?: number;
  /** A column of the file, or an option such as `--focus`. */
  column?: string;
  message: string;
}

/** The file cannot be read as the records asked for: every problem found, in file order. */
export class CsvInvalid extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

export interface Columns<C extends string> {
  required: readonly C[];
  optional?: readonly C[];
}

/** Parses CSV text; throws CsvInvalid naming the line (and column) of any problem. */
export function parseCsv<C extends string>(text: string, columns: Columns<C>): CsvRow<C>[] {
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
    }) as unknown as typeof records;
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      const message = err.message.replace(/\s+(on|at) line \d+\s*$/, '');
      throw new CsvInvalid([{ line, message }]);
    }
    throw err;
  }
  const [header, ...body] = records;
  if (!header) throw new CsvInvalid([{ message: 'the file is empty: it needs a header row' }]);

  const known: C[] = [...columns.required, ...(columns.optional ?? [])];
  const byLowerName = new Map(known.map((c) => [c.toLowerCase(), c]));
  const headerLine = startLine(header);
  const problems: Problem[] = [];
  const index = new Map<C, number>();
  header.record.forEach((name, i) => {
    const column = byLowerName.get(name.toLowerCase());
    if (!column) {
      problems.push({
        line: headerLine,
        column: name || `#${i + 1}`,
        message: `unknown column; the columns are ${known.join(', ')}`,
      });
    } else if (index.has(column)) {
      problems.push({ line: headerLine, column, message: 'this column appears twice' });
    } else index.set(column, i);
  });
  for (const column of columns.required) {
    if (!index.has(column)) problems.push({ line: headerLine, column, message: 'missing column' });
  }
  if (problems.length) throw new CsvInvalid(problems);
  if (!body.length) throw new CsvInvalid([{ message: 'no rows after the header' }]);

  return body.map((r) => ({
    line: startLine(r),
    cells: Object.fromEntries(known.map((c) => [c, index.has(c) ? (r.record[index.get(c)!] ?? '') : ''])) as Record<
      C,
      string
    >,
  }));
}

/** csv-parse counts the line a record ends on; a quoted cell may span lines, and skipped blank lines lead the raw text. */
function startLine({ raw, info }: { raw: string; info: { lines: number } }): number {
  const own = raw.replace(/^(?:[ \t]*\r?\n)+/, '').replace(/\r?\n$/, '');
  return info.lines - (own.match(/\n/g)?.length ?? 0);
}

/**
 * Zod issues as problems. `locate` turns an issue's path into a line and column (or an option name);
 * issues it cannot place are reported against the file as a whole.
 */
export function zodProblems(
  issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[],
  locate: (path: readonly PropertyKey[]) => Omit<Problem, 'message'> | undefined,
): Problem[] {
  return issues.map((issue) => {
    const at = locate(issue.path);
    const pathText = issue.path.map(String).join('.');
    return at
      ? { ...at, message: issue.message }
      : { message: pathText ? `${pathText}: ${issue.message}` : issue.message };
  });
}

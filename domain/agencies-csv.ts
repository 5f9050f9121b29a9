// The agency directory as a CSV file: its columns, and its rows checked with the API's own schema. The command
// line (`deepdive agencies import`) and the console's "Import agencies (CSV)" read the same file the same way.
import { CsvInvalid, type CsvRow, parseCsv, type Problem, zodProblems } from './csv';
import { createAgencySchema, type CreateAgency } from './schemas';

export const AGENCY_COLUMNS = ['name', 'type', 'contactEmail', 'leadEmail'] as const;

/**
 * The agencies of a CSV file's rows, each checked with the API's own schema, a name twice in the file refused
 * too. The CLI and the console's "Import agencies (CSV)" both read a file with it.
 */
export function checkAgencyRows(rows: CsvRow<(typeof AGENCY_COLUMNS)[number]>[]): {
  valid: { line: number; agency: CreateAgency }[];
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const valid: { line: number; agency: CreateAgency }[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const parsed = createAgencySchema.safeParse(row.cells);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error.issues, (path) => ({ line: row.line, column: String(path[0]) })));
      continue;
    }
    const earlier = firstLineOf.get(parsed.data.name);
    if (earlier !== undefined) {
      problems.push({ line: row.line, column: 'name', message: `"${parsed.data.name}" is already on line ${earlier}` });
      continue;
    }
    firstLineOf.set(parsed.data.name, row.line);
    valid.push({ line: row.line, agency: parsed.data });
  }
  return { valid, problems };
}

/** The agencies of a CSV file's text, every row checked; throws CsvInvalid with every problem, by line and column. */
export function readAgenciesCsv(text: string): { line: number; agency: CreateAgency }[] {
  const { valid, problems } = checkAgencyRows(parseCsv(text, { required: AGENCY_COLUMNS }));
  if (problems.length) throw new CsvInvalid(problems);
  return valid;
}

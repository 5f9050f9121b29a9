// A candidate pool as a CSV file: its columns, and the rows turned into POST /api/audits's `candidates`,
// every problem placed by line and column. The command line (`deepdive audits start`) and the console's
// "Start a new audit" read the same file the same way.
import { z } from 'zod';
import { type CsvRow, parseCsv, type Problem } from './csv';

export const CANDIDATE_COLUMNS = {
  required: ['caseRef', 'serviceLevel', 'childName', 'childDateOfBirth', 'agencies', 'lastActivityAt'],
  optional: ['childLocalId'],
} as const;

/** The columns in the order the examples write them. */
export const CANDIDATE_COLUMN_ORDER = [
  ...CANDIDATE_COLUMNS.required.slice(0, 4),
  ...CANDIDATE_COLUMNS.optional,
  ...CANDIDATE_COLUMNS.required.slice(4),
];

type CandidateColumn = (typeof CANDIDATE_COLUMNS.required)[number] | (typeof CANDIDATE_COLUMNS.optional)[number];
export type CandidateRow = CsvRow<CandidateColumn>;

/** Parses the file's text; throws CsvInvalid (domain/csv.ts) naming the line and column of any problem. */
export const parseCandidates = (text: string): CandidateRow[] => parseCsv(text, CANDIDATE_COLUMNS);

const CHILD_COLUMNS: Record<string, string> = {
  name: 'childName',
  dateOfBirth: 'childDateOfBirth',
  localId: 'childLocalId',
};

const uuid = z.uuid();

/** The rows' `agencies` cells, split on ";". */
const agencyTokens = (rows: CandidateRow[]) =>
  rows.map((r) =>
    r.cells.agencies
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean),
  );

/** Whether any row names an agency (rather than giving its ID): then the directory is needed to resolve it. */
export const namesAgencies = (rows: CandidateRow[]): boolean =>
  agencyTokens(rows).some((list) => list.some((t) => !uuid.safeParse(t).success));

/**
 * The rows as POST /api/audits's `candidates`, and what is wrong with them that the schema cannot see: a
 * caseRef twice, an agency name not in `directory` (an ID is kept as it is: the API checks it).
 */
export function candidatePool(
  rows: CandidateRow[],
  directory: readonly { id: string; name: string }[],
): { candidates: unknown[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const earlier = firstLineOf.get(row.cells.caseRef);
    if (earlier !== undefined && row.cells.caseRef) {
      problems.push({
        line: row.line,
        column: 'caseRef',
        message: `duplicate caseRef ${row.cells.caseRef} (line ${earlier})`,
      });
    } else firstLineOf.set(row.cells.caseRef, row.line);
  }

  const byName = new Map(directory.map((a) => [a.name, a.id]));
  const byLowerName = new Map<string, string[]>();
  for (const a of directory)
    byLowerName.set(a.name.toLowerCase(), [...(byLowerName.get(a.name.toLowerCase()) ?? []), a.id]);
  const resolved = agencyTokens(rows).map((list, i) => {
    const line = rows[i]!.line;
    let ok = true;
    const ids = list.map((t) => {
      if (uuid.safeParse(t).success) return t;
      const exact = byName.get(t);
      if (exact) return exact;
      const loose = byLowerName.get(t.toLowerCase());
      if (loose?.length === 1) return loose[0]!;
      ok = false;
      problems.push({ line, column: 'agencies', message: `no agency named "${t}" in the directory` });
      return '';
    });
    return ok ? ids : [];
  });

  const candidates = rows.map((row, i) => ({
    caseRef: row.cells.caseRef,
    serviceLevel: row.cells.serviceLevel,
    child: {
      name: row.cells.childName,
      dateOfBirth: row.cells.childDateOfBirth,
      ...(row.cells.childLocalId ? { localId: row.cells.childLocalId } : {}),
    },
    agencyIds: resolved[i]!,
    lastActivityAt: row.cells.lastActivityAt,
  }));
  return { candidates, problems };
}

/** The line and column of the file a path into the request body's `candidates` comes from; undefined for any other path. */
export function locateCandidate(
  rows: readonly Pick<CandidateRow, 'line'>[],
  path: readonly PropertyKey[],
): Omit<Problem, 'message'> | undefined {
  if (path[0] !== 'candidates' || typeof path[1] !== 'number') return undefined;
  const line = rows[path[1]]?.line;
  const field = path[2];
  if (field === 'child') return { line, column: CHILD_COLUMNS[String(path[3])] ?? 'childName' };
  if (field === 'agencyIds') return { line, column: 'agencies' };
  return { line, column: field === undefined ? undefined : String(field) };
}

/**
 * The schema's issues with the pool, placed by `locate`, less those about a cell already found wrong
 * (an unknown agency name, a duplicate caseRef): each problem is said once.
 */
export function newProblems(found: readonly Problem[], more: readonly Problem[]): Problem[] {
  const reported = new Set(found.map((p) => `${p.line}:${p.column}`));
  return more.filter((p) => p.line === undefined || !reported.has(`${p.line}:${p.column}`));
}

/** Problems in file order, those not about a line first. */
export const sortProblems = (problems: readonly Problem[]) =>
  [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? '').localeCompare(b.column ?? ''));

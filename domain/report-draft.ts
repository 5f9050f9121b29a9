// The first draft of the anonymised summary report (PRODUCT.md, stage 6), drafted from the agencies'
// submissions and the discussion's outcome. Pure and deterministic: the same inputs always give the same
// draft, in the order of the areas. It speaks of areas and numbers of agencies, never of a child; the
// API still redacts any identifier a practitioner typed into a point it quotes, and the business unit
// edits the draft before submitting it as a version.
import { type Area, AREA_LABELS, type Grade, GRADE_LABELS } from './labels';
import { AREAS, GRADES } from './schemas';

/** One agency's final submission about one child: `content` as the audit tool stored it. */
export interface DraftSubmission {
  caseId: string;
  agencyId: string;
  content: unknown;
}

export interface DraftInput {
  submissions: readonly DraftSubmission[];
  /** The discussion's outcome as recorded (the body of POST …/discussion/outcome), or null before it is. */
  outcome: unknown;
  /** Agency names by ID, to name the owner of a recommendation. */
  agencyNames?: Readonly<Record<string, string>>;
}

export interface AreaGrades {
  /** The grade the discussion agreed; null until the outcome is recorded. */
  panel: Grade | null;
  /** Each grade's share (0..1) of the agencies' self-grades for this area; all 0 when none graded it. */
  selfGrades: Record<Grade, number>;
}

export interface ReportDraft {
  workingWell: string[];
  areasForDevelopment: string[];
  themes: string[];
  recommendations: string[];
  grades: Record<Area, AreaGrades>;
}

/** What a report version accepts: at most 50 items per field, each at most 2000 characters. */
export const MAX_ITEMS = 50;
export const MAX_ITEM_LENGTH = 2000;

export function clip(text: string, max = MAX_ITEM_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isGrade = (v: unknown): v is Grade => typeof v === 'string' && (GRADES as readonly string[]).includes(v);

/** A free-text answer as points: one per line, bullets and numbering stripped. */
export function points(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) =>
      line
        .replace(/^\s*(?:[-*•·]|\d+[.)])\s+/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((line) => line.length > 0);
}

const key = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

interface Point {
  area: Area;
  text: string;
  agencies: Set<string>;
  cases: Set<string>;
}

/** Distinct points per area, in the order first met; the same point from several agencies is kept once. */
function collect(submissions: readonly DraftSubmission[], field: 'goodPractice' | 'areasForDevelopment'): Point[] {
  const byKey = new Map<string, Point>();
  for (const area of AREAS) {
    for (const s of submissions) {
      const section = isRecord(s.content) && isRecord(s.content.sections) ? s.content.sections[area] : undefined;
      if (!isRecord(section)) continue;
      for (const text of points(str(section[field]))) {
        const k = `${area}:${key(text)}`;
        let point = byKey.get(k);
        if (!point) {
          point = { area, text, agencies: new Set(), cases: new Set() };
          byKey.set(k, point);
        }
        point.agencies.add(s.agencyId);
        point.cases.add(s.caseId);
      }
    }
  }
  return [...byKey.values()];
}

const agenciesPhrase = (n: number) => `${n} ${n === 1 ? 'agency' : 'agencies'}`;

function pointLine(p: Point): string {
  const noted = p.agencies.size > 1 ? ` (noted by ${agenciesPhrase(p.agencies.size)})` : '';
  return `${AREA_LABELS[p.area]}: ${p.text}${noted}`;
}

interface OutcomeItem {
  description: string;
  ownerAgencyId: string;
  dueAt: string;
}

function outcomeItems(list: unknown): OutcomeItem[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) =>
    isRecord(item) && str(item.description).trim()
      ? [{ description: str(item.description).trim(), ownerAgencyId: str(item.ownerAgencyId), dueAt: str(item.dueAt) }]
      : [],
  );
}

function findingsOf(outcome: unknown): Partial<Record<Area, { grade: Grade; conclusions: string }>> {
  const findings = isRecord(outcome) && isRecord(outcome.findings) ? outcome.findings : {};
  const result: Partial<Record<Area, { grade: Grade; conclusions: string }>> = {};
  for (const area of AREAS) {
    const f = findings[area];
    if (isRecord(f) && isGrade(f.grade)) result[area] = { grade: f.grade, conclusions: str(f.conclusions).trim() };
  }
  return result;
}

const GOOD: readonly Grade[] = ['outstanding', 'good'];
const WEAK: readonly Grade[] = ['requires_improvement', 'inadequate', 'insufficient_evidence'];

/** Drafts the report. Every list is capped at what a report version accepts. */
export function draftReport(input: DraftInput): ReportDraft {
  const { submissions, outcome } = input;
  const names = input.agencyNames ?? {};
  const findings = findingsOf(outcome);

  const panelLine = (area: Area) => {
    const f = findings[area]!;
    const graded = `${AREA_LABELS[area]}: the panel graded this ${GRADE_LABELS[f.grade].toLowerCase()}`;
    return f.conclusions ? `${graded}. ${f.conclusions}` : `${graded}.`;
  };

  const workingWell = [
    ...AREAS.filter((a) => findings[a] && GOOD.includes(findings[a].grade)).map(panelLine),
    ...collect(submissions, 'goodPractice').map(pointLine),
  ];

  const development = collect(submissions, 'areasForDevelopment');
  const areasForDevelopment = [
    ...AREAS.filter((a) => findings[a] && WEAK.includes(findings[a].grade)).map(panelLine),
    ...development.map(pointLine),
  ];

  // A theme: an area whose development points come from at least two agencies or about at least two cases.
  const themes = AREAS.map((area) => {
    const ofArea = development.filter((p) => p.area === area);
    const agencies = new Set(ofArea.flatMap((p) => [...p.agencies]));
    const cases = new Set(ofArea.flatMap((p) => [...p.cases]));
    return { area, agencies: agencies.size, cases: cases.size };
  })
    .filter((t) => t.agencies >= 2 || t.cases >= 2)
    .sort((a, b) => b.agencies - a.agencies || b.cases - a.cases || AREAS.indexOf(a.area) - AREAS.indexOf(b.area))
    .map(
      (t) =>
        `${AREA_LABELS[t.area]}: a recurring area for development, raised by ${agenciesPhrase(t.agencies)}` +
        `${t.cases >= 2 ? ' across the cohort' : ''}.`,
    );

  const ownerAndDue = (item: OutcomeItem) => {
    const owner = names[item.ownerAgencyId];
    const due = /^\d{4}-\d{2}-\d{2}/.exec(item.dueAt)?.[0];
    const parts = [owner ? `owner: ${owner}` : undefined, due ? `due ${due}` : undefined].filter(Boolean);
    return parts.length ? ` (${parts.join(', ')})` : '';
  };
  const o = isRecord(outcome) ? outcome : {};
  const recommendations = [
    ...outcomeItems(o.recommendations).map((r) => `${r.description}${ownerAndDue(r)}`),
    ...outcomeItems(o.urgentActions).map((a) => `Urgent action: ${a.description}${ownerAndDue(a)}`),
  ];

  const grades = Object.fromEntries(
    AREAS.map((area) => {
      const selfGrades = Object.fromEntries(GRADES.map((g) => [g, 0])) as Record<Grade, number>;
      const graded = submissions.flatMap((s) => {
        const section = isRecord(s.content) && isRecord(s.content.sections) ? s.content.sections[area] : undefined;
        return isRecord(section) && isGrade(section.grade) ? [section.grade] : [];
      });
      for (const g of GRADES) {
        const count = graded.filter((x) => x === g).length;
        selfGrades[g] = graded.length ? count / graded.length : 0;
      }
      return [area, { panel: findings[area]?.grade ?? null, selfGrades }];
    }),
  ) as Record<Area, AreaGrades>;

  const cap = (items: string[]) => items.slice(0, MAX_ITEMS).map((t) => clip(t));
  return {
    workingWell: cap(workingWell),
    areasForDevelopment: cap(areasForDevelopment),
    themes: cap(themes),
    recommendations: cap(recommendations),
    grades,
  };
}

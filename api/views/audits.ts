// /audits: every audit, a page at a time, for everyone signed in: its stage, next deadline, what is
// overdue and how its open actions stand; filtered by stage and by "Needs attention".
import { z } from 'zod';
import { STAGES } from '../../domain/stages';
import type { SignedIn } from '../sign-in';
import { type AuditSummary, type Cell, overdueCell, ragCell, stageTag } from './audit-summary';
import { type Errors, STAGE_LABELS, tag } from './components';
import { formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export const AUDITS_PAGE_SIZE = 25;

/** Pages past this are refused: 25 × 10,000 audits is more than any partnership will hold. */
const MAX_PAGE = 10_000;

/** A select's "All stages" and an unticked box send nothing, or an empty value: both mean no filter. */
const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);

/** The list's query string: GET /audits?stage=…&attention=yes&page=…, as its filter form sends it. */
export const auditsQuerySchema = z.object({
  stage: z.preprocess(blankIsAbsent, z.enum(STAGES).optional()),
  attention: z.preprocess(blankIsAbsent, z.literal('yes').optional()),
  page: z.preprocess(
    blankIsAbsent,
    z
      .string()
      .regex(/^\d{1,6}$/, 'a page number such as 2')
      .transform(Number)
      .pipe(z.int().min(1).max(MAX_PAGE))
      .optional(),
  ),
});
export type AuditsQuery = z.infer<typeof auditsQuerySchema>;

const QUERY_ERRORS: Record<string, string> = {
  stage: 'Choose a stage from the list',
  attention: 'Choose whether to show only audits that need attention',
  page: 'Choose a page from the list of pages',
};

/** What was wrong with the query string, one message per parameter, for the error summary. */
export const auditsQueryErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  [...new Set(issues.map((i) => String(i.path[0] ?? 'stage')))].map((id) => ({
    id,
    text: QUERY_ERRORS[id] ?? 'Check the filters',
  }));

export interface AuditsView {
  staff: SignedIn;
  /** The filters as asked for (as typed, when they were refused). */
  filters: { stage: string; attention: boolean };
  /** The page shown: its audits, and how many match the filters in all. */
  page: number;
  total: number;
  audits: (AuditSummary & { unsentEmails: number })[];
  errors?: Errors;
}

export interface AuditsModel extends LayoutModel {
  canStart: boolean;
  filters: { stage: string; attention: boolean };
  stages: { value: string; text: string; selected: boolean }[];
  table: {
    caption: string;
    head: string[];
    rows: { id: string; href: string; focus: string; cells: Cell[] }[];
    empty: string;
  };
  pagination?: {
    previous?: { href: string };
    next?: { href: string };
    items: ({ number: string; href: string; current: boolean } | { ellipsis: true })[];
  };
}

/** The list's address with these filters, at this page. */
export function auditsHref(filters: { stage?: string; attention?: boolean }, page = 1): string {
  const query = new URLSearchParams();
  if (filters.stage) query.set('stage', filters.stage);
  if (filters.attention) query.set('attention', 'yes');
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `/audits?${text}` : '/audits';
}

/** The page numbers to link: the first, the last, and those next to the current one; gaps as ellipses. */
function pageItems(current: number, pages: number): (number | null)[] {
  const shown = [...new Set([1, current - 1, current, current + 1, pages])].filter((p) => p >= 1 && p <= pages);
  return shown.flatMap((p, i) => (i > 0 && p - shown[i - 1]! > 1 ? [null, p] : [p]));
}

function attentionCell(a: AuditsView['audits'][number]): Cell {
  const parts = overdueCell(a.overdue);
  if (!a.unsentEmails) return parts;
  const unsent = `${a.unsentEmails} email${a.unsentEmails === 1 ? '' : 's'} not sent`;
  return {
    tags: [...(parts.tags ?? []), tag('Email', 'red')],
    text: parts.tags ? `${parts.text}; ${unsent}` : unsent,
  };
}

export function auditsPage({ staff, filters, page, total, audits, errors }: AuditsView): Page<AuditsModel> {
  const pages = Math.max(1, Math.ceil(total / AUDITS_PAGE_SIZE));
  const first = (page - 1) * AUDITS_PAGE_SIZE + 1;
  const filtered = !!filters.stage || filters.attention;
  const counted = `${total === 1 ? '1 audit' : `${total} audits`}${filtered ? ' match the filters' : ''}`;
  const asked = { stage: filters.stage, attention: filters.attention };
  return {
    template: 'audits.njk',
    model: {
      title: 'Audits',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      errors,
      canStart: staff.role === 'business_unit',
      filters,
      stages: [
        { value: '', text: 'All stages', selected: !filters.stage },
        ...STAGES.map((s) => ({ value: s, text: STAGE_LABELS[s], selected: s === filters.stage })),
      ],
      table: {
        caption:
          total > AUDITS_PAGE_SIZE
            ? `${counted}, newest first: ${first} to ${first + audits.length - 1} shown`
            : `${counted}, newest first`,
        head: ['Practice focus', 'Stage', 'Next deadline', 'Overdue', 'Open actions (RAG)'],
        rows: audits.map((a) => ({
          id: a.id,
          href: `/audits/${a.id}`,
          focus: a.focus,
          cells: [
            {
              tags: [
                stageTag(a.stage),
                ...(a.openEscalations
                  ? [tag(`${a.openEscalations} open escalation${a.openEscalations === 1 ? '' : 's'}`, 'red')]
                  : []),
              ],
            },
            { text: a.nextDeadline ? formatDateTime(a.nextDeadline) : 'None' },
            attentionCell(a),
            ragCell(a.rag),
          ],
        })),
        empty: filtered ? 'No audits match these filters.' : 'There are no audits yet.',
      },
      ...(pages > 1 && !errors
        ? {
            pagination: {
              ...(page > 1 ? { previous: { href: auditsHref(asked, page - 1) } } : {}),
              ...(page < pages ? { next: { href: auditsHref(asked, page + 1) } } : {}),
              items: pageItems(page, pages).map((p) =>
                p === null
                  ? { ellipsis: true as const }
                  : { number: String(p), href: auditsHref(asked, p), current: p === page },
              ),
            },
          }
        : {}),
    },
  };
}

// /audits/new: "Start a new audit" for the business unit — the form (its fields read into POST
// /api/audits's body, every problem placed on its field, the candidate CSV's by line and column), and
// the check-your-answers page before "Start audit". The pool's child identifiers never reach a page:
// the check page shows the number of cases and a few case references.
import { z } from 'zod';
import { addDays, atLondonTime, londonDate } from '../../domain/calendar';
import { CANDIDATE_COLUMN_ORDER } from '../../domain/candidates-csv';
import type { Problem } from '../../domain/csv';
import { FOCUS_SOURCES } from '../../domain/schemas';
import type { SignedIn } from '../sign-in';
import { type Errors, FOCUS_SOURCE_LABELS, type Row } from './components';
import { fileProblem, formFields } from './forms';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

/** The named foci of the process; any other is typed in. */
export const FOCI = ['Child exploitation', 'Mental health', 'Domestic abuse', 'Missing from home and care'] as const;
const OTHER = 'other';

/** The review window the API takes when none is given: the 183 days before today. */
const DEFAULT_WINDOW_DAYS = 183;
const DEFAULT_COHORT_SIZE = '4';

const DATES = ['windowFrom', 'windowTo', 'discussionAt'] as const;
type DateField = (typeof DATES)[number];
const PARTS = ['day', 'month', 'year'] as const;

export const NEW_AUDIT_FIELDS = [
  'focus',
  'focusOther',
  'focusSource',
  ...DATES.flatMap((d) => PARTS.map((p) => `${d}-${p}` as const)),
  'cohortSize',
  'discussionTime',
  'discussionPlace',
] as const;
export type NewAuditForm = Record<(typeof NEW_AUDIT_FIELDS)[number], string>;

/** The form as its page posts it (multipart/form-data, with the file as `candidates`): for the route table. */
export const newAuditFormSchema = z.looseObject({
  _csrf: z.string(),
  ...Object.fromEntries(NEW_AUDIT_FIELDS.map((f) => [f, z.string().optional()])),
  candidates: z.string().optional().meta({ description: 'The candidate pool: a CSV file, the CLI’s columns.' }),
});

/** The check page's form: "Start audit", once, whatever the number of clicks. */
export const startAuditFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  idempotencyKey: z.uuid(),
});

/** The fields as posted; an absent one is empty. */
export const readNewAuditForm = (posted: unknown): NewAuditForm => ({
  ...(Object.fromEntries(NEW_AUDIT_FIELDS.map((f) => [f, ''])) as NewAuditForm),
  ...formFields(posted, NEW_AUDIT_FIELDS),
});

const dateParts = (date: string) => {
  const [year, month, day] = date.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year: year! };
};

/** The form as it first shows: the default window (the 183 days before today) and cohort size, filled in. */
export function defaultNewAuditForm(now = new Date()): NewAuditForm {
  const to = londonDate(now);
  const parts = (field: DateField, date: string) =>
    Object.fromEntries(Object.entries(dateParts(date)).map(([p, v]) => [`${field}-${p}`, v]));
  return {
    ...readNewAuditForm({}),
    ...parts('windowFrom', addDays(to, -DEFAULT_WINDOW_DAYS)),
    ...parts('windowTo', to),
    cohortSize: DEFAULT_COHORT_SIZE,
  };
}

/** A date typed into a date input's three boxes, as 'YYYY-MM-DD'; undefined if it is not a real date. */
function typedDate(form: NewAuditForm, field: DateField): string | undefined {
  const [day, month, year] = PARTS.map((p) => form[`${field}-${p}`].trim());
  if (!/^\d{1,2}$/.test(day!) || !/^\d{1,2}$/.test(month!) || !/^\d{4}$/.test(year!)) return undefined;
  const iso = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : undefined;
}

const blank = (form: NewAuditForm, field: DateField) => PARTS.every((p) => !form[`${field}-${p}`].trim());

/** What to do about each field, in the design system's words. */
const FIELD_ERRORS: Record<string, string> = {
  focus: 'Choose the practice focus',
  focusOther: 'Enter the practice focus, up to 200 characters',
  focusSource: 'Choose where the focus came from',
  'windowFrom-day': 'Enter the start of the review window as a real date, for example 6 6 2026',
  'windowTo-day': 'Enter the end of the review window as a real date, on or after its start',
  cohortSize: 'Enter the cohort size as a whole number from 1 to 50',
  'discussionAt-day': 'Enter the date of the discussion as a real date, for example 14 1 2027',
  discussionTime: 'Enter the time of the discussion, for example 14:30',
  discussionPlace: 'Enter where the discussion is held, up to 300 characters',
  candidates: 'Choose a CSV file of candidate cases',
};
const fieldError = (id: string) => ({ id, text: FIELD_ERRORS[id] ?? 'Check this answer' });

/**
 * The form as POST /api/audits's body (less `candidates`), and what is wrong with it that only the form can
 * see: a date that is not a real date, a discussion given in part. The schema checks the rest.
 */
export function newAuditBody(form: NewAuditForm): { body: Record<string, unknown>; errors: Errors } {
  const errors: Errors = [];
  const body: Record<string, unknown> = {
    focus:
      form.focus === OTHER
        ? form.focusOther
        : (FOCI as readonly string[]).includes(form.focus)
          ? form.focus
          : undefined,
    focusSource: (FOCUS_SOURCES as readonly string[]).includes(form.focusSource) ? form.focusSource : undefined,
    cohortSize: /^\s*\d{1,3}\s*$/.test(form.cohortSize) ? Number(form.cohortSize) : form.cohortSize || undefined,
  };
  const from = typedDate(form, 'windowFrom');
  const to = typedDate(form, 'windowTo');
  if (!from) errors.push(fieldError('windowFrom-day'));
  if (!to) errors.push(fieldError('windowTo-day'));
  // The window runs from the start of its first day to the end of its last, in the partnership's time.
  if (from && to) {
    body.window = {
      from: atLondonTime(from, 0).toISOString(),
      to: new Date(atLondonTime(addDays(to, 1), 0).getTime() - 1).toISOString(),
    };
  }

  const time = form.discussionTime.trim();
  const place = form.discussionPlace;
  if (!blank(form, 'discussionAt') || time || place.trim()) {
    const date = typedDate(form, 'discussionAt');
    const hm = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.exec(time);
    if (!date) errors.push(fieldError('discussionAt-day'));
    if (!hm) errors.push(fieldError('discussionTime'));
    if (date && hm)
      body.discussion = { at: atLondonTime(date, Number(hm[1]), Number(hm[2])).toISOString(), location: place };
    else body.discussion = { at: undefined, location: place };
  }
  return { body, errors };
}

/** The field a path into the body (a zod issue's, a refusal's) belongs to. */
function fieldOf(path: readonly PropertyKey[], form: NewAuditForm): string {
  const [top, next] = path.map(String);
  if (top === 'focus') return form.focus === OTHER ? 'focusOther' : 'focus';
  if (top === 'window') return next === 'from' ? 'windowFrom-day' : 'windowTo-day';
  if (top === 'discussion') return next === 'at' ? 'discussionAt-day' : 'discussionPlace';
  return top ?? 'candidates';
}

/**
 * Problems with the body (zod issues or a refusal's details, with their paths) as the form's errors, one per
 * field, less the fields already found wrong. The pool's are `poolProblem`s, placed in the file.
 */
export function bodyErrors(
  issues: readonly { path: readonly PropertyKey[] }[],
  form: NewAuditForm,
  already: Errors,
): Errors {
  const errors: Errors = [];
  for (const issue of issues) {
    if (issue.path[0] === 'candidates') continue;
    const id = fieldOf(issue.path, form);
    if (![...already, ...errors].some((e) => e.id === id)) errors.push(fieldError(id));
  }
  return errors;
}

/** A problem of the candidate CSV, for the error summary: where in the file, and what. */
export const poolProblem = (fileName: string, p: Problem) => fileProblem('candidates', fileName, p);

/** The error summary lists problems in the order of the fields on the page (the file's by line already). */
const inFieldOrder = (errors: Errors) => {
  const order = Object.keys(FIELD_ERRORS);
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return [...errors].sort((a, b) => rank(a.id) - rank(b.id));
};

/** The candidate pool kept between the form and "Start audit": on the server, never in a page. */
export interface KeptPool {
  fileName: string;
  /** POST /api/audits's `candidates`, agencies resolved to their IDs. */
  candidates: unknown[];
  /** Each candidate's line in the file, to place a later refusal. */
  lines: number[];
  caseRefs: string[];
}

export interface NewAuditView {
  staff: SignedIn;
  form: NewAuditForm;
  /** The pool already uploaded, kept when the form is sent again without a file. */
  pool?: Pick<KeptPool, 'fileName' | 'caseRefs'>;
  errors?: Errors;
}

export interface NewAuditModel extends LayoutModel {
  csrf: string;
  form: NewAuditForm;
  /** govukRadios' items for the named foci; the first's id is the field's, for the error summary's link. */
  foci: { value: string; text: string; id: string; checked: boolean }[];
  sources: { value: string; text: string }[];
  columns: string;
  kept?: string;
}

export function newAuditPage({ staff, form, pool, errors }: NewAuditView): Page<NewAuditModel> {
  return {
    template: 'new-audit.njk',
    model: {
      title: 'Start a new audit',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      backLink: { href: '/audits', text: 'Back to audits' },
      errors: errors?.length ? inFieldOrder(errors) : undefined,
      csrf: staff.csrf,
      form,
      foci: FOCI.map((f, i) => ({
        value: f,
        text: f,
        id: i === 0 ? 'focus' : `focus-${f.toLowerCase().replace(/\W+/g, '-')}`,
        checked: form.focus === f,
      })),
      sources: FOCUS_SOURCES.map((s) => ({ value: s, text: FOCUS_SOURCE_LABELS[s]! })),
      columns: CANDIDATE_COLUMN_ORDER.join(','),
      ...(pool ? { kept: `${pool.fileName}: ${cases(pool.caseRefs.length)}` } : {}),
    },
  };
}

const cases = (n: number) => (n === 1 ? '1 case' : `${n} cases`);

/** How many case references the check page shows. */
const SAMPLE = 5;

export interface CheckAuditModel extends LayoutModel {
  csrf: string;
  idempotencyKey: string;
  rows: Row[];
}

/** Check your answers: each answer with a "Change" link back to its field, then "Start audit". */
export function checkAuditPage(opts: {
  staff: SignedIn;
  form: NewAuditForm;
  body: Record<string, unknown>;
  pool: KeptPool;
  idempotencyKey: string;
}): Page<CheckAuditModel> {
  const { staff, form, body, pool } = opts;
  const window = body.window as { from: string; to: string };
  const discussion = body.discussion as { at: string; location: string } | undefined;
  const sample = pool.caseRefs.slice(0, SAMPLE).join(', ');
  const more = pool.caseRefs.length - SAMPLE;
  const change = (id: string, what: string) => ({ href: `/audits/new#${id}`, what });
  return {
    template: 'new-audit-check.njk',
    model: {
      title: 'Check your answers before starting the audit',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      backLink: { href: '/audits/new' },
      csrf: staff.csrf,
      idempotencyKey: opts.idempotencyKey,
      rows: [
        {
          key: 'Practice focus',
          text: String(body.focus),
          change: change(form.focus === OTHER ? 'focusOther' : 'focus', 'practice focus'),
        },
        {
          key: 'Where the focus came from',
          text: FOCUS_SOURCE_LABELS[form.focusSource],
          change: change('focusSource', 'where the focus came from'),
        },
        {
          key: 'Review window',
          text: `${formatDate(window.from)} to ${formatDate(window.to)}`,
          change: change('windowFrom-day', 'review window'),
        },
        { key: 'Cohort size', text: cases(Number(body.cohortSize)), change: change('cohortSize', 'cohort size') },
        {
          key: 'Discussion',
          text: discussion ? `${formatDateTime(discussion.at)}, ${discussion.location.trim()}` : 'Not scheduled yet',
          change: change('discussionAt-day', 'discussion'),
        },
        {
          key: 'Candidate cases',
          text: `${pool.fileName}: ${cases(pool.caseRefs.length)}`,
          change: change('candidates', 'candidate cases'),
        },
        { key: 'Case references', text: more > 0 ? `${sample} and ${more} more` : sample },
      ],
    },
  };
}

// /audits/:id/discussion: when and where the multi-agency discussion is (the business unit schedules or moves
// it), and once it has been held, "Record the outcome": attendance, the panel's grade and conclusions per area
// beside each agency's self-grades, urgent actions, concerns and recommendations as repeatable rows. The form
// is read back (readOutcomeForm) into the JSON API's body (outcomeBody), so one schema checks both.
import type { z } from 'zod';
import { atLondonTime } from '../../domain/calendar';
import { AREA_LABELS, type Area, GRADE_LABELS } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import type { Stage } from '../../domain/stages';
import type { SignedIn } from '../sign-in';
import { type Errors, fieldErrors, fieldId, type Row, STAGE_LABELS } from './components';
import { isRecord, formText } from './forms';
import { type AuditPartModel, auditPart } from './audit-part';
import { formatDate, formatDateTime, type Page } from './layout';

export const ROW_KINDS = ['urgentActions', 'concerns', 'recommendations'] as const;
export type RowKind = (typeof ROW_KINDS)[number];

/** What one row of each kind is made of, as the JSON body names its fields. */
const ROW_FIELDS = {
  urgentActions: ['description', 'ownerAgencyId', 'dueAt'],
  concerns: ['caseRef', 'agencyId', 'description'],
  recommendations: ['description', 'ownerAgencyId', 'dueAt'],
} as const;
type RowOf<K extends RowKind> = Record<(typeof ROW_FIELDS)[K][number], string>;

const ROW_NAMES: Record<RowKind, string> = {
  urgentActions: 'urgent action',
  concerns: 'concern',
  recommendations: 'recommendation',
};

/** "Schedule the discussion" as typed. */
export interface ScheduleForm {
  at: string;
  location: string;
}

/** "Record the outcome" as typed: every row shown, blank ones too. */
export interface OutcomeForm {
  present: string[];
  findings: Record<Area, { grade: string; conclusions: string }>;
  urgentActions: RowOf<'urgentActions'>[];
  concerns: RowOf<'concerns'>[];
  recommendations: RowOf<'recommendations'>[];
}

const blankRow = <K extends RowKind>(kind: K): RowOf<K> =>
  Object.fromEntries(ROW_FIELDS[kind].map((f) => [f, ''])) as RowOf<K>;

export function emptyOutcomeForm(): OutcomeForm {
  return {
    present: [],
    findings: Object.fromEntries(AREAS.map((a) => [a, { grade: '', conclusions: '' }])) as OutcomeForm['findings'],
    urgentActions: [blankRow('urgentActions')],
    concerns: [blankRow('concerns')],
    recommendations: [blankRow('recommendations')],
  };
}

/** The rows of one kind as posted (an array, or an object once qs gives up on arrays), in order. */
function postedRows<K extends RowKind>(kind: K, value: unknown): RowOf<K>[] {
  const rows = Array.isArray(value) ? value : isRecord(value) ? Object.values(value) : [];
  const read = rows.map((row) => {
    const posted = isRecord(row) ? row : {};
    return Object.fromEntries(ROW_FIELDS[kind].map((f) => [f, formText(posted[f]) ?? ''])) as RowOf<K>;
  });
  return read.length ? read : [blankRow(kind)];
}

/** The posted form, every field a string; `add` (an "Add another" button) gets one more blank row. */
export function readOutcomeForm(posted: unknown): { form: OutcomeForm; add?: RowKind } {
  const body = isRecord(posted) ? posted : {};
  const findings = isRecord(body.findings) ? body.findings : {};
  const present = Array.isArray(body.present) ? body.present : [body.present];
  const form: OutcomeForm = {
    present: present.filter((p): p is string => typeof p === 'string'),
    findings: Object.fromEntries(
      AREAS.map((area) => {
        const f = isRecord(findings[area]) ? findings[area] : {};
        return [area, { grade: formText(f.grade) ?? '', conclusions: formText(f.conclusions) ?? '' }];
      }),
    ) as OutcomeForm['findings'],
    urgentActions: postedRows('urgentActions', body.urgentActions),
    concerns: postedRows('concerns', body.concerns),
    recommendations: postedRows('recommendations', body.recommendations),
  };
  const add = ROW_KINDS.find((k) => k === body.add);
  if (add) (form[add] as Record<string, string>[]).push(blankRow(add));
  return { form, add };
}

const isBlank = (row: Record<string, string>) => Object.values(row).every((v) => v.trim() === '');

/** 31/3/2027 → 2027-03-31; anything else as typed, for the schema to judge. */
export function formDate(text: string): string {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  return m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : text.trim();
}

/** 14/1/2027 10:30 or 2027-01-14 10:30, in UK time, as an instant; anything else as typed, for the schema. */
export function formDateTime(text: string): string {
  const trimmed = text.trim();
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ ,T]+(\d{1,2})[:.](\d{2})$/.exec(trimmed);
  const iso = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/.exec(trimmed);
  const [y, m, d, h, min] = uk ? [uk[3], uk[2], uk[1], uk[4], uk[5]] : iso ? iso.slice(1) : [];
  if (!y || Number(h) > 23 || Number(min) > 59) return trimmed;
  const date = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  // Date.parse rolls 31/2 over into March: a date is real when it reads back the same.
  const day = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date) return trimmed;
  return atLondonTime(date, Number(h), Number(min)).toISOString();
}

/**
 * The JSON API's body from the form: every listed agency with whether it was there, blank rows left out.
 * `rowIndex` maps a row of the body back to the row shown, so an error lands on the field it is about.
 */
export function outcomeBody(form: OutcomeForm, agencyIds: string[]) {
  const rowIndex: Record<RowKind, number[]> = { urgentActions: [], concerns: [], recommendations: [] };
  // A field left empty is missing, as the schema says it: "Enter …" or "Choose …", not "Invalid".
  const kept = (kind: RowKind) =>
    (form[kind] as Record<string, string>[]).flatMap((row, i) => {
      if (isBlank(row)) return [];
      rowIndex[kind].push(i);
      return [Object.fromEntries(Object.entries(row).filter(([, v]) => v.trim() !== ''))];
    });
  const action = (r: Record<string, string>) => (r.dueAt ? { ...r, dueAt: formDate(r.dueAt) } : r);
  const body = {
    attendance: agencyIds.map((agencyId) => ({ agencyId, present: form.present.includes(agencyId) })),
    findings: Object.fromEntries(
      AREAS.map((area) => {
        const { grade, conclusions } = form.findings[area];
        // A grade not chosen is missing, as the schema says it.
        return [area, { ...(grade ? { grade } : {}), conclusions }];
      }),
    ),
    urgentActions: kept('urgentActions').map(action),
    concerns: kept('concerns'),
    recommendations: kept('recommendations').map(action),
  };
  return { body, rowIndex };
}

/** What each field is called in an error message, by its id. */
function outcomeLabels(form: OutcomeForm): Record<string, string> {
  const labels: Record<string, string> = { attendance: 'who attended' };
  for (const area of AREAS) {
    labels[`findings-${area}-grade`] = `the panel's grade for ${AREA_LABELS[area]}`;
    labels[`findings-${area}-conclusions`] = `the panel's conclusions on ${AREA_LABELS[area]}`;
  }
  for (const kind of ROW_KINDS) {
    form[kind].forEach((_row, i) => {
      const what = `${ROW_NAMES[kind]} ${i + 1}`;
      const id = (field: string) => `${kind}-${i}-${field}`;
      if (kind === 'concerns') {
        labels[id('caseRef')] = `the case ${what} is about`;
        labels[id('agencyId')] = `the agency ${what} is about`;
        labels[id('description')] = `what ${what} is`;
      } else {
        labels[id('description')] = `what ${what} is`;
        labels[id('ownerAgencyId')] = `the owner agency of ${what}`;
        labels[id('dueAt')] = `the due date of ${what}`;
      }
    });
  }
  return labels;
}

/** Fields answered by choosing: "Choose …" rather than "Enter …". */
const isChoice = (id: string) => /-(grade|ownerAgencyId|caseRef|agencyId)$/.test(id);

type Issue = { path: readonly PropertyKey[]; message: string; code?: string };

/**
 * The outcome's refusal, one message per field it names, in the form's own rows. Issues come from zod (400)
 * or from the command's reference checks (422), both with paths into the body.
 */
export function outcomeErrors(
  issues: readonly Issue[],
  form: OutcomeForm,
  rowIndex: Record<RowKind, number[]>,
): Errors {
  const shown = issues.map((issue) => {
    const [kind, i, ...rest] = issue.path;
    if (ROW_KINDS.includes(kind as RowKind) && typeof i === 'number') {
      return { ...issue, path: [kind!, rowIndex[kind as RowKind][i] ?? i, ...rest] };
    }
    // An attendance row names an agency: the checkboxes are one field.
    return kind === 'attendance' ? { ...issue, path: ['attendance'] } : issue;
  });
  const labels = outcomeLabels(form);
  const choices = new Set(Object.keys(labels).filter(isChoice));
  return dateWording(
    fieldErrors(shown as z.core.$ZodIssue[], labels, choices),
    labels,
    /-dueAt$/,
    'a date, like 31/3/2027',
  );
}

/** A date that is there but not one: say what one looks like. */
function dateWording(errors: Errors, labels: Record<string, string>, ids: RegExp, like: string): Errors {
  return errors.map((e) =>
    ids.test(e.id) && !e.text.startsWith('Enter') ? { ...e, text: `Enter ${labels[e.id]} as ${like}` } : e,
  );
}

const SCHEDULE_LABELS = { at: 'the date and time', location: 'the place' };

export function scheduleErrors(issues: readonly Issue[]): Errors {
  return dateWording(
    fieldErrors(issues as z.core.$ZodIssue[], SCHEDULE_LABELS),
    SCHEDULE_LABELS,
    /^at$/,
    'a date and time, like 14/1/2027 10:30',
  );
}

/** One agency's self-grade for one area of one case, from its submitted audit tool. */
export interface SelfGrade {
  agency: string;
  caseRef: string;
  grade: string;
}

export interface RecordedOutcome {
  recordedAt: Date;
  present: string[];
  absent: string[];
  findings: Partial<Record<Area, { grade: string; conclusions: string }>>;
  actions: { number: number; kind: string; owner: string; dueAt: Date }[];
  concerns: number;
}

export interface DiscussionView {
  staff: SignedIn;
  audit: { id: string; focus: string; stage: Stage };
  discussion: { at: Date | null; location: string | null; packCirculatedAt: Date | null };
  /** The agencies invited to this audit, by name: attendance, owners, concerns. */
  agencies: { id: string; name: string }[];
  cases: string[];
  selfGrades: Record<Area, SelfGrade[]>;
  recorded: RecordedOutcome | null;
  canSchedule: boolean;
  canRecord: boolean;
  done?: 'scheduled' | 'recorded';
  errors?: Errors;
  schedule?: ScheduleForm;
  outcome?: OutcomeForm;
}

interface FieldRow {
  legend: string;
  fields: {
    id: string;
    name: string;
    value: string;
    label: string;
    /** A due date is a text input with an example of the format. */
    kind: 'textarea' | 'select' | 'date';
    options?: { value: string; text: string; selected: boolean }[];
    error?: string;
  }[];
}

export interface DiscussionModel extends AuditPartModel {
  summary: Row[];
  canSchedule: boolean;
  canRecord: boolean;
  done?: string;
  schedule: ScheduleForm;
  attendance: { value: string; text: string; checked: boolean }[];
  areas: {
    label: string;
    gradeName: string;
    grade: string;
    conclusionsName: string;
    conclusionsId: string;
    conclusions: string;
    selfGrades: SelfGrade[];
  }[];
  grades: { value: string; text: string }[];
  rows: { kind: RowKind; heading: string; hint: string; add: string; items: FieldRow[] }[];
  recorded: { summary: Row[]; findings: Row[]; actions: Row[] } | null;
  /** Why there is no outcome to show or record yet. */
  outcomeNote: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as the form asks for it (14/1/2027 10:30, UK time): the stored date, to move it from. */
export function asTyped(at: Date | null): string {
  if (!at) return '';
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day}/${p.month}/${p.year} ${pad(Number(p.hour))}:${p.minute}`;
}

const HINTS: Record<RowKind, string> = {
  urgentActions: 'Actions needed now, each with the agency that owns it and when it is due.',
  concerns:
    'A concern about immediate risk to a child or adult, or unsafe practice. Each starts an urgent escalation to the agency lead.',
  recommendations: 'What the partnership should change, each with the agency that owns it and when it is due.',
};

function fieldRows(view: DiscussionView, form: OutcomeForm, kind: RowKind): FieldRow[] {
  const agencyOptions = (chosen: string, none: string) => [
    { value: '', text: none, selected: chosen === '' },
    ...view.agencies.map((a) => ({ value: a.id, text: a.name, selected: a.id === chosen })),
  ];
  const errorOf = (id: string) => view.errors?.find((e) => e.id === id)?.text;
  return (form[kind] as Record<string, string>[]).map((row, i) => {
    const what = `${ROW_NAMES[kind]} ${i + 1}`;
    const field = (
      name: string,
      label: string,
      control: FieldRow['fields'][number]['kind'],
      options?: FieldRow['fields'][number]['options'],
    ) => ({
      id: `${kind}-${i}-${name}`,
      name: `${kind}[${i}][${name}]`,
      value: row[name] ?? '',
      label,
      kind: control,
      ...(options ? { options } : {}),
      error: errorOf(`${kind}-${i}-${name}`),
    });
    const fields =
      kind === 'concerns'
        ? [
            field('caseRef', 'Case', 'select', [
              { value: '', text: 'Choose a case', selected: row.caseRef === '' },
              ...view.cases.map((c) => ({ value: c, text: c, selected: c === row.caseRef })),
            ]),
            field('agencyId', 'Agency (optional)', 'select', agencyOptions(row.agencyId ?? '', 'No particular agency')),
            field('description', 'The concern', 'textarea'),
          ]
        : [
            field('description', 'What is to be done', 'textarea'),
            field(
              'ownerAgencyId',
              'Owner agency',
              'select',
              agencyOptions(row.ownerAgencyId ?? '', 'Choose an agency'),
            ),
            field('dueAt', 'Due date', 'date'),
          ];
    return { legend: what.charAt(0).toUpperCase() + what.slice(1), fields };
  });
}

function recordedModel(view: DiscussionView): DiscussionModel['recorded'] {
  const r = view.recorded;
  if (!r) return null;
  return {
    summary: [
      { key: 'Recorded', text: formatDateTime(r.recordedAt) },
      { key: 'Attended', text: r.present.join(', ') || 'No agency' },
      { key: 'Did not attend', text: r.absent.join(', ') || 'None' },
      { key: 'Concerns escalated', text: String(r.concerns) },
    ],
    findings: AREAS.map((area) => {
      const f = r.findings[area];
      return {
        key: AREA_LABELS[area],
        prose: f ? `${GRADE_LABELS[f.grade as keyof typeof GRADE_LABELS] ?? f.grade}\n${f.conclusions}` : null,
      };
    }),
    actions: r.actions.map((a) => ({
      key: `${a.kind === 'urgent_action' ? 'Urgent action' : 'Recommendation'} ${a.number}`,
      text: `${a.owner}, due ${formatDate(a.dueAt)}`,
    })),
  };
}

function outcomeNote({ audit, discussion }: DiscussionView): string {
  if (audit.stage === 'cancelled') return 'The audit was cancelled before an outcome was recorded.';
  if (!discussion.at) return 'It can be recorded here once the discussion has been scheduled and held.';
  if (discussion.at > new Date())
    return `It can be recorded here after the discussion, from ${formatDateTime(discussion.at)}.`;
  return 'It has not been recorded yet: the business unit records it once the collated pack has gone out.';
}

export function discussionPage(view: DiscussionView): Page<DiscussionModel> {
  const { staff, audit, discussion } = view;
  const form = view.outcome ?? emptyOutcomeForm();
  const schedule = view.schedule ?? { at: asTyped(discussion.at), location: discussion.location ?? '' };
  return {
    template: 'discussion.njk',
    model: {
      ...auditPart('Discussion', staff, audit, view.errors),
      summary: [
        { key: 'Stage', text: STAGE_LABELS[audit.stage] },
        { key: 'Date and time', text: discussion.at ? formatDateTime(discussion.at) : 'Not scheduled' },
        { key: 'Place', text: discussion.location },
        {
          key: 'Collated pack',
          text: discussion.packCirculatedAt
            ? `Circulated ${formatDateTime(discussion.packCirculatedAt)}`
            : 'Not yet circulated',
        },
      ],
      canSchedule: view.canSchedule,
      canRecord: view.canRecord,
      done: view.done,
      schedule,
      attendance: view.agencies.map((a) => ({ value: a.id, text: a.name, checked: form.present.includes(a.id) })),
      areas: AREAS.map((area) => ({
        label: AREA_LABELS[area],
        gradeName: `findings[${area}][grade]`,
        grade: form.findings[area].grade,
        conclusionsName: `findings[${area}][conclusions]`,
        conclusionsId: fieldId(`findings[${area}][conclusions]`),
        conclusions: form.findings[area].conclusions,
        selfGrades: view.selfGrades[area].map((s) => ({
          ...s,
          grade: GRADE_LABELS[s.grade as keyof typeof GRADE_LABELS] ?? s.grade,
        })),
      })),
      grades: GRADES.map((g) => ({ value: g, text: GRADE_LABELS[g] })),
      rows: ROW_KINDS.map((kind) => ({
        kind,
        heading: { urgentActions: 'Urgent actions', concerns: 'Concerns', recommendations: 'Recommendations' }[kind],
        hint: HINTS[kind],
        add: `Add another ${ROW_NAMES[kind]}`,
        items: fieldRows(view, form, kind),
      })),
      recorded: recordedModel(view),
      outcomeNote: outcomeNote(view),
    },
  };
}

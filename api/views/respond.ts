// The single-agency audit tool as pages: the form (the child's identifiers, shown to the link holder only;
// the six areas, each graded with a rationale; the child's voice, family information and history; a box
// for an immediate-risk concern), "check your answers" before the final submit, and once submitted the
// answers read-only. Every form posts the same fields as the JSON body.
import type { z } from 'zod';
import { AREA_LABELS, GRADE_LABELS } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import { type Errors, fieldErrors, type Row, SERVICE_LEVEL_LABELS, tag } from './components';
import { formText, isRecord } from './forms';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';

export interface RespondPageView {
  audit: { title: string };
  agency: { name: string };
  case: {
    caseRef: string;
    serviceLevel: string;
    child: { name: string | null; dateOfBirth: string | null; localId: string | null };
  };
  dueAt: string | null;
  status: string;
  submittedAt: string | null;
  /** As stored. */
  content: unknown;
  /** This audit tool has already raised its immediate-risk concern. */
  concernRaisedAt: string | null;
}

const SECTION_FIELDS = ['goodPractice', 'areasForDevelopment', 'recommendations', 'grade', 'rationale'] as const;
type SectionField = (typeof SECTION_FIELDS)[number];

const SECTION_TEXT: Record<Exclude<SectionField, 'grade'>, { label: string; noun: string; hint?: string }> = {
  goodPractice: {
    label: 'Key areas of good practice',
    noun: 'good practice',
    hint: "In your agency's own work and in working with other agencies.",
  },
  areasForDevelopment: { label: 'Areas for development', noun: 'areas for development' },
  recommendations: { label: 'Recommendations for practice', noun: 'recommendations' },
  rationale: { label: 'Why this grade', noun: 'rationale', hint: 'Every grade needs a written rationale.' },
};

const FAMILY_TEXT = {
  childVoice: {
    label: "The child's voice",
    hint: 'What the child and family said, and how it shaped the work.',
  },
  familyInformation: { label: 'Family information', hint: "What your agency holds about the child's family." },
  history: { label: 'History', hint: "Your agency's involvement with the child over time." },
} as const;

const GRADE_OPTIONS = GRADES.map((g) => ({ value: g, text: GRADE_LABELS[g] }));

interface Section {
  goodPractice?: string;
  areasForDevelopment?: string;
  recommendations?: string;
  grade?: string;
  rationale?: string;
}

interface Content {
  sections?: Partial<Record<(typeof AREAS)[number], Section>>;
  childVoice?: string;
  familyInformation?: string;
  history?: string;
  immediateRiskConcern?: { description?: string };
}

/** The form's fields as the JSON body has them; an area left wholly blank is left out. */
export function respondFromForm(form: unknown) {
  const posted = isRecord(form) ? form : {};
  const postedSections = isRecord(posted.sections) ? posted.sections : {};
  const sections: Record<string, Record<string, string>> = {};
  for (const area of AREAS) {
    const fields = postedSections[area];
    if (!isRecord(fields)) continue;
    const section: Record<string, string> = {};
    for (const field of SECTION_FIELDS) {
      const value = formText(fields[field]);
      // An unchosen grade is no grade; blank text is kept, so an area's answers stay together.
      if (value !== undefined && !(field === 'grade' && value === '')) section[field] = value;
    }
    if (Object.values(section).some((v) => v.trim() !== '')) sections[area] = section;
  }
  const concern = isRecord(posted.immediateRiskConcern) ? formText(posted.immediateRiskConcern.description) : undefined;
  const optional = (key: keyof typeof FAMILY_TEXT) => {
    const value = formText(posted[key]);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    sections,
    ...optional('childVoice'),
    ...optional('familyInformation'),
    ...optional('history'),
    ...(concern?.trim() ? { immediateRiskConcern: { description: concern } } : {}),
    submit: formText(posted.submit) === 'true',
  };
}

const LABELS: Record<string, string> = {
  childVoice: "what the child and family said (the child's voice)",
  familyInformation: 'family information',
  history: 'history',
  'immediateRiskConcern-description': 'the immediate-risk concern',
  ...Object.fromEntries(
    AREAS.flatMap((area): [string, string][] => [
      [`sections-${area}`, `the answers for ${AREA_LABELS[area]}`],
      [`sections-${area}-grade`, `the grade for ${AREA_LABELS[area]}`],
      ...Object.entries(SECTION_TEXT).map(([field, { noun }]): [string, string] => [
        `sections-${area}-${field}`,
        `the ${noun} for ${AREA_LABELS[area]}`,
      ]),
    ]),
  ),
};
const CHOICES = new Set(AREAS.map((area) => `sections-${area}-grade`));

/** An area with no answers at all is pointed at by its first field, which the error summary's link focuses. */
export const respondErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(issues, LABELS, CHOICES).map((e) =>
    AREAS.some((area) => e.id === `sections-${area}`) ? { ...e, id: `${e.id}-goodPractice` } : e,
  );

/** What a field of the form is called, for a page that shows posted fields back (api/views/resubmit.ts). */
export const respondLabel = (id: string): string | undefined => LABELS[id];

const MAX_TEXT = 20_000;

interface TextField {
  name: string;
  id: string;
  label: string;
  hint?: string;
  value: string;
  maxlength: number;
}

export interface RespondModel extends LayoutModel {
  caption: string;
  /** The form; "check your answers" before the final submit; or the submitted answers, read-only. */
  mode: 'form' | 'check' | 'submitted';
  banner: { heading: string; body: string } | null;
  summary: Row[];
  identifiers: Row[];
  action: string;
  csrf: string;
  areas: {
    id: string;
    heading: string;
    texts: TextField[];
    grade: { name: string; value?: string; items: { value: string; text: string }[] };
  }[];
  family: TextField[];
  /** The immediate-risk box: the date a concern was raised from this audit tool, or the field to raise one. */
  concern: { raisedOn: string } | { field: TextField };
  /** "Check your answers" and the read-only answers: per area and for the family, a heading and rows. */
  answers: { heading: string; rows: Row[] }[];
  /** The final submission's fields, as the form posts them, from the saved draft. */
  hidden: { name: string; value: string }[];
}

const familyKeys = Object.keys(FAMILY_TEXT) as (keyof typeof FAMILY_TEXT)[];

function answers(content: Content, change?: string): RespondModel['answers'] {
  const changeTo = (id: string, what: string) => (change ? { change: { href: `${change}#${id}`, what } } : {});
  return [
    ...AREAS.map((area) => {
      const s = content.sections?.[area] ?? {};
      const label = AREA_LABELS[area];
      const row = (key: string, field: SectionField, value: Omit<Row, 'key'>): Row => ({
        key,
        ...value,
        ...changeTo(`sections-${area}-${field}`, `${key.toLowerCase()} for ${label}`),
      });
      return {
        heading: label,
        rows: [
          row('Grade', 'grade', {
            text: s.grade ? (GRADE_LABELS[s.grade as keyof typeof GRADE_LABELS] ?? s.grade) : null,
          }),
          row('Why this grade', 'rationale', { prose: s.rationale }),
          row('Good practice', 'goodPractice', { prose: s.goodPractice }),
          row('Areas for development', 'areasForDevelopment', { prose: s.areasForDevelopment }),
          row('Recommendations', 'recommendations', { prose: s.recommendations }),
        ],
      };
    }),
    {
      heading: 'The child and family',
      rows: familyKeys.map((key) => ({
        key: FAMILY_TEXT[key].label,
        prose: content[key],
        ...changeTo(key, FAMILY_TEXT[key].label.toLowerCase()),
      })),
    },
  ];
}

/** The stored answers as the form would post them, for the final submit from "check your answers". */
function hiddenFields(content: Content): RespondModel['hidden'] {
  const fields: RespondModel['hidden'] = [];
  for (const area of AREAS) {
    const s = content.sections?.[area];
    if (!s) continue;
    for (const field of SECTION_FIELDS) {
      const value = s[field];
      if (typeof value === 'string') fields.push({ name: `sections[${area}][${field}]`, value });
    }
  }
  for (const key of familyKeys) {
    const value = content[key];
    if (typeof value === 'string') fields.push({ name: key, value });
  }
  return fields;
}

export function respondPage(
  view: RespondPageView,
  opts: {
    csrf: string;
    action: string;
    saved?: 'draft' | 'submitted';
    /** "Check your answers" of the saved draft, before the final submit. */
    check?: boolean;
    errors?: Errors;
    /** A final submission was incomplete: what was typed has been kept as a draft. */
    draftSaved?: boolean;
    /** The form as posted, shown again with its errors. */
    posted?: unknown;
  },
): Page<RespondModel> {
  // What was just posted when the page shows what was wrong with it; else what is stored.
  const shown = opts.posted ?? view.content;
  const content = (isRecord(shown) ? shown : {}) as Content;
  const submitted = view.submittedAt !== null;
  const mode = submitted ? 'submitted' : opts.check ? 'check' : 'form';
  const { child } = view.case;
  const text = (name: string, value: string | undefined, field: { label: string; hint?: string }) => ({
    name,
    id: name
      .split(/[[\]]+/)
      .filter(Boolean)
      .join('-'),
    value: value ?? '',
    maxlength: MAX_TEXT,
    ...field,
  });
  const banner = opts.draftSaved
    ? { heading: 'Your answers have been saved as a draft', body: 'Correct what is listed above, then submit.' }
    : opts.saved === 'draft' && !submitted && !opts.check
      ? { heading: 'Draft saved', body: 'You can come back to this link to finish it before the deadline.' }
      : opts.saved === 'submitted' && submitted
        ? {
            heading: 'Audit tool submitted',
            body: 'Thank you. The business unit will collate it with the other agencies’ audit tools.',
          }
        : null;
  return {
    template: 'respond.njk',
    model: {
      title: mode === 'check' ? `Check your answers: ${view.audit.title}` : `Audit tool: ${view.audit.title}`,
      errors: opts.errors,
      caption: `${view.agency.name} · case ${view.case.caseRef}`,
      mode,
      banner,
      summary: [
        { key: 'Agency', text: view.agency.name },
        { key: 'Due', text: view.dueAt ? formatDateTime(view.dueAt) : null },
        submitted
          ? { key: 'Status', tags: [tag('Submitted', 'green')], text: `on ${formatDateTime(view.submittedAt)}` }
          : { key: 'Status', tags: [view.content ? tag('Draft saved', 'grey') : tag('Not started', 'grey')] },
      ],
      identifiers: [
        { key: 'Case reference', text: view.case.caseRef },
        { key: 'Service level', text: SERVICE_LEVEL_LABELS[view.case.serviceLevel] ?? view.case.serviceLevel },
        { key: "Child's name", text: child.name },
        { key: 'Date of birth', text: formatDate(child.dateOfBirth, true) },
        { key: 'Local identifier', text: child.localId },
      ],
      action: opts.action,
      csrf: opts.csrf,
      areas: AREAS.map((area) => {
        const s = content.sections?.[area] ?? {};
        const name = (field: SectionField) => `sections[${area}][${field}]`;
        return {
          id: `sections-${area}`,
          heading: AREA_LABELS[area],
          texts: (['goodPractice', 'areasForDevelopment', 'recommendations', 'rationale'] as const).map((field) =>
            text(name(field), s[field], SECTION_TEXT[field]),
          ),
          grade: { name: name('grade'), value: s.grade, items: GRADE_OPTIONS },
        };
      }),
      family: familyKeys.map((key) => text(key, content[key], FAMILY_TEXT[key])),
      concern: view.concernRaisedAt
        ? { raisedOn: formatDateTime(view.concernRaisedAt) }
        : {
            field: {
              ...text('immediateRiskConcern[description]', content.immediateRiskConcern?.description, {
                label: 'Concern about immediate risk to a child or adult, or unsafe practice',
                hint: 'Only if there is one. It goes to your agency lead at once when you save or continue, and is escalated until acknowledged.',
              }),
              maxlength: 5000,
            },
          },
      answers: mode === 'form' ? [] : answers(content, mode === 'check' ? opts.action : undefined),
      hidden: mode === 'check' ? hiddenFields(content) : [],
    },
  };
}

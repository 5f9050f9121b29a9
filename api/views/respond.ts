// The single-agency audit tool as a page: the child's identifiers (shown to the link holder only), the
// six areas, the child's voice, family information and history, and a box for an immediate-risk
// concern. The form posts the same fields as the JSON body; once submitted it is shown read-only.
import type { z } from 'zod';
import { AREA_LABELS, GRADE_LABELS } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import {
  csrfField,
  type Errors,
  errorSummary,
  fieldErrors,
  notice,
  prose,
  select,
  SERVICE_LEVEL_LABELS,
  summaryList,
  tag,
  textArea,
} from './components';
import { html } from './html';
import { formatDate, formatDateTime, type PageOptions } from './layout';
import { formText, isRecord } from './forms';

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

const GRADE_OPTIONS = GRADES.map((g) => ({ value: g, label: GRADE_LABELS[g] }));

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

export const respondErrors = (issues: readonly z.core.$ZodIssue[]): Errors => fieldErrors(issues, LABELS, CHOICES);

function identifiers(view: RespondPageView) {
  const { child } = view.case;
  return html`<h2>The child</h2>
    <p>These details are shown to you, through your link, only. They are never put in an email.</p>
    ${summaryList([
      ['Case reference', view.case.caseRef],
      ['Service level', SERVICE_LEVEL_LABELS[view.case.serviceLevel] ?? view.case.serviceLevel],
      ["Child's name", child.name],
      ['Date of birth', formatDate(child.dateOfBirth, true)],
      ['Local identifier', child.localId],
    ])}`;
}

function readOnly(content: Content) {
  return html`${AREAS.map((area) => {
      const s = content.sections?.[area] ?? {};
      return html`<h3>${AREA_LABELS[area]}</h3>
        ${summaryList([
          ['Grade', s.grade ? (GRADE_LABELS[s.grade as keyof typeof GRADE_LABELS] ?? s.grade) : null],
          ['Why this grade', s.rationale && prose(s.rationale)],
          ['Good practice', s.goodPractice && prose(s.goodPractice)],
          ['Areas for development', s.areasForDevelopment && prose(s.areasForDevelopment)],
          ['Recommendations', s.recommendations && prose(s.recommendations)],
        ])}`;
    })}
    <h2>The child and family</h2>
    ${summaryList(
      (Object.keys(FAMILY_TEXT) as (keyof typeof FAMILY_TEXT)[]).map((key) => [
        FAMILY_TEXT[key].label,
        content[key] && prose(content[key]),
      ]),
    )}`;
}

function form(view: RespondPageView, content: Content, csrf: string, action: string, errors?: Errors) {
  return html`<form method="post" action="${action}" novalidate>
    ${csrfField(csrf)}
    <p>
      Complete each section from your agency's point of view, taking working with other agencies into account. You can
      save a draft and come back to this link; submit once every area has a grade and a rationale.
    </p>
    ${AREAS.map((area) => {
      const s = content.sections?.[area] ?? {};
      const name = (field: SectionField) => `sections[${area}][${field}]`;
      const text = (field: Exclude<SectionField, 'grade'>) =>
        textArea({ name: name(field), value: s[field], errors, ...SECTION_TEXT[field] });
      return html`<fieldset class="area" id="sections-${area}">
        <legend>${AREA_LABELS[area]}</legend>
        ${text('goodPractice')} ${text('areasForDevelopment')} ${text('recommendations')}
        ${select({ name: name('grade'), label: 'Grade', value: s.grade, errors, options: GRADE_OPTIONS })}
        ${text('rationale')}
      </fieldset>`;
    })}
    <fieldset class="area" id="family">
      <legend>The child and family</legend>
      ${(Object.keys(FAMILY_TEXT) as (keyof typeof FAMILY_TEXT)[]).map((key) =>
        textArea({ name: key, value: content[key], errors, ...FAMILY_TEXT[key] }),
      )}
    </fieldset>
    <div class="warning">
      <h2>Immediate risk</h2>
      ${
        view.concernRaisedAt
          ? html`<p>
              An immediate-risk concern was raised from this audit tool on ${formatDateTime(view.concernRaisedAt)}. Your
              agency lead has been asked to acknowledge it. For anything new, telephone your agency lead now.
            </p>`
          : textArea({
              name: 'immediateRiskConcern[description]',
              label: 'Concern about immediate risk to a child or adult, or unsafe practice',
              hint: 'Only if there is one. It goes to your agency lead at once when you save or submit, and is escalated until acknowledged.',
              value: content.immediateRiskConcern?.description,
              errors,
            })
      }
    </div>
    <div class="buttons">
      <button type="submit" name="submit" value="false" class="secondary" id="save-draft">Save draft</button>
      <button type="submit" name="submit" value="true" id="submit">Submit</button>
    </div>
  </form>`;
}

export function respondPage(
  view: RespondPageView,
  opts: {
    csrf: string;
    action: string;
    saved?: 'draft' | 'submitted';
    errors?: Errors;
    /** A final submission was incomplete: what was typed has been kept as a draft. */
    draftSaved?: boolean;
    /** The form as posted, shown again with its errors. */
    posted?: unknown;
  },
): PageOptions {
  // What was just posted when the page shows what was wrong with it; else what is stored.
  const shown = opts.posted ?? view.content;
  const content = (isRecord(shown) ? shown : {}) as Content;
  const submitted = view.submittedAt !== null;
  const title = `Audit tool: ${view.audit.title}`;
  return {
    title,
    hasErrors: !!opts.errors?.length,
    main: html`<span class="caption">${view.agency.name} · case ${view.case.caseRef}</span>
      <h1>${title}</h1>
      ${errorSummary(opts.errors)}
      ${opts.draftSaved ? notice('Your answers have been saved as a draft', 'Correct what is listed above, then submit.') : ''}
      ${opts.saved === 'draft' && !submitted ? notice('Draft saved', 'You can come back to this link to finish it before the deadline.') : ''}
      ${opts.saved === 'submitted' && submitted ? notice('Audit tool submitted', 'Thank you. The business unit will collate it with the other agencies’ audit tools.') : ''}
      ${summaryList([
        ['Agency', view.agency.name],
        ['Due', view.dueAt ? formatDateTime(view.dueAt) : null],
        [
          'Status',
          submitted
            ? html`${tag('Submitted', 'green')} on ${formatDateTime(view.submittedAt)}`
            : view.content
              ? tag('Draft saved', 'grey')
              : tag('Not started', 'grey'),
        ],
      ])}
      ${identifiers(view)}
      ${
        submitted
          ? html`<h2>Your submission</h2>
              <p>
                This audit tool has been submitted and can no longer be changed here. Tell the business unit if
                something in it needs correcting.
              </p>
              ${readOnly(content)}`
          : form(view, content, opts.csrf, opts.action, opts.errors)
      }`,
  };
}

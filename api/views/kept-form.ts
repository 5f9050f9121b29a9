// A form post to an emailed link that is refused before it could be taken — too many requests (429),
// a dependency down (503), an expired or foreign CSRF token (403) — comes back as this page: the
// refusal, and everything the person typed in a form that sends it to the same link again.
import { AREA_LABELS, GRADE_LABELS } from '../../domain/labels';
import { ACKNOWLEDGE_LABELS } from './acknowledge';
import { APPROVE_LABELS, DECISIONS } from './approve';
import { fieldId, type Row } from './components';
import { errorTitle } from './error';
import { isRecord } from './forms';
import type { LayoutModel, Page } from './layout';
import { PROGRESS_LABELS, STATUSES } from './progress';
import { respondLabel } from './respond';

/** The statuses a kept form answers; any other refusal is about the input or the link, and says so. */
export const KEPT_STATUSES = new Set([403, 429, 503]);

const FORMS = {
  respond: respondLabel,
  approve: (id: string) => APPROVE_LABELS[id as keyof typeof APPROVE_LABELS],
  progress: (id: string) => PROGRESS_LABELS[id as keyof typeof PROGRESS_LABELS],
  acknowledge: (id: string) => ACKNOWLEDGE_LABELS[id as keyof typeof ACKNOWLEDGE_LABELS],
} as const;
export type LinkForm = keyof typeof FORMS;
export const isLinkForm = (name: string): name is LinkForm => name in FORMS;

/** Answers given by choosing, shown in words and sent again as they were. */
const CHOICES: Record<string, Record<string, string>> = {
  decision: Object.fromEntries(DECISIONS.map((d) => [d.value, d.text])),
  status: Object.fromEntries(STATUSES.map((s) => [s.value, s.text])),
  ...Object.fromEntries(Object.keys(AREA_LABELS).map((area) => [`sections-${area}-grade`, GRADE_LABELS])),
};

export interface KeptFormModel extends LayoutModel {
  status: number;
  message: string;
  action: string;
  csrf: string;
  texts: { name: string; id: string; label: string; value: string }[];
  choices: Row[];
  hidden: { name: string; value: string }[];
  /** The button that sent the form, sent again: `submit=false` saves a draft, `check` checks the answers. */
  submit?: string;
}

/** A nested form body as the names it was posted with: `sections[recognition][grade]`. */
function fields(body: unknown, prefix = ''): { name: string; value: string }[] {
  if (!isRecord(body)) return [];
  return Object.entries(body).flatMap(([key, value]) => {
    const name = prefix ? `${prefix}[${key}]` : key;
    return typeof value === 'string' ? [{ name, value }] : fields(value, name);
  });
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function keptFormPage(opts: {
  form: LinkForm;
  status: number;
  message: string;
  action: string;
  csrf: string;
  body: unknown;
}): Page<KeptFormModel> {
  const posted = fields(opts.body).filter((f) => f.name !== '_csrf');
  const model: KeptFormModel = {
    title: errorTitle(opts.status),
    status: opts.status,
    message: opts.message,
    action: opts.action,
    csrf: opts.csrf,
    texts: [],
    choices: [],
    hidden: [],
  };
  for (const { name, value } of posted) {
    const id = fieldId(name);
    const label = FORMS[opts.form](id);
    if (name === 'submit') model.submit = value;
    // A field left blank is sent again as it was, without a box of its own to read past.
    else if (CHOICES[id] || !label || value.trim() === '') {
      model.hidden.push({ name, value });
      if (label) model.choices.push({ key: sentence(label), text: CHOICES[id]?.[value] ?? value });
    } else model.texts.push({ name, id, label: sentence(label), value });
  }
  return { template: 'kept-form.njk', model };
}

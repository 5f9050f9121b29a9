// The pieces every page is made of: labelled fields with their errors, the error summary, summary
// lists, tags, and the names the process gives its codes. Field ids derive from field names
// (`sections[recognition][grade]` → `sections-recognition-grade`), so the error summary links to them
// and a browser test can find them.
import type { z } from 'zod';
import type { Stage } from '../../domain/stages';
import { html, type SafeHtml } from './html';

export const SERVICE_LEVEL_LABELS: Record<string, string> = {
  universal: 'Universal',
  early_help: 'Early help',
  child_in_need: 'Child in need',
  child_protection: 'Child protection',
  looked_after: 'Looked after',
};

export const STAGE_LABELS: Record<Stage, string> = {
  selection: 'Selection',
  invitations: 'Invitations',
  awaiting_submissions: 'Awaiting submissions',
  collation: 'Collation',
  discussion: 'Discussion',
  report: 'Report',
  practitioner_approval: 'Practitioner approval',
  lis_signoff: 'LIS sign-off',
  action_follow_up: 'Action follow-up',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export const RAG_LABELS = { red: 'Red', amber: 'Amber', green: 'Green', complete: 'Complete' } as const;
export type RagStatus = keyof typeof RAG_LABELS;

/** The id of the field a form name (or a zod issue path) refers to. */
export const fieldId = (name: string | readonly PropertyKey[]): string =>
  (typeof name === 'string' ? name.split(/[[\]]+/) : name.map(String)).filter(Boolean).join('-');

/** One problem with what was posted, linked to its field. */
export interface FieldError {
  id: string;
  text: string;
}

export type Errors = FieldError[];

const errorFor = (errors: Errors | undefined, id: string) => errors?.find((e) => e.id === id);

export function errorSummary(errors: Errors | undefined): SafeHtml | '' {
  if (!errors?.length) return '';
  return html`<div
    class="error-summary"
    role="alert"
    aria-labelledby="error-summary-title"
    tabindex="-1"
    id="error-summary"
  >
    <h2 id="error-summary-title">There is a problem</h2>
    <ul>
      ${errors.map((e) => html`<li><a href="#${e.id}">${e.text}</a></li>`)}
    </ul>
  </div>`;
}

const errorMessage = (error: FieldError | undefined) =>
  error &&
  html`<span class="error-message" id="${error.id}-error"
    ><span class="visually-hidden">Error: </span>${error.text}</span
  >`;

/** aria-describedby for a field: its hint and its error, when it has them. */
const describedBy = (id: string, hint: string | undefined, error: FieldError | undefined) => {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : '';
};

interface FieldOptions {
  name: string;
  label: string;
  value?: string | null;
  hint?: string;
  errors?: Errors;
}

export function textArea({ name, label, value, hint, errors, rows = 5 }: FieldOptions & { rows?: number }): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, id);
  return html`<div class="field${error ? ' field-error' : ''}">
    <label for="${id}">${label}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}${errorMessage(error)}
    <textarea
      id="${id}"
      name="${name}"
      rows="${rows}"
      ${describedBy(id, hint, error)}${error ? html` aria-invalid="true"` : ''}
    >
${value ?? ''}</textarea>
  </div>`;
}

export function textInput({
  name,
  label,
  value,
  hint,
  errors,
  type = 'text',
  autocomplete = 'off',
}: FieldOptions & { type?: 'text' | 'password'; autocomplete?: string }): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, id);
  return html`<div class="field${error ? ' field-error' : ''}">
    <label for="${id}">${label}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}${errorMessage(error)}
    <input
      type="${type}"
      id="${id}"
      name="${name}"
      value="${value ?? ''}"
      autocomplete="${autocomplete}"
      spellcheck="false"
      ${describedBy(id, hint, error)}${error ? html` aria-invalid="true"` : ''}
    />
  </div>`;
}

export function select({
  name,
  label,
  value,
  hint,
  errors,
  options,
}: FieldOptions & { options: readonly { value: string; label: string }[] }): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, id);
  return html`<div class="field${error ? ' field-error' : ''}">
    <label for="${id}">${label}</label>
    ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}${errorMessage(error)}
    <select id="${id}" name="${name}" ${describedBy(id, hint, error)}${error ? html` aria-invalid="true"` : ''}>
      <option value="" ${value ? '' : html` selected`}>Choose…</option>
      ${options.map((o) => html`<option value="${o.value}" ${o.value === value ? html` selected` : ''}>${o.label}</option>`)}
    </select>
  </div>`;
}

/** Radio buttons in a fieldset; each option's id is `<name>-<value>`, the group's error links to the first. */
export function radios({
  name,
  label,
  value,
  hint,
  errors,
  options,
}: FieldOptions & { options: readonly { value: string; label: string }[] }): SafeHtml {
  const id = fieldId(name);
  const error = errorFor(errors, id);
  return html`<div class="field${error ? ' field-error' : ''}">
    <fieldset id="${id}" ${describedBy(id, hint, error)}>
      <legend>${label}</legend>
      ${hint && html`<span class="hint" id="${id}-hint">${hint}</span>`}${errorMessage(error)}
      ${options.map(
        (o) =>
          html`<label class="choice" for="${id}-${o.value}"
            ><input
              type="radio"
              id="${id}-${o.value}"
              name="${name}"
              value="${o.value}"
              ${o.value === value ? html` checked` : ''}
            />${o.label}</label
          >`,
      )}
    </fieldset>
  </div>`;
}

/** The form's CSRF token (api/security.ts): refused without it. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${token}" />`;

export function summaryList(rows: [string, string | SafeHtml | null | undefined][]): SafeHtml {
  return html`<dl class="summary">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v || '—'}</dd>`,
    )}
  </dl>`;
}

export const tag = (text: string, kind = ''): SafeHtml => html`<strong class="tag ${kind}">${text}</strong>`;

/** Text as typed, line breaks kept. */
export const prose = (text: string | null | undefined, empty = 'Not given.'): SafeHtml =>
  text?.trim() ? html`<div class="text">${text}</div>` : html`<p class="hint">${empty}</p>`;

export function notice(title: string, body?: SafeHtml | string): SafeHtml {
  return html`<div class="notice" role="status">
    <h2>${title}</h2>
    ${body ? html`<p>${body}</p>` : ''}
  </div>`;
}

/**
 * What a zod failure means to the person at the form, one line per field: `labels` names each field
 * by its id (`the rationale for Recognition`); `choices` are the ids answered by choosing.
 */
export function fieldErrors(
  issues: readonly z.core.$ZodIssue[],
  labels: Record<string, string>,
  choices: ReadonlySet<string> = new Set(),
): Errors {
  const errors: Errors = [];
  for (const issue of issues) {
    const id = fieldId(issue.path);
    if (errors.some((e) => e.id === id)) continue;
    const label = labels[id] ?? 'this answer';
    const missing = /received undefined/.test(issue.message) || issue.code === 'too_small';
    let text: string;
    if (issue.code === 'too_big' || /^Too big/.test(issue.message)) {
      const max = 'maximum' in issue ? String(issue.maximum) : '';
      text = `${label} must be ${max ? `${max} characters or fewer` : 'shorter'}`;
    } else if (
      choices.has(id) &&
      (missing || issue.code === 'invalid_value' || /^Invalid option/.test(issue.message))
    ) {
      text = `Choose ${label}`;
    } else if (missing) {
      text = `Enter ${label}`;
    } else {
      text = `${label}: ${issue.message}`;
    }
    errors.push({ id, text: text.charAt(0).toUpperCase() + text.slice(1) });
  }
  return errors;
}

export const ragTag = (rag: RagStatus | null | undefined): SafeHtml =>
  rag ? tag(RAG_LABELS[rag], rag) : tag('Not reported', 'grey');

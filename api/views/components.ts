// What every page's model is made of: field errors, summary-list rows, tags, and the names the process
// gives its codes (templates/app.njk draws them with govuk-frontend's macros). Field ids derive from field names
// (`sections[recognition][grade]` → `sections-recognition-grade`), so the error summary links to them
// and a browser test can find them.
import type { z } from 'zod';
import type { Stage } from '../../domain/stages';

export const SERVICE_LEVEL_LABELS: Record<string, string> = {
  universal: 'Universal',
  early_help: 'Early help',
  child_in_need: 'Child in need',
  child_protection: 'Child protection',
  looked_after: 'Looked after',
};

/** Where an audit's focus came from (POST /api/audits `focusSource`), as the process names it. */
export const FOCUS_SOURCE_LABELS: Record<string, string> = {
  practice_review: 'Practice review finding',
  business_plan_priority: 'Business plan priority',
  practice_concern: 'Practice or performance concern',
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

/** A govuk-frontend tag: its words and colour (blue when none). */
export interface Tag {
  text: string;
  colour?: 'red' | 'yellow' | 'green' | 'grey';
}

/**
 * One row of a summary list (`appSummaryList` in templates/app.njk): its value as plain text, as typed
 * text (line breaks kept), as a link, or as tags with text after them; a "Change" link when the answer can be changed.
 */
export interface Row {
  key: string;
  text?: string | null;
  prose?: string | null;
  tags?: Tag[];
  link?: { href: string; text: string };
  change?: { href: string; what: string };
}

export const tag = (text: string, colour?: Tag['colour']): Tag => ({ text, ...(colour ? { colour } : {}) });

/** A table cell (`appTable` in templates/app.njk): tags, then text. */
export interface Cell {
  tags?: Tag[];
  text?: string;
}

/** A table of cells (`appTable`): its caption, head and rows, or what to say when it has none. */
export interface Table {
  caption: string;
  head: string[];
  rows: Cell[][];
  empty: string;
}

/** A stage as a tag: grey once cancelled, green once completed. */
export const stageTag = (stage: Stage): Tag =>
  tag(STAGE_LABELS[stage], stage === 'cancelled' ? 'grey' : stage === 'completed' ? 'green' : undefined);

const RAG_COLOURS = { red: 'red', amber: 'yellow', green: 'green', complete: 'green' } as const;

export const ragTag = (rag: RagStatus | null | undefined): Tag =>
  rag ? tag(RAG_LABELS[rag], RAG_COLOURS[rag]) : tag('Not reported', 'grey');

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

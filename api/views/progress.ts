// Quarterly action progress as a page: the action behind the link and this quarter's report — a RAG
// status, an update and any evidence of impact. Once reported it is shown read-only.
import type { z } from 'zod';
import type { Rag } from '../../workflows/messages';
import { type Errors, fieldErrors, ragTag, type Row } from './components';
import { formFields, type FormPageOptions } from './forms';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';

/** What the progress link shows (GET /progress/:token as JSON too). */
export interface ProgressView {
  audit: { title: string };
  /** The description may name a child: shown to the link holder only. */
  action: { number: number; description: string; dueAt: string; status: 'open' };
  quarter: number;
  reported: { status: Rag | null; update: string | null; impactEvidence: string | null; reportedAt: string } | null;
}

export const STATUSES = [
  { value: 'green', text: 'Green: on track' },
  { value: 'amber', text: 'Amber: some progress, but at risk' },
  { value: 'red', text: 'Red: not on track' },
  { value: 'complete', text: 'Complete' },
];

export const progressFromForm = (form: unknown) => formFields(form, ['status', 'update', 'impactEvidence'] as const);

export const PROGRESS_LABELS = { status: 'a status', update: 'an update', impactEvidence: 'the evidence of impact' };

export const progressErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(issues, PROGRESS_LABELS, new Set(['status']));

export interface ProgressModel extends LayoutModel {
  quarter: number;
  description: string;
  summary: Row[];
  /** This quarter's report, once given: shown instead of the form. */
  reported: Row[] | null;
  justSaved: boolean;
  form: {
    action: string;
    csrf: string;
    status?: string;
    update?: string;
    impactEvidence?: string;
    statuses: typeof STATUSES;
  };
}

export function progressPage(
  view: ProgressView,
  opts: FormPageOptions<{ status?: string; update?: string; impactEvidence?: string }>,
): Page<ProgressModel> {
  const { reported } = view;
  return {
    template: 'progress.njk',
    model: {
      title: `Action ${view.action.number}: ${view.audit.title}`,
      errors: opts.errors,
      quarter: view.quarter,
      description: view.action.description,
      summary: [
        { key: 'Due', text: formatDate(view.action.dueAt) },
        { key: 'Quarter', text: String(view.quarter) },
      ],
      reported: reported && [
        { key: 'Status', tags: [ragTag(reported.status)] },
        { key: 'Update', prose: reported.update ?? '' },
        { key: 'Evidence of impact', prose: reported.impactEvidence ?? '' },
        { key: 'Reported', text: formatDateTime(reported.reportedAt) },
      ],
      justSaved: !!opts.saved && !!reported,
      form: { action: opts.action, csrf: opts.csrf, ...opts.posted, statuses: STATUSES },
    },
  };
}

// Quarterly action progress as a page: the action behind the link and this quarter's report — a RAG
// status, an update and any evidence of impact. Once reported it is shown read-only.
import type { z } from 'zod';
import type { ProgressView } from '../routers/progress';
import {
  csrfField,
  type Errors,
  errorSummary,
  fieldErrors,
  notice,
  prose,
  radios,
  ragTag,
  summaryList,
  textArea,
} from './components';
import { formFields, type FormPageOptions } from './forms';
import { html } from './html';
import { formatDate, formatDateTime, type PageOptions } from './layout';

const STATUSES = [
  { value: 'green', label: 'Green: on track' },
  { value: 'amber', label: 'Amber: some progress, but at risk' },
  { value: 'red', label: 'Red: not on track' },
  { value: 'complete', label: 'Complete' },
];

export const progressFromForm = (form: unknown) => formFields(form, ['status', 'update', 'impactEvidence'] as const);

export const progressErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(
    issues,
    { status: 'a status', update: 'an update', impactEvidence: 'the evidence of impact' },
    new Set(['status']),
  );

export function progressPage(
  view: ProgressView,
  opts: FormPageOptions<{ status?: string; update?: string; impactEvidence?: string }>,
): PageOptions {
  const title = `Action ${view.action.number}: ${view.audit.title}`;
  const { reported } = view;
  return {
    title,
    hasErrors: !!opts.errors?.length,
    main: html`<span class="caption">Action progress · quarter ${view.quarter}</span>
      <h1>${title}</h1>
      ${errorSummary(opts.errors)}
      ${opts.saved && reported ? notice('Thank you: your progress has been recorded', 'The next request will come by email next quarter.') : ''}
      <h2>The action</h2>
      ${prose(view.action.description)}
      ${summaryList([
        ['Due', formatDate(view.action.dueAt)],
        ['Quarter', String(view.quarter)],
      ])}
      ${
        reported
          ? html`<h2>Progress reported this quarter</h2>
              ${summaryList([
                ['Status', ragTag(reported.status)],
                ['Update', prose(reported.update)],
                ['Evidence of impact', prose(reported.impactEvidence)],
                ['Reported', formatDateTime(reported.reportedAt)],
              ])}`
          : html`<form method="post" action="${opts.action}" novalidate>
              ${csrfField(opts.csrf)}
              <h2>Progress this quarter</h2>
              ${radios({ name: 'status', label: 'Status', value: opts.posted?.status, errors: opts.errors, options: STATUSES })}
              ${textArea({ name: 'update', label: 'Update', hint: 'What has been done this quarter.', value: opts.posted?.update, errors: opts.errors })}
              ${textArea({ name: 'impactEvidence', label: 'Evidence of impact (optional)', hint: 'What difference it has made for children and families, and how you know.', value: opts.posted?.impactEvidence, errors: opts.errors })}
              <div class="buttons"><button type="submit" id="send-progress">Send progress</button></div>
            </form>`
      }`,
  };
}

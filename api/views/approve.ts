// Report approval as a page: the version of the anonymised summary report behind the link, and the
// practitioner's decision — approve, or request changes saying what should change.
import type { z } from 'zod';
import type { ApprovalView } from '../routers/approve';
import {
  csrfField,
  type Errors,
  errorSummary,
  fieldErrors,
  notice,
  prose,
  radios,
  summaryList,
  tag,
  textArea,
} from './components';
import { formFields, type FormPageOptions, isRecord } from './forms';
import { html } from './html';
import { formatDateTime, type PageOptions } from './layout';

const REPORT_SECTIONS = [
  ['workingWell', 'What is working well'],
  ['areasForDevelopment', 'Areas for development'],
  ['themes', 'Themes'],
  ['recommendations', 'Recommendations'],
] as const;

const DECISIONS = [
  { value: 'approve', label: 'Approve this version of the report' },
  { value: 'request_changes', label: 'Request changes' },
];

export const approveFromForm = (form: unknown) => formFields(form, ['decision', 'comments'] as const);

export const approveErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(
    issues,
    { decision: 'whether you approve this version', comments: 'your comments' },
    new Set(['decision']),
  );

/** The report's lists as the page shows them; anything not a list of texts is left out. */
export function reportSections(report: unknown) {
  const content = isRecord(report) ? report : {};
  return html`${REPORT_SECTIONS.map(([key, heading]) => {
    const items = Array.isArray(content[key]) ? (content[key] as unknown[]).filter((i) => typeof i === 'string') : [];
    return html`<h2>${heading}</h2>
      ${
        items.length
          ? html`<ul>
              ${items.map((i) => html`<li class="text">${i}</li>`)}
            </ul>`
          : html`<p class="hint">None.</p>`
      }`;
  })}`;
}

export function approvePage(
  view: ApprovalView,
  opts: FormPageOptions<{ decision?: string; comments?: string }>,
): PageOptions {
  const title = `Summary report: ${view.audit.title}`;
  const decided =
    view.decision &&
    html`${notice(
      view.decision === 'approved' ? 'You approved this version' : 'You asked for changes to this version',
      `Recorded on ${formatDateTime(view.decidedAt)}.`,
    )}
    ${
      view.comments
        ? html`<h2>Your comments</h2>
            ${prose(view.comments)}`
        : ''
    }`;
  return {
    title,
    hasErrors: !!opts.errors?.length,
    main: html`<span class="caption">Report approval · version ${view.version}</span>
      <h1>${title}</h1>
      ${errorSummary(opts.errors)}
      ${opts.saved && view.decision ? notice('Thank you: your decision has been recorded') : ''}
      ${summaryList([
        ['Version', String(view.version)],
        ['Decision due', formatDateTime(view.dueAt)],
        [
          'Status',
          view.decision
            ? view.decision === 'approved'
              ? tag('Approved', 'green')
              : tag('Changes requested', 'amber')
            : tag('Awaiting your decision', 'grey'),
        ],
      ])}
      <p>
        This is the anonymised summary report of the audit. Read it, then approve it or say what should change. Silence
        is never taken as approval.
      </p>
      ${reportSections(view.report)}
      ${
        decided ||
        html`<form method="post" action="${opts.action}" novalidate>
          ${csrfField(opts.csrf)}
          <h2>Your decision</h2>
          ${radios({ name: 'decision', label: 'Do you approve this version of the report?', value: opts.posted?.decision, errors: opts.errors, options: DECISIONS })}
          ${textArea({ name: 'comments', label: 'Comments', hint: 'Needed if you request changes: say what should change.', value: opts.posted?.comments, errors: opts.errors })}
          <div class="buttons"><button type="submit" id="send-decision">Send decision</button></div>
        </form>`
      }`,
  };
}

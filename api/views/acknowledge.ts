// An urgent concern as a page for the agency lead: what was raised, when, by when it must be
// acknowledged, and the acknowledgement — who, and the action taken.
import type { z } from 'zod';
import type { AcknowledgementView } from '../routers/acknowledge';
import {
  csrfField,
  type Errors,
  errorSummary,
  fieldErrors,
  notice,
  prose,
  summaryList,
  tag,
  textArea,
  textInput,
} from './components';
import { formFields, type FormPageOptions } from './forms';
import { html } from './html';
import { formatDateTime, type PageOptions } from './layout';

export const acknowledgeFromForm = (form: unknown) => formFields(form, ['name', 'actionTaken'] as const);

export const acknowledgeErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(issues, { name: 'your name', actionTaken: 'the action taken' });

export function acknowledgePage(
  view: AcknowledgementView,
  opts: FormPageOptions<{ name?: string; actionTaken?: string }>,
): PageOptions {
  const title = 'Urgent safeguarding concern';
  const { acknowledged } = view;
  const overdue = !acknowledged && view.acknowledgeBy !== null && Date.parse(view.acknowledgeBy) < Date.now();
  return {
    title,
    hasErrors: !!opts.errors?.length,
    main: html`<span class="caption">${view.audit.title}</span>
      <h1>${title}</h1>
      ${errorSummary(opts.errors)}
      ${opts.saved && acknowledged ? notice('Thank you: the concern has been acknowledged', 'The business unit can see that you have acted on it.') : ''}
      <div class="warning">
        <h2>The concern</h2>
        ${prose(view.concern)}
      </div>
      ${summaryList([
        ['Agency', view.agency.name],
        ['Raised', formatDateTime(view.raisedAt)],
        [
          'Acknowledge by',
          view.acknowledgeBy
            ? html`${formatDateTime(view.acknowledgeBy)}${overdue ? html` ${tag('Overdue', 'late')}` : ''}`
            : null,
        ],
        ['Status', acknowledged ? tag('Acknowledged', 'green') : tag('Awaiting acknowledgement', 'red')],
      ])}
      ${
        acknowledged
          ? html`<h2>Acknowledgement</h2>
              ${summaryList([
                ['Acknowledged by', acknowledged.by],
                ['When', formatDateTime(acknowledged.at)],
                ['Action taken', prose(acknowledged.actionTaken)],
              ])}`
          : html`<p>
                Until it is acknowledged, this concern is sent again to you and escalated to the partnership manager.
              </p>
              <form method="post" action="${opts.action}" novalidate>
                ${csrfField(opts.csrf)}
                <h2>Acknowledge the concern</h2>
                ${textInput({ name: 'name', label: 'Your name', value: opts.posted?.name, errors: opts.errors, autocomplete: 'name' })}
                ${textArea({ name: 'actionTaken', label: 'Action taken', hint: 'What has been done, or is being done now, about this concern.', value: opts.posted?.actionTaken, errors: opts.errors })}
                <div class="buttons"><button type="submit" id="acknowledge">Acknowledge</button></div>
              </form>`
      }`,
  };
}

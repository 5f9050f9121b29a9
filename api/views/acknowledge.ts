// An urgent concern as a page for the agency lead: what was raised, when, by when it must be
// acknowledged, and the acknowledgement — who, and the action taken.
import type { z } from 'zod';
import { type Errors, fieldErrors, type Row, tag } from './components';
import { formFields, type FormPageOptions } from './forms';
import { formatDateTime, type LayoutModel, type Page } from './layout';

/** What the acknowledgement link shows (GET /acknowledge/:token as JSON too). */
export interface AcknowledgementView {
  audit: { title: string };
  agency: { name: string | null };
  /** As raised; it may name a child: shown to the link holder only. */
  concern: string;
  raisedAt: string;
  acknowledgeBy: string | null;
  acknowledged: { by: string; actionTaken: string | null; at: string | null } | null;
}

export const acknowledgeFromForm = (form: unknown) => formFields(form, ['name', 'actionTaken'] as const);

export const ACKNOWLEDGE_LABELS = { name: 'your name', actionTaken: 'the action taken' };

export const acknowledgeErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(issues, ACKNOWLEDGE_LABELS);

export interface AcknowledgeModel extends LayoutModel {
  auditTitle: string;
  concern: string;
  summary: Row[];
  /** The acknowledgement, once given: shown instead of the form. */
  acknowledged: Row[] | null;
  justSaved: boolean;
  form: { action: string; csrf: string; name?: string; actionTaken?: string };
}

export function acknowledgePage(
  view: AcknowledgementView,
  opts: FormPageOptions<{ name?: string; actionTaken?: string }>,
): Page<AcknowledgeModel> {
  const { acknowledged } = view;
  const overdue = !acknowledged && view.acknowledgeBy !== null && Date.parse(view.acknowledgeBy) < Date.now();
  return {
    template: 'acknowledge.njk',
    model: {
      title: 'Urgent safeguarding concern',
      errors: opts.errors,
      auditTitle: view.audit.title,
      concern: view.concern,
      summary: [
        { key: 'Agency', text: view.agency.name },
        { key: 'Raised', text: formatDateTime(view.raisedAt) },
        view.acknowledgeBy && overdue
          ? { key: 'Acknowledge by', tags: [tag('Overdue', 'red')], text: formatDateTime(view.acknowledgeBy) }
          : { key: 'Acknowledge by', text: formatDateTime(view.acknowledgeBy) },
        {
          key: 'Status',
          tags: [acknowledged ? tag('Acknowledged', 'green') : tag('Awaiting acknowledgement', 'red')],
        },
      ],
      acknowledged: acknowledged && [
        { key: 'Acknowledged by', text: acknowledged.by },
        { key: 'When', text: formatDateTime(acknowledged.at) },
        { key: 'Action taken', prose: acknowledged.actionTaken ?? '' },
      ],
      justSaved: !!opts.saved && !!acknowledged,
      form: { action: opts.action, csrf: opts.csrf, ...opts.posted },
    },
  };
}

// Report approval as a page: the version of the anonymised summary report behind the link, and the
// practitioner's decision — approve, or request changes saying what should change.
import type { z } from 'zod';
import { type Errors, fieldErrors, type Row, tag } from './components';
import { formFields, type FormPageOptions, isRecord } from './forms';
import { formatDateTime, type LayoutModel, type Page } from './layout';

/** What the approval link shows (GET /approve/:token as JSON too). */
export interface ApprovalView {
  audit: { title: string };
  version: number;
  report: unknown;
  dueAt: string;
  decision: 'approved' | 'changes_requested' | null;
  comments: string | null;
  decidedAt: string | null;
  superseded: boolean;
}

const REPORT_SECTIONS = [
  ['workingWell', 'What is working well'],
  ['areasForDevelopment', 'Areas for development'],
  ['themes', 'Themes'],
  ['recommendations', 'Recommendations'],
] as const;

export const DECISIONS = [
  { value: 'approve', text: 'Approve this version of the report' },
  { value: 'request_changes', text: 'Request changes' },
];

export const approveFromForm = (form: unknown) => formFields(form, ['decision', 'comments'] as const);

export const APPROVE_LABELS = { decision: 'whether you approve this version', comments: 'your comments' };

export const approveErrors = (issues: readonly z.core.$ZodIssue[]): Errors =>
  fieldErrors(issues, APPROVE_LABELS, new Set(['decision']));

/** A report's four lists; anything not a list of texts is left out. */
export interface ReportSection {
  heading: string;
  items: string[];
}

export function reportSections(report: unknown): ReportSection[] {
  const content = isRecord(report) ? report : {};
  return REPORT_SECTIONS.map(([key, heading]) => ({
    heading,
    items: Array.isArray(content[key]) ? (content[key] as unknown[]).filter((i) => typeof i === 'string') : [],
  }));
}

export interface ApproveModel extends LayoutModel {
  version: number;
  summary: Row[];
  report: ReportSection[];
  /** The recorded decision, when there is one: the page shows it instead of the form. */
  decided: { heading: string; recordedOn: string; comments: string | null } | null;
  justSaved: boolean;
  form: { action: string; csrf: string; decision?: string; comments?: string; decisions: typeof DECISIONS };
}

export function approvePage(
  view: ApprovalView,
  opts: FormPageOptions<{ decision?: string; comments?: string }>,
): Page<ApproveModel> {
  const status = view.decision
    ? view.decision === 'approved'
      ? tag('Approved', 'green')
      : tag('Changes requested', 'yellow')
    : tag('Awaiting your decision', 'grey');
  return {
    template: 'approve.njk',
    model: {
      title: `Summary report: ${view.audit.title}`,
      errors: opts.errors,
      version: view.version,
      summary: [
        { key: 'Version', text: String(view.version) },
        { key: 'Decision due', text: formatDateTime(view.dueAt) },
        { key: 'Status', tags: [status] },
      ],
      report: reportSections(view.report),
      decided: view.decision && {
        heading: view.decision === 'approved' ? 'You approved this version' : 'You asked for changes to this version',
        recordedOn: formatDateTime(view.decidedAt),
        comments: view.comments,
      },
      justSaved: !!opts.saved && !!view.decision,
      form: { action: opts.action, csrf: opts.csrf, ...opts.posted, decisions: DECISIONS },
    },
  };
}

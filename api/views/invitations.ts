// /audits/:id/invitations: where each audit tool (case × agency) stands — status, deadline, reminders and
// chasers sent, submitted or late — and, for the business unit, what can be done about it.
// /audits/:id/invitations/:invitationId: one tool's forms ("Extend deadline", "Change contact", "Reopen").
import type { SignedIn } from '../sign-in';
import { type Errors, type Row, type Tag, tag } from './components';
import { formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export interface InvitationRow {
  id: string;
  caseRef: string;
  agencyName: string;
  status: 'pending' | 'submitted' | 'no_involvement';
  dueAt: Date | null;
  submittedAt: Date | null;
  late: boolean;
  reminders: number;
  chasers: number;
  /** Where its emails go: the agency's contact, or the one the business unit gave. */
  sentTo: string;
  reopenedAt: Date | null;
}

/** A date as typed into govukDateInput, kept after a refusal. */
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/** What was posted, kept after a refusal, with what was wrong. */
export interface InvitationsForm {
  dueAt?: DateParts;
  contactEmail?: string;
  reason?: string;
  errors: Errors;
}

export interface InvitationsView {
  staff: SignedIn;
  audit: { id: string; focus: string };
  invitations: InvitationRow[];
  /** What was just done, from the redirect after a change. */
  done?: string;
  form?: InvitationsForm;
}

const STATUS: Record<InvitationRow['status'], Tag> = {
  pending: tag('Not submitted'),
  submitted: tag('Submitted', 'green'),
  no_involvement: tag('No involvement', 'grey'),
};

const statusTags = (i: InvitationRow): Tag[] => {
  if (i.status === 'pending' && i.reopenedAt) return [tag('Reopened', 'yellow')];
  const overdue = i.status === 'pending' && i.dueAt !== null && i.dueAt.getTime() < Date.now();
  return [STATUS[i.status], ...(i.late ? [tag('Late', 'red')] : []), ...(overdue ? [tag('Overdue', 'red')] : [])];
};

/** What the business unit can do with one tool, in the order the row shows it. */
const canDo = (i: InvitationRow) => ({
  extend: i.status === 'pending' && !i.reopenedAt,
  noInvolvement: i.status === 'pending' && !i.reopenedAt,
  reissue: i.status !== 'no_involvement',
  reopen: i.status === 'submitted',
});

/** Success banners by the `done` of the redirect. */
export const DONE: Record<string, string> = {
  'extend-all': 'Every open deadline has been extended',
  extend: 'The deadline has been extended',
  'no-involvement': 'The invitation has been closed: no involvement',
  reissue: 'A new link has been sent; the old one no longer works',
  contact: 'The contact has been changed and a new link sent to them; the old link no longer works',
  reopen: 'The audit tool has been reopened and the agency told',
};

interface ConsoleModel extends LayoutModel {
  auditId: string;
  focus: string;
  csrf: string;
  canChange: boolean;
  done?: string;
  form: { dueAt: DateParts; contactEmail: string; reason: string };
}

export interface InvitationsModel extends ConsoleModel {
  rows: (Omit<InvitationRow, 'dueAt' | 'submittedAt' | 'reopenedAt'> & {
    tags: Tag[];
    due: string;
    submitted: string;
    can: ReturnType<typeof canDo>;
  })[];
}

const EMPTY_DATE: DateParts = { day: '', month: '', year: '' };

function consoleModel({ staff, audit, done, form }: InvitationsView, title: string): ConsoleModel {
  return {
    title,
    staff,
    navigation: consoleNavigation(staff, '/audits'),
    errors: form?.errors.length ? form.errors : undefined,
    auditId: audit.id,
    focus: audit.focus,
    csrf: staff.csrf,
    canChange: staff.role === 'business_unit',
    done: done && DONE[done],
    form: { dueAt: form?.dueAt ?? EMPTY_DATE, contactEmail: form?.contactEmail ?? '', reason: form?.reason ?? '' },
  };
}

export function invitationsPage(view: InvitationsView): Page<InvitationsModel> {
  return {
    template: 'invitations.njk',
    model: {
      ...consoleModel(view, 'Invitations'),
      rows: view.invitations.map((i) => ({
        ...i,
        tags: statusTags(i),
        due: i.dueAt ? formatDateTime(i.dueAt) : 'Not set',
        submitted: i.submittedAt ? formatDateTime(i.submittedAt) : '—',
        can: canDo(i),
      })),
    },
  };
}

export interface InvitationModel extends ConsoleModel {
  invitationId: string;
  summary: Row[];
  can: ReturnType<typeof canDo>;
}

export function invitationPage(view: InvitationsView & { invitation: InvitationRow }): Page<InvitationModel> {
  const { invitation: i } = view;
  return {
    template: 'invitation.njk',
    model: {
      ...consoleModel(view, `${i.agencyName}: audit tool for ${i.caseRef}`),
      backLink: { href: `/audits/${view.audit.id}/invitations`, text: 'Back to the invitations' },
      invitationId: i.id,
      summary: [
        { key: 'Case', text: i.caseRef },
        { key: 'Agency', text: i.agencyName },
        { key: 'Status', tags: statusTags(i) },
        { key: 'Deadline', text: i.dueAt ? formatDateTime(i.dueAt) : 'Not set' },
        { key: 'Submitted', text: i.submittedAt ? formatDateTime(i.submittedAt) : 'Not yet' },
        { key: 'Emails go to', text: i.sentTo },
        { key: 'Reminders and chasers sent', text: `${i.reminders} reminders, ${i.chasers} chasers` },
      ],
      can: canDo(i),
    },
  };
}

// The dashboard's pages: every audit at a glance, one audit in detail, and the sign-in form. Case
// references and service levels only: no child's identifiers, no concern, no action's description.
import type { Role } from '../../infra/config';
import type { Stage } from '../../domain/stages';
import {
  FOCUS_SOURCE_LABELS,
  type RagStatus,
  ragTag,
  type Row,
  SERVICE_LEVEL_LABELS,
  type Tag,
  tag,
} from './components';
import { type AuditSummary, type Cell, overdueCell, ragCell, stageTag } from './audit-summary';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';

export type { AuditSummary, Cell } from './audit-summary';

export interface AuditDetail {
  id: string;
  focus: string;
  focusSource: string;
  stage: Stage;
  window: { from: string; to: string };
  cohortSize: number;
  createdAt: string;
  cohort: { caseRef: string; serviceLevel: string }[];
  invitations: {
    caseRef: string;
    agency: string;
    status: string;
    dueAt: string | null;
    submittedAt: string | null;
    late: boolean;
  }[];
  discussion: {
    at: string | null;
    location: string | null;
    packCirculatedAt: string | null;
    outcomeRecordedAt: string | null;
  };
  reportVersions: {
    version: number;
    submittedAt: string;
    circulatedAt: string | null;
    approvals: { agency: string; status: string; dueAt: string; decidedAt: string | null }[];
  }[];
  lisDecisions: { decision: string; decidedAt: string }[];
  escalations: {
    agency: string;
    source: string;
    status: string;
    raisedAt: string;
    acknowledgeBy: string | null;
    acknowledgedAt: string | null;
    reEscalations: number;
  }[];
  actions: {
    number: number;
    kind: string;
    owner: string;
    dueAt: string;
    status: string;
    rag: RagStatus | null;
    closedAt: string | null;
  }[];
  briefingPath: string | null;
}

export interface Viewer {
  role: Role;
  /** The sign-out form's CSRF token, when signed in with the session cookie. */
  signOut?: string;
}

const ROLE_LABELS: Record<Role, string> = {
  business_unit: 'business unit',
  manager: 'manager',
  lis: 'Learning and Improvement Subgroup',
};

const STATUS_TAGS: Record<string, Tag> = {
  pending: tag('Pending', 'grey'),
  submitted: tag('Submitted', 'green'),
  no_involvement: tag('No involvement', 'grey'),
  approved: tag('Approved', 'green'),
  changes_requested: tag('Changes requested', 'yellow'),
  superseded: tag('Superseded', 'grey'),
  returned: tag('Returned', 'yellow'),
  open: tag('Open', 'red'),
  acknowledged: tag('Acknowledged', 'green'),
  closed: tag('Closed', 'green'),
};

const statusTag = (status: string): Tag => STATUS_TAGS[status] ?? tag(status, 'grey');

/** The dashboard's own bar: back to the list, who is signed in, and signing out. */
interface DashboardNav {
  back: boolean;
  role: string;
  signOut?: string;
}

const nav = (viewer: Viewer, back: boolean): DashboardNav => ({
  back,
  role: ROLE_LABELS[viewer.role],
  ...(viewer.signOut ? { signOut: viewer.signOut } : {}),
});

export interface DashboardModel extends LayoutModel {
  nav: DashboardNav;
  caption: string;
  audits: {
    id: string;
    href: string;
    focus: string;
    started: string;
    stage: Cell;
    nextDeadline: string;
    overdue: Cell;
    rag: Cell;
  }[];
}

export function dashboardPage(audits: AuditSummary[], viewer: Viewer): Page<DashboardModel> {
  return {
    template: 'dashboard.njk',
    model: {
      title: 'Deep dive audits',
      nav: nav(viewer, false),
      caption: `${audits.length === 1 ? '1 audit' : `${audits.length} audits`}, newest first`,
      audits: audits.map((a) => ({
        id: a.id,
        href: `/dashboard?audit=${a.id}`,
        focus: a.focus,
        started: `Started ${formatDate(a.createdAt)}`,
        stage: {
          tags: [
            stageTag(a.stage),
            ...(a.openEscalations
              ? [tag(`${a.openEscalations} open escalation${a.openEscalations === 1 ? '' : 's'}`, 'red')]
              : []),
          ],
        },
        nextDeadline: a.nextDeadline ? formatDateTime(a.nextDeadline) : '—',
        overdue: overdueCell(a.overdue),
        rag: ragCell(a.rag),
      })),
    },
  };
}

/** A table of the detail page: its caption, head and rows of cells, or what to say when it has none. */
export interface Table {
  id: string;
  heading: string;
  caption: string;
  head: string[];
  rows: Cell[][];
  empty: string;
}

const when = (iso: string | null) => (iso ? formatDateTime(iso) : '—');
const cell = (text: string | number): Cell => ({ text: String(text) });

export interface AuditDetailModel extends LayoutModel {
  nav: DashboardNav;
  summary: Row[];
  cohort: Table;
  invitations: Table;
  discussion: Row[];
  reportVersions: { version: number; submitted: string; approvals: Omit<Table, 'id' | 'heading'> }[];
  lisDecisions: { tag: Tag; at: string }[];
  escalations: Table;
  actions: Table;
}

export function detailPage(audit: AuditDetail, viewer: Viewer): Page<AuditDetailModel> {
  const d = audit.discussion;
  return {
    template: 'dashboard-audit.njk',
    model: {
      title: audit.focus,
      nav: nav(viewer, true),
      summary: [
        { key: 'Stage', tags: [stageTag(audit.stage)] },
        { key: 'Where the focus came from', text: FOCUS_SOURCE_LABELS[audit.focusSource] ?? audit.focusSource },
        { key: 'Review window', text: `${formatDate(audit.window.from)} to ${formatDate(audit.window.to)}` },
        { key: 'Cohort size', text: String(audit.cohortSize) },
        { key: 'Started', text: formatDateTime(audit.createdAt) },
        {
          key: '7 Point Briefing',
          link: audit.briefingPath ? { href: audit.briefingPath, text: 'Published briefing' } : undefined,
        },
      ],
      cohort: {
        id: 'cohort',
        heading: 'Cohort',
        caption: 'Drawn cases',
        head: ['Case reference', 'Service level'],
        rows: audit.cohort.map((c) => [cell(c.caseRef), cell(SERVICE_LEVEL_LABELS[c.serviceLevel] ?? c.serviceLevel)]),
        empty: 'No cases drawn yet.',
      },
      invitations: {
        id: 'invitations',
        heading: 'Invitations',
        caption: 'One audit tool per case and agency',
        head: ['Case', 'Agency', 'Status', 'Due', 'Submitted'],
        rows: audit.invitations.map((i) => [
          cell(i.caseRef),
          cell(i.agency),
          { tags: [statusTag(i.status), ...(i.late ? [tag('Late', 'red')] : [])] },
          cell(when(i.dueAt)),
          cell(when(i.submittedAt)),
        ]),
        empty: 'No invitations sent yet.',
      },
      discussion: [
        { key: 'When', text: d.at ? formatDateTime(d.at) : 'Not scheduled' },
        { key: 'Where', text: d.location },
        { key: 'Pack circulated', text: d.packCirculatedAt && formatDateTime(d.packCirculatedAt) },
        { key: 'Outcome recorded', text: d.outcomeRecordedAt && formatDateTime(d.outcomeRecordedAt) },
      ],
      reportVersions: audit.reportVersions.map((v) => ({
        version: v.version,
        submitted: `Submitted ${formatDateTime(v.submittedAt)}${v.circulatedAt ? `; circulated ${formatDateTime(v.circulatedAt)}` : ''}.`,
        approvals: {
          caption: `Approvals of version ${v.version}`,
          head: ['Agency', 'Status', 'Due', 'Decided'],
          rows: v.approvals.map((a) => [
            cell(a.agency),
            { tags: [statusTag(a.status)] },
            cell(when(a.dueAt)),
            cell(when(a.decidedAt)),
          ]),
          empty: 'Not circulated for approval.',
        },
      })),
      lisDecisions: audit.lisDecisions.map((l) => ({ tag: statusTag(l.decision), at: formatDateTime(l.decidedAt) })),
      escalations: {
        id: 'escalations',
        heading: 'Urgent escalations',
        caption: 'Concerns escalated to agency leads (the concern itself is shown to its link holder only)',
        head: ['Agency', 'Raised', 'Status', 'Acknowledge by', 'Acknowledged', 'Re-escalations'],
        rows: audit.escalations.map((e) => [
          cell(e.agency),
          cell(when(e.raisedAt)),
          { tags: [statusTag(e.status)] },
          cell(e.status === 'open' ? when(e.acknowledgeBy) : '—'),
          cell(when(e.acknowledgedAt)),
          cell(e.reEscalations),
        ]),
        empty: 'None raised.',
      },
      actions: {
        id: 'actions',
        heading: 'Actions and recommendations',
        caption: 'Followed up each quarter until the LIS closes them',
        head: ['Number', 'Kind', 'Owner', 'Due', 'Status', 'RAG'],
        rows: audit.actions.map((a) => [
          cell(a.number),
          cell(a.kind === 'urgent_action' ? 'Urgent action' : 'Recommendation'),
          cell(a.owner),
          cell(formatDate(a.dueAt)),
          { tags: [statusTag(a.status)] },
          { tags: [ragTag(a.rag)] },
        ]),
        empty: 'None yet.',
      },
    },
  };
}

export interface SignInModel extends LayoutModel {
  csrf: string;
  next?: string;
}

export function signInPage(opts: { csrf: string; next?: string; failed?: boolean }): Page<SignInModel> {
  return {
    template: 'dashboard-sign-in.njk',
    model: {
      title: 'Sign in to the dashboard',
      errors: opts.failed ? [{ id: 'key', text: 'Enter a valid API key' }] : undefined,
      csrf: opts.csrf,
      next: opts.next,
    },
  };
}

// The dashboard's pages: every audit at a glance, one audit in detail, and the sign-in form. Case
// references and service levels only: no child's identifiers, no concern, no action's description.
import type { Role } from '../../infra/config';
import type { Stage } from '../../domain/stages';
import {
  csrfField,
  errorSummary,
  RAG_LABELS,
  type RagStatus,
  ragTag,
  SERVICE_LEVEL_LABELS,
  STAGE_LABELS,
  summaryList,
  tag,
  textInput,
} from './components';
import { html, type SafeHtml } from './html';
import { formatDate, formatDateTime, type PageOptions } from './layout';

export interface AuditSummary {
  id: string;
  focus: string;
  stage: Stage;
  createdAt: string;
  nextDeadline: string | null;
  overdue: { submissions: number; approvals: number; actions: number; escalations: number };
  openEscalations: number;
  rag: Record<RagStatus | 'none' | 'closed', number>;
}

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

const FOCUS_SOURCE_LABELS: Record<string, string> = {
  practice_review: 'Practice review finding',
  business_plan_priority: 'Business plan priority',
  practice_concern: 'Practice or performance concern',
};

const STATUS_TAGS: Record<string, [string, string]> = {
  pending: ['Pending', 'grey'],
  submitted: ['Submitted', 'green'],
  no_involvement: ['No involvement', 'grey'],
  approved: ['Approved', 'green'],
  changes_requested: ['Changes requested', 'amber'],
  superseded: ['Superseded', 'grey'],
  returned: ['Returned', 'amber'],
  open: ['Open', 'red'],
  acknowledged: ['Acknowledged', 'green'],
  closed: ['Closed', 'green'],
};

const statusTag = (status: string) => {
  const [text, kind] = STATUS_TAGS[status] ?? [status, 'grey'];
  return tag(text, kind);
};

const stageTag = (stage: Stage) =>
  tag(STAGE_LABELS[stage], stage === 'cancelled' ? 'grey' : stage === 'completed' ? 'green' : '');

function nav(viewer: Viewer, back: boolean): SafeHtml {
  return html`<nav class="dashboard no-print" aria-label="Dashboard">
    ${back ? html`<a href="/dashboard">All audits</a>` : ''}
    <span>Signed in as ${ROLE_LABELS[viewer.role]}</span>
    ${
      viewer.signOut &&
      html`<form method="post" action="/dashboard/sign-out" class="inline">
        ${csrfField(viewer.signOut)}<button type="submit" class="link" id="sign-out">Sign out</button>
      </form>`
    }
  </nav>`;
}

function overdueText(o: AuditSummary['overdue']): SafeHtml | string {
  const parts = (
    [
      [o.submissions, 'submission', 'submissions'],
      [o.approvals, 'approval', 'approvals'],
      [o.actions, 'action', 'actions'],
      [o.escalations, 'unacknowledged escalation', 'unacknowledged escalations'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return parts.length ? html`${tag('Overdue', 'late')} ${parts.join(', ')}` : 'None';
}

function ragCounts(rag: AuditSummary['rag']): SafeHtml | string {
  const parts = (['red', 'amber', 'green', 'complete'] as const)
    .filter((r) => rag[r] > 0)
    .map((r) => html`${tag(`${RAG_LABELS[r]} ${rag[r]}`, r)} `);
  const more = [rag.none ? `${rag.none} not reported` : '', rag.closed ? `${rag.closed} closed` : '']
    .filter(Boolean)
    .join(', ');
  return parts.length || more ? html`${parts}${more}` : 'No actions';
}

export function dashboardPage(audits: AuditSummary[], viewer: Viewer): PageOptions {
  const title = 'Deep dive audits';
  return {
    title,
    main: html`${nav(viewer, false)}
      <h1>${title}</h1>
      ${
        audits.length
          ? html`<table>
              <caption>
                ${audits.length === 1 ? '1 audit' : `${audits.length} audits`}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Audit</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Next deadline</th>
                  <th scope="col">Overdue</th>
                  <th scope="col">Actions (RAG)</th>
                </tr>
              </thead>
              <tbody>
                ${audits.map(
                  (a) =>
                    html`<tr id="audit-${a.id}">
                      <td>
                        <a href="/dashboard?audit=${a.id}">${a.focus}</a><br /><span class="hint"
                          >Started ${formatDate(a.createdAt)}</span
                        >
                      </td>
                      <td>
                        ${stageTag(a.stage)}${a.openEscalations ? html`<br />${tag(`${a.openEscalations} open escalation${a.openEscalations === 1 ? '' : 's'}`, 'red')}` : ''}
                      </td>
                      <td>${a.nextDeadline ? formatDateTime(a.nextDeadline) : '—'}</td>
                      <td>${overdueText(a.overdue)}</td>
                      <td>${ragCounts(a.rag)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p>No audits yet.</p>`
      }`,
  };
}

const table = (caption: string, head: string[], rows: SafeHtml[], empty: string): SafeHtml =>
  rows.length
    ? html`<table>
        <caption>
          ${caption}
        </caption>
        <thead>
          <tr>
            ${head.map((h) => html`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>`
    : html`<p class="hint">${empty}</p>`;

const when = (iso: string | null) => (iso ? formatDateTime(iso) : '—');

export function detailPage(audit: AuditDetail, viewer: Viewer): PageOptions {
  const title = audit.focus;
  const d = audit.discussion;
  return {
    title,
    main: html`${nav(viewer, true)}
      <span class="caption">Deep dive audit</span>
      <h1>${title}</h1>
      ${summaryList([
        ['Stage', stageTag(audit.stage)],
        ['Where the focus came from', FOCUS_SOURCE_LABELS[audit.focusSource] ?? audit.focusSource],
        ['Review window', `${formatDate(audit.window.from)} to ${formatDate(audit.window.to)}`],
        ['Cohort size', String(audit.cohortSize)],
        ['Started', formatDateTime(audit.createdAt)],
        ['7 Point Briefing', audit.briefingPath && html`<a href="${audit.briefingPath}">Published briefing</a>`],
      ])}
      <h2 id="cohort">Cohort</h2>
      ${table(
        'Drawn cases',
        ['Case reference', 'Service level'],
        audit.cohort.map(
          (c) =>
            html`<tr>
              <td>${c.caseRef}</td>
              <td>${SERVICE_LEVEL_LABELS[c.serviceLevel] ?? c.serviceLevel}</td>
            </tr>`,
        ),
        'No cases drawn yet.',
      )}
      <h2 id="invitations">Invitations</h2>
      ${table(
        'One audit tool per case and agency',
        ['Case', 'Agency', 'Status', 'Due', 'Submitted'],
        audit.invitations.map(
          (i) =>
            html`<tr>
              <td>${i.caseRef}</td>
              <td>${i.agency}</td>
              <td>${statusTag(i.status)}${i.late ? html` ${tag('Late', 'late')}` : ''}</td>
              <td>${when(i.dueAt)}</td>
              <td>${when(i.submittedAt)}</td>
            </tr>`,
        ),
        'No invitations sent yet.',
      )}
      <h2 id="discussion">Discussion</h2>
      ${summaryList([
        ['When', d.at ? formatDateTime(d.at) : 'Not scheduled'],
        ['Where', d.location],
        ['Pack circulated', d.packCirculatedAt && formatDateTime(d.packCirculatedAt)],
        ['Outcome recorded', d.outcomeRecordedAt && formatDateTime(d.outcomeRecordedAt)],
      ])}
      <h2 id="report">Report versions</h2>
      ${
        audit.reportVersions.length
          ? audit.reportVersions.map(
              (v) =>
                html`<h3>Version ${v.version}</h3>
                  <p>
                    Submitted
                    ${formatDateTime(v.submittedAt)}${v.circulatedAt ? `; circulated ${formatDateTime(v.circulatedAt)}` : ''}.
                  </p>
                  ${table(
                    `Approvals of version ${v.version}`,
                    ['Agency', 'Status', 'Due', 'Decided'],
                    v.approvals.map(
                      (a) =>
                        html`<tr>
                          <td>${a.agency}</td>
                          <td>${statusTag(a.status)}</td>
                          <td>${when(a.dueAt)}</td>
                          <td>${when(a.decidedAt)}</td>
                        </tr>`,
                    ),
                    'Not circulated for approval.',
                  )}`,
            )
          : html`<p class="hint">No report submitted yet.</p>`
      }
      ${
        audit.lisDecisions.length
          ? html`<h3>LIS decisions</h3>
              <ul>
                ${audit.lisDecisions.map((l) => html`<li>${statusTag(l.decision)} ${formatDateTime(l.decidedAt)}</li>`)}
              </ul>`
          : ''
      }
      <h2 id="escalations">Urgent escalations</h2>
      ${table(
        'Concerns escalated to agency leads (the concern itself is shown to its link holder only)',
        ['Agency', 'Raised', 'Status', 'Acknowledge by', 'Acknowledged', 'Re-escalations'],
        audit.escalations.map(
          (e) =>
            html`<tr>
              <td>${e.agency}</td>
              <td>${when(e.raisedAt)}</td>
              <td>${statusTag(e.status)}</td>
              <td>${e.status === 'open' ? when(e.acknowledgeBy) : '—'}</td>
              <td>${when(e.acknowledgedAt)}</td>
              <td>${e.reEscalations}</td>
            </tr>`,
        ),
        'None raised.',
      )}
      <h2 id="actions">Actions and recommendations</h2>
      ${table(
        'Followed up each quarter until the LIS closes them',
        ['Number', 'Kind', 'Owner', 'Due', 'Status', 'RAG'],
        audit.actions.map(
          (a) =>
            html`<tr>
              <td>${a.number}</td>
              <td>${a.kind === 'urgent_action' ? 'Urgent action' : 'Recommendation'}</td>
              <td>${a.owner}</td>
              <td>${formatDate(a.dueAt)}</td>
              <td>${statusTag(a.status)}</td>
              <td>${ragTag(a.rag)}</td>
            </tr>`,
        ),
        'None yet.',
      )}`,
  };
}

export function signInPage(opts: { csrf: string; next?: string; failed?: boolean }): PageOptions {
  const errors = opts.failed ? [{ id: 'key', text: 'Enter a valid API key' }] : undefined;
  return {
    title: 'Sign in to the dashboard',
    hasErrors: !!errors,
    main: html`<h1>Sign in to the dashboard</h1>
      ${errorSummary(errors)}
      <p>For the business unit, managers and the Learning and Improvement Subgroup. Use the API key you were given.</p>
      <form method="post" action="/dashboard/sign-in" novalidate>
        ${csrfField(opts.csrf)} ${opts.next ? html`<input type="hidden" name="next" value="${opts.next}" />` : ''}
        ${textInput({ name: 'key', label: 'API key', type: 'password', autocomplete: 'current-password', errors })}
        <div class="buttons"><button type="submit" id="sign-in">Sign in</button></div>
      </form>
      <p class="hint">You stay signed in on this browser for up to 12 hours, or until you sign out.</p>`,
  };
}

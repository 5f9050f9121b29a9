// Sample input for every template, for the previews, the benchmark and the tests. Invented, and
// shaped like what the workflows send: labels, dates, counts and links.
import type { TemplateData, TemplateName } from './registry';

const base = 'http://localhost:3000';
const audit = { auditTitle: 'Child exploitation', agencyName: 'North Yorkshire Police' };
const task = { ...audit, dueAt: '2026-03-20T17:00:00Z', link: `${base}/respond/q8Xw2LrT0vYb5mNc7KpJ1sHd` };
const approval = {
  auditTitle: audit.auditTitle,
  version: 2,
  dueAt: '2026-06-05T17:00:00Z',
  link: `${base}/approve/Vn3Rk8Tq1ZyW6uPb0LmXa4Ce`,
};
const action = {
  ...audit,
  actionNumber: 3,
  dueAt: '2026-12-31T17:00:00Z',
  link: `${base}/progress/Hs7Dy2Gm5Qa9Wt1Ne4Rk8Bo0`,
};
const concern = {
  ...audit,
  raisedAt: '2026-04-14T10:05:00Z',
  acknowledgeBy: '2026-04-14T14:05:00Z',
  link: `${base}/acknowledge/Ze5Lp9Xc2Vb7Nm4Qa1Ws8Ed3`,
};
const auditPage = `${base}/audits/7c9e6679-7425-40de-944b-e07fc1f90ae7`;
const briefing = `${base}/briefings/child-exploitation-2026`;

export const SAMPLES: { [N in TemplateName]: TemplateData<N> } = {
  invitation: { ...task, toolNumber: 2, toolCount: 3 },
  submissionReminder: task,
  linkReissued: task,
  auditToolReopened: task,
  submissionChaser: task,
  submissionLeadEscalation: task,
  businessUnitOverdue: { ...task, link: auditPage },
  businessUnitLateSubmission: { ...task, submittedAt: '2026-03-24T09:12:00Z', link: auditPage },
  businessUnitEscalationRaised: { ...audit, reason: 'audit_tool_overdue', link: auditPage },
  collatedPack: {
    ...audit,
    discussionAt: '2026-04-14T09:30:00Z',
    location: 'Room 3, County Hall, Northallerton',
    link: `${base}/packs/Tb6Wc1Ym8Kd3Fx0Hq5Rs2Ju7`,
  },
  urgentEscalation: concern,
  urgentReEscalation: { ...concern, acknowledgeBy: '2026-04-14T18:05:00Z', reminderNumber: 1 },
  approvalRequest: approval,
  approvalChaser: approval,
  approvalLeadEscalation: { ...approval, agencyName: audit.agencyName },
  lisSignoffRequest: { auditTitle: audit.auditTitle, version: 2, link: `${auditPage}/sign-off` },
  briefingPublished: { auditTitle: audit.auditTitle, link: briefing },
  auditCancelled: { auditTitle: audit.auditTitle, agencyName: audit.agencyName },
  actionProgressRequest: action,
  actionOverdue: action,
  lisProgressSummary: {
    auditTitle: audit.auditTitle,
    periodEnd: '2026-09-30T16:00:00Z',
    red: 1,
    amber: 2,
    green: 3,
    notReported: 1,
    awaitingClosure: 1,
    overdue: 1,
    closed: 4,
    link: auditPage,
  },
  auditCompleted: { auditTitle: audit.auditTitle, actionsClosed: 12, link: briefing },
};

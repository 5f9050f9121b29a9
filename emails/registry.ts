// Every message the process sends, by name: the name is what a workflow asks for, and it fixes the
// type of the data the message needs.
import type { EmailTemplate } from './template';
import { actionOverdue } from './templates/action-overdue';
import { actionProgressRequest } from './templates/action-progress-request';
import { approvalChaser } from './templates/approval-chaser';
import { approvalLeadEscalation } from './templates/approval-lead-escalation';
import { approvalRequest } from './templates/approval-request';
import { auditCancelled } from './templates/audit-cancelled';
import { auditCompleted } from './templates/audit-completed';
import { briefingPublished } from './templates/briefing-published';
import { businessUnitEscalationRaised } from './templates/business-unit-escalation-raised';
import { businessUnitLateSubmission } from './templates/business-unit-late-submission';
import { businessUnitOverdue } from './templates/business-unit-overdue';
import { collatedPack } from './templates/collated-pack';
import { invitation } from './templates/invitation';
import { lisProgressSummary } from './templates/lis-progress-summary';
import { lisSignoffRequest } from './templates/lis-signoff-request';
import { submissionChaser } from './templates/submission-chaser';
import { submissionLeadEscalation } from './templates/submission-lead-escalation';
import { submissionReminder } from './templates/submission-reminder';
import { urgentEscalation } from './templates/urgent-escalation';
import { urgentReEscalation } from './templates/urgent-re-escalation';
import { linkReissued } from './templates/link-reissued';
import { auditToolReopened } from './templates/audit-tool-reopened';

/** In the order of the process. */
export const templates = {
  invitation,
  submissionReminder,
  submissionChaser,
  submissionLeadEscalation,
  businessUnitOverdue,
  businessUnitLateSubmission,
  linkReissued,
  auditToolReopened,
  businessUnitEscalationRaised,
  collatedPack,
  urgentEscalation,
  urgentReEscalation,
  approvalRequest,
  approvalChaser,
  approvalLeadEscalation,
  lisSignoffRequest,
  briefingPublished,
  actionProgressRequest,
  actionOverdue,
  lisProgressSummary,
  auditCompleted,
  auditCancelled,
};

export type TemplateName = keyof typeof templates;
export type TemplateData<N extends TemplateName> = (typeof templates)[N] extends EmailTemplate<infer D> ? D : never;
export const TEMPLATE_NAMES = Object.keys(templates) as TemplateName[];

// Every message the audit workflow understands. The API, the worker and the tests import these same
// objects, so a name is written once.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { ServiceLevel } from '../domain/cohort';
import type { Stage } from '../domain/stages';
import type { Timeline, TimelineOverrides } from '../domain/timeline';

export const TASK_QUEUE = 'deep-dive';

/** Lets the Temporal UI and `temporal workflow list` filter audits by stage. */
export const stageSearchAttribute = defineSearchAttributeKey('DeepDiveStage', 'KEYWORD');

export const auditWorkflowId = (auditId: string): string => `audit-${auditId}`;

/** One workflow input object: IDs and durations only. */
export interface DeepDiveAuditInput extends TimelineInput {
  auditId: string;
}

/** How a workflow knows its timeline; every child is given its audit's. */
export interface TimelineInput {
  /** Wall-clock overrides, only when the server allows compressed timelines. */
  timeline?: TimelineOverrides;
  /**
   * The audit's timeline, fixed when it started (domain/timeline.ts `fixTimeline`): its durations and the
   * calendar edition its working days are counted in. Absent in workflows started before 0.2.0.
   */
  fixedTimeline?: Timeline;
}

export type InvitationStatus = 'pending' | 'submitted' | 'no_involvement';

export interface InvitationState {
  invitationId: string;
  caseId: string;
  agencyId: string;
  status: InvitationStatus;
  /** ISO-8601 */
  dueAt: string;
  /** Submitted after its deadline, or after collation had started. */
  late: boolean;
}

export type ApprovalStatus = 'pending' | 'approved' | 'changes_requested' | 'superseded';

/** One participating agency's approval of one report version. */
export interface ApprovalState {
  approvalId: string;
  agencyId: string;
  status: ApprovalStatus;
  /** ISO-8601 */
  dueAt: string;
}

export interface ReportVersionState {
  reportVersionId: string;
  version: number;
  /** Empty until the version is circulated (at once, unless the audit has moved on). */
  approvals: ApprovalState[];
}

export type Rag = 'red' | 'amber' | 'green' | 'complete';

/**
 * One action or recommendation: its follow-up workflow's (`action-<id>`) own state; in the audit's, as the
 * follow-up last told it, with the quarterly schedule of an open action worked out by the audit.
 */
export interface ActionState {
  actionId: string;
  auditId: string;
  /** 1, 2, … within the audit. */
  number: number;
  ownerAgencyId: string;
  /** ISO-8601 */
  dueAt: string;
  /** `cancelled`: the audit was cancelled while the action was open, and its follow-up ended. */
  status: 'open' | 'closed' | 'cancelled';
  /** The latest status its owner reported; none until the first report. */
  rag?: Rag;
  /** Quarterly progress requests sent so far. */
  progressRequests: number;
  /** ISO-8601: the next quarterly progress request, while open. */
  nextReminderAt?: string;
  /** The chase for an action past its due date has gone. */
  overdueChased: boolean;
  closedAt?: string;
}

/** IDs and orchestration state only: no child identifier, no free text. */
export interface AuditState {
  auditId: string;
  stage: Stage;
  cohort: { caseId: string; serviceLevel: ServiceLevel }[];
  cohortSeed?: string;
  /** When invitations go by themselves unless the business unit sends them first. */
  invitationsDueToSendAt?: string;
  invitations: InvitationState[];
  /** Collation starts at this moment at the latest. */
  submissionsCutOffAt?: string;
  /** Urgent escalations raised in this audit (each a child workflow `escalation-<id>`). */
  escalations: string[];
  /** When the discussion is held (its place is in the database only). ISO-8601. */
  discussionAt?: string;
  packCirculatedAt?: string;
  outcomeRecordedAt?: string;
  /** Every submitted report version, oldest first, with its approvals. */
  reportVersions: ReportVersionState[];
  lisDecisions: { lisDecisionId: string; reportVersionId: string; decision: 'approved' | 'returned' }[];
  briefingPublishedAt?: string;
  /** The start of the quarterly cycle: LIS approval. ISO-8601. */
  followUpFrom?: string;
  /** LIS quarterly summaries sent so far. */
  lisSummaries: number;
  actions: ActionState[];
  cancelled: boolean;
  /** Every duration of this audit, as fixed when it started. */
  timeline: Timeline;
  /** From sign-off (or, before it, once cancelled): when the identifiable data goes (ISO-8601), and when it went. */
  purgeAt?: string;
  purgedAt?: string;
}

export const auditStateQuery = defineQuery<AuditState>('auditState');

/** The reason itself is stored in the audit trail by the API before this is sent. */
export const cancelAuditUpdate = defineUpdate<AuditState>('cancelAudit');

/** Swap a drawn case for another candidate from the pool, before invitations go out. */
export const replaceCaseUpdate = defineUpdate<AuditState, [{ caseId: string; replacementCaseId: string }]>(
  'replaceCase',
);

/** The business unit is content with the cohort: send the invitations now. */
export const sendInvitationsUpdate = defineUpdate<AuditState>('sendInvitations');

/** The API has stored a final submission for this invitation. */
export const submissionReceivedUpdate = defineUpdate<InvitationState, [{ invitationId: string }]>('submissionReceived');

/** The agency had no involvement with the child: the invitation closes. */
export const noInvolvementUpdate = defineUpdate<InvitationState, [{ invitationId: string }]>('noInvolvement');

/** An immediate-risk concern, stored by the API as an Escalation row: start its urgent escalation. */
export const raiseConcernUpdate = defineUpdate<AuditState, [{ escalationId: string }]>('raiseConcern');

/** Extend one invitation's deadline, or every open one's. */
export const extendDeadlineUpdate = defineUpdate<InvitationState[], [{ dueAt: string; invitationId?: string }]>(
  'extendDeadline',
);

/** The API has stored the discussion's date and place on the audit: the workflow keeps the date. */
export const scheduleDiscussionUpdate = defineUpdate<AuditState, [{ at: string }]>('scheduleDiscussion');

/**
 * The API has stored the outcome (an Outcome row); the workflow takes it once the meeting has been
 * held, turning its actions into Action rows and its concerns into urgent escalations.
 */
export const recordOutcomeUpdate = defineUpdate<AuditState>('recordOutcome');

/** The API has stored a report version that passed the re-identification check: circulate it. */
export const submitReportVersionUpdate = defineUpdate<ReportVersionState, [{ reportVersionId: string }]>(
  'submitReportVersion',
);

/** The API has stored a practitioner's decision (and comments) in the Approval row. */
export const approvalDecisionUpdate = defineUpdate<
  ApprovalState,
  [{ approvalId: string; decision: 'approved' | 'changes_requested' }]
>('approvalDecision');

/** The API has stored the LIS decision (and comments) as a LisDecision row. */
export const lisDecisionUpdate = defineUpdate<
  AuditState,
  [{ lisDecisionId: string; decision: 'approved' | 'returned' }]
>('lisDecision');

// Action follow-up (workflows/follow-up.ts): one child per action, `action-<id>`, until the LIS closes it.

export const actionWorkflowId = (actionId: string): string => `action-${actionId}`;

export interface ActionFollowUpInput extends TimelineInput {
  actionId: string;
  auditId: string;
  /** ISO-8601: quarters are counted from here (LIS approval). */
  from: string;
  /** Carried across continue-as-new. */
  continued?: ActionState;
}

export const actionStateQuery = defineQuery<ActionState>('actionState');

/** The API has stored the owner's progress (an ActionProgress row). */
export const actionProgressUpdate = defineUpdate<ActionState, [{ progressId: string; status: Rag }]>('actionProgress');

/** The LIS, or the business unit on its behalf, closes the action (who: in the audit trail). */
export const closeActionUpdate = defineUpdate<ActionState>('closeAction');

/**
 * From an action's follow-up to its audit, only when something the audit cannot work out changes: its RAG
 * (a different status), the overdue chase (once), the close. Never per quarter: the audit's run never
 * continues as new.
 */
export const actionChangedSignal = defineSignal<[ActionState]>('actionChanged');

// The urgent escalation (workflows/escalation.ts), a child of the audit that outlives it.

export const escalationWorkflowId = (escalationId: string): string => `escalation-${escalationId}`;

/** The workflow of one business-unit notice (workflows/notice.ts): named by the email's outbox key. */
export const noticeWorkflowId = (outboxKey: string): string => `notice-${outboxKey}`;

/** IDs and instants only: the concern and the acknowledger's words stay in the Escalation row. */
export interface EscalationState {
  escalationId: string;
  auditId: string;
  /** The agency whose lead must act; known once the workflow has read its row. */
  agencyId?: string;
  caseId?: string;
  /** ISO-8601, as stored by whoever raised it. */
  raisedAt?: string;
  acknowledgedAt?: string;
  /** How many times it has gone again to the lead and to the partnership manager. */
  reEscalations: number;
  /** Unless acknowledged by then, it goes again to the lead and to the partnership manager. */
  nextReEscalationAt?: string;
}

/** One workflow input object. The Escalation row is stored (by the API) before this starts. */
export interface UrgentEscalationInput extends TimelineInput {
  escalationId: string;
  auditId: string;
  /** Carried across continue-as-new: the state where the previous run left off. */
  continued?: EscalationState;
}

export const escalationStateQuery = defineQuery<EscalationState>('escalationState');

/** The API has stored who acknowledged and the action taken in the Escalation row; this ends the escalation. */
export const acknowledgeEscalationUpdate = defineUpdate<
  EscalationState,
  // `acknowledgedAt`: when the API stored it (absent from API processes before 0.3.0).
  [{ escalationId: string; acknowledgedAt?: string }]
>('acknowledgeEscalation');

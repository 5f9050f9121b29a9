// What the workflows ask to be told to whom. IDs and a purpose only: the notify activity reads the
// rest (addresses, agency names, links) from the database and renders the email.
export type Notification =
  | { purpose: 'invitation'; invitationId: string }
  | { purpose: 'submission_reminder'; invitationId: string; n: number }
  | { purpose: 'submission_chaser'; invitationId: string; n: number }
  | { purpose: 'submission_lead_escalation'; invitationId: string }
  | { purpose: 'business_unit_overdue'; invitationId: string; n: number; escalated: boolean }
  | { purpose: 'business_unit_late_submission'; invitationId: string }
  /** The business unit's reissue: the audit tool's link of this version, to the invitation's address. */
  | { purpose: 'link_reissued'; invitationId: string; linkVersion: number }
  /** The business unit reopened the submitted audit tool, at `reopenedAt`. */
  | { purpose: 'audit_tool_reopened'; invitationId: string; reopenedAt: string }
  | { purpose: 'urgent_escalation'; escalationId: string }
  | { purpose: 'business_unit_urgent_concern'; escalationId: string }
  /** Round `n` of an unacknowledged escalation: one email to the agency lead, one to the partnership manager. */
  | {
      purpose: 'urgent_re_escalation';
      escalationId: string;
      n: number;
      recipient: 'agency_lead' | 'partnership_manager';
    }
  /** The collated pack, with the discussion's date and place, to one participating agency. */
  | { purpose: 'collated_pack'; agencyId: string }
  /** n = 0: the request as the version is circulated; n ≥ 1: the reminders before its deadline. */
  | { purpose: 'approval_request'; approvalId: string; n: number }
  | { purpose: 'approval_chaser'; approvalId: string; n: number }
  | { purpose: 'approval_lead_escalation'; approvalId: string }
  | { purpose: 'lis_signoff_request'; reportVersionId: string }
  | { purpose: 'briefing_published'; agencyId: string }
  | { purpose: 'action_progress_request'; actionId: string; quarter: number }
  /** n = 0 on the due date, then with each quarter's request while the action stays open past it. */
  | { purpose: 'action_overdue'; actionId: string; n: number }
  | { purpose: 'lis_progress_summary'; quarter: number }
  | { purpose: 'audit_completed'; recipient: 'business_unit' | 'lis' }
  /** To an agency that was asked for something (an invitation, an approval) when the audit is cancelled. */
  | { purpose: 'audit_cancelled'; agencyId: string }
  /**
   * The business unit's reissue of another kind of link: its task's email again, carrying the link of this
   * version (a pack's, an approval's, the latest quarter's progress request's, an escalation's).
   */
  | { purpose: 'pack_link_reissued'; agencyId: string; linkVersion: number }
  | { purpose: 'approval_link_reissued'; approvalId: string; linkVersion: number }
  | { purpose: 'progress_link_reissued'; actionId: string; quarter: number; linkVersion: number }
  | { purpose: 'acknowledgement_link_reissued'; escalationId: string; linkVersion: number };

export type NotificationPurpose = Notification['purpose'];

/**
 * What may still be sent about a cancelled audit: its cancellation notices, and the urgent escalations,
 * which go on until acknowledged. Anything else already on its way when the cancel came is not sent.
 */
export const SENT_AFTER_CANCEL: ReadonlySet<NotificationPurpose> = new Set([
  'audit_cancelled',
  'urgent_escalation',
  'urgent_re_escalation',
  'business_unit_urgent_concern',
  'acknowledgement_link_reissued',
]);

/** The outbox key: one email per audit, purpose, subject and occasion, however often it is retried. */
export function notificationKey(auditId: string, notification: Notification, occasion = ''): string {
  const { purpose, ...ids } = notification;
  const parts = Object.entries(ids)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`);
  return [`audit-${auditId}`, purpose, ...parts, occasion].filter(Boolean).join('/');
}

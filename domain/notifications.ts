// What the workflows ask to be told to whom. IDs and a purpose only: the notify activity reads the
// rest (addresses, agency names, links) from the database and renders the email.
export type Notification =
  | { purpose: 'invitation'; invitationId: string }
  | { purpose: 'submission_reminder'; invitationId: string; n: number }
  | { purpose: 'submission_chaser'; invitationId: string; n: number }
  | { purpose: 'submission_lead_escalation'; invitationId: string }
  | { purpose: 'business_unit_overdue'; invitationId: string; n: number; escalated: boolean }
  | { purpose: 'business_unit_late_submission'; invitationId: string }
  | { purpose: 'urgent_escalation'; escalationId: string }
  | { purpose: 'business_unit_urgent_concern'; escalationId: string }
  /** Round `n` of an unacknowledged escalation: one email to the agency lead, one to the partnership manager. */
  | {
      purpose: 'urgent_re_escalation';
      escalationId: string;
      n: number;
      recipient: 'agency_lead' | 'partnership_manager';
    };

export type NotificationPurpose = Notification['purpose'];

/** The outbox key: one email per audit, purpose, subject and occasion, however often it is retried. */
export function notificationKey(auditId: string, notification: Notification, occasion = ''): string {
  const { purpose, ...ids } = notification;
  const parts = Object.entries(ids)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${String(v)}`);
  return [`audit-${auditId}`, purpose, ...parts, occasion].filter(Boolean).join('/');
}

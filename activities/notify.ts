// The workflows say what to tell whom by purpose and IDs; this reads the rest from the database —
// addresses, the agency's name, the audit's title, the link and its secret — and hands the email to
// the outbox (activities/email.ts). Secrets and addresses therefore never enter Temporal's history.
import { ApplicationFailure } from '@temporalio/common';
import type { Notification } from '../domain/notifications';
import type { Db } from '../infra/db';
import { linkToken, tokenHash } from '../infra/links';
import { FAILURE } from '../workflows/errors';
import type { emailActivities, SendEmailInput } from './email';

export interface NotifyDeps {
  db: Db;
  send: ReturnType<typeof emailActivities>['sendEmail'];
  publicUrl: string;
  linkSecret: string;
  businessUnitEmail: string;
  partnershipManagerEmail: string;
}

type EscalationNotification = Extract<Notification, { escalationId: string }>;

export function notifyActivities({
  db,
  send,
  publicUrl,
  linkSecret,
  businessUnitEmail,
  partnershipManagerEmail,
}: NotifyDeps) {
  const auditLink = (auditId: string) => `${publicUrl}/dashboard?audit=${auditId}`;

  async function invitationTask(invitationId: string) {
    const invitation = await db.invitation.findUnique({
      where: { id: invitationId },
      include: { agency: true, audit: { select: { id: true, focus: true } } },
    });
    if (!invitation) throw ApplicationFailure.nonRetryable(`invitation ${invitationId} not found`, FAILURE.notFound);
    const token = linkToken(linkSecret, `respond:${invitation.id}`);
    if (invitation.tokenHash !== tokenHash(token)) {
      await db.invitation.update({ where: { id: invitation.id }, data: { tokenHash: tokenHash(token) } });
    }
    const task = {
      auditTitle: invitation.audit.focus,
      agencyName: invitation.agency.name,
      dueAt: (invitation.dueAt ?? new Date()).toISOString(),
    };
    return { invitation, task, respondLink: `${publicUrl}/respond/${token}`, auditLink: auditLink(invitation.auditId) };
  }

  /** The concern's own link: the page behind it shows the concern to the link holder only. */
  async function escalationEmail(
    notification: EscalationNotification,
  ): Promise<Omit<SendEmailInput, 'key' | 'auditId'>> {
    const escalation = await db.escalation.findUnique({
      where: { id: notification.escalationId },
      include: { audit: { select: { focus: true } } },
    });
    const agency = escalation && (await db.agency.findUnique({ where: { id: escalation.agencyId } }));
    if (!escalation || !agency)
      throw ApplicationFailure.nonRetryable(`escalation ${notification.escalationId} not found`, FAILURE.notFound);
    // The workflow records each window's end before it asks for the emails about it.
    if (!escalation.acknowledgeBy)
      throw ApplicationFailure.retryable(`escalation ${escalation.id} has no window recorded yet`);
    const token = linkToken(linkSecret, `acknowledge:${escalation.id}`);
    if (escalation.tokenHash !== tokenHash(token)) {
      await db.escalation.update({ where: { id: escalation.id }, data: { tokenHash: tokenHash(token) } });
    }
    const concern = {
      auditTitle: escalation.audit.focus,
      agencyName: agency.name,
      raisedAt: escalation.raisedAt.toISOString(),
      acknowledgeBy: escalation.acknowledgeBy.toISOString(),
      link: `${publicUrl}/acknowledge/${token}`,
    };
    switch (notification.purpose) {
      case 'urgent_escalation':
        return { to: agency.leadEmail, template: 'urgentEscalation', data: concern };
      case 'urgent_re_escalation': {
        const to = notification.recipient === 'agency_lead' ? agency.leadEmail : partnershipManagerEmail;
        return { to, template: 'urgentReEscalation', data: { ...concern, reminderNumber: notification.n } };
      }
      case 'business_unit_urgent_concern': {
        const data = {
          auditTitle: concern.auditTitle,
          agencyName: concern.agencyName,
          reason: 'urgent_concern' as const,
          link: auditLink(escalation.auditId),
        };
        return { to: businessUnitEmail, template: 'businessUnitEscalationRaised', data };
      }
    }
  }

  async function emailFor(notification: Notification): Promise<Omit<SendEmailInput, 'key' | 'auditId'>> {
    if ('escalationId' in notification) return escalationEmail(notification);
    const { invitation, task, respondLink, auditLink: buLink } = await invitationTask(notification.invitationId);
    const { contactEmail, leadEmail } = invitation.agency;
    switch (notification.purpose) {
      case 'invitation': {
        const tools = await db.invitation.findMany({
          where: { auditId: invitation.auditId, agencyId: invitation.agencyId },
          orderBy: { createdAt: 'asc' },
          select: { id: true },
        });
        const toolNumber = tools.findIndex((t) => t.id === invitation.id) + 1;
        return {
          to: contactEmail,
          template: 'invitation',
          data: { ...task, link: respondLink, toolNumber, toolCount: tools.length },
        };
      }
      case 'submission_reminder':
        return { to: contactEmail, template: 'submissionReminder', data: { ...task, link: respondLink } };
      case 'submission_chaser':
        return { to: contactEmail, template: 'submissionChaser', data: { ...task, link: respondLink } };
      case 'submission_lead_escalation':
        // The lead gets the tool's own link, to see that it is completed.
        return { to: leadEmail, template: 'submissionLeadEscalation', data: { ...task, link: respondLink } };
      case 'business_unit_overdue':
        return { to: businessUnitEmail, template: 'businessUnitOverdue', data: { ...task, link: buLink } };
      case 'business_unit_late_submission': {
        const submission = await db.submission.findUnique({
          where: { invitationId: invitation.id },
          select: { submittedAt: true },
        });
        const submittedAt = (submission?.submittedAt ?? new Date()).toISOString();
        return {
          to: businessUnitEmail,
          template: 'businessUnitLateSubmission',
          data: { ...task, link: buLink, submittedAt },
        };
      }
    }
  }

  return {
    async notify(input: { key: string; auditId: string; notification: Notification }): Promise<void> {
      const email = await emailFor(input.notification);
      await send({ key: input.key, auditId: input.auditId, ...email } as SendEmailInput);
    },
  };
}

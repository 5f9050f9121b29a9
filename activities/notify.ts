// The workflows say what to tell whom by purpose and IDs; this reads the rest from the database —
// addresses, the agency's name, the audit's title, the link and its secret — and hands the email to
// the outbox (activities/email.ts). Secrets and addresses therefore never enter Temporal's history.
// Emails carry labels, links, dates and counts only: an action is named by its number, never by its
// description, and no report text, comment or child identifier is ever read into one.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { type Notification, SENT_AFTER_CANCEL } from '../domain/notifications';
import type { Db } from '../infra/db';
import { type LinkScope, linkToken, tokenHash } from '../infra/links';
import { FAILURE } from '../workflows/errors';
import type { emailActivities, SendEmailInput } from './email';

export interface NotifyDeps {
  db: Db;
  send: ReturnType<typeof emailActivities>['sendEmail'];
  publicUrl: string;
  linkSecret: string;
  businessUnitEmail: string;
  partnershipManagerEmail: string;
  lisEmail: string;
}

/** One email as notify builds it: the outbox key and the audit are added by `notify`. */
type Email = SendEmailInput extends infer E ? (E extends SendEmailInput ? Omit<E, 'key' | 'auditId'> : never) : never;

type InvitationNotification = Extract<Notification, { invitationId: string }>;
type EscalationNotification = Extract<Notification, { escalationId: string }>;
type ApprovalNotification = Extract<Notification, { approvalId: string }>;
type ActionNotification = Extract<Notification, { actionId: string }>;

const notFound = (what: string) => ApplicationFailure.nonRetryable(`${what} not found`, FAILURE.notFound);

export function notifyActivities({
  db,
  send,
  publicUrl,
  linkSecret,
  businessUnitEmail,
  partnershipManagerEmail,
  lisEmail,
}: NotifyDeps) {
  // The audit's page in the staff console, or one part of it.
  const auditLink = (auditId: string, part = '') => `${publicUrl}/audits/${auditId}${part}`;

  /**
   * The secret of a task's live link (its row's version), its hash stored on the row if not yet: only while
   * that version is live, as a reissue since the row was read has revoked it.
   */
  async function liveLink(
    scope: LinkScope,
    row: { id: string; linkVersion: number; tokenHash: string | null },
    store: (where: { id: string; linkVersion: number }, data: { tokenHash: string }) => Promise<unknown>,
  ): Promise<string> {
    const token = linkToken(linkSecret, scope, row.linkVersion);
    if (row.tokenHash !== tokenHash(token)) {
      await store({ id: row.id, linkVersion: row.linkVersion }, { tokenHash: tokenHash(token) });
    }
    return token;
  }

  async function invitationTask(invitationId: string) {
    const invitation = await db.invitation.findUnique({
      where: { id: invitationId },
      include: { agency: true, audit: { select: { id: true, focus: true } } },
    });
    if (!invitation) throw ApplicationFailure.nonRetryable(`invitation ${invitationId} not found`, FAILURE.notFound);
    const token = await liveLink(`respond:${invitation.id}`, invitation, (where, data) =>
      db.invitation.updateMany({ where, data }),
    );
    const task = {
      auditTitle: invitation.audit.focus,
      agencyName: invitation.agency.name,
      dueAt: (invitation.dueAt ?? new Date()).toISOString(),
    };
    return { invitation, task, respondLink: `${publicUrl}/respond/${token}`, auditLink: auditLink(invitation.auditId) };
  }

  /** The audit's title and discussion; only what an email may show. */
  async function auditOf(auditId: string) {
    const audit = await db.audit.findUnique({
      where: { id: auditId },
      select: { id: true, focus: true, discussionAt: true, discussionLocation: true },
    });
    if (!audit) throw notFound(`audit ${auditId}`);
    return audit;
  }

  async function agencyOf(agencyId: string) {
    const agency = await db.agency.findUnique({ where: { id: agencyId } });
    if (!agency) throw notFound(`agency ${agencyId}`);
    return agency;
  }

  /** The public 7 Point Briefing. The workflow publishes it before it tells anyone of it. */
  async function briefingLink(auditId: string) {
    const briefing = await db.briefing.findUnique({ where: { auditId }, select: { slug: true } });
    if (!briefing) throw ApplicationFailure.retryable(`audit ${auditId} has no briefing published yet`);
    return `${publicUrl}/briefings/${briefing.slug}`;
  }

  async function invitationEmail(notification: InvitationNotification): Promise<Email> {
    const { invitation, task, respondLink, auditLink: buLink } = await invitationTask(notification.invitationId);
    const { leadEmail } = invitation.agency;
    // "Change contact" sends this invitation's emails to the address the business unit gave.
    const contactEmail = invitation.emailTo ?? invitation.agency.contactEmail;
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
      case 'link_reissued':
        return { to: contactEmail, template: 'linkReissued', data: { ...task, link: respondLink } };
      case 'audit_tool_reopened':
        return { to: contactEmail, template: 'auditToolReopened', data: { ...task, link: respondLink } };
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

  /** The concern's own link: the page behind it shows the concern to the link holder only. */
  async function escalationEmail(notification: EscalationNotification): Promise<Email> {
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
    const token = await liveLink(`acknowledge:${escalation.id}`, escalation, (where, data) =>
      db.escalation.updateMany({ where, data }),
    );
    const concern = {
      auditTitle: escalation.audit.focus,
      agencyName: agency.name,
      raisedAt: escalation.raisedAt.toISOString(),
      acknowledgeBy: escalation.acknowledgeBy.toISOString(),
      link: `${publicUrl}/acknowledge/${token}`,
    };
    switch (notification.purpose) {
      case 'urgent_escalation':
      case 'acknowledgement_link_reissued':
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

  /** Stage 4: one agency's link to the collated pack, with the discussion's date and place. */
  async function collatedPackEmail(auditId: string, agencyId: string): Promise<Email> {
    const [audit, agency] = await Promise.all([auditOf(auditId), agencyOf(agencyId)]);
    // The workflow circulates the pack only once the discussion is scheduled.
    if (!audit.discussionAt || !audit.discussionLocation)
      throw ApplicationFailure.retryable(`audit ${auditId} has no discussion scheduled yet`);
    const row = await db.packLink.upsert({
      where: { auditId_agencyId: { auditId, agencyId } },
      create: { auditId, agencyId },
      update: {},
    });
    const token = await liveLink(`pack:${auditId}:${agencyId}`, row, (where, data) =>
      db.packLink.updateMany({ where, data }),
    );
    return {
      to: agency.contactEmail,
      template: 'collatedPack',
      data: {
        auditTitle: audit.focus,
        agencyName: agency.name,
        discussionAt: audit.discussionAt.toISOString(),
        location: audit.discussionLocation,
        link: `${publicUrl}/pack/${token}`,
      },
    };
  }

  /** Stage 7: one agency's approval of one report version; every email about it carries the same link. */
  async function approvalEmail(auditId: string, notification: ApprovalNotification): Promise<Email> {
    const approval = await db.approval.findUnique({
      where: { id: notification.approvalId },
      select: {
        id: true,
        agencyId: true,
        dueAt: true,
        tokenHash: true,
        linkVersion: true,
        reportVersion: { select: { auditId: true, version: true, audit: { select: { focus: true } } } },
      },
    });
    if (!approval || approval.reportVersion.auditId !== auditId) throw notFound(`approval ${notification.approvalId}`);
    const agency = await agencyOf(approval.agencyId);
    const token = await liveLink(`approve:${approval.id}`, approval, (where, data) =>
      db.approval.updateMany({ where, data }),
    );
    const data = {
      auditTitle: approval.reportVersion.audit.focus,
      version: approval.reportVersion.version,
      dueAt: approval.dueAt.toISOString(),
      link: `${publicUrl}/approve/${token}`,
    };
    switch (notification.purpose) {
      case 'approval_request':
      case 'approval_link_reissued':
        // n ≥ 1, the reminders before the deadline, and a reissue are the same request again.
        return { to: agency.contactEmail, template: 'approvalRequest', data };
      case 'approval_chaser':
        return { to: agency.contactEmail, template: 'approvalChaser', data };
      case 'approval_lead_escalation':
        return { to: agency.leadEmail, template: 'approvalLeadEscalation', data: { ...data, agencyName: agency.name } };
    }
  }

  async function lisSignoffEmail(auditId: string, reportVersionId: string): Promise<Email> {
    const version = await db.reportVersion.findUnique({
      where: { id: reportVersionId },
      select: { auditId: true, version: true, audit: { select: { focus: true } } },
    });
    if (!version || version.auditId !== auditId) throw notFound(`report version ${reportVersionId}`);
    return {
      to: lisEmail,
      template: 'lisSignoffRequest',
      data: { auditTitle: version.audit.focus, version: version.version, link: auditLink(auditId, '/sign-off') },
    };
  }

  async function briefingPublishedEmail(auditId: string, agencyId: string): Promise<Email> {
    const [audit, agency, link] = await Promise.all([auditOf(auditId), agencyOf(agencyId), briefingLink(auditId)]);
    return { to: agency.contactEmail, template: 'briefingPublished', data: { auditTitle: audit.focus, link } };
  }

  /** Stage 9: the owner agency's link to report progress on one action, for one quarter's row. */
  async function actionEmail(auditId: string, notification: ActionNotification): Promise<Email> {
    const action = await db.action.findUnique({
      where: { id: notification.actionId },
      // Never the description: the panel wrote it, and it may name a child.
      select: { id: true, auditId: true, number: true, dueAt: true, ownerAgencyId: true },
    });
    if (!action || action.auditId !== auditId) throw notFound(`action ${notification.actionId}`);
    const [audit, agency] = await Promise.all([auditOf(auditId), agencyOf(action.ownerAgencyId)]);
    const progressSelect = { id: true, tokenHash: true, linkVersion: true } as const;
    let progress;
    switch (notification.purpose) {
      case 'action_progress_request':
      case 'progress_link_reissued':
        // The workflow's activity creates the quarter's row before it asks for the email.
        progress = await db.actionProgress.findUnique({
          where: { actionId_quarter: { actionId: action.id, quarter: notification.quarter } },
          select: progressSelect,
        });
        if (!progress)
          throw ApplicationFailure.retryable(
            `action ${action.id} has no progress row for quarter ${notification.quarter}`,
          );
        break;
      case 'action_overdue':
        // The latest quarter's link; before the first quarter's request, quarter 0 is the due-date chase.
        progress =
          (await db.actionProgress.findFirst({
            where: { actionId: action.id },
            orderBy: { quarter: 'desc' },
            select: progressSelect,
          })) ??
          (await db.actionProgress.upsert({
            where: { actionId_quarter: { actionId: action.id, quarter: 0 } },
            create: { actionId: action.id, quarter: 0 },
            update: {},
            select: progressSelect,
          }));
        break;
    }
    const token = await liveLink(`progress:${progress.id}`, progress, (where, data) =>
      db.actionProgress.updateMany({ where, data }),
    );
    const data = {
      auditTitle: audit.focus,
      agencyName: agency.name,
      actionNumber: action.number,
      dueAt: action.dueAt.toISOString(),
      link: `${publicUrl}/progress/${token}`,
    };
    const template = notification.purpose === 'action_overdue' ? 'actionOverdue' : 'actionProgressRequest';
    return { to: agency.contactEmail, template, data };
  }

  /** The audit's actions in numbers, as the quarter closes. */
  async function lisProgressSummaryEmail(auditId: string, quarter: number): Promise<Email> {
    const audit = await auditOf(auditId);
    const actions = await db.action.findMany({
      where: { auditId },
      select: {
        status: true,
        rag: true,
        dueAt: true,
        progress: { where: { quarter, reportedAt: { not: null } }, select: { id: true } },
      },
    });
    const now = new Date();
    const open = actions.filter((a) => a.status === 'open');
    const count = (pred: (a: (typeof actions)[number]) => boolean, of = open) => of.filter(pred).length;
    return {
      to: lisEmail,
      template: 'lisProgressSummary',
      data: {
        auditTitle: audit.focus,
        periodEnd: now.toISOString(),
        red: count((a) => a.rag === 'red'),
        amber: count((a) => a.rag === 'amber'),
        green: count((a) => a.rag === 'green'),
        notReported: count((a) => a.progress.length === 0),
        awaitingClosure: count((a) => a.rag === 'complete'),
        overdue: count((a) => a.dueAt < now),
        closed: count((a) => a.status === 'closed', actions),
        link: auditLink(auditId),
      },
    };
  }

  async function auditCompletedEmail(auditId: string, recipient: 'business_unit' | 'lis'): Promise<Email> {
    const [audit, link, actionsClosed] = await Promise.all([
      auditOf(auditId),
      briefingLink(auditId),
      db.action.count({ where: { auditId, status: 'closed' } }),
    ]);
    return {
      to: recipient === 'business_unit' ? businessUnitEmail : lisEmail,
      template: 'auditCompleted',
      data: { auditTitle: audit.focus, actionsClosed, link },
    };
  }

  async function auditCancelledEmail(auditId: string, agencyId: string): Promise<Email> {
    const [audit, agency] = await Promise.all([auditOf(auditId), agencyOf(agencyId)]);
    return {
      to: agency.contactEmail,
      template: 'auditCancelled',
      data: { auditTitle: audit.focus, agencyName: agency.name },
    };
  }

  /** Every purpose, exhaustively: a new one fails to compile until it has its email here. */
  function emailFor(auditId: string, notification: Notification): Promise<Email> {
    switch (notification.purpose) {
      case 'invitation':
      case 'submission_reminder':
      case 'submission_chaser':
      case 'submission_lead_escalation':
      case 'business_unit_overdue':
      case 'business_unit_late_submission':
      case 'link_reissued':
      case 'audit_tool_reopened':
        return invitationEmail(notification);
      case 'urgent_escalation':
      case 'business_unit_urgent_concern':
      case 'urgent_re_escalation':
      case 'acknowledgement_link_reissued':
        return escalationEmail(notification);
      case 'collated_pack':
      case 'pack_link_reissued':
        return collatedPackEmail(auditId, notification.agencyId);
      case 'approval_request':
      case 'approval_link_reissued':
      case 'approval_chaser':
      case 'approval_lead_escalation':
        return approvalEmail(auditId, notification);
      case 'lis_signoff_request':
        return lisSignoffEmail(auditId, notification.reportVersionId);
      case 'briefing_published':
        return briefingPublishedEmail(auditId, notification.agencyId);
      case 'action_progress_request':
      case 'progress_link_reissued':
      case 'action_overdue':
        return actionEmail(auditId, notification);
      case 'lis_progress_summary':
        return lisProgressSummaryEmail(auditId, notification.quarter);
      case 'audit_completed':
        return auditCompletedEmail(auditId, notification.recipient);
      case 'audit_cancelled':
        return auditCancelledEmail(auditId, notification.agencyId);
    }
  }

  return {
    /** `resendOf`: this is that email's sending again (workflows/resend.ts), under a key of its own. */
    async notify(input: { key: string; auditId: string; notification: Notification; resendOf?: string }): Promise<void> {
      const { purpose } = input.notification;
      if (!SENT_AFTER_CANCEL.has(purpose)) {
        const audit = await db.audit.findUnique({ where: { id: input.auditId }, select: { stage: true } });
        if (audit?.stage === 'cancelled') {
          Context.current().log.info('email not sent: the audit is cancelled', { purpose });
          return;
        }
      }
      const email = await emailFor(input.auditId, input.notification);
      const { key, auditId, notification, resendOf } = input;
      await send({ key, auditId, notification, resendOf, ...email });
    },
  };
}

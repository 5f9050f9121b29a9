// Sending the process's emails: rendered here from IDs, labels, dates and links, and sent at most once
// per key through the EmailOutbox.
//
// The guarantee, and why. SMTP has no idempotency: once the relay has answered 250 the message is out,
// and nothing can ask it afterwards whether it took a given message. So the outbox row is claimed
// (`sending`) before the relay is spoken to, and settled after:
//
//   (none) ──claim──► sending ──250──────────────────────► sent
//   pending ─claim──►    │    ──5xx to recipient/message──► failed       (EmailRejected, never retried)
//                        │    ──refused before sending───► pending      (4xx, unreachable: Temporal retries)
//                        │    ──lost mid-send────────────► unconfirmed
//                        └──── the attempt died ─────────► found `sending` by the next attempt ► unconfirmed
//   input invalid, or a label names a child in the cohort ► refused     (EmailInvalid, never retried)
//   failed, unconfirmed ──its "Send again" (`<key>/again/<n>`, a row of its own) is sent──► resent
//
// An attempt that finds the row `sending` cannot tell a send that died before the relay took the message
// from one that died after: it does not send again, and marks the row `unconfirmed`, which the audit
// state shows (failedEmails) so that the business unit can check with the recipient. Result: at most one
// delivery per key, and every email not known to be delivered is visible. Later steps of the process
// (reminders, chasers, re-escalations) are emails of their own keys, so one unconfirmed email is never
// the only notice. The Message-ID is derived from the key, so any copy a relay or mail client sees
// twice is recognisably the same message.
//
// "Send again". A row keeps the notification it was sent for (a purpose and IDs, never content: no link
// secret, address or label is stored), so that the business unit can ask for a failed or unconfirmed email
// again (api/commands/emails.ts, workflows/resend.ts). The notify activity renders it afresh under a key of
// its own, so each key is still sent at most once, and with today's address and live link: an address put
// right in the directory, or a link reissued since, is what the recipient gets. Once that row is sent, the
// original is `resent` and no longer needs attention.
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SendMailOptions } from 'nodemailer';
import {
  createRenderer,
  type EmailConfig,
  EmailInputError,
  type RenderedEmail,
  type TemplateData,
  type TemplateName,
} from '../emails';
import type { Notification } from '../domain/notifications';
import type { Db } from '../infra/db';
import type { EmailOutbox } from '../prisma/generated/client';

/** Failure types of sendEmail, for workflows' retry policies and handlers. */
export const EMAIL_FAILURE = {
  /** The relay refused the recipient or the message for good (5xx). Non-retryable. */
  rejected: 'EmailRejected',
  /** The input was invalid, or would have shown a child's identifier. Non-retryable. */
  invalid: 'EmailInvalid',
  /** The relay could not take it now (4xx, unreachable). Retryable. */
  deferred: 'EmailDeferred',
} as const;

/**
 * One email. It goes into Temporal's history, so it holds IDs, an address and the template's typed data
 * (labels, dates, counts, links) — never a child's identifier or anything a practitioner wrote.
 */
export type SendEmailInput = {
  [N in TemplateName]: {
    /** Workflow and purpose, e.g. `audit-<id>/invitation/<invitationId>`: the same key is sent at most once. */
    key: string;
    /** When the email belongs to an audit: its cohort's identifiers are kept out, and failedEmails lists it. */
    auditId?: string;
    to: string;
    template: N;
    data: TemplateData<N>;
    /** What the workflow asked for: kept on the row, so that the email can be sent again. */
    notification?: Notification;
    /** When this is an email sent again: the key of the one it repeats, `resent` once this is sent. */
    resendOf?: string;
  };
}[TemplateName];

export interface SendEmailResult {
  /** `unconfirmed`: an earlier attempt stopped mid-send; it may have been delivered and is not sent again. */
  status: 'sent' | 'already_sent' | 'unconfirmed';
  messageId: string;
}

/** What sendEmail needs of nodemailer's transport (infra/mailer.ts). */
export interface MailTransport {
  sendMail(mail: SendMailOptions): Promise<unknown>;
}

/** What became of one attempt at an email, as the outbox records it; counted for Prometheus. */
export type EmailOutcome = 'sent' | 'failed' | 'refused' | 'unconfirmed' | 'deferred';

/** The counter name, on the worker's Temporal metrics endpoint (METRICS_PORT) and on the API's /metrics. */
export const EMAIL_OUTCOMES_METRIC = 'deepdive_email_outcomes_total';

export interface EmailMetrics {
  emailOutcome(outcome: EmailOutcome): void;
}

export interface EmailDeps {
  db: Db;
  transport: MailTransport;
  /** The From header, e.g. `Deep Dive <deep-dive@partnership.example>`. */
  mailFrom: string;
  email: EmailConfig;
  /**
   * Where outcomes are counted. Unset: the Temporal SDK's metric meter, which the worker exports with
   * the SDK's own metrics (METRICS_PORT). Set when the API's registry shares the process (npm start, tests).
   */
  metrics?: EmailMetrics;
}

export function emailActivities({ db, transport, mailFrom, email, metrics }: EmailDeps) {
  const renderer = createRenderer(email);
  const count = (outcome: EmailOutcome): void => {
    if (metrics) return metrics.emailOutcome(outcome);
    Context.current()
      .metricMeter?.createCounter(EMAIL_OUTCOMES_METRIC, 'emails', 'Emails by what became of an attempt to send them')
      .add(1, { outcome });
  };

  return {
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const { log } = Context.current();
      const { key, auditId, to, template, notification, resendOf } = input;
      const messageId = messageIdFor(key, mailFrom);
      const where = { key };

      let row = await db.emailOutbox.findUnique({ where });
      let message: RenderedEmail | undefined;
      for (;;) {
        const done = row && (await settled(row));
        if (done) return done;
        message ??= await render();
        if (await claim(row)) break;
        // Another attempt of the same key claimed it between our read and our claim: see what it did.
        row = await db.emailOutbox.findUnique({ where });
      }

      try {
        await transport.sendMail({ from: mailFrom, to, messageId, ...message });
      } catch (err) {
        return failed(err as SmtpError);
      }
      // `unconfirmed` too: a later attempt may have marked it so while this one was still sending.
      await db.emailOutbox.updateMany({
        where: { key, status: { in: ['sending', 'unconfirmed'] } },
        data: { status: 'sent', sentAt: new Date(), lastError: null },
      });
      if (resendOf) {
        await db.emailOutbox.updateMany({
          where: { key: resendOf, status: { in: ['failed', 'unconfirmed'] } },
          data: { status: 'resent' },
        });
      }
      count('sent');
      log.info('email sent', { key, template, auditId, messageId });
      return { status: 'sent', messageId };

      /** The outcome of an earlier attempt, or undefined when this one is to send (`pending`). */
      async function settled(row: EmailOutbox): Promise<SendEmailResult | undefined> {
        switch (row.status) {
          case 'pending':
            return undefined;
          case 'sent':
            return { status: 'already_sent', messageId };
          case 'failed':
            throw ApplicationFailure.nonRetryable(
              `email ${key} was rejected: ${row.lastError}`,
              EMAIL_FAILURE.rejected,
            );
          case 'refused':
            throw ApplicationFailure.nonRetryable(`email ${key} was refused: ${row.lastError}`, EMAIL_FAILURE.invalid);
          case 'sending':
            await db.emailOutbox.updateMany({ where: { key, status: 'sending' }, data: { status: 'unconfirmed' } });
            count('unconfirmed');
            log.warn('email not resent: an earlier attempt stopped while sending it', { key, template, auditId });
            return { status: 'unconfirmed', messageId };
          case 'unconfirmed':
            return { status: 'unconfirmed', messageId };
          case 'resent':
            return { status: 'already_sent', messageId };
        }
      }

      async function render(): Promise<RenderedEmail> {
        try {
          if (!isAddress(to)) throw new EmailInputError('to must be one email address');
          const forbidden = auditId ? await cohortIdentifiers(db, auditId) : [];
          return await renderer.render(template, input.data, { forbidden });
        } catch (err) {
          if (!(err instanceof EmailInputError)) throw err;
          const data = { status: 'refused' as const, lastError: err.message };
          await db.emailOutbox.upsert({
            where,
            update: data,
            create: { ...data, key, auditId, template, recipient: to, messageId, notification, resendOf },
          });
          count('refused');
          log.warn('email refused', { key, template, auditId, reason: err.message });
          throw ApplicationFailure.nonRetryable(`email ${key} was refused: ${err.message}`, EMAIL_FAILURE.invalid);
        }
      }

      async function claim(row: EmailOutbox | null): Promise<boolean> {
        if (row) {
          const { count } = await db.emailOutbox.updateMany({
            where: { key, status: 'pending' },
            data: { status: 'sending', attempts: { increment: 1 } },
          });
          return count === 1;
        }
        // ON CONFLICT DO NOTHING: a count of 0 means another attempt created the row meanwhile.
        const { count } = await db.emailOutbox.createMany({
          data: [
            { key, auditId, template, recipient: to, messageId, status: 'sending', attempts: 1, notification, resendOf },
          ],
          skipDuplicates: true,
        });
        return count === 1;
      }

      async function failed(err: SmtpError): Promise<SendEmailResult> {
        const lastError = (err.response ?? err.message).slice(0, 500);
        if (rejectedForGood(err)) {
          await db.emailOutbox.update({ where, data: { status: 'failed', lastError } });
          count('failed');
          log.warn('email rejected', { key, template, auditId, responseCode: err.responseCode });
          throw ApplicationFailure.nonRetryable(`email ${key} was rejected: ${lastError}`, EMAIL_FAILURE.rejected);
        }
        if (notTaken(err)) {
          await db.emailOutbox.update({ where, data: { status: 'pending', lastError } });
          count('deferred');
          log.warn('email deferred', { key, template, auditId, code: err.code, responseCode: err.responseCode });
          throw ApplicationFailure.retryable(`email ${key} deferred: ${lastError}`, EMAIL_FAILURE.deferred);
        }
        await db.emailOutbox.update({ where, data: { status: 'unconfirmed', lastError } });
        count('unconfirmed');
        log.warn('email unconfirmed: the relay was lost mid-send', { key, template, auditId, code: err.code });
        return { status: 'unconfirmed', messageId };
      }
    },
  };
}

/**
 * Whether an email can be sent again: `available`; `in_progress` (a sending again has not settled yet);
 * `refused` (its input was refused, and would be again); `not_kept` (written before the outbox kept what
 * to send); `delivered` (sent, or sent again).
 */
export type SendAgain = 'available' | 'in_progress' | 'refused' | 'not_kept' | 'delivered';

/** `row`'s SendAgain, given the statuses of the rows sent again for it so far. */
export function sendAgainOf(row: Pick<EmailOutbox, 'status' | 'notification'>, resends: string[]): SendAgain {
  if (row.status === 'refused') return 'refused';
  if (row.status !== 'failed' && row.status !== 'unconfirmed') return 'delivered';
  if (row.notification === null) return 'not_kept';
  return resends.some((s) => s === 'pending' || s === 'sending') ? 'in_progress' : 'available';
}

/** The outbox key of the `n`th sending again of the email `key`: an email of its own, sent at most once. */
export const resendKey = (key: string, n: number) => `${key}/again/${n}`;

/** An email's ID in addresses (its key has slashes): the hash its Message-ID is made of. */
export const emailIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 32);

export interface UnsentEmail {
  /** For POST /api/audits/:id/emails/:emailId/send-again. */
  id: string;
  key: string;
  template: string;
  to: string;
  status: 'failed' | 'refused' | 'unconfirmed';
  reason: string | null;
  at: Date;
  sendAgain: Exclude<SendAgain, 'delivered'>;
  /** How many times the business unit has had it sent again, none of them delivered yet. */
  sentAgain: number;
}

/**
 * The audit's emails not known to have been delivered, oldest first, for the audit state. An email sent
 * again is shown through the one it repeats: a failed repeat leaves that one failed.
 */
export async function failedEmails(db: Db, auditId: string): Promise<UnsentEmail[]> {
  const rows = await db.emailOutbox.findMany({
    where: { auditId, resendOf: null, status: { in: ['failed', 'refused', 'unconfirmed'] } },
    orderBy: { createdAt: 'asc' },
  });
  const resends = await db.emailOutbox.findMany({
    where: { resendOf: { in: rows.map((r) => r.key) } },
    select: { resendOf: true, status: true },
  });
  return rows.map((r) => {
    const repeats = resends.filter((x) => x.resendOf === r.key).map((x) => x.status);
    return {
      id: emailIdOf(r.key),
      key: r.key,
      template: r.template,
      to: r.recipient,
      status: r.status as UnsentEmail['status'],
      reason: r.lastError,
      at: r.updatedAt,
      sendAgain: sendAgainOf(r, repeats) as UnsentEmail['sendAgain'],
      sentAgain: repeats.length,
    };
  });
}

/** What nodemailer's SMTP errors carry. */
interface SmtpError extends Error {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  /** Set by nodemailer for 5xx replies other than 503. */
  permanent?: boolean;
  syscall?: string;
  timeoutType?: string;
}

/** A 5xx to the recipient or to the message: sending it again would get the same answer. */
function rejectedForGood(err: SmtpError): boolean {
  return err.permanent === true && (err.command === 'RCPT TO' || err.command === 'DATA');
}

/**
 * Whether the relay certainly did not take the message. A reply code says so (5xx to other commands,
 * such as a login refused, is a configuration problem: retried until it is fixed), and so does failing
 * to connect at all. A socket lost or timed out later may have been lost after the relay took it.
 */
function notTaken(err: SmtpError): boolean {
  return (
    err.responseCode !== undefined ||
    err.syscall === 'connect' ||
    ['EDNS', 'ETLS', 'EAUTH'].includes(err.code ?? '') ||
    ['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT'].includes(err.timeoutType ?? '')
  );
}

/** Deterministic per key; the domain is the sender's, as RFC 5322 suggests. */
export function messageIdFor(key: string, mailFrom: string): string {
  const domain = /@([^\s@<>"]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'deep-dive.invalid';
  return `<${emailIdOf(key)}@${domain}>`;
}

function isAddress(to: string): boolean {
  return /^[^\s@<>",;]+@[^\s@<>",;]+$/.test(to);
}

/** What identifies a child of the audit's cohort, for the renderer to keep out of labels. */
async function cohortIdentifiers(db: Db, auditId: string): Promise<string[]> {
  const cases = await db.case.findMany({
    where: { auditId },
    select: { caseRef: true, childName: true, childLocalId: true },
  });
  return cases.flatMap((c) => [c.caseRef, c.childName, c.childLocalId]).filter((v): v is string => !!v);
}

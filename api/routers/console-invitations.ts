// The console's invitations: /audits/:id/invitations (every audit tool of the audit) and
// /audits/:id/invitations/:invitationId (one tool's forms). Each change is a thin adapter over the command
// its JSON route runs (api/commands/invitations.ts): the same schema, workflow update and trail entry. A
// refusal comes back as the page with the error summary and what was typed; a change redirects (303) to
// the list with what was done.
import { type Request, type Response, Router } from 'express';
import type { Role } from '../../infra/config';
import { findAudit } from '../commands/deps';
import {
  extendDeadline,
  type NoticeDeps,
  recordNoInvolvement,
  reissueLink,
  reopenInvitation,
  type ToolRef,
} from '../commands/invitations';
import { HttpError } from '../errors';
import type { Errors } from '../views/components';
import { formFields } from '../views/forms';
import {
  type DateParts,
  DONE,
  type InvitationRow,
  invitationPage,
  invitationsPage,
  type InvitationsForm,
} from '../views/invitations';
import { partnershipConfig, sendPage } from '../views/layout';
import { requireStaff } from './console';

const READERS: Role[] = ['business_unit', 'manager', 'lis'];

/** Every audit tool of the audit, in case then agency order, with the reminders and chasers sent about it. */
async function invitationRows(db: NoticeDeps['db'], auditId: string): Promise<InvitationRow[]> {
  const [invitations, emails] = await Promise.all([
    db.invitation.findMany({
      where: { auditId },
      orderBy: [{ case: { drawOrder: 'asc' } }, { agency: { name: 'asc' } }],
      select: {
        id: true,
        status: true,
        dueAt: true,
        emailTo: true,
        reopenedAt: true,
        case: { select: { caseRef: true } },
        agency: { select: { name: true, contactEmail: true } },
        submission: { select: { submittedAt: true, late: true } },
      },
    }),
    // Outbox keys name the purpose and the invitation: audit-<id>/submission_reminder/invitationId=<id>/…
    db.emailOutbox.findMany({
      where: { auditId, status: 'sent', key: { contains: '/submission_' } },
      select: { key: true },
    }),
  ]);
  const sent = (invitationId: string, purpose: string) =>
    emails.filter((e) => e.key.includes(`/${purpose}/invitationId=${invitationId}/`)).length;
  return invitations.map((i) => ({
    id: i.id,
    caseRef: i.case.caseRef,
    agencyName: i.agency.name,
    status: i.status,
    dueAt: i.dueAt,
    submittedAt: i.submission?.submittedAt ?? null,
    late: i.submission?.late ?? false,
    reminders: sent(i.id, 'submission_reminder'),
    chasers: sent(i.id, 'submission_chaser'),
    sentTo: i.emailTo ?? i.agency.contactEmail,
    reopenedAt: i.reopenedAt,
  }));
}

/** The day typed into govukDateInput, due at 5pm in the partnership's time zone; or what is wrong with it. */
function deadlineFrom(parts: DateParts): { dueAt: string } | { errors: Errors } {
  const [day, month, year] = [parts.day, parts.month, parts.year].map((v) => Number(v.trim()));
  const noon = new Date(Date.UTC(year!, month! - 1, day, 12));
  const real =
    [day, month, year].every((n) => Number.isInteger(n)) &&
    year! >= 2000 &&
    year! <= 2100 &&
    noon.getUTCDate() === day &&
    noon.getUTCMonth() === month! - 1;
  if (!real) return { errors: [{ id: 'dueAt-day', text: 'Enter the new deadline as a real date, like 27 3 2027' }] };
  return { dueAt: fivePm(noon).toISOString() };
}

/** 5pm on the day of `noon` in the partnership's time zone (whatever its offset from UTC that day). */
function fivePm(noon: Date): Date {
  const zone = partnershipConfig().timeZone;
  const hourThere = Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(noon),
  );
  return new Date(noon.getTime() + (17 - hourThere) * 60 * 60 * 1000);
}

/** What to do about a field the command's schema refused, in the design system's words. */
const INVALID: Record<string, string> = {
  contactEmail: 'Enter an email address in the correct format, like name@agency.example',
  reason: 'Enter the reason for reopening, up to 2000 characters',
};

/**
 * The command's refusal (a 4xx other than 404), as the page's error summary linked to `field`: what to do
 * about the field when the schema refused it, else the command's own words (a wrong stage, say).
 */
function refusal(err: unknown, field: string): Errors {
  if (!(err instanceof HttpError) || err.status >= 500 || err.status === 404) throw err;
  const invalid = err.code === 'validation_failed' ? INVALID[field] : undefined;
  return [{ id: field, text: invalid ?? err.message }];
}

export function consoleInvitationsRouter(deps: NoticeDeps): Router {
  const router = Router();
  const { db } = deps;
  const auditIdOf = (req: Request) => String(req.params.id);
  const toolOf = (req: Request): ToolRef => ({
    auditId: auditIdOf(req),
    invitationId: String(req.params.invitationId),
  });
  const posted = (req: Request) =>
    formFields(req.body, [
      'action',
      'invitationId',
      'contactEmail',
      'reason',
      'dueAt-day',
      'dueAt-month',
      'dueAt-year',
    ]);
  const datePosted = (fields: ReturnType<typeof posted>): DateParts => ({
    day: fields['dueAt-day'] ?? '',
    month: fields['dueAt-month'] ?? '',
    year: fields['dueAt-year'] ?? '',
  });
  const doneOf = (req: Request) =>
    typeof req.query.done === 'string' && req.query.done in DONE ? req.query.done : undefined;

  async function showList(req: Request, res: Response, status: number, form?: InvitationsForm) {
    const audit = await findAudit(db, auditIdOf(req));
    const invitations = await invitationRows(db, audit.id);
    sendPage(res, status, invitationsPage({ staff: req.staff!, audit, invitations, done: doneOf(req), form }));
  }

  async function showOne(req: Request, res: Response, status: number, form?: InvitationsForm) {
    const audit = await findAudit(db, auditIdOf(req));
    const invitation = (await invitationRows(db, audit.id)).find((i) => i.id === req.params.invitationId);
    if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation in this audit.');
    sendPage(
      res,
      status,
      invitationPage({ staff: req.staff!, audit, invitations: [], invitation, done: doneOf(req), form }),
    );
  }

  router.get('/audits/:id/invitations', requireStaff(...READERS), async (req, res) => {
    await showList(req, res, 200);
  });

  router.post('/audits/:id/invitations', requireStaff('business_unit'), async (req, res) => {
    const fields = posted(req);
    const actor = req.principal!;
    const auditId = auditIdOf(req);
    const { action } = fields;
    const dueAt = datePosted(fields);
    const tool = { auditId, invitationId: fields.invitationId ?? '' };
    // A refusal of "Extend all deadlines" points at its date; of a row's button, at the table.
    let field = 'invitations';
    let command: () => Promise<unknown>;
    if (action === 'extend-all') {
      const deadline = deadlineFrom(dueAt);
      if ('errors' in deadline) return showList(req, res, 400, { dueAt, errors: deadline.errors });
      field = 'dueAt-day';
      command = () => extendDeadline(deps, actor, auditId, deadline);
    } else if (action === 'reissue') {
      command = () => reissueLink(deps, actor, tool, {});
    } else if (action === 'no-involvement') {
      command = () => recordNoInvolvement(deps, actor, auditId, tool.invitationId);
    } else {
      throw new HttpError(400, 'validation_failed', 'Choose what to do: extend-all, no-involvement or reissue.');
    }
    try {
      await command();
    } catch (err) {
      return showList(req, res, (err as HttpError).status, { dueAt, errors: refusal(err, field) });
    }
    res.redirect(303, `/audits/${encodeURIComponent(auditId)}/invitations?done=${action}`);
  });

  router.get('/audits/:id/invitations/:invitationId', requireStaff(...READERS), async (req, res) => {
    await showOne(req, res, 200);
  });

  router.post('/audits/:id/invitations/:invitationId', requireStaff('business_unit'), async (req, res) => {
    const fields = posted(req);
    const actor = req.principal!;
    const tool = toolOf(req);
    const { action } = fields;
    const dueAt = datePosted(fields);
    const kept = { dueAt, contactEmail: fields.contactEmail ?? '', reason: fields.reason ?? '' };
    // Each form's refusal points at its own field.
    let field: string;
    let command: () => Promise<unknown>;
    if (action === 'extend') {
      const deadline = deadlineFrom(dueAt);
      if ('errors' in deadline) return showOne(req, res, 400, { ...kept, errors: deadline.errors });
      field = 'dueAt-day';
      command = () => extendDeadline(deps, actor, tool.auditId, { ...deadline, invitationId: tool.invitationId });
    } else if (action === 'contact') {
      field = 'contactEmail';
      command = () => reissueLink(deps, actor, tool, { contactEmail: kept.contactEmail.trim() });
    } else if (action === 'reopen') {
      field = 'reason';
      command = () => reopenInvitation(deps, actor, tool, { reason: kept.reason });
    } else {
      throw new HttpError(400, 'validation_failed', 'Choose what to do: extend, contact or reopen.');
    }
    try {
      await command();
    } catch (err) {
      return showOne(req, res, (err as HttpError).status, { ...kept, errors: refusal(err, field) });
    }
    res.redirect(303, `/audits/${encodeURIComponent(tool.auditId)}/invitations?done=${action}`);
  });

  return router;
}

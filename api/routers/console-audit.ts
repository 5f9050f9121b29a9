// The console's pages of one audit: where it stands (/audits/:id), "Raise a concern", "Cancel this audit"
// and its trail. Thin adapters over the commands the JSON API uses (api/commands/), so the same schema,
// workflow update and trail entry; a refusal is shown on the page with what was typed. And the old
// /dashboard, which now is the audits list.
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { STAGES, type Stage, TERMINAL_STAGES } from '../../domain/stages';
import { auditState, cancelAudit } from '../commands/audits';
import { raiseConcern } from '../commands/concerns';
import { findAudit } from '../commands/deps';
import { type EmailDeps, sendEmailAgain } from '../commands/emails';
import { HttpError, parse } from '../errors';
import {
  auditPage,
  CANCEL_ERRORS,
  cancelPage,
  CONCERN_ERRORS,
  type ConcernForm,
  formErrors,
  sendAgainButtonId,
  TRAIL_PAGE_SIZE,
  trailPage,
} from '../views/audit';
import type { Errors } from '../views/components';
import { formFields } from '../views/forms';
import { sendPage } from '../views/layout';
import { requireStaff } from './console';
import { sendWithLinks } from './console-links';

const auditId = (req: Request) => String(req.params.id);

/** Refusals a form shows on its page, with what was typed: anything else is the error page's. */
const SHOWN_ON_FORM = new Set([400, 409, 422]);

/** The refusal as the form's error summary, or rethrown. */
function refusalErrors(err: unknown, messages: Record<string, string>, fallbackId: string): Errors {
  if (!(err instanceof HttpError) || !SHOWN_ON_FORM.has(err.status)) throw err;
  const issues = Array.isArray(err.details) ? (err.details as { path: PropertyKey[] }[]) : undefined;
  return formErrors(issues, messages, { id: fallbackId, text: err.message });
}

const doneQuery = z.object({ done: z.enum(['concern', 'cancelled', 'sent-again']).optional() });
const trailQuery = z.object({ page: z.coerce.number().int().min(1).max(1_000_000).default(1) });

export function consoleAuditRouter(deps: EmailDeps): Router {
  const { db } = deps;
  const router = Router();
  const everyone = requireStaff('business_unit', 'manager', 'lis');
  const businessUnit = requireStaff('business_unit');

  // The dashboard became the audits list: its address, and any page that was under it, leads there.
  // (The route is the documented operation; the middleware takes the pages below it.)
  const toAudits = (res: Response) => res.redirect(303, '/audits');
  router.get('/dashboard', (_req, res) => toAudits(res));
  router.use('/dashboard', (req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD' ? toAudits(res) : next(),
  );

  // An ID that is not a UUID names no audit (a 404, as findAudit answers); /audits/new is another page's.
  router.param('id', (_req, _res, next, id: string) => {
    if (id === 'new') return next('route');
    next(z.uuid().safeParse(id).success ? undefined : new HttpError(404, 'not_found', 'No such audit.'));
  });

  /** The audit page, drawn from the same reads as GET /api/audits/:id, with names and dates for people. */
  async function showAudit(
    req: Request,
    res: Response,
    status: number,
    refused?: { concern: ConcernForm } | { email: Errors },
  ): Promise<void> {
    const audit = await auditState(deps, auditId(req));
    const [agencies, entered, acknowledged] = await Promise.all([
      db.agency.findMany({ select: { id: true, name: true } }),
      db.auditTrailEntry.findMany({
        where: { auditId: audit.id, action: 'stage.entered' },
        orderBy: { at: 'asc' },
        select: { at: true, details: true },
      }),
      db.escalation.findMany({
        where: { auditId: audit.id, acknowledgedAt: { not: null } },
        select: { id: true, acknowledgedBy: true },
      }),
    ]);
    const { done } = status === 200 ? parse(doneQuery, req.query) : { done: undefined };
    await sendWithLinks(
      db,
      req,
      res,
      status,
      auditPage({
        staff: req.staff!,
        audit,
        agencies: Object.fromEntries(agencies.map((a) => [a.id, a.name])),
        stagesEntered: entered.flatMap(({ at, details }) => {
          const stage = (details as { stage?: string } | null)?.stage;
          return STAGES.includes(stage as Stage) ? [{ stage: stage as Stage, at }] : [];
        }),
        acknowledgers: Object.fromEntries(acknowledged.map((e) => [e.id, e.acknowledgedBy])),
        ...refused,
        done,
      }),
      { kind: 'acknowledge', auditId: audit.id },
    );
  }

  router.get('/audits/:id', everyone, async (req, res) => {
    await showAudit(req, res, 200);
  });

  // The concern's words never reach a log: they are passed to the command and, after a refusal, shown back.
  router.post('/audits/:id/concerns', businessUnit, async (req, res) => {
    const form = {
      caseRef: '',
      agencyId: '',
      description: '',
      ...formFields(req.body, ['caseRef', 'agencyId', 'description']),
    };
    const input = {
      agencyId: form.agencyId,
      description: form.description,
      ...(form.caseRef ? { caseRef: form.caseRef } : {}),
    };
    try {
      await raiseConcern(deps, req.principal!, auditId(req), input);
    } catch (err) {
      const errors = refusalErrors(err, CONCERN_ERRORS, 'description');
      await showAudit(req, res, (err as HttpError).status, { concern: { ...form, errors } });
      return;
    }
    res.redirect(303, `/audits/${auditId(req)}?done=concern`);
  });

  // "Send again" beside a failed or unconfirmed email; a refusal is the page's error summary, at its button.
  router.post('/audits/:id/emails/:emailId/send-again', businessUnit, async (req, res) => {
    const emailId = String(req.params.emailId);
    try {
      await sendEmailAgain(deps, req.principal!, auditId(req), emailId);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 409) throw err;
      await showAudit(req, res, err.status, { email: [{ id: sendAgainButtonId(emailId), text: err.message }] });
      return;
    }
    res.redirect(303, `/audits/${auditId(req)}?done=sent-again`);
  });

  router.get('/audits/:id/cancel', businessUnit, async (req, res) => {
    const audit = await findAudit(db, auditId(req));
    if (TERMINAL_STAGES.includes(audit.stage)) {
      throw new HttpError(409, 'wrong_stage', 'This audit has already ended: it cannot be cancelled.');
    }
    sendPage(res, 200, cancelPage(req.staff!, audit));
  });

  router.post('/audits/:id/cancel', businessUnit, async (req, res) => {
    const audit = await findAudit(db, auditId(req));
    const form = { reason: '', ...formFields(req.body, ['reason']) };
    try {
      await cancelAudit(deps, req.principal!, audit.id, form);
    } catch (err) {
      const errors = refusalErrors(err, CANCEL_ERRORS, 'reason');
      sendPage(res, (err as HttpError).status, cancelPage(req.staff!, audit, { ...form, errors }));
      return;
    }
    res.redirect(303, `/audits/${audit.id}?done=cancelled`);
  });

  router.get('/audits/:id/trail', everyone, async (req, res) => {
    const audit = await findAudit(db, auditId(req));
    const { page } = parse(trailQuery, req.query);
    const [total, entries] = await Promise.all([
      db.auditTrailEntry.count({ where: { auditId: audit.id } }),
      db.auditTrailEntry.findMany({
        where: { auditId: audit.id },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        skip: (page - 1) * TRAIL_PAGE_SIZE,
        take: TRAIL_PAGE_SIZE,
        select: { at: true, actor: true, actorName: true, actorRole: true, action: true, details: true },
      }),
    ]);
    if (!entries.length && page > 1) throw new HttpError(404, 'not_found', 'The trail has no such page.');
    sendPage(res, 200, trailPage(req.staff!, audit, entries, { number: page, total }));
  });

  return router;
}

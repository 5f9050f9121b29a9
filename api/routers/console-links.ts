// "Send the link again" from the console for the collated pack (per agency, on /audits/:id/discussion), a
// practitioner's approval (on /audits/:id/report), an action's progress request (on the actions lists) and an
// escalation's acknowledgement (on /audits/:id): business unit only, each a thin adapter over the command its
// JSON route runs (api/commands/link-reissue.ts). Done: back to the page with a banner. Refused: the page the
// button was on, drawn again by its own route, with the refusal in its error summary at that row's button.
import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../infra/db';
import type { NoticeDeps } from '../commands/invitations';
import {
  reissueAcknowledgementLink,
  reissueApprovalLink,
  reissuePackLink,
  reissueProgressLink,
} from '../commands/link-reissue';
import { agencyNames } from '../console-reads';
import { HttpError, parse } from '../errors';
import type { Errors } from '../views/components';
import { actionsListPath } from '../views/console-actions';
import { type LinkButton, linkButtonId, type LinksModel, withLinks } from '../views/console-links';
import { formatDateTime, type LayoutModel, type Page, sendPage } from '../views/layout';
import { requireStaff } from './console';
import { PACK_READ_AFTER_DISCUSSION_MS } from './pack';

/** Which page's links: an audit's pack, approval or acknowledgement links, or the progress links of listed actions. */
export type LinksOn =
  | { kind: 'pack' | 'approve' | 'acknowledge'; auditId: string }
  | { kind: 'progress'; actionIds: string[]; from: string; page: number };

const HEADINGS: Record<LinksOn['kind'], string> = {
  pack: 'Collated pack links',
  approve: 'Approval links',
  acknowledge: 'Acknowledgement links',
  progress: 'Progress links',
};

interface Refusal {
  status: number;
  errors: Errors;
}

const ACTION_KINDS: Record<string, string> = { urgent_action: 'Urgent action', recommendation: 'Recommendation' };

/** The rows whose link the command would send again now, each as its button. */
async function buttonsOn(db: Db, on: LinksOn): Promise<LinkButton[]> {
  const button = (row: string, href: string, what: string) => ({ id: linkButtonId(row), row, href, what });
  if (on.kind === 'progress') {
    const actions = await db.action.findMany({
      where: { id: { in: on.actionIds }, status: 'open', progress: { some: {} }, audit: { purgedAt: null } },
      orderBy: [{ auditId: 'asc' }, { number: 'asc' }],
      select: { id: true, kind: true, number: true, audit: { select: { focus: true } } },
    });
    const fields = { from: on.from, page: String(on.page) };
    return actions.map((a) => ({
      ...button(a.id, `/actions/${a.id}/reissue`, `${ACTION_KINDS[a.kind] ?? a.kind} ${a.number}, ${a.audit.focus}`),
      fields,
    }));
  }
  const audit = await db.audit.findUnique({
    where: { id: on.auditId },
    select: { stage: true, purgedAt: true, discussionAt: true },
  });
  // The commands send none of these links again once the children's records are deleted.
  if (!audit || audit.purgedAt) return [];
  const base = `/audits/${on.auditId}`;
  if (on.kind === 'acknowledge') {
    // An escalation outlives a cancelled audit: its link can still go again.
    const escalations = await db.escalation.findMany({
      where: { auditId: on.auditId, status: 'open', acknowledgedAt: null },
      orderBy: { raisedAt: 'asc' },
      select: { id: true, agencyId: true, raisedAt: true },
    });
    const names = await agencyNames(db);
    return escalations.map((e) =>
      button(
        e.id,
        `${base}/escalations/${e.id}/reissue`,
        `escalation to ${names[e.agencyId] ?? e.agencyId}, raised ${formatDateTime(e.raisedAt)}`,
      ),
    );
  }
  if (audit.stage === 'cancelled') return [];
  const names = await agencyNames(db);
  if (on.kind === 'pack') {
    // Its task is over a week after the discussion (api/routers/pack.ts): a new link would not open it.
    const readUntil = audit.discussionAt && audit.discussionAt.getTime() + PACK_READ_AFTER_DISCUSSION_MS;
    if (readUntil && Date.now() > readUntil) return [];
    const links = await db.packLink.findMany({ where: { auditId: on.auditId }, select: { agencyId: true } });
    return links
      .map((l) =>
        button(l.agencyId, `${base}/pack/${l.agencyId}/reissue`, `pack for ${names[l.agencyId] ?? l.agencyId}`),
      )
      .sort((a, b) => a.what.localeCompare(b.what));
  }
  const approvals = await db.approval.findMany({
    where: { reportVersion: { auditId: on.auditId }, decidedAt: null, supersededAt: null },
    orderBy: { createdAt: 'asc' },
    select: { id: true, agencyId: true, reportVersion: { select: { version: true } } },
  });
  return approvals.map((a) =>
    button(
      a.id,
      `${base}/approvals/${a.id}/reissue`,
      `approval of version ${a.reportVersion.version} by ${names[a.agencyId] ?? a.agencyId}`,
    ),
  );
}

/**
 * Sends a console page with its "Send the link again" buttons (the business unit's only), the banner after
 * one, and the refusal of one when this request was sent back here by the button's route.
 */
export async function sendWithLinks<M extends LayoutModel>(
  db: Db,
  req: Request,
  res: Response,
  status: number,
  page: Page<M>,
  on: LinksOn,
): Promise<void> {
  const refused = res.locals.linkRefusal as Refusal | undefined;
  const buttons = req.staff?.role === 'business_unit' ? await buttonsOn(db, on) : [];
  const links: LinksModel = {
    heading: HEADINGS[on.kind],
    buttons,
    csrf: req.staff?.csrf ?? '',
    byRow: Object.fromEntries(buttons.map((b) => [b.row, b])),
    sent: !refused && req.query.linkSent === '1',
  };
  sendPage(res, refused?.status ?? status, withLinks(page, links, refused?.errors));
}

const listForm = z.object({
  from: z.union([z.literal('all'), z.uuid()]),
  page: z.coerce.number().int().min(1).max(1_000_000),
});

export function consoleLinksRouter(deps: NoticeDeps): Router {
  const router = Router();
  const businessUnit = requireStaff('business_unit');
  const param = (req: Request, name: string) => String(req.params[name]);

  /**
   * Runs the command; then back to `page` with the banner, or, refused, `page` drawn again by its own GET
   * route (mounted after this router) with the refusal at the row's button.
   */
  async function reissueFrom(
    req: Request,
    res: Response,
    next: NextFunction,
    page: string,
    rowId: string,
    command: () => Promise<unknown>,
  ) {
    try {
      await command();
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 409) throw err;
      const refusal: Refusal = { status: err.status, errors: [{ id: linkButtonId(rowId), text: err.message }] };
      res.locals.linkRefusal = refusal;
      req.method = 'GET';
      req.url = page;
      return next();
    }
    res.redirect(303, `${page}${page.includes('?') ? '&' : '?'}linkSent=1`);
  }

  router.post('/audits/:id/pack/:agencyId/reissue', businessUnit, async (req, res, next) => {
    const [auditId, agencyId] = [param(req, 'id'), param(req, 'agencyId')];
    await reissueFrom(req, res, next, `/audits/${auditId}/discussion`, agencyId, () =>
      reissuePackLink(deps, req.principal!, auditId, agencyId),
    );
  });

  router.post('/audits/:id/approvals/:approvalId/reissue', businessUnit, async (req, res, next) => {
    const [auditId, approvalId] = [param(req, 'id'), param(req, 'approvalId')];
    await reissueFrom(req, res, next, `/audits/${auditId}/report`, approvalId, () =>
      reissueApprovalLink(deps, req.principal!, auditId, approvalId),
    );
  });

  router.post('/audits/:id/escalations/:escalationId/reissue', businessUnit, async (req, res, next) => {
    const [auditId, escalationId] = [param(req, 'id'), param(req, 'escalationId')];
    await reissueFrom(req, res, next, `/audits/${auditId}`, escalationId, () =>
      reissueAcknowledgementLink(deps, req.principal!, auditId, escalationId),
    );
  });

  // From /actions or one audit's list: `from` and `page` say which, as "Close action" does.
  router.post('/actions/:actionId/reissue', businessUnit, async (req, res, next) => {
    const { from, page } = parse(listForm, req.body);
    const actionId = param(req, 'actionId');
    await reissueFrom(req, res, next, actionsListPath(from === 'all' ? undefined : from, page), actionId, () =>
      reissueProgressLink(deps, req.principal!, actionId),
    );
  });

  return router;
}

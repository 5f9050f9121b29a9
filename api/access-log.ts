// Who saw a child's identifiers: every view of a page that shows them (the audit tool behind an emailed
// link, the collated pack, the console's cohort page) is one row, which the business unit reads
// (GET /api/audits/:id/access-log). The path is the route with its IDs, never a link's secret token.
import type { RequestHandler } from 'express';
import type { Db } from '../infra/db';
import { tokenHash } from '../infra/links';
import type { Logger } from '../infra/logger';
import { type Principal, trailActor } from './auth';

export type IdentifyingPage = 'audit tool' | 'collated pack' | 'cohort';

export async function recordView(
  db: Db,
  view: { auditId: string; page: IdentifyingPage; path: string; by: Principal | { actor: string } },
): Promise<void> {
  const who = 'role' in view.by ? trailActor(view.by) : { actor: view.by.actor };
  await db.accessLogEntry.create({ data: { auditId: view.auditId, page: view.page, path: view.path, ...who } });
}

export async function accessLog(db: Db, auditId: string) {
  const rows = await db.accessLogEntry.findMany({ where: { auditId }, orderBy: { at: 'asc' } });
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    actorName: r.actorName,
    actorRole: r.actorRole,
    page: r.page,
    path: r.path,
  }));
}

/**
 * For the emailed-link pages that show a child's identifiers (GET /respond/:token, /pack/:token and its
 * PDF): once the page has been sent (200), its view is logged against the link it was opened with.
 */
export function logLinkViews(db: Db, log: Logger): RequestHandler {
  return (req, res, next) => {
    // Mounted at /respond and /pack: the token is the path's first segment.
    const token = req.path.split('/')[1];
    if (req.method !== 'GET' || !token) return next();
    res.on('finish', () => {
      if (res.statusCode !== 200) return;
      const hash = tokenHash(token);
      const pack = req.baseUrl === '/pack';
      const found = pack
        ? db.packLink.findUnique({ where: { tokenHash: hash }, select: { id: true, auditId: true } })
        : db.invitation.findFirst({ where: { tokenHash: hash }, select: { id: true, auditId: true } });
      found
        .then((link) => {
          if (!link) return;
          const kind = pack ? 'pack' : 'respond';
          const path = `/${kind}/${kind === 'pack' ? 'link' : 'invitation'}:${link.id}${req.path.endsWith('/pdf') ? '/pdf' : ''}`;
          return recordView(db, {
            auditId: link.auditId,
            page: pack ? 'collated pack' : 'audit tool',
            path,
            by: { actor: `link:${kind}:${link.id}` },
          });
        })
        .catch((err: unknown) => log.error({ err }, 'a view of identifying data could not be logged'));
    });
    next();
  };
}

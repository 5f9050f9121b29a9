// The public 7 Point Briefing: /briefings/:slug, published on the LIS's approval. Made from the
// anonymised summary report only, so it is open to anyone; a browser (or any client that does not ask
// for JSON first) gets the printable page, a client asking for JSON gets the seven points.
import { Router } from 'express';
import type { SevenPointBriefing } from '../../domain/briefing';
import type { Db } from '../../infra/db';
import { HttpError } from '../errors';
import { briefingPage, type BriefingView } from '../views/briefing';
import { sendPage } from '../views/layout';

export async function viewBriefing(db: Db, slug: string): Promise<BriefingView> {
  const row = await db.briefing.findUnique({
    where: { slug },
    select: { slug: true, content: true, publishedAt: true },
  });
  if (!row) throw new HttpError(404, 'not_found', 'There is no published briefing at this address.');
  return {
    slug: row.slug,
    publishedAt: row.publishedAt.toISOString(),
    briefing: row.content as unknown as SevenPointBriefing,
  };
}

export function briefingsRouter({ db }: { db: Db }): Router {
  const router = Router();
  router.get('/:slug', async (req, res) => {
    const view = await viewBriefing(db, req.params.slug);
    if (req.accepts(['html', 'json']) === 'json') res.json(view);
    else sendPage(res, 200, briefingPage(view));
  });
  return router;
}

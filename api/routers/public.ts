// The public pages anyone may read: `/`, `/accessibility`, `/privacy`. Pages only, whatever is asked for.
import { Router } from 'express';
import { sendPage } from '../views/layout';
import { accessibilityPage, privacyPage, startPage } from '../views/public';

/** `retentionMonths`: the operator's RETENTION_MONTHS, which the privacy notice states. */
export function publicPagesRouter(retentionMonths?: number): Router {
  const router = Router();
  router.get('/', (_req, res) => sendPage(res, 200, startPage()));
  router.get('/accessibility', (_req, res) => sendPage(res, 200, accessibilityPage()));
  router.get('/privacy', (_req, res) => sendPage(res, 200, privacyPage(retentionMonths)));
  return router;
}

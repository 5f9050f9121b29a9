// The public pages anyone may read: `/`, `/accessibility`, `/privacy`. Pages only, whatever is asked for.
import { Router } from 'express';
import { sendPage } from '../views/layout';
import { accessibilityPage, privacyPage, startPage } from '../views/public';

export function publicPagesRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => sendPage(res, 200, startPage()));
  router.get('/accessibility', (_req, res) => sendPage(res, 200, accessibilityPage()));
  router.get('/privacy', (_req, res) => sendPage(res, 200, privacyPage()));
  return router;
}

// The two routes of an emailed link that carries one form (/approve, /progress, /acknowledge): GET shows
// what is behind the link, POST takes the answer; JSON for programs, a page for a browser. A posted form
// is checked by the JSON body's schema: a bad one comes back with its errors (unless the link has been
// answered, when the submit refuses it as it would JSON), a good one redirects to the page, saved.
// api/app.ts sends these paths uncached and rate-limited.
import { Router } from 'express';
import type { z } from 'zod';
import { csrfToken, isFormPost, linkFormCsrf } from '../security';
import type { Errors } from '../views/components';
import type { FormPageOptions } from '../views/forms';
import { linkPath, type Page, sendPage, wantsHtml } from '../views/layout';

export interface LinkForm<View, Posted> {
  /** What the link holder sees; throws the link's refusal (404, 410). */
  view(token: string): Promise<View>;
  /** The answer has been given: the page shows it instead of the form. */
  answered(view: View): boolean;
  /** Stores the answer, then tells the workflow; resolves with the JSON reply. */
  submit(token: string, input: unknown): Promise<unknown>;
  schema: z.ZodType;
  fromForm(form: unknown): Posted;
  errors(issues: readonly z.core.$ZodIssue[]): Errors;
  page(view: View, opts: FormPageOptions<Posted>): Page;
}

export function linkFormRouter<View, Posted>(linkSecret: string, form: LinkForm<View, Posted>): Router {
  const router = Router();

  router.get('/:token', async (req, res) => {
    const view = await form.view(req.params.token);
    if (!wantsHtml(req)) {
      res.json(view);
      return;
    }
    const csrf = csrfToken(linkSecret, req.params.token);
    sendPage(res, 200, form.page(view, { csrf, action: linkPath(req), saved: req.query.saved === '1' }));
  });

  router.post('/:token', linkFormCsrf(linkSecret), async (req, res) => {
    if (!isFormPost(req)) {
      res.json(await form.submit(req.params.token, req.body));
      return;
    }
    const view = await form.view(req.params.token);
    const posted = form.fromForm(req.body);
    const checked = form.schema.safeParse(posted);
    if (!checked.success && !form.answered(view)) {
      const csrf = csrfToken(linkSecret, req.params.token);
      const errors = form.errors(checked.error.issues);
      sendPage(res, 400, form.page(view, { csrf, action: linkPath(req), errors, posted }));
      return;
    }
    await form.submit(req.params.token, posted);
    res.redirect(303, `${linkPath(req)}?saved=1`);
  });

  return router;
}

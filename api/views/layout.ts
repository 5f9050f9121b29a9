// The one way a page is drawn: a Nunjucks template of api/views/templates that extends `layout.njk`
// (govuk-frontend's own page template, with the partnership's service navigation and footer), rendered
// with a typed view model. A router answers a page with `sendPage(res, status, page)`, where `page` is
// what a view's function returns: `{ template, model }`.
//
//   // api/views/audits.ts
//   export interface AuditsModel extends LayoutModel { audits: { id: string; focus: string }[] }
//   export const auditsPage = (audits: AuditsModel['audits'], staff: Staff): Page<AuditsModel> =>
//     ({ template: 'audits.njk', model: { title: 'Audits', staff, audits } });
//   // api/views/templates/audits.njk
//   {% extends "layout.njk" %}
//   {% block pageContent %}<h1 class="govuk-heading-l">{{ title }}</h1>…{% endblock %}
//   // the router
//   sendPage(res, 200, auditsPage(await listAudits(db), staffOf(req)));
import type { Request, Response } from 'express';
import { type EmailConfig, loadEmailConfig } from '../../emails/config';
import { ASSET_PATH } from '../static';
import type { Errors } from './components';
import { environment, htmlText } from './nunjucks';

let partnership: EmailConfig | undefined;
/** Read once, like the emails: the name pages are branded with and the address to ask. */
export const partnershipConfig = (): EmailConfig => (partnership ??= loadEmailConfig());

/** What `layout.njk` draws around every page. */
export interface LayoutModel {
  /** The page's subject: the <title> ("Error: " first when there are errors); pages use it as their <h1>. */
  title: string;
  /** Problems with what was posted: the error summary at the top, each linked to its field by id. */
  errors?: Errors;
  /** Public pages (start, briefing, accessibility, privacy) may be indexed; the rest never. */
  index?: boolean;
  /** The signed-in person: their name, and a "Sign out" button posting to /sign-out with `csrf` as `_csrf`. */
  staff?: { name: string; csrf?: string };
  /** The service navigation's links (a console's sections), `current` for the one shown. */
  navigation?: { href: string; text: string; current?: boolean }[];
  /** A phase banner above the content: its tag ("Beta") and text (which may link to feedback). */
  phase?: { tag: string; text: string };
  /** A "Back" link above the content. */
  backLink?: { href: string; text?: string };
}

/** A page to send: its template (a file of api/views/templates) and the model it is drawn with. */
export interface Page<M extends LayoutModel = LayoutModel> {
  template: string;
  model: M;
}

/** The page as HTML. Every string of the model is fit for HTML first; the template escapes it. */
export function renderPage({ template, model }: Page): string {
  const { partnershipName, contactEmail } = partnershipConfig();
  return environment.render(template, {
    ...htmlText(model),
    errorList: model.errors?.map((e) => ({ text: htmlText(e.text), href: `#${e.id}` })) ?? [],
    partnership: { name: partnershipName, contactEmail },
    assets: ASSET_PATH,
  });
}

/** The rendering entry point for routers: the page, with its status, as text/html. */
export function sendPage(res: Response, status: number, page: Page): void {
  res.status(status).type('html').send(renderPage(page));
}

/** Routes for programs: they answer JSON (refusals too) whatever the client accepts. */
export const JSON_ONLY = /^\/(api\/|metrics|healthz|dev\/mail\/messages)/;

/** A page unless the client asks for JSON: `Accept: *\/*` (curl, fetch) or none gets the page. */
export const wantsHtml = (req: Request): boolean => req.accepts(['html', 'json']) === 'html';

const zone = () => partnershipConfig().timeZone;

/** "25 November 2026 at 14:30", in the partnership's time zone. */
export function formatDateTime(iso: string | Date | null | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: zone() }).format(
    new Date(iso),
  );
}

/** "25 November 2026"; a calendar date (a date of birth) is read as written, whatever the zone. */
export function formatDate(iso: string | Date | null | undefined, calendar = false): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: calendar ? 'UTC' : zone() }).format(
    new Date(iso),
  );
}

/** The link page's own address (without any query), where its form posts and a post redirects to. */
export const linkPath = (req: Request): string => `${req.baseUrl}/${encodeURIComponent(String(req.params.token))}`;

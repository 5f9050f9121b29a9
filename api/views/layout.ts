// One layout for every page: the partnership's name, a skip link, one <main>, plain readable styles that
// print well. No JavaScript anywhere; the stylesheet is inline and allowed by its hash in the CSP
// (api/security.ts), so no other inline style or script can run.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { type EmailConfig, loadEmailConfig } from '../../emails/config';
import { html, SafeHtml } from './html';

let partnership: EmailConfig | undefined;
/** Read once, like the emails: the name pages are branded with and the address to ask. */
export const partnershipConfig = (): EmailConfig => (partnership ??= loadEmailConfig());

const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:Arial,Helvetica,sans-serif;font-size:100%;line-height:1.4;color:#0b0c0c;background:#fff}
body{margin:0}
a{color:#1d70b8}a:visited{color:#4c2c92}a:hover{color:#003078}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;padding:0;overflow:hidden;clip:rect(0 0 0 0);border:0;white-space:nowrap}
.skip-link{position:absolute;left:-9999px;top:0;background:#fd0;color:#0b0c0c;padding:8px 12px}
.skip-link:focus{left:8px}
header.site{background:#0b0c0c;color:#fff;padding:12px 0;border-bottom:8px solid #1d70b8}
header.site .name{font-weight:700;font-size:1.25rem}
header.site .service{display:block;font-size:1rem}
.width{max-width:960px;margin:0 auto;padding:0 16px}
main{display:block;padding:24px 0 48px}
footer.site{border-top:1px solid #b1b4b6;padding:16px 0;font-size:.9rem;color:#505a5f}
h1{font-size:2rem;margin:0 0 24px;line-height:1.15}
h2{font-size:1.5rem;margin:32px 0 12px}
h3{font-size:1.2rem;margin:20px 0 8px}
p,ul,ol,dl{margin:0 0 16px}
.caption{display:block;color:#505a5f;font-size:1.1rem;margin-bottom:4px}
.lead{font-size:1.2rem}
.hint{display:block;color:#505a5f;margin-bottom:4px}
.summary{display:grid;grid-template-columns:minmax(8em,30%) 1fr;border-top:1px solid #b1b4b6}
.summary dt,.summary dd{margin:0;padding:8px 8px 8px 0;border-bottom:1px solid #b1b4b6}
.summary dt{font-weight:700}
.field{margin-bottom:24px}
.field label,.field legend{display:block;font-weight:700;margin-bottom:4px}
.field-error{border-left:5px solid #d4351c;padding-left:12px}
.error-message{display:block;color:#d4351c;font-weight:700;margin-bottom:4px}
input[type=text],input[type=password],textarea,select{font:inherit;width:100%;max-width:40em;padding:6px;border:2px solid #0b0c0c;border-radius:0;background:#fff}
textarea{min-height:6em;resize:vertical}
select{width:auto}
fieldset{border:0;margin:0 0 24px;padding:0;min-width:0}
fieldset.area{border-top:4px solid #1d70b8;padding-top:8px}
legend{font-weight:700;font-size:1.3rem;padding:0}
.choice{display:block;margin:0 0 8px}
.choice input{width:1.2em;height:1.2em;vertical-align:middle;margin-right:8px}
.inline{display:inline}
nav.dashboard{display:flex;flex-wrap:wrap;gap:16px;align-items:baseline;margin-bottom:16px}
.buttons{display:flex;flex-wrap:wrap;gap:16px;margin-top:24px}
button{font:inherit;font-weight:700;padding:8px 16px;border:0;border-bottom:2px solid #002d18;background:#00703c;color:#fff;cursor:pointer}
button.secondary{background:#f3f2f1;color:#0b0c0c;border-bottom-color:#929191}
button.link{background:none;color:#1d70b8;border:0;padding:0;text-decoration:underline;font-weight:400}
.error-summary{border:5px solid #d4351c;padding:16px;margin-bottom:32px}
.error-summary h2{margin-top:0}
.error-summary a{color:#d4351c;font-weight:700}
.notice{border:5px solid #00703c;padding:16px;margin-bottom:32px}
.notice h2{margin-top:0}
.warning{border-left:10px solid #d4351c;padding:8px 16px;margin-bottom:24px;background:#fbeae8}
.inset{border-left:10px solid #b1b4b6;padding:8px 16px;margin-bottom:24px}
.tag{display:inline-block;padding:2px 8px;font-weight:700;font-size:.85rem;text-transform:uppercase;letter-spacing:.5px;background:#dbe6f3;color:#0b0c0c}
.tag.late,.tag.red{background:#d4351c;color:#fff}
.tag.amber{background:#ffdd00;color:#0b0c0c}
.tag.green,.tag.complete{background:#00703c;color:#fff}
.tag.grey{background:#e5e6e7;color:#0b0c0c}
table{border-collapse:collapse;width:100%;margin-bottom:24px}
caption{text-align:left;font-weight:700;font-size:1.1rem;margin-bottom:8px}
th,td{text-align:left;vertical-align:top;padding:8px 12px 8px 0;border-bottom:1px solid #b1b4b6}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.points{list-style:none;padding:0}
.points>li{margin-bottom:24px}
.points h2{margin-top:0}
@media print{
header.site{background:#fff;color:#0b0c0c;border-bottom:2px solid #0b0c0c}
.skip-link,.no-print,footer.site{display:none}
a{color:#0b0c0c;text-decoration:none}
body{font-size:11pt}
h1{font-size:20pt}h2{font-size:14pt;page-break-after:avoid}
.points>li,section{page-break-inside:avoid}
.tag{border:1px solid #0b0c0c}
}
`.trim();

/** For the Content-Security-Policy: this stylesheet and nothing else inline. */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(CSS).digest('base64')}'`;
// Built without html``, so no formatter can add whitespace inside it and break the hash.
const STYLE_ELEMENT = new SafeHtml(`<style>${CSS}</style>`);

export interface PageOptions {
  title: string;
  main: SafeHtml;
  /** Any validation errors on the page: the title says so, for screen readers' first announcement. */
  hasErrors?: boolean;
  /** Link pages and the dashboard are for one holder: no search engine should list them. */
  index?: boolean;
}

export function layout({ title, main, hasErrors = false, index = false }: PageOptions): string {
  const { partnershipName, contactEmail } = partnershipConfig();
  const doc = html`<!DOCTYPE html>
    <html lang="en-GB">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${index ? '' : html`<meta name="robots" content="noindex, nofollow" />`}
        <title>${hasErrors ? 'Error: ' : ''}${title} – Deep Dive – ${partnershipName}</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <a href="#main" class="skip-link">Skip to main content</a>
        <header class="site">
          <div class="width">
            <span class="name">${partnershipName}</span><span class="service">Deep Dive multi-agency audit</span>
          </div>
        </header>
        <div class="width">
          <main id="main" tabindex="-1">${main}</main>
        </div>
        <footer class="site">
          <div class="width">${partnershipName}. Questions: <a href="mailto:${contactEmail}">${contactEmail}</a></div>
        </footer>
      </body>
    </html> `;
  return doc.value;
}

/** HTML if the client prefers it to JSON (a browser does; fetch, curl and API clients get JSON). */
/** Routes for programs: they answer JSON (refusals too) whatever the client accepts. */
export const JSON_ONLY = /^\/(api\/|metrics|healthz|dev\/mail\/messages)/;

/** A page unless the client asks for JSON: `Accept: *\/*` (curl, fetch) or none gets the page. */
export const wantsHtml = (req: Request): boolean => req.accepts(['html', 'json']) === 'html';

export function sendPage(res: Response, status: number, page: PageOptions): void {
  res.status(status).type('html').send(layout(page));
}

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

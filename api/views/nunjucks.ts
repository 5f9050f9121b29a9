// The one Nunjucks environment every page is rendered with: our templates (api/views/templates) first,
// then govuk-frontend's own (`govuk/template.njk`, `govuk/components/*/macro.njk`). Autoescaping is on,
// so whatever a person typed can only ever appear as text; a template marks HTML safe explicitly.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { type Errors, fieldId } from './components';

/** node_modules/govuk-frontend/dist/govuk: its templates, compiled CSS and JS, fonts and images. */
export const GOVUK_DIST = path.dirname(require.resolve('govuk-frontend'));

/** Ours; copied next to the compiled views by `npm run build` (scripts/copy-static.js). */
export const TEMPLATES_DIR = path.join(__dirname, 'templates');

/** Control characters other than tab and line breaks are not allowed in an HTML document: shown as U+FFFD. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_IN_HTML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** Every string of a view model made fit for HTML, whatever its depth. */
export function htmlText<T>(value: T): T {
  if (typeof value === 'string') return value.replace(NOT_IN_HTML, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(htmlText) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, htmlText(v)])) as T;
  }
  return value;
}

export const environment = new nunjucks.Environment(
  new nunjucks.FileSystemLoader([TEMPLATES_DIR, path.dirname(GOVUK_DIST)], { noCache: false }),
  { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
);

/** `errors | errorFor("comments")`: a field's errorMessage for govuk-frontend's macros, if it has one. */
environment.addFilter('errorFor', (errors: Errors | undefined, id: string) => {
  const error = errors?.find((e) => e.id === id);
  return error ? { text: error.text } : undefined;
});

/**
 * `radioItems("decision", options, checked)`: govukRadios' items. The first radio's id is the field's
 * (`decision`), so the error summary's link lands on it; the others are `<field id>-<value>`.
 */
environment.addGlobal(
  'radioItems',
  (name: string, options: readonly { value: string; text: string; hint?: string }[], checked?: string) => {
    const id = fieldId(name);
    return options.map((o, i) => ({
      value: o.value,
      text: o.text,
      id: i === 0 ? id : `${id}-${o.value}`,
      checked: o.value === checked,
      ...(o.hint ? { hint: { text: o.hint } } : {}),
    }));
  },
);

/**
 * The sha256 of govuk-frontend's one inline script (template.njk: it sets `js-enabled` and
 * `govuk-frontend-supported` on <body> before anything is drawn), for the Content-Security-Policy:
 * that script runs, no other inline script can. Read from the template itself, so an upgrade that
 * changes the script changes the hash with it.
 */
export const TEMPLATE_SCRIPT_HASH = (() => {
  const template = fs.readFileSync(path.join(GOVUK_DIST, 'template.njk'), 'utf8');
  const script = /<script[^>]*>([^<]+)<\/script>/.exec(template)?.[1];
  if (!script || script.includes('{')) throw new Error('govuk-frontend/template.njk: its inline script has changed');
  return `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
})();

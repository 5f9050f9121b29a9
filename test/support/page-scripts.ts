// What a page may run: govuk-frontend's one inline script (allowed by its hash in the CSP) and our own
// module that starts its components, from this site. Anything else on a page is someone else's.
import { createHash } from 'node:crypto';
import type * as cheerio from 'cheerio';

export function expectOnlyOwnScripts($: cheerio.CheerioAPI, csp?: string | null): void {
  const scripts = $('script')
    .map((_i, el) => ({ src: $(el).attr('src'), type: $(el).attr('type'), text: $(el).text() }))
    .get();
  expect(scripts).toEqual([
    { src: undefined, type: undefined, text: expect.stringContaining("' js-enabled'") },
    { src: expect.stringMatching(/^\/assets\/[\w.-]+\/init\.js$/), type: 'module', text: '' },
  ]);
  if (csp !== undefined) {
    const hash = createHash('sha256').update(scripts[0]!.text).digest('base64');
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
  }
}

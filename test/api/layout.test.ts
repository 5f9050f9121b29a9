// The base layout every page is drawn in (api/views/templates/layout.njk): what each field of
// LayoutModel puts on the page, for the pages still to be built on it (the console, sign-in).
import * as cheerio from 'cheerio';
import type { ErrorModel } from '../../api/views/error';
import { type LayoutModel, renderPage } from '../../api/views/layout';

/** A page with nothing of its own: only what the layout draws from the model. */
const draw = (model: LayoutModel) => {
  const page: ErrorModel = { ...model, message: 'm', tryAgain: false };
  return cheerio.load(renderPage({ template: 'error.njk', model: page }));
};

describe('layout.njk', () => {
  it('names the service and the partnership, skips to the content, and links the accessibility and privacy pages', () => {
    const $ = draw({ title: 'A page' });
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('title').text()).toBe('A page – Deep Dive – Safeguarding Children Partnership');
    expect($('header .govuk-service-navigation__service-name a').attr('href')).toBe('/');
    expect($('header').text()).toContain('Safeguarding Children Partnership');
    // Not a GOV.UK service: no crown, no GOV.UK header, no GOV.UK icons.
    expect($('.govuk-header, .govuk-logo, svg.govuk-header__logotype, link[rel=icon]')).toHaveLength(0);
    expect($('a.govuk-skip-link').attr('href')).toBe('#main-content');
    expect(
      $('footer a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
    ).toEqual(['/accessibility', '/privacy', 'mailto:deep-dive@localhost']);
    expect($('meta[name=robots]').attr('content')).toBe('noindex, nofollow');
    expect($('form, .govuk-phase-banner, .govuk-back-link, .govuk-error-summary')).toHaveLength(0);
  });

  it('a signed-in person: their name and a "Sign out" button posting to /sign-out with the CSRF token', () => {
    const $ = draw({ title: 'Audits', staff: { name: 'Sam <Business> Unit', csrf: 'token-1' } });
    expect($('header').text()).toContain('Sam <Business> Unit');
    const form = $('header form');
    expect(form.attr('method')).toBe('post');
    expect(form.attr('action')).toBe('/sign-out');
    expect(form.find('input[name=_csrf]').attr('value')).toBe('token-1');
    expect(form.find('button[type=submit]').text().trim()).toBe('Sign out');
    expect(draw({ title: 'Audits', staff: { name: 'Sam' } })('header form input[name=_csrf]')).toHaveLength(0);
  });

  it('navigation, a phase banner, a back link and the error summary, when the model has them', () => {
    const $ = draw({
      title: 'Audits',
      index: true,
      navigation: [
        { href: '/audits', text: 'Audits', current: true },
        { href: '/agencies', text: 'Agencies' },
      ],
      phase: { tag: 'Beta', text: 'This is a new service.' },
      backLink: { href: '/audits' },
      errors: [{ id: 'reason', text: 'Enter a <reason>' }],
    });
    expect($('title').text()).toMatch(/^Error: Audits/);
    expect($('meta[name=robots]')).toHaveLength(0);
    expect($('header nav a[aria-current=page]').attr('href')).toBe('/audits');
    expect(
      $('header nav a')
        .map((_i, a) => $(a).text().trim())
        .get(),
    ).toEqual(['Audits', 'Agencies']);
    expect($('.govuk-phase-banner .govuk-tag').text().trim()).toBe('Beta');
    expect($('.govuk-back-link').attr('href')).toBe('/audits');
    expect($('.govuk-error-summary a').attr('href')).toBe('#reason');
    expect($('.govuk-error-summary a').text()).toBe('Enter a <reason>');
  });
});

// The server-rendered pages over HTTP against a real database, as a browser without JavaScript uses
// them: each emailed link's page, its form posted with (and without) its CSRF token, the redirect back
// to the saved state, hostile text shown back as text, plain 404/410/429 pages, the security headers,
// the public briefing. The workflows are a stand-in client that accepts every update;
// test/api/acknowledge.test.ts runs a real one. The console's audit pages: test/api/console-audit.test.ts.
import type { Client } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { sevenPointBriefing } from '../../domain/briefing';
import { AREAS } from '../../domain/schemas';
import { csrfToken } from '../../api/security';
import { tokenHash } from '../../infra/links';
import { LINK_SECRET } from '../support/activities';
import { type Served, useAppBed } from '../support/app-bed';
import { expectOnlyOwnScripts } from '../support/page-scripts';
import { insertAudit, insertInvitation } from '../support/fixtures';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const DAY = 24 * 3600 * 1000;

/** What people type, at its worst: markup, attribute breakouts, SQL, control characters. */
const HOSTILE = {
  script: '<script>alert(1)</script>',
  attribute: '"><img src=x onerror=alert(1)>',
  sql: `'; DROP TABLE "Submission"; --`,
  control: 'bell\u0007 escape\u001b[31m del\u007f tab\t line\nbreak',
  entities: "&lt;b&gt; & &amp; 'single'",
};
/** The child of the first fixture case, as any page might spell it. */
const CHILD = ['Zephyrine', 'Quixleworth', '2010-02-10', '10 February 2010', 'LCS900100'];

const updates: { workflowId: string; update: string; args: unknown }[] = [];
const acceptingClient = {
  workflow: {
    getHandle: (workflowId: string) => ({
      executeUpdate: (def: { name: string }, opts: { args: unknown[] }) => {
        updates.push({ workflowId, update: def.name, args: opts.args });
        return Promise.resolve({ late: false });
      },
    }),
  },
} as unknown as Client;

const { bed, http, serve } = useAppBed({
  client: acceptingClient,
  linkRateLimit: { limit: 10_000, windowMs: 60_000 },
});
/** The same app with a rate limit of three requests a minute. */
let limited: Served;
/** Reached over https: cookies are Secure and HSTS is sent. */
let secure: Served;

beforeAll(async () => {
  [limited, secure] = await Promise.all([
    serve({ linkRateLimit: { limit: 3, windowMs: 60_000 } }),
    serve({ publicUrl: 'https://deep-dive.test' }),
  ]);
});

beforeEach(() => {
  updates.length = 0;
});

let counter = 0;
const token = (scope: string) => `${scope}-page-token-${++counter}-0123456789abcdefghij`;

interface Page {
  status: number;
  headers: Headers;
  text: string;
  $: cheerio.CheerioAPI;
}

async function asPage(res: Response): Promise<Page> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, $: cheerio.load(text) };
}

/** A browser's GET: it prefers HTML, follows no redirect by itself here. */
async function browse(base: string, path: string, headers: Record<string, string> = {}): Promise<Page> {
  return asPage(await fetch(`${base}${path}`, { headers: { accept: BROWSER_ACCEPT, ...headers }, redirect: 'manual' }));
}
const get = (path: string, headers?: Record<string, string>) => browse(http.base, path, headers);

/** A browser's form post (application/x-www-form-urlencoded). */
async function postForm(
  path: string,
  fields: [string, string][],
  headers: Record<string, string> = {},
  base = http.base,
): Promise<Page> {
  return asPage(
    await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    }),
  );
}

const csrfOf = (page: Page) => page.$('input[name=_csrf]').attr('value') ?? '';

/** Every form control has a label (radios in a fieldset with a legend too) a screen reader announces. */
function expectLabelled(page: Page) {
  const { $ } = page;
  const controls = $('textarea, select, input:not([type=hidden])');
  expect(controls.length).toBeGreaterThan(0);
  controls.each((_i, el) => {
    const id = $(el).attr('id');
    expect(id).toBeTruthy();
    expect($(`label[for="${id}"]`).text().trim()).not.toBe('');
    if ($(el).attr('type') === 'radio') expect($(el).closest('fieldset').find('legend').text().trim()).not.toBe('');
  });
}

/** A plain page: the status, the layout, the message, and nothing of a stack trace. */
function expectPlainPage(page: Page, status: number, message: RegExp) {
  expect(page.status).toBe(status);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.$('html').attr('lang')).toBe('en-GB');
  expect(page.$('main h1').text()).not.toBe('');
  expect(page.$('main').text()).toMatch(message);
  expect(page.text).not.toMatch(/\bat \S+ \(|node_modules|HttpError|\.ts:\d+/);
}

const expectNoStore = (page: Page) => expect(page.headers.get('cache-control')).toBe('no-store');

/** One drawn child and one agency's audit tool for it, behind a link. */
const invitation = (opts: { status?: 'pending' | 'no_involvement' } = {}) =>
  insertInvitation(bed.db, token('respond'), opts);

const TEXT_FIELDS = ['goodPractice', 'areasForDevelopment', 'recommendations', 'rationale'] as const;

/** Every field of the audit tool, filled in. */
function completeTool(note = 'Timely strategy meeting'): [string, string][] {
  return [
    ...AREAS.flatMap((area): [string, string][] => [
      ...TEXT_FIELDS.map((field): [string, string] => [`sections[${area}][${field}]`, `${note}: ${area} ${field}`]),
      [`sections[${area}][grade]`, 'good'],
    ]),
    ['childVoice', 'She said she felt listened to'],
    ['familyInformation', 'Lives with her grandmother'],
    ['history', 'Known to the service since 2019'],
  ];
}

describe('security headers', () => {
  it('every response, JSON or page, carries helmet’s headers, a strict CSP and no referrer', async () => {
    const { token: t } = await invitation();
    for (const res of [await fetch(`${http.base}/healthz`), await fetch(`${http.base}/respond/${t}`)]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      // Scripts from this site, and inline only govuk-frontend's own one, by its hash; styles only from this site.
      expect(csp).toMatch(/script-src 'self' 'sha256-[\w+/]+=*'(;|$)/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'self'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    const page = await get(`/respond/${t}`);
    // No inline style at all; the one inline script is allowed by its hash, the other is our own module.
    expect(page.$('style, [style]')).toHaveLength(0);
    expectOnlyOwnScripts(page.$, page.headers.get('content-security-policy'));
    // Stylesheets and scripts under a versioned path, kept by browsers for a year.
    const assets = [
      ...page
        .$('link[rel=stylesheet]')
        .map((_i, l) => page.$(l).attr('href'))
        .get(),
      page.$('script[src]').attr('src')!,
    ];
    expect(assets).toHaveLength(3);
    for (const asset of assets) {
      const res = await fetch(`${http.base}${asset}`);
      expect([asset, res.status]).toEqual([asset, 200]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      await res.arrayBuffer();
    }
    // The fonts and images govuk-frontend's stylesheet asks for are there too; nothing else is.
    const css = await (await fetch(`${http.base}${assets[0]}`)).text();
    const urls = [...css.matchAll(/url\((\/assets\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of new Set(urls)) {
      const res = await fetch(`${http.base}${url}`);
      expect([url, res.status]).toEqual([url, 200]);
      expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
      await res.arrayBuffer();
    }
    const version = assets[0]!.split('/')[2];
    for (const other of [`/assets/${version}/govuk-frontend.min.js.map`, `/assets/${version}/../package.json`]) {
      expect([other, (await fetch(`${http.base}${other}`)).status]).toEqual([other, 404]);
    }
  });

  it('over https the browser is told to stay on https', async () => {
    const res = await fetch(`${secure.base}/healthz`);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });
});

describe('/respond/:token — the audit tool', () => {
  it('shows the form with the child’s identifiers to the link holder, every field labelled, uncached', async () => {
    const { token: t, kase } = await invitation();
    const page = await get(`/respond/${t}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expectNoStore(page);
    const { $ } = page;
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('a.govuk-skip-link').attr('href')).toBe('#main-content');
    expect($('main#main-content')).toHaveLength(1);
    expect($('header').text()).toContain('Safeguarding Children Partnership');
    expect($('h1').text()).toBe('Audit tool: Child exploitation');
    expect($('main').text()).toContain(kase.caseRef);
    for (const identifier of ['Zephyrine Quixleworth', '10 February 2010', 'LCS900100']) {
      expect($('main').text()).toContain(identifier);
    }
    for (const area of AREAS) {
      expect($(`section#sections-${area} h2`).text()).not.toBe('');
      for (const field of TEXT_FIELDS) {
        expect($(`textarea#sections-${area}-${field}`).attr('name')).toBe(`sections[${area}][${field}]`);
        // A character count (govuk-frontend's), told the limit the schema has.
        expect($(`textarea#sections-${area}-${field}`).closest('.govuk-character-count').attr('data-maxlength')).toBe(
          '20000',
        );
      }
      // Radios, the first one's id the field's, for the error summary's link.
      const grades = $(`input[type=radio][name="sections[${area}][grade]"]`)
        .map((_i, o) => $(o).attr('value'))
        .get();
      expect($(`input#sections-${area}-grade`).attr('value')).toBe('outstanding');
      expect(grades).toEqual(['outstanding', 'good', 'requires_improvement', 'inadequate', 'insufficient_evidence']);
    }
    for (const id of ['childVoice', 'familyInformation', 'history', 'immediateRiskConcern-description']) {
      expect($(`textarea#${id}`)).toHaveLength(1);
    }
    expect($('button#save-draft').text().trim()).toBe('Save and come back later');
    expect($('button#save-draft').attr('value')).toBe('false');
    expect($('button#continue').text().trim()).toBe('Continue');
    expect($('button#continue').attr('value')).toBe('check');
    expect($('form').attr('method')).toBe('post');
    expect($('form').attr('action')).toBe(`/respond/${t}`);
    expectLabelled(page);
    expect(csrfOf(page)).toMatch(/^[\w-]{43}$/);
  });

  it('still answers JSON to a client that does not ask for HTML', async () => {
    const { token: t } = await invitation();
    const res = await http.call('GET', `/respond/${t}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.case.child.name).toBe('Zephyrine Quixleworth');
  });

  it('refuses a form post without the link’s CSRF token (403), and takes JSON without one', async () => {
    const { token: t, invitation: row } = await invitation();
    const other = await invitation();
    const otherCsrf = csrfOf(await get(`/respond/${other.token}`));
    for (const fields of [[], [['_csrf', 'forged']], [['_csrf', otherCsrf]]] as [string, string][][]) {
      const page = await postForm(`/respond/${t}`, [...fields, ['childVoice', 'x'], ['submit', 'false']]);
      expectPlainPage(page, 403, /did not come from this site/);
    }
    // The same refusal as JSON for a client that asks for it.
    const json = await fetch(`${http.base}/respond/${t}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'submit=false',
    });
    expect(json.status).toBe(403);
    expect(((await json.json()) as any).error.code).toBe('csrf_failed');
    expect(await bed.db.submission.findUnique({ where: { invitationId: row.id } })).toBeNull();

    const res = await http.call('POST', `/respond/${t}`, { body: { sections: {}, submit: false } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ saved: true, submitted: false });
  });

  it('saves a draft, redirects (303) to the page, and shows hostile text back as text', async () => {
    const { token: t, invitation: row } = await invitation();
    const csrf = csrfOf(await get(`/respond/${t}`));
    const posted = await postForm(`/respond/${t}`, [
      ['_csrf', csrf],
      ['sections[recognition][goodPractice]', HOSTILE.script],
      ['sections[recognition][areasForDevelopment]', HOSTILE.attribute],
      ['sections[recognition][recommendations]', HOSTILE.sql],
      ['sections[recognition][grade]', 'requires_improvement'],
      ['sections[recognition][rationale]', HOSTILE.control],
      ['sections[assessment][grade]', ''],
      ['childVoice', HOSTILE.entities],
      ['submit', 'false'],
    ]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/respond/${t}?saved=draft`);

    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect(stored.submittedAt).toBeNull();
    expect(stored.content).toEqual({
      sections: {
        recognition: {
          goodPractice: HOSTILE.script,
          areasForDevelopment: HOSTILE.attribute,
          recommendations: HOSTILE.sql,
          grade: 'requires_improvement',
          rationale: HOSTILE.control,
        },
      },
      childVoice: HOSTILE.entities,
    });

    const page = await get(posted.headers.get('location')!);
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('.govuk-notification-banner--success h3').text().trim()).toBe('Draft saved');
    expect($('textarea#sections-recognition-goodPractice').text()).toBe(HOSTILE.script);
    expect($('textarea#sections-recognition-areasForDevelopment').text()).toBe(HOSTILE.attribute);
    expect($('textarea#sections-recognition-recommendations').text()).toBe(HOSTILE.sql);
    // Control characters HTML does not allow are shown as U+FFFD; tab and line breaks stay.
    expect($('textarea#sections-recognition-rationale').text()).toBe(
      'bell\uFFFD escape\uFFFD[31m del\uFFFD tab\t line\nbreak',
    );
    expect($('textarea#childVoice').text()).toBe(HOSTILE.entities);
    expect($('input[name="sections[recognition][grade]"][checked]').attr('value')).toBe('requires_improvement');
    expect($('img')).toHaveLength(0);
    expectOnlyOwnScripts($);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).toContain('&amp;lt;b&amp;gt; &amp; &amp;amp; &#39;single&#39;');
  });

  it('an incomplete final submission keeps what was typed as a draft and lists what is missing (400)', async () => {
    const { token: t, invitation: row } = await invitation();
    const csrf = csrfOf(await get(`/respond/${t}`));
    const fields = completeTool().filter(
      ([name]) => name !== 'sections[impact][grade]' && !name.startsWith('sections[joint_working]'),
    );
    const page = await postForm(`/respond/${t}`, [['_csrf', csrf], ...fields, ['submit', 'true']]);
    expect(page.status).toBe(400);
    const { $ } = page;
    expect($('title').text()).toMatch(/^Error: /);
    const links = $('.govuk-error-summary a')
      .map((_i, a) => [[$(a).attr('href'), $(a).text()]])
      .get();
    expect(links).toEqual([
      ['#sections-joint_working-goodPractice', 'Enter the answers for Joint working'],
      ['#sections-impact-grade', 'Choose the grade for Impact'],
    ]);
    // Each link lands on a field that is there: the error summary's script focuses it.
    for (const [href] of links) expect($(`input${href}, textarea${href}`)).toHaveLength(1);
    expect($('#sections-impact-grade-error').text()).toContain('Choose the grade for Impact');
    expect($('input#sections-impact-grade').closest('fieldset').attr('aria-describedby')).toContain(
      'sections-impact-grade-error',
    );
    expect($('input#sections-impact-grade').closest('.govuk-form-group').hasClass('govuk-form-group--error')).toBe(
      true,
    );
    expect($('section#sections-joint_working')).toHaveLength(1);
    expect($('textarea#sections-recognition-goodPractice').text()).toBe(
      'Timely strategy meeting: recognition goodPractice',
    );
    expect($('.govuk-notification-banner h3').text().trim()).toBe('Your answers have been saved as a draft');
    // Not a success banner: the error summary alone takes the focus.
    expect($('.govuk-notification-banner--success')).toHaveLength(0);
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect(stored.submittedAt).toBeNull();
    expect((stored.content as any).sections.recognition.grade).toBe('good');
  });

  it('submits, then shows the tool read-only; a further submit is a 409 page', async () => {
    const { token: t, invitation: row, auditId } = await invitation();
    const csrf = csrfOf(await get(`/respond/${t}`));
    const posted = await postForm(`/respond/${t}`, [['_csrf', csrf], ...completeTool(), ['submit', 'true']]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/respond/${t}?saved=submitted`);
    expect(updates).toEqual([
      { workflowId: `audit-${auditId}`, update: 'submissionReceived', args: [{ invitationId: row.id }] },
    ]);

    const page = await get(posted.headers.get('location')!);
    const { $ } = page;
    expect($('.govuk-notification-banner--success h3').text().trim()).toBe('Audit tool submitted');
    expect($('form')).toHaveLength(0);
    expect($('textarea, select, button')).toHaveLength(0);
    expect($('main').text()).toContain('Timely strategy meeting: impact rationale');
    expect($('main').text()).toContain('She said she felt listened to');

    const again = await postForm(`/respond/${t}`, [['_csrf', csrf], ...completeTool('Changed'), ['submit', 'true']]);
    expectPlainPage(again, 409, /has been submitted/);
    const json = await http.call('POST', `/respond/${t}`, { body: { sections: {}, submit: false } });
    expect(json.status).toBe(409);
    expect(json.body.error.code).toBe('already_submitted');
  });

  it('"Continue" saves a complete tool as a draft and shows "check your answers"; its submit posts the same fields', async () => {
    const { token: t, invitation: row, auditId } = await invitation();
    const form = await get(`/respond/${t}`);
    const tool = completeTool();
    const posted = await postForm(`/respond/${t}`, [['_csrf', csrfOf(form)], ...tool, ['submit', 'check']]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/respond/${t}?check=1`);
    const draft = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect(draft.submittedAt).toBeNull();
    expect(updates).toEqual([]);

    const check = await get(posted.headers.get('location')!);
    expect(check.status).toBe(200);
    const { $ } = check;
    expect($('h1').text()).toBe('Check your answers: Child exploitation');
    expect($('.govuk-summary-list').length).toBe(AREAS.length + 1);
    expect($('main').text()).toContain('Timely strategy meeting: impact rationale');
    // Each answer's "Change" link goes back to the form, to the field itself.
    const changes = $('.govuk-summary-list__actions a')
      .map((_i, a) => $(a).attr('href'))
      .get();
    expect(changes).toHaveLength(AREAS.length * 5 + 3);
    expect(changes).toContain(`/respond/${t}#sections-impact-grade`);
    for (const href of changes) {
      const id = href.replace(`/respond/${t}#`, '');
      expect([href, form.$(`input#${id}, textarea#${id}`).length]).toEqual([href, 1]);
    }
    // The final submit carries the same fields the form posts, from the saved draft.
    const fields: [string, string][] = $('form input[type=hidden]')
      .toArray()
      .map((i) => [$(i).attr('name')!, $(i).attr('value')!]);
    expect(fields.filter(([name]) => name !== '_csrf').sort()).toEqual([...tool].sort());
    expect($('form button#submit').attr('name')).toBe('submit');
    expect($('form button#submit').attr('value')).toBe('true');

    const submitted = await postForm(`/respond/${t}`, [...fields, ['submit', 'true']]);
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get('location')).toBe(`/respond/${t}?saved=submitted`);
    expect(updates).toEqual([
      { workflowId: `audit-${auditId}`, update: 'submissionReceived', args: [{ invitationId: row.id }] },
    ]);
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect(stored.submittedAt).not.toBeNull();
    expect(stored.content).toEqual(draft.content);
  });

  it('"Continue" with an incomplete tool keeps it as a draft and lists what is missing; so does its check page', async () => {
    const { token: t, invitation: row } = await invitation();
    const csrf = csrfOf(await get(`/respond/${t}`));
    const fields = completeTool().filter(([name]) => name !== 'sections[impact][rationale]');
    const page = await postForm(`/respond/${t}`, [['_csrf', csrf], ...fields, ['submit', 'check']]);
    expect(page.status).toBe(400);
    expect(page.$('.govuk-error-summary a').attr('href')).toBe('#sections-impact-rationale');
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect(stored.submittedAt).toBeNull();
    const check = await get(`/respond/${t}?check=1`);
    expect(check.status).toBe(200);
    expect(check.$('h1').text()).toBe('Audit tool: Child exploitation');
    expect(check.$('.govuk-error-summary a').attr('href')).toBe('#sections-impact-rationale');
  });

  it('an immediate-risk concern in the form is stored, escalated, and then shown as raised', async () => {
    const { token: t, auditId, agencies } = await invitation();
    const csrf = csrfOf(await get(`/respond/${t}`));
    const concern = `Left alone overnight ${HOSTILE.script}`;
    const posted = await postForm(`/respond/${t}`, [
      ['_csrf', csrf],
      ['immediateRiskConcern[description]', concern],
      ['submit', 'false'],
    ]);
    expect(posted.status).toBe(303);
    const escalation = await bed.db.escalation.findFirstOrThrow({ where: { auditId } });
    expect(escalation).toMatchObject({ concern, agencyId: agencies[0]!.id, source: 'submission' });
    expect(updates).toEqual([
      { workflowId: `audit-${auditId}`, update: 'raiseConcern', args: [{ escalationId: escalation.id }] },
    ]);
    const page = await get(`/respond/${t}`);
    expect(page.$('textarea#immediateRiskConcern-description')).toHaveLength(0);
    expect(page.$('#immediate-risk .govuk-warning-text').text()).toContain(
      'An immediate-risk concern was raised from this audit tool',
    );
  });

  it('an unknown link is a plain 404 page, a closed one a 410 page: uncached, no stack trace', async () => {
    const unknown = await get('/respond/not-a-real-token-0123456789abcdefghijklmnop');
    expectPlainPage(unknown, 404, /This link is not known/);
    expectNoStore(unknown);
    const closed = await invitation({ status: 'no_involvement' });
    const page = await get(`/respond/${closed.token}`);
    expectPlainPage(page, 410, /no involvement/);
    expectNoStore(page);
    const csrf = csrfToken(LINK_SECRET, closed.token);
    expectPlainPage(
      await postForm(`/respond/${closed.token}`, [
        ['_csrf', csrf],
        ['submit', 'false'],
      ]),
      410,
      /no involvement/,
    );
  });

  it('a form with too many fields, or nested too deep, is bad input (413, 400), not a 500', async () => {
    const { token: t } = await invitation();
    const many = Array.from({ length: 1001 }, (_, i): [string, string] => [`field${i}`, 'x']);
    expectPlainPage(await postForm(`/respond/${t}`, many), 413, /too many fields/);
    expectPlainPage(await postForm(`/respond/${t}`, [[`a${'[b]'.repeat(40)}`, 'x']]), 400, /nested too deeply/);
  });

  it('a NUL character is bad input (400), not a database failure', async () => {
    const { token: t } = await invitation();
    const res = await http.call('POST', `/respond/${t}`, {
      body: { sections: {}, childVoice: 'a\u0000b', submit: false },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { code: 'custom', path: ['childVoice'], message: 'must not contain the NUL character (U+0000)' },
    ]);
  });
});

/** A report version circulated to one agency, behind its approval link. */
async function approvalLink() {
  const { db } = bed;
  const { auditId, agencies } = await insertAudit(db);
  const version = await db.reportVersion.create({
    data: {
      auditId,
      version: 2,
      content: {
        workingWell: ['Timely strategy meetings'],
        areasForDevelopment: [HOSTILE.script],
        themes: ['Information sharing'],
        recommendations: ['Use the escalation protocol'],
      },
      submittedBy: 'bu',
      circulatedAt: new Date(),
    },
  });
  const t = token('approve');
  const approval = await db.approval.create({
    data: {
      reportVersionId: version.id,
      agencyId: agencies[0]!.id,
      dueAt: new Date(Date.now() + 5 * DAY),
      tokenHash: tokenHash(t),
    },
  });
  return { auditId, token: t, approval };
}

describe('/approve/:token — report approval', () => {
  it('shows the report version and a decision form', async () => {
    const { token: t } = await approvalLink();
    const page = await get(`/approve/${t}`);
    expect(page.status).toBe(200);
    expectNoStore(page);
    const { $ } = page;
    expect($('h1').text()).toBe('Summary report: Child exploitation');
    expect(
      $('main h2')
        .map((_i, h) => $(h).text())
        .get(),
    ).toEqual(['What is working well', 'Areas for development', 'Themes', 'Recommendations', 'Your decision']);
    expect($('textarea#comments').closest('.govuk-character-count').attr('data-maxlength')).toBe('5000');
    expect(
      $('main li')
        .map((_i, li) => $(li).text())
        .get(),
    ).toContain(HOSTILE.script);
    expect(
      $('input[type=radio][name=decision]')
        .map((_i, r) => $(r).attr('value'))
        .get(),
    ).toEqual(['approve', 'request_changes']);
    expect($('textarea#comments')).toHaveLength(1);
    expectOnlyOwnScripts($);
    expectLabelled(page);
    for (const identifier of CHILD) expect(page.text).not.toContain(identifier);
  });

  it('requesting changes without saying what is a 400 form; with comments it is stored, then shown', async () => {
    const { token: t, approval, auditId } = await approvalLink();
    const csrf = csrfOf(await get(`/approve/${t}`));
    const bad = await postForm(`/approve/${t}`, [
      ['_csrf', csrf],
      ['decision', 'request_changes'],
      ['comments', '  '],
    ]);
    expect(bad.status).toBe(400);
    expect(bad.$('.govuk-error-summary a').attr('href')).toBe('#comments');
    expect(bad.$('input#decision-request_changes').attr('checked')).toBeDefined();

    const none = await postForm(`/approve/${t}`, [['_csrf', csrf]]);
    expect(none.status).toBe(400);
    expect(none.$('.govuk-error-summary a').text()).toBe('Choose whether you approve this version');
    expect(none.$('.govuk-error-summary a').attr('href')).toBe('#decision');
    expect(none.$('input#decision').attr('value')).toBe('approve');

    const posted = await postForm(`/approve/${t}`, [
      ['_csrf', csrf],
      ['decision', 'request_changes'],
      ['comments', HOSTILE.attribute],
    ]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`/approve/${t}?saved=1`);
    const stored = await bed.db.approval.findUniqueOrThrow({ where: { id: approval.id } });
    expect(stored).toMatchObject({ decision: 'changes_requested', comments: HOSTILE.attribute });
    expect(updates).toEqual([
      {
        workflowId: `audit-${auditId}`,
        update: 'approvalDecision',
        args: [{ approvalId: approval.id, decision: 'changes_requested' }],
      },
    ]);

    const page = await get(posted.headers.get('location')!);
    expect(page.$('.govuk-notification-banner--success h3').first().text().trim()).toBe(
      'Thank you: your decision has been recorded',
    );
    expect(page.$('main').text()).toContain('You asked for changes to this version');
    expect(page.$('main .app-prose').last().text()).toBe(HOSTILE.attribute);
    expect(page.$('form, img')).toHaveLength(0);

    const again = await postForm(`/approve/${t}`, [
      ['_csrf', csrf],
      ['decision', 'approve'],
    ]);
    expectPlainPage(again, 409, /already been recorded/);
  });

  it('a superseded version’s link is a 410 page', async () => {
    const { token: t, approval } = await approvalLink();
    await bed.db.approval.update({ where: { id: approval.id }, data: { supersededAt: new Date() } });
    expectPlainPage(await get(`/approve/${t}`), 410, /newer version/);
  });
});

async function progressLink(status: 'open' | 'closed' = 'open') {
  const { db } = bed;
  const { auditId, agencies } = await insertAudit(db);
  const action = await db.action.create({
    data: {
      auditId,
      number: 3,
      kind: 'recommendation',
      description: 'Police to brief officers on recognising exploitation of Zephyrine Quixleworth',
      ownerAgencyId: agencies[0]!.id,
      dueAt: new Date(Date.now() + 90 * DAY),
      status,
    },
  });
  const t = token('progress');
  const progress = await db.actionProgress.create({
    data: { actionId: action.id, quarter: 2, tokenHash: tokenHash(t) },
  });
  return { auditId, action, progress, token: t };
}

describe('/progress/:token — quarterly action progress', () => {
  it('shows the action and takes its RAG status, update and evidence of impact', async () => {
    const { token: t, action, progress } = await progressLink();
    const page = await get(`/progress/${t}`);
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('h1').text()).toBe('Action 3: Child exploitation');
    expect($('main').text()).toContain(action.description);
    expect(
      $('input[name=status]')
        .map((_i, r) => $(r).attr('value'))
        .get(),
    ).toEqual(['green', 'amber', 'red', 'complete']);
    expectLabelled(page);

    const bad = await postForm(`/progress/${t}`, [
      ['_csrf', csrfOf(page)],
      ['status', 'purple'],
      ['update', ''],
    ]);
    expect(bad.status).toBe(400);
    expect(
      bad
        .$('.govuk-error-summary a')
        .map((_i, a) => bad.$(a).attr('href'))
        .get(),
    ).toEqual(['#status', '#update']);

    const posted = await postForm(`/progress/${t}`, [
      ['_csrf', csrfOf(page)],
      ['status', 'amber'],
      ['update', HOSTILE.script],
      ['impactEvidence', HOSTILE.sql],
    ]);
    expect(posted.status).toBe(303);
    const stored = await bed.db.actionProgress.findUniqueOrThrow({ where: { id: progress.id } });
    expect(stored).toMatchObject({ status: 'amber', update: HOSTILE.script, impactEvidence: HOSTILE.sql });

    const after = await get(posted.headers.get('location')!);
    expect(after.$('form')).toHaveLength(0);
    expect(after.$('.govuk-tag--yellow').text().trim()).toBe('Amber');
    expect(after.$('main').text()).toContain(HOSTILE.script);
    expectOnlyOwnScripts(after.$);
  });

  it('a closed action’s link is a 410 page', async () => {
    const { token: t } = await progressLink('closed');
    expectPlainPage(await get(`/progress/${t}`), 410, /has been closed/);
  });
});

describe('/pack/:token — the collated pack', () => {
  it('is readable per child, per agency, per area, with late submissions marked', async () => {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const kase = await db.case.findFirstOrThrow({ where: { auditId }, orderBy: { caseRef: 'asc' } });
    await db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
    await db.audit.update({
      where: { id: auditId },
      data: { discussionAt: new Date(Date.now() + 7 * DAY), discussionLocation: 'Room 4, County Hall' },
    });
    const dueAt = new Date(Date.now() - 2 * DAY);
    const sections = Object.fromEntries(
      AREAS.map((area) => [
        area,
        {
          goodPractice: HOSTILE.script,
          areasForDevelopment: 'More',
          recommendations: 'Do',
          grade: 'good',
          rationale: 'Why',
        },
      ]),
    );
    for (const [i, submittedAt] of [new Date(Date.now() - 3 * DAY), new Date(Date.now() - DAY)].entries()) {
      const inv = await db.invitation.create({
        data: { auditId, caseId: kase.id, agencyId: agencies[i]!.id, status: 'submitted', dueAt },
      });
      await db.submission.create({ data: { invitationId: inv.id, content: { sections }, submittedAt } });
    }
    const t = token('pack');
    await db.packLink.create({ data: { auditId, agencyId: agencies[0]!.id, tokenHash: tokenHash(t) } });

    const page = await get(`/pack/${t}`);
    expect(page.status).toBe(200);
    expectNoStore(page);
    const { $ } = page;
    expect($('h1').text()).toBe('Collated pack: Child exploitation');
    expect($('section#case-1 h2').text()).toBe(`Case ${kase.caseRef}`);
    expect($('section#case-1').text()).toContain('Zephyrine Quixleworth');
    const entries = $('section#case-1 section');
    expect(entries).toHaveLength(2);
    const entryOf = (name: string) => entries.filter((_i, e) => $(e).find('h3').text().startsWith(name));
    const tags = (name: string) =>
      entryOf(name)
        .find('h3 .govuk-tag')
        .map((_i, t) => $(t).text().trim())
        .get();
    expect(tags(agencies[0]!.name)).toEqual(['Submitted']);
    expect(tags(agencies[1]!.name)).toEqual(['Submitted', 'Late']);
    expect(
      entryOf(agencies[0]!.name)
        .find('h4')
        .map((_i, h) => $(h).text())
        .get(),
    ).toEqual([
      'Recognition',
      'Assessment',
      'Planning and intervention',
      'Joint working',
      'Impact',
      'Overall quality',
      'The child and family',
    ]);
    expect(
      $('#self-grades td')
        .map((_i, td) => $(td).text())
        .get(),
    ).toContain('2');
    expectOnlyOwnScripts($);
    expect(page.text).not.toContain('<script>alert');
  });

  it('an unknown pack link is a 404 page', async () => {
    expectPlainPage(await get('/pack/unknown-pack-token-0123456789abcdefghijklmnop'), 404, /not known/);
  });
});

describe('/briefings/:slug — the published 7 Point Briefing', () => {
  it('is a public, printable page of the seven points', async () => {
    const { db } = bed;
    const { auditId } = await insertAudit(db);
    const content = sevenPointBriefing({
      focus: 'Child exploitation',
      focusSource: 'practice_review',
      cases: 4,
      agencies: 3,
      report: {
        workingWell: ['Timely strategy meetings'],
        areasForDevelopment: ['Recording the voice of the child'],
        themes: [HOSTILE.attribute],
        recommendations: ['Use the escalation protocol'],
      },
    });
    const slug = `child-exploitation-${auditId.slice(0, 8)}`;
    await db.briefing.create({ data: { auditId, slug, content: JSON.parse(JSON.stringify(content)) } });

    const page = await get(`/briefings/${slug}`);
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('h1').text()).toBe('7 Point Briefing: Child exploitation');
    expect(
      $('ol.app-points > li h2')
        .map((_i, h) => $(h).text())
        .get(),
    ).toEqual([
      '1. The focus',
      '2. Why it mattered',
      '3. What was done',
      '4. What worked well',
      '5. What must improve',
      '6. Recommendations',
      '7. What practitioners should do now',
    ]);
    expect($('main').text()).toContain('Read and act on: Use the escalation protocol');
    expect($('main').text()).toContain(HOSTILE.attribute);
    expect($('img')).toHaveLength(0);
    expectOnlyOwnScripts($);
    // Printed, it is the briefing alone: app.css leaves out the navigation and the footer.
    const css = await (await fetch(`${http.base}${$('link[rel=stylesheet][href$="/app.css"]').attr('href')}`)).text();
    expect(css).toMatch(/@media print\s*\{[^}]*\.govuk-service-navigation/);
    expect($('meta[name=robots]')).toHaveLength(0);

    // The default for any client is the page; one asking for JSON gets the points.
    expect((await fetch(`${http.base}/briefings/${slug}`)).headers.get('content-type')).toMatch(/^text\/html/);
    const json = await http.call('GET', `/briefings/${slug}`, { headers: { accept: 'application/json' } });
    expect(json.body.briefing).toEqual(content);
  });

  it('an unknown briefing is a plain 404 page', async () => {
    expectPlainPage(await get('/briefings/no-such-briefing'), 404, /no published briefing/);
  });
});

describe('a form refused before it could be taken comes back with everything typed in it', () => {
  /** What the page gives back: its text fields and hidden fields by name, and where it posts. */
  const keptFields = (page: Page) => ({
    action: page.$('main form').attr('action'),
    csrf: csrfOf(page),
    texts: Object.fromEntries(
      page
        .$('main form textarea')
        .toArray()
        .map((t) => [page.$(t).attr('name'), page.$(t).text()]),
    ),
    hidden: Object.fromEntries(
      page
        .$('main form input[type=hidden]')
        .toArray()
        .map((i) => [page.$(i).attr('name'), page.$(i).attr('value')]),
    ),
  });

  it('a CSRF failure (403): the answers, labelled, with a fresh token that sends them again', async () => {
    const { token: t, invitation: row } = await invitation();
    const typed = completeTool().map(([name, value]): [string, string] => [
      name,
      name.endsWith('[grade]') ? value : `${value} ${HOSTILE.script}`,
    ]);
    const page = await postForm(`/respond/${t}`, [['_csrf', 'expired'], ...typed, ['submit', 'false']]);
    expectPlainPage(page, 403, /did not come from this site/);
    const kept = keptFields(page);
    expect(kept.action).toBe(`/respond/${t}`);
    expect(kept.csrf).toBe(csrfToken(LINK_SECRET, t));
    for (const [name, value] of typed) {
      if (name.endsWith('[grade]')) expect([name, kept.hidden[name]]).toEqual([name, value]);
      else expect([name, kept.texts[name]]).toEqual([name, value]);
    }
    expect(page.$(`label[for="sections-recognition-goodPractice"]`).text().trim()).toBe(
      'The good practice for Recognition',
    );
    expect(page.$('button#send-again').attr('value')).toBe('false');
    expectLabelled(page);
    expectOnlyOwnScripts(page.$);
    expect(page.text).not.toContain('<script>alert');

    // Sent again from the page, as it is: saved.
    const again = await postForm(`/respond/${t}`, [
      ...Object.entries(kept.hidden),
      ...Object.entries(kept.texts),
      ['submit', 'false'],
    ] as [string, string][]);
    expect(again.status).toBe(303);
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
    expect((stored.content as any).sections.recognition.goodPractice).toBe(typed[0]![1]);
  });

  it('too many requests (429): the decision and its comments are on the page', async () => {
    const { token: t } = await approvalLink();
    const csrf = csrfToken(LINK_SECRET, t);
    const limited = await serve({ linkRateLimit: { limit: 3, windowMs: 60_000 } });
    let page: Page | undefined;
    for (let i = 0; i < 5 && page?.status !== 429; i++) {
      page = await postForm(
        `/approve/${t}`,
        [
          ['_csrf', csrf],
          ['decision', 'request_changes'],
          ['comments', ''],
        ],
        {},
        limited.base,
      );
    }
    const refused = await postForm(
      `/approve/${t}`,
      [
        ['_csrf', csrf],
        ['decision', 'request_changes'],
        ['comments', `Say more about ${HOSTILE.attribute}`],
      ],
      {},
      limited.base,
    );
    expectPlainPage(refused, 429, /Too many requests/);
    const kept = keptFields(refused);
    expect(kept.texts).toEqual({ comments: `Say more about ${HOSTILE.attribute}` });
    expect(kept.hidden).toMatchObject({ decision: 'request_changes', _csrf: csrf });
    expect(refused.$('.govuk-summary-list').text()).toContain('Request changes');
    // A client asking for JSON still gets the error shape.
    const json = await fetch(`${limited.base}/approve/${t}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'decision=approve',
    });
    expect(json.status).toBe(429);
    expect(((await json.json()) as any).error.code).toBe('rate_limited');
  });

  it('a dependency down (503): the whole audit tool as typed is on the page', async () => {
    const down = {
      workflow: {
        getHandle: () => ({
          executeUpdate: () =>
            Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 })),
        }),
      },
    } as unknown as Client;
    const app = await serve({ client: down });
    const { token: t } = await invitation();
    const typed = completeTool();
    const page = await postForm(
      `/respond/${t}`,
      [['_csrf', csrfToken(LINK_SECRET, t)], ...typed, ['submit', 'true']],
      {},
      app.base,
    );
    expectPlainPage(page, 503, /unavailable/);
    const kept = keptFields(page);
    expect(Object.keys(kept.texts)).toHaveLength(AREAS.length * 4 + 3);
    for (const [name, value] of typed) expect([name, kept.texts[name] ?? kept.hidden[name]]).toEqual([name, value]);
    expect(page.$('button#send-again').attr('value')).toBe('true');
  });
});

describe('the public pages: /, /accessibility, /privacy', () => {
  it('the start page says what Deep Dive is, sends staff to sign in and agency staff to their email', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('h1').text()).toBe('Deep Dive Multi-Agency Audits');
    expect($('a.govuk-button--start').attr('href')).toBe('/sign-in');
    expect($('a.govuk-button--start').text()).toContain('Sign in');
    expect($('main').text()).toContain('Use the link in the email you were sent');
    expect($('.govuk-service-navigation__service-name').text().trim()).toBe('Deep Dive');
    expect($('meta[name=robots]')).toHaveLength(0);
    expectOnlyOwnScripts($);
  });

  it('every page’s footer links the accessibility statement and the privacy notice, which say who to ask', async () => {
    for (const path of ['/', '/accessibility', '/privacy']) {
      const page = await get(path);
      expect([path, page.status]).toEqual([path, 200]);
      expect(
        page
          .$('footer a')
          .map((_i, a) => [[page.$(a).text(), page.$(a).attr('href')]])
          .get(),
      ).toEqual([
        ['Accessibility', '/accessibility'],
        ['Privacy', '/privacy'],
        ['deep-dive@localhost', 'mailto:deep-dive@localhost'],
      ]);
    }
    const accessibility = await get('/accessibility');
    expect(accessibility.$('h1').text()).toBe('Accessibility statement for Deep Dive');
    const statement = accessibility.$('main').text().replace(/\s+/g, ' ');
    for (const words of ['WCAG) version 2.2 at level AA', 'axe-core', 'keyboard', 'Enforcement procedure']) {
      expect(statement).toContain(words);
    }
    expect(accessibility.$('main a[href="mailto:deep-dive@localhost"]').length).toBeGreaterThan(0);
    const privacy = await get('/privacy');
    const notice = privacy.$('main').text().replace(/\s+/g, ' ');
    expect(notice).toContain('is the controller');
    expect(notice).toContain('never put in an email');
    expect(notice).toContain(
      "is deleted 12 months after the partnership's Learning and Improvement Subgroup signs the audit's report off, or 12 months after the audit is cancelled",
    );
    expect(privacy.$('main table')).toHaveLength(1);
  });
});

describe('rate limiting of the link routes', () => {
  it('answers 429 after the limit: in the error shape for JSON, as a page for a browser', async () => {
    const path = '/respond/unknown-token-0123456789abcdefghijklmnopq';
    for (let i = 0; i < 3; i++) expect((await fetch(`${limited.base}${path}`)).status).toBe(404);
    const res = await fetch(`${limited.base}/pack/another`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests from this address. Wait a minute, then try again.' },
    });
    expectPlainPage(await browse(limited.base, path), 429, /Too many requests/);
    // The rest of the app is not limited.
    expect((await fetch(`${limited.base}/healthz`)).status).not.toBe(429);
  });
});

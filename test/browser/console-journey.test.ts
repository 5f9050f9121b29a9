// One whole audit run from the staff console only, in Chromium, against the whole product as `npm start`
// runs it, through the embedded OpenID provider's own sign-in page (issue 16's acceptance test): the
// business unit imports the agencies, starts the audit with a candidate CSV, sends the invitations; the
// agencies answer through their emailed links; the business unit schedules the discussion (an hour ago),
// records its outcome, checks and submits the report; the practitioners approve through their emailed
// links; the LIS approves on the sign-off page and closes the actions until the audit is completed. Then a
// manager reads every page and is refused every form the business unit and the LIS posted, replayed with
// the manager's own CSRF token, with nothing changed. Every page: axe-core (WCAG 2.2 A and AA), no console
// error, a full-page screenshot under test-artifacts/console/. The API is only read, to wait for stages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { AREAS } from '../../domain/schemas';
import { AREA_LABELS } from '../../domain/labels';
import { asTyped } from '../../api/views/discussion';
import { callJson, eventually } from '../support/http';
import {
  bodyText,
  expectNoAxeViolations,
  launchChromium,
  type Product,
  Recorder,
  signInWith,
  startProduct,
} from './browser';

// The whole journey on a slow, shared machine.
jest.setTimeout(600_000);

const SHOT_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'console');
/** Waits for what the server does after a click: generous, as the machine is shared. */
const WAIT = 60_000;

const AGENCIES = [
  { name: 'Dale Police', type: 'police', contactEmail: 'audits@dale-police.example', lead: 'lead@dale-police.example' },
  { name: 'Dale Health', type: 'health', contactEmail: 'audits@dale-health.example', lead: 'lead@dale-health.example' },
];
const FOCUS = 'Child exploitation';
const CHILDREN = ['Zephyrine Quixleworth', 'Tobiah Quixleworth'];
const RECOMMENDATIONS = ['Use the screening tool at first contact', 'Share chronologies before strategy meetings'];

let product: Product;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const recorder = new Recorder(SHOT_DIR);
let shots = 0;
let auditId: string;

/** Every form post the business unit and the LIS made from the console: the manager replays each. */
const posted: { url: string; contentType: string; body: Buffer; csrf: string }[] = [];
/**
 * "Start a new audit"'s fields as sent, and its file: Chromium does not show a file upload's body to
 * DevTools, so the manager's replay of that form is built from these.
 */
let newAuditForm: Record<string, string>;
let candidatesCsv: string;

const readApi = (url: string) => callJson(product.base, 'GET', url, { key: product.key('business_unit') });

const untilStage = (stage: string) =>
  eventually(
    async () => ((await readApi(`/api/audits/${auditId}`)).body.stage === stage ? true : undefined),
    `stage ${stage}`,
    WAIT,
  );

/** The page as it is now: a numbered screenshot, then axe-core. */
async function visit(name: string): Promise<void> {
  shots += 1;
  await recorder.shot(page, `${String(shots).padStart(2, '0')}-${name}`);
  await expectNoAxeViolations(page, `console-journey-${name}`);
}

/** The agency directory as the business unit imports it. */
const agenciesCsv = () =>
  ['name,type,contactEmail,leadEmail', ...AGENCIES.map((a) => `${a.name},${a.type},${a.contactEmail},${a.lead}`)].join(
    '\n',
  );

/** The session's CSRF token as a console form carries it (urlencoded or multipart). */
function csrfOf(body: string): string {
  const found = /(?:^|&)_csrf=([^&]+)/.exec(body) ?? /name="_csrf"\r\n\r\n([^\r\n]+)/.exec(body);
  return found ? decodeURIComponent(found[1]!) : '';
}

function keepPost(request: Request): void {
  if (request.method() !== 'POST' || !request.url().startsWith(product.base)) return;
  const { pathname } = new URL(request.url());
  if (pathname === '/sign-out') return;
  const body = request.postDataBuffer() ?? Buffer.alloc(0);
  posted.push({
    url: request.url(),
    contentType: request.headers()['content-type'] ?? '',
    body,
    csrf: csrfOf(body.toString('latin1')),
  });
}

/** A fresh browser as `email`, signed in by way of `to`, which it is then on. */
async function signedIn(email: string, to: string): Promise<void> {
  await context?.close();
  context = await recorder.context(browser);
  page = await context.newPage();
  page.on('request', keepPost);
  await page.goto(`${product.base}${to}`);
  await page.waitForURL(`${product.running.devStaff!.issuer}/**`);
  await signInWith(page, email, product.running.devStaff!.password);
  await page.waitForURL(`${product.base}${to}`, { timeout: WAIT });
}

/** Reloads until `locator` is on the page: the workflow moves on in its own time. */
async function reloadUntil(locator: Locator, what: string): Promise<void> {
  await eventually(
    async () => {
      if ((await locator.count()) > 0) return true;
      await page.waitForTimeout(500);
      await page.reload();
      return undefined;
    },
    what,
    WAIT,
  );
}

/** The newest links of this kind in the caught mail, once there are `count` of them. */
const mailedLinks = (kind: string, count: number) =>
  eventually(
    async () => {
      const all = (await callJson(product.base, 'GET', '/dev/mail/messages')).body as { text: string }[];
      const links = new Set(all.flatMap((m) => m.text.match(new RegExp(`/${kind}/[\\w-]{20,}`, 'g')) ?? []));
      return links.size === count ? [...links] : undefined;
    },
    `${count} ${kind} links`,
    WAIT,
  );

const recently = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString().slice(0, 10);

beforeAll(async () => {
  // This run's screenshots only: the set is the journey's record.
  fs.rmSync(SHOT_DIR, { recursive: true, force: true });
  [product, browser] = await Promise.all([startProduct(), launchChromium()]);
});

afterAll(async () => {
  // The signed-in context goes with the browser.
  await browser?.close();
  await product?.stop();
});

afterEach(() => {
  // Each step's pages, as they went: no console error, no uncaught exception, no CSP violation.
  expect(recorder.problems.splice(0)).toEqual([]);
});

test('the business unit imports the agencies and starts an audit from a candidate CSV', async () => {
  await signedIn('bu@dev.local', '/agencies');
  await visit('agencies');
  await page
    .getByLabel('Import agencies (CSV)')
    .setInputFiles({ name: 'agencies.csv', mimeType: 'text/csv', buffer: Buffer.from(agenciesCsv()) });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${product.base}/agencies/import/check`, { timeout: WAIT });
  expect(await page.locator('main').innerText()).toContain('2 to add, 0 to update');
  await visit('agencies-import-check');
  await page.getByRole('button', { name: 'Import agencies', exact: true }).click();
  await page.locator('.govuk-notification-banner').waitFor({ timeout: WAIT });
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('2 added');
  await visit('agencies-imported');

  await page.goto(`${product.base}/audits`);
  expect(await page.locator('main').innerText()).toContain('There are no audits yet.');
  await visit('audits-empty');
  await page.getByRole('button', { name: 'Start a new audit' }).click();
  await page.waitForURL(`${product.base}/audits/new`);
  await visit('new-audit');

  // The candidate pool as a file on disk, as the business unit would export it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-journey-'));
  const csv = path.join(dir, 'candidates.csv');
  const both = AGENCIES.map((a) => a.name).join(';');
  candidatesCsv = [
    'caseRef,serviceLevel,childName,childDateOfBirth,childLocalId,agencies,lastActivityAt',
    `NYC-2001,child_protection,${CHILDREN[0]},2014-03-02,LCS2001,${both},${recently(10)}`,
    `NYC-2002,child_in_need,${CHILDREN[1]},2012-07-19,LCS2002,${both},${recently(20)}`,
  ].join('\n');
  fs.writeFileSync(csv, candidatesCsv);
  await page.getByRole('radio', { name: FOCUS }).check();
  await page.getByRole('radio', { name: 'Business plan priority' }).check();
  await page.getByLabel('Cohort size').fill('1');
  await page.getByLabel('Candidate cases (CSV file)').setInputFiles(csv);
  // Its text fields as the browser will send them (evaluated as a string: the tests compile without DOM types).
  newAuditForm = await page.evaluate<Record<string, string>>(
    `Object.fromEntries([...new FormData(document.querySelector('main form[method=post]'))].filter((e) => typeof e[1] === 'string'))`,
  );
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${product.base}/audits/new/check`, { timeout: WAIT });
  // Chromium reads the file when the form is sent, not when it is chosen.
  fs.rmSync(dir, { recursive: true, force: true });
  const answers = await page.locator('.govuk-summary-list').innerText();
  expect(answers).toContain(FOCUS);
  expect(answers).toContain('candidates.csv: 2 cases');
  await visit('new-audit-check');

  await page.getByRole('button', { name: 'Start audit' }).click();
  await page.waitForURL(/\/audits\/[0-9a-f-]{36}$/, { timeout: WAIT });
  auditId = page.url().split('/').pop()!;
  await page.getByRole('heading', { level: 1, name: FOCUS }).waitFor();
  await visit('audit-started');
});

test('the business unit sends the invitations and the agencies answer through their emailed links', async () => {
  await page.goto(`${product.base}/audits/${auditId}/cohort`);
  const send = page.getByRole('button', { name: 'Send invitations' });
  await reloadUntil(send, 'the cohort drawn');
  const cohort = await bodyText(page);
  expect(CHILDREN.filter((name) => cohort.includes(name))).toHaveLength(1);
  await visit('cohort');
  await send.click();
  await page.waitForURL(/\?done=sent$/, { timeout: WAIT });
  await visit('cohort-sent');
  await untilStage('awaiting_submissions');

  await page.goto(`${product.base}/audits/${auditId}/invitations`);
  expect(await page.locator('tbody').innerText()).toContain('Not submitted');
  await visit('invitations');

  // Each agency's audit tool, sent as JSON to its emailed link (the form is audit-journey.test.ts's).
  const answer = {
    goodPractice: 'The child was seen alone',
    areasForDevelopment: 'Chronology not kept up to date',
    recommendations: 'Keep a single chronology',
    grade: 'good',
    rationale: 'Risk was recognised and acted on',
  };
  const sections = Object.fromEntries(AREAS.map((area) => [area, answer]));
  for (const link of await mailedLinks('respond', AGENCIES.length)) {
    expect([link, (await callJson(product.base, 'POST', link, { body: { sections, submit: true } })).status]).toEqual([
      link,
      200,
    ]);
  }
  await untilStage('collation');
  await page.reload();
  expect(await page.locator('tbody').innerText()).not.toContain('Not submitted');
  await visit('invitations-submitted');
});

test('the business unit schedules the discussion, an hour ago, and records its outcome', async () => {
  await page.goto(`${product.base}/audits/${auditId}/discussion`);
  await page.getByRole('heading', { level: 1, name: 'Discussion' }).waitFor();
  await visit('discussion');
  await page.getByLabel('Date and time').fill(asTyped(new Date(Date.now() - 3600_000)));
  await page.getByLabel('Place').fill('Room 4, County Hall');
  await page.getByRole('button', { name: 'Schedule the discussion' }).click();
  await page.waitForURL(/\?done=scheduled$/, { timeout: WAIT });
  await untilStage('discussion');
  const record = page.getByRole('button', { name: 'Record the outcome' });
  await reloadUntil(record, 'the outcome form');
  await visit('discussion-scheduled');

  for (const agency of AGENCIES) await page.getByRole('checkbox', { name: agency.name }).check();
  for (const area of Object.values(AREA_LABELS)) {
    await page
      .getByRole('group', { name: `${area}: the panel's grade` })
      .getByLabel('Good', { exact: true })
      .check();
    await page.getByLabel(`${area}: the panel's conclusions`).fill(`Agreed on ${area}`);
  }
  await page.getByRole('button', { name: 'Add another recommendation' }).click();
  await page.getByRole('group', { name: 'Recommendation 2' }).waitFor({ timeout: WAIT });
  for (const [i, description] of RECOMMENDATIONS.entries()) {
    const row = page.getByRole('group', { name: `Recommendation ${i + 1}` });
    await row.getByLabel('What is to be done').fill(description);
    await row.getByLabel('Owner agency').selectOption({ label: AGENCIES[i]!.name });
    await row.getByLabel('Due date').fill('30/6/2027');
  }
  await record.click();
  await page.waitForURL(/\?done=recorded$/, { timeout: WAIT });
  expect(await bodyText(page)).toContain('The outcome has been recorded');
  await visit('discussion-recorded');
  await untilStage('report');
});

test('the business unit checks the report for identifying details and submits it; the practitioners approve by their links', async () => {
  await page.goto(`${product.base}/audits/${auditId}/report`);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Summary report');
  await visit('report');
  await page.getByLabel('Themes').fill('Information sharing between agencies');
  await page.getByRole('button', { name: 'Check for identifying details' }).click();
  const banner = page.locator('.govuk-notification-banner');
  await banner.waitFor({ timeout: WAIT });
  expect(await banner.innerText()).toContain('No identifying details found');
  await visit('report-checked');
  await page.getByRole('button', { name: 'Submit for approval' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/report?submitted=1`, { timeout: WAIT });
  expect(await banner.innerText()).toContain('Version 1 submitted for approval');
  await visit('report-submitted');
  await page.getByRole('link', { name: 'Printable view of the latest version' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/report/print`);
  await visit('report-print');

  await untilStage('practitioner_approval');
  for (const link of await mailedLinks('approve', AGENCIES.length)) {
    const res = await callJson(product.base, 'POST', link, { body: { decision: 'approve' } });
    expect([link, res.status]).toEqual([link, 200]);
  }
  await untilStage('lis_signoff');
});

test('the LIS approves on the sign-off page and closes the actions until the audit is completed', async () => {
  await signedIn('lis@dev.local', `/audits/${auditId}/sign-off`);
  await visit('sign-off');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('.govuk-notification-banner').waitFor({ timeout: WAIT });
  await visit('signed-off');
  await untilStage('action_follow_up');

  await page.goto(`${product.base}/audits/${auditId}/actions`);
  const shown = await bodyText(page);
  for (const description of RECOMMENDATIONS) expect(shown).toContain(description);
  await visit('audit-actions');

  await page.goto(`${product.base}/actions`);
  await visit('actions');
  const close = page.getByRole('button', { name: /^Close action/ });
  for (let left = RECOMMENDATIONS.length; left > 0; left--) {
    expect(await close.count()).toBe(left);
    await close.first().click();
    await page.waitForURL(/closed=1/, { timeout: WAIT });
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Action closed');
    // The list the close redirects to shows it closed already, though the workflow writes it only after answering.
    expect(await close.count()).toBe(left - 1);
  }
  expect(await close.count()).toBe(0);
  await visit('actions-closed');

  await untilStage('completed');
  await page.goto(`${product.base}/audits/${auditId}`);
  expect(await bodyText(page)).toContain('Completed');
  await visit('audit-completed');
  await page.goto(`${product.base}/audits/${auditId}/trail`);
  await visit('trail');
});

/** What the refusals must leave as it was: the audit, the directory, the list and the trail. */
async function everything(): Promise<unknown> {
  const [audit, agencies, audits] = await Promise.all([
    readApi(`/api/audits/${auditId}`),
    readApi('/api/agencies'),
    readApi('/api/audits'),
  ]);
  await page.goto(`${product.base}/audits/${auditId}/trail`);
  return { audit: audit.body, agencies: agencies.body, audits: audits.body, trail: await bodyText(page) };
}

test('a manager reads every page and is refused every change the business unit and the LIS made', async () => {
  await signedIn('manager@dev.local', '/audits');
  const pages = [
    '/audits',
    `/audits/${auditId}`,
    `/audits/${auditId}/cohort`,
    `/audits/${auditId}/invitations`,
    `/audits/${auditId}/discussion`,
    `/audits/${auditId}/report`,
    `/audits/${auditId}/report/print`,
    `/audits/${auditId}/sign-off`,
    `/audits/${auditId}/actions`,
    '/actions',
    `/audits/${auditId}/trail`,
    '/agencies',
  ];
  for (const at of pages) {
    const res = await page.goto(`${product.base}${at}`);
    expect([at, res?.status()]).toEqual([at, 200]);
    // Read only: nothing to post in the page's content (the audits list's filters are a GET form).
    expect([at, await page.locator('main form[method=post]').count()]).toEqual([at, 0]);
    // Nor the children's names: the cohort page shows the manager age bands instead.
    const shown = await bodyText(page);
    expect([at, CHILDREN.filter((name) => shown.includes(name))]).toEqual([at, []]);
    await visit(`manager${at.replace(auditId, 'audit').replaceAll('/', '-')}`);
  }

  // Every form the business unit and the LIS posted, with the manager's own token in place of theirs.
  const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
  expect(csrf).toMatch(/^[\w-]{20,}$/);
  const forms = new Set(posted.map((p) => new URL(p.url).pathname.replace(/[0-9a-f-]{36}/g, ':id')));
  expect([...forms].sort()).toEqual(
    [
      '/actions/:id/close',
      '/agencies',
      '/agencies/import/check',
      '/audits/:id/cohort/send-invitations',
      '/audits/:id/discussion',
      '/audits/:id/discussion/outcome',
      '/audits/:id/report',
      '/audits/:id/sign-off',
      '/audits/new',
      '/audits/new/check',
    ].sort(),
  );
  const before = await everything();
  for (const form of posted) {
    const res =
      form.csrf === '' && form.contentType.startsWith('multipart/')
        ? await page.request.post(form.url, {
            // A file's form (Chromium keeps no body for it): sent again whole, with the manager's token.
            multipart: new URL(form.url).pathname.startsWith('/agencies')
              ? {
                  _csrf: csrf,
                  action: 'import',
                  agencies: { name: 'agencies.csv', mimeType: 'text/csv', buffer: Buffer.from(agenciesCsv()) },
                }
              : {
                  ...newAuditForm,
                  _csrf: csrf,
                  candidates: { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(candidatesCsv) },
                },
            maxRedirects: 0,
          })
        : await page.request.fetch(form.url, {
            method: 'POST',
            headers: { 'content-type': form.contentType },
            data: Buffer.from(form.body.toString('latin1').replaceAll(form.csrf, csrf), 'latin1'),
            maxRedirects: 0,
          });
    expect([form.url, form.csrf === '' ? form.contentType.split(';')[0] : 'has token']).toEqual([
      form.url,
      form.csrf === '' ? 'multipart/form-data' : 'has token',
    ]);
    // The role check's refusal, not the CSRF check's.
    expect([form.url, res.status(), await res.text()]).toEqual([
      form.url,
      403,
      expect.stringContaining('This page is for the role'),
    ]);
  }
  expect(await everything()).toEqual(before);
});

test('every page visited was kept as a full-page screenshot', () => {
  expect(recorder.screenshots.length).toBe(shots);
  expect(recorder.screenshots.map((file) => path.basename(file))).toEqual(
    [
      'agencies',
      'agencies-import-check',
      'agencies-imported',
      'audits-empty',
      'new-audit',
      'new-audit-check',
      'audit-started',
      'cohort',
      'cohort-sent',
      'invitations',
      'invitations-submitted',
      'discussion',
      'discussion-scheduled',
      'discussion-recorded',
      'report',
      'report-checked',
      'report-submitted',
      'report-print',
      'sign-off',
      'signed-off',
      'audit-actions',
      'actions',
      'actions-closed',
      'audit-completed',
      'trail',
      'manager-audits',
      'manager-audits-audit',
      'manager-audits-audit-cohort',
      'manager-audits-audit-invitations',
      'manager-audits-audit-discussion',
      'manager-audits-audit-report',
      'manager-audits-audit-report-print',
      'manager-audits-audit-sign-off',
      'manager-audits-audit-actions',
      'manager-actions',
      'manager-audits-audit-trail',
      'manager-agencies',
    ].map((name, i) => `${String(i + 1).padStart(2, '0')}-${name}.png`),
  );
  recorder.expectScreenshots();
});

// The console's report, sign-off, actions and agencies pages in Chromium, signed in through the embedded
// OpenID provider's own page as the business unit, the LIS and a manager: each page empty or filled, its
// error states and its answers, checked by axe-core (WCAG 2.2 A and AA) with a screenshot each. The app runs
// over a real database with a stand-in for Temporal that accepts every update.
import type { Client } from '@temporalio/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEV_STAFF, type EmbeddedOidc, startEmbeddedOidc } from '../../dev/oidc';
import { type Served, useAppBed } from '../support/app-bed';
import { insertAudit, insertAuditWithLinks } from '../support/fixtures';
import { submissionContent } from '../support/lifecycle';
import { freePort } from '../support/ports';
import { type AxeCounts, checkPage, launchChromium, Recorder, signedInPage } from './browser';

jest.setTimeout(120_000);

const DAY = 24 * 3600 * 1000;
const PASSWORD = 'console report password';

const acceptingClient = {
  workflow: {
    getHandle: () => ({ executeUpdate: () => Promise.resolve({ stage: 'action_follow_up', status: 'closed' }) }),
  },
} as unknown as Client;

const { bed, serve } = useAppBed({ client: acceptingClient, linkRateLimit: { limit: 10_000, windowMs: 60_000 } });

let provider: EmbeddedOidc;
let app: Served;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];

/** An audit whose first child's agency has submitted (the report's draft has something in it), with actions. */
let auditId: string;
/** An audit whose version 1 is with the practitioners, one approval pending. */
let signOffAuditId: string;

beforeAll(async () => {
  const port = await freePort();
  const redirectUrl = `http://127.0.0.1:${port}/sign-in/callback`;
  provider = await startEmbeddedOidc({ port: 0, redirectUrl, accounts: DEV_STAFF, password: PASSWORD });
  app = await serve({
    oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUrl },
    port,
  });
  for (const { email, name, role } of DEV_STAFF) await bed.db.staff.create({ data: { email, name, role } });
  browser = await launchChromium();

  const { db } = bed;
  const audit = await insertAudit(db);
  auditId = audit.auditId;
  const kase = await db.case.findFirstOrThrow({ where: { auditId }, orderBy: { caseRef: 'asc' } });
  await db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
  const invitation = await db.invitation.create({
    data: { auditId, caseId: kase.id, agencyId: audit.agencies[0]!.id, status: 'submitted', dueAt: new Date() },
  });
  await db.submission.create({
    data: { invitationId: invitation.id, content: submissionContent(), submittedAt: new Date() },
  });
  // 27 actions: two pages, the first two overdue, one with its owner's latest report.
  for (let n = 1; n <= 27; n++) {
    await db.action.create({
      data: {
        auditId,
        number: n,
        kind: n % 3 ? 'recommendation' : 'urgent_action',
        description: `Brief every team on the escalation protocol (${n})`,
        ownerAgencyId: audit.agencies[n % 3]!.id,
        dueAt: new Date(Date.now() + (n - 2.5) * 30 * DAY),
        rag: n === 1 ? 'amber' : null,
      },
    });
  }
  const first = await db.action.findFirstOrThrow({ where: { auditId, number: 1 } });
  await db.actionProgress.create({
    data: {
      actionId: first.id,
      quarter: 1,
      status: 'amber',
      update: 'Training booked for March',
      impactEvidence: 'Two referrals escalated correctly',
      reportedAt: new Date(),
    },
  });
  signOffAuditId = (await insertAuditWithLinks(db, 'browser-sign-off')).auditId;
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await provider?.stop();
});

afterEach(() => {
  expect(recorder.problems.splice(0)).toEqual([]);
});

const shotAndAxe = checkPage(recorder, 'console-report');
const check = async (label: string) => void checked.push(await shotAndAxe(page, label));

/** A fresh browser, signed in through the provider's own page as this account, on `path`. */
async function signInAs(email: string, path: string): Promise<void> {
  await context?.close();
  const at = { base: app.base, issuer: provider.issuer, password: PASSWORD };
  ({ context, page } = await signedInPage(recorder, browser, at, email, path));
}

/** Presses a button and waits for the page it answers with; a refusal's status is expected and taken. */
async function press(name: string, status = 200): Promise<void> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.getByRole('button', { name }).first().click(),
  ]);
  await page.waitForLoadState('load');
  // A POST answered with a redirect is followed to a 200 page.
  expect([name, res.status() === 303 ? 200 : res.status()]).toEqual([name, status]);
  if (status >= 400) await recorder.takeRefusal(page, status);
}

const errorSummary = () => page.locator('.govuk-error-summary').innerText();

it('the business unit checks, submits and prints the report, then signs it off on the LIS’s behalf', async () => {
  await signInAs('bu@dev.local', `/audits/${auditId}/report`);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Summary report');
  expect(await page.getByLabel('Areas working well').inputValue()).not.toBe('');
  await check('draft');

  await page.getByLabel('Themes').fill('Information sharing\nZephyrine Quixleworth was not seen alone');
  await press('Check for identifying details');
  expect(await errorSummary()).toContain('Remove the identifying details from Themes');
  expect(await page.locator('mark').first().innerText()).toMatch(/Zephyrine|Quixleworth/);
  expect(await page.getByLabel('Themes').inputValue()).toContain('Zephyrine Quixleworth was not seen alone');
  await check('check-findings');

  await press('Submit for approval', 422);
  expect(await errorSummary()).toContain('Remove the identifying details from Themes');
  await check('submit-refused');

  await page.getByLabel('Themes').fill('Information sharing');
  await press('Check for identifying details');
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('No identifying details found');
  await check('check-clean');
  await press('Submit for approval');
  expect(page.url()).toBe(`${app.base}/audits/${auditId}/report?submitted=1`);
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Version 1 submitted for approval');
  await check('submitted');

  await page.getByRole('link', { name: 'Printable view of the latest version' }).click();
  await page.waitForURL(`${app.base}/audits/${auditId}/report/print`);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Summary report, version 1');
  await check('print');

  await page.goto(`${app.base}/audits/${signOffAuditId}/sign-off`);
  await check('sign-off');
  await press('Return with comments', 422);
  expect(await errorSummary()).toContain('Enter comments saying what must change');
  await check('sign-off-error');
  await page.getByLabel('Comments').fill('Say more about how the schools were involved');
  await press('Return with comments');
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('returned');
  await check('sign-off-returned');
});

it('the LIS reads the actions overdue first, a page at a time, and closes one', async () => {
  await signInAs('lis@dev.local', '/actions');
  const first = page.locator('tbody tr').first();
  expect(await first.innerText()).toContain('Overdue');
  expect(await first.innerText()).toContain('Training booked for March');
  await check('actions');
  await page.getByRole('link', { name: 'Next' }).click();
  await page.waitForURL(`${app.base}/actions?page=2`);
  // 28 in all: this audit's 27 and the sign-off audit's one.
  expect(await page.locator('tbody tr').count()).toBe(3);
  await check('actions-page-2');

  await page.goto(`${app.base}/audits/${auditId}/actions`);
  await press('Close action Action 1');
  expect(page.url()).toBe(`${app.base}/audits/${auditId}/actions?closed=1`);
  await check('action-closed');
  // A close the command refuses (closed meanwhile) is shown beside the list.
  const two = await bed.db.action.findFirstOrThrow({ where: { auditId, number: 2 } });
  await bed.db.action.update({ where: { id: two.id }, data: { status: 'closed' } });
  await press('Close action Action 2', 409);
  expect(await errorSummary()).toContain('This action is closed already.');
  await check('action-close-refused');
});

it('the business unit keeps the agency directory: add, change, import a CSV, each with its error state', async () => {
  await signInAs('bu@dev.local', '/agencies');
  await check('agencies');
  const add = page.locator('form').filter({ has: page.locator('input[name=action][value=add]') });
  await add.getByLabel('Name').fill('Harbour Housing');
  await add.getByLabel('Contact email address').fill('not an email');
  await press('Add an agency', 400);
  expect(await errorSummary()).toContain('Choose the type of agency');
  expect(await add.getByLabel('Name').inputValue()).toBe('Harbour Housing');
  await check('agency-add-error');
  await add.getByLabel('Type').selectOption('housing');
  await add.getByLabel('Contact email address').fill('audits@harbour.example');
  await add.getByLabel('Agency lead’s email address').fill('lead@harbour.example');
  await press('Add an agency');
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Agency added');

  await page.getByRole('link', { name: 'Change Harbour Housing' }).click();
  await check('agency-edit');
  await page.getByLabel('Agency lead’s email address').fill('');
  await press('Save changes', 400);
  await check('agency-edit-error');
  await page.getByLabel('Agency lead’s email address').fill('head@harbour.example');
  await press('Save changes');
  expect(await page.locator('table').innerText()).toContain('head@harbour.example');

  const file = (text: string) => ({ name: 'agencies.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page
    .getByLabel('Import agencies (CSV)')
    .setInputFiles(
      file(
        'name,type,contactEmail,leadEmail\nDale Police,police,audits@dale.example,lead@dale.example\nDale Health,hospital,x,lead@dalehealth.example',
      ),
    );
  await press('Continue', 400);
  expect(await errorSummary()).toContain('agencies.csv line 3, column type');
  expect(await errorSummary()).toContain('agencies.csv line 3, column contactEmail');
  await check('agencies-import-error');
  await page
    .getByLabel('Import agencies (CSV)')
    .setInputFiles(
      file(
        'name,type,contactEmail,leadEmail\nDale Police,police,audits@dale.example,lead@dale.example\nHarbour Housing,housing,audits@harbour.example,lead@harbour.example',
      ),
    );
  await press('Continue');
  expect(page.url()).toBe(`${app.base}/agencies/import/check`);
  expect(await page.locator('main').innerText()).toContain('1 to add, 1 to update');
  await check('agencies-import-check');
  await press('Import agencies');
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('1 added');
  await check('agencies-imported');
});

it('a manager reads every page and is offered no change', async () => {
  await signInAs('manager@dev.local', `/audits/${auditId}/report`);
  expect(await page.locator('main textarea').count()).toBe(0);
  await check('manager-report');
  for (const path of [`/audits/${signOffAuditId}/sign-off`, '/actions', '/agencies']) {
    await page.goto(`${app.base}${path}`);
    expect([path, await page.locator('main button').count()]).toEqual([path, 0]);
  }
  await check('manager-agencies');
  recorder.expectScreenshots();
  expect(checked.length).toBe(22);
});

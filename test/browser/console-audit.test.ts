// One audit in the staff console, in Chromium, against the whole product as `npm start` runs it: the business
// unit signs in through the embedded OpenID provider, reads the audit's task list, raises a concern (first
// with nothing filled in), cancels the audit (first without a reason) and reads the trail. axe-core (WCAG 2.2
// A and AA) on every page and error state on the way; a screenshot of each under test-artifacts/screenshots/.
// And "Send again" beside an invitation the mail server refused for good, on a second audit.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDb } from '../../infra/db';
import { AGENCIES, candidates } from '../support/fixtures';
import { callJson, eventually } from '../support/http';
import {
  auditThroughApi,
  type AxeCounts,
  businessUnitApi,
  checkPage,
  devSignIn,
  launchChromium,
  type Product,
  Recorder,
  signedInPage,
  startProduct,
  untilStage,
} from './browser';

jest.setTimeout(120_000);

let product: Product;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];
let auditId: string;
const agencyName = AGENCIES[1].name;

beforeAll(async () => {
  browser = await launchChromium();
  product = await startProduct();
  ({ auditId } = await auditThroughApi(product, {
    agencies: AGENCIES.slice(0, 2),
    audit: (agencyIds) => ({
      focus: 'Missing from home and care',
      focusSource: 'practice_review',
      cohortSize: 2,
      candidates: candidates(agencyIds),
    }),
  }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await product?.stop();
});

const shotAndAxe = checkPage(recorder, 'console-audit');
const check = async (label: string) => void checked.push(await shotAndAxe(page, label));

const takeRefusal = (status: number) => recorder.takeRefusal(page, status);

const errorSummary = () => page.locator('.govuk-error-summary').innerText();

it('the business unit signs in to an audit, raises a concern, cancels the audit and reads its trail', async () => {
  // Signed in by way of the audit asked for, and back there: its stages, the first done, the invitations in progress.
  ({ context, page } = await signedInPage(recorder, browser, devSignIn(product), 'bu@dev.local', `/audits/${auditId}`));
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Missing from home and care');
  const stages = page.locator('.govuk-task-list__item');
  expect(await stages.count()).toBe(9);
  expect(await stages.nth(0).locator('.govuk-task-list__status').innerText()).toBe('Done');
  expect(await stages.nth(1).locator('.govuk-task-list__status').innerText()).toMatch(/in progress/i);
  expect(await page.getByRole('link', { name: 'Invitations' }).getAttribute('href')).toBe(
    `/audits/${auditId}/invitations`,
  );
  await check('audit');

  // "Raise a concern" with nothing filled in: the error summary, each field linked.
  await page.getByLabel('Description', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Raise a concern' }).click();
  await takeRefusal(400);
  expect(await errorSummary()).toContain('Choose the agency whose lead must be told');
  expect(await errorSummary()).toContain('Describe the concern');
  await check('concern-error');
  await page.getByLabel('Agency', { exact: true }).selectOption({ label: agencyName });
  await page.getByLabel('Description', { exact: true }).fill('Unsafe practice seen at a strategy meeting');
  await page.getByRole('button', { name: 'Raise a concern' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}?done=concern`);
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Concern raised');
  expect(await page.locator('#escalations + table').innerText()).toContain(agencyName);
  await check('concern-raised');

  // "Cancel this audit": a confirmation; without a reason, the error summary.
  await page.getByRole('button', { name: 'Cancel this audit' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/cancel`);
  await check('cancel');
  await page.getByRole('button', { name: 'Yes, cancel this audit' }).click();
  await takeRefusal(400);
  expect(await errorSummary()).toContain('Enter the reason for cancelling this audit');
  await check('cancel-error');
  await page.getByLabel('Reason', { exact: true }).fill('The partnership changed its priorities');
  await page.getByRole('button', { name: 'Yes, cancel this audit' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}?done=cancelled`);
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Audit cancelled');
  await eventually(async () => {
    await page.reload();
    return (await page.locator('.govuk-tag').first().innerText()).match(/cancelled/i) ? true : undefined;
  }, 'the cancelled stage');
  expect(await page.getByRole('button', { name: 'Cancel this audit' }).count()).toBe(0);
  await check('cancelled');

  // The trail: who did each of these, newest first.
  await page.getByRole('link', { name: 'Audit trail' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/trail`);
  const trail = await page.locator('table').innerText();
  expect(trail).toContain('audit.cancelled');
  expect(trail).toContain('concern.raised');
  expect(trail).toContain('Bea Bailey (business unit)');
  expect(trail.indexOf('audit.cancelled')).toBeLessThan(trail.indexOf('concern.raised'));
  await check('trail');

  await recorder.expectWatching(page);
  expect(recorder.problems).toEqual([]);
  recorder.expectScreenshots();
  expect(checked.length).toBe(7);
});

it('the business unit sends an invitation the mail server refused again, from the audit page', async () => {
  // The embedded catcher takes every message, so the refusal is written into the outbox as the email activity
  // writes it (test/api/send-again.test.ts has a relay refuse one for real).
  const api = businessUnitApi(product);
  const police = (await api('GET', '/api/agencies')).body.find(
    (a: { contactEmail: string }) => a.contactEmail === AGENCIES[0].contactEmail,
  );
  const started = await api('POST', '/api/audits', {
    focus: 'Domestic abuse',
    focusSource: 'practice_concern',
    cohortSize: 1,
    candidates: candidates([police.id]),
  });
  expect(started.status).toBe(201);
  const id: string = started.body.id;
  await untilStage(product, id, 'invitations');
  expect((await api('POST', `/api/audits/${id}/invitations/send`)).status).toBe(202);
  const db = createDb(product.running.databaseUrl);
  try {
    const invitation = await eventually(
      () =>
        db.emailOutbox
          .findFirst({ where: { auditId: id, template: 'invitation', status: 'sent' } })
          .then((r) => r ?? undefined),
      'the invitation sent',
    );
    await db.emailOutbox.update({
      where: { key: invitation.key },
      data: { status: 'failed', lastError: '550 5.1.1 No such user', sentAt: null },
    });
  } finally {
    await db.$disconnect();
  }
  /** The invitations the catcher has taken for the police's contact. */
  const invitationsToPolice = async () =>
    ((await callJson(product.base, 'GET', '/dev/mail/messages')).body as { to: string[]; subject: string }[]).filter(
      (m) => m.to.includes(police.contactEmail) && m.subject.includes('please complete an audit tool'),
    ).length;
  const sendAgain = { name: `Send again the invitation email to ${police.contactEmail}` };
  const before = checked.length;

  // Still signed in from the test above: the refused invitation, its reason, and its button.
  page = await context.newPage();
  await page.goto(`${product.base}/audits/${id}`);
  const row = page.locator('#emails + table tbody tr');
  expect(await row.count()).toBe(1);
  expect(await row.innerText()).toContain('Invitation email');
  expect(await row.innerText()).toContain('550 5.1.1 No such user');
  expect(await page.getByRole('button', sendAgain).count()).toBe(1);
  await check('email-failed');

  // A second tab keeps the page as it is now, for a click after this one.
  const stale = await context.newPage();
  await stale.goto(`${product.base}/audits/${id}`);
  const sent = await invitationsToPolice();
  await page.getByRole('button', sendAgain).click();
  await page.waitForURL(`${product.base}/audits/${id}?done=sent-again`);
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Email being sent again');
  await check('email-sent-again');
  await eventually(async () => ((await invitationsToPolice()) === sent + 1 ? true : undefined), 'the invitation again');
  await eventually(async () => {
    await page.reload();
    return (await page.locator('#emails + table').count()) === 0 ? true : undefined;
  }, 'the email gone from the list');
  expect(await page.locator('#emails + p').innerText()).toBe('Every email has gone, and every step has been done.');

  // The same button on the page loaded before: refused, in the error summary.
  page = stale;
  await page.getByRole('button', sendAgain).click();
  await takeRefusal(409);
  expect(await errorSummary()).toContain('This email has been delivered');
  await check('email-refused');
  expect(await invitationsToPolice()).toBe(sent + 1);

  expect(recorder.problems).toEqual([]);
  expect(checked.length - before).toBe(3);
});

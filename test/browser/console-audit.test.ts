// One audit in the staff console, in Chromium, against the whole product as `npm start` runs it: the business
// unit signs in through the embedded OpenID provider, reads the audit's task list, raises a concern (first
// with nothing filled in), cancels the audit (first without a reason) and reads the trail. axe-core (WCAG 2.2
// A and AA) on every page and error state on the way; a screenshot of each under test-artifacts/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AGENCIES, candidates } from '../support/fixtures';
import { eventually } from '../support/http';
import {
  auditThroughApi,
  type AxeCounts,
  checkPage,
  devSignIn,
  launchChromium,
  type Product,
  Recorder,
  signedInPage,
  startProduct,
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

// The console's invitations page in Chromium, against the whole product as `npm start` runs it: the business
// unit signs in, sees each audit tool's status and deadline, changes a contact (a refused address first:
// the error summary with what was typed kept), extends every deadline (a date that is not one first); a
// manager sees the page without its buttons and is refused a change (403). axe-core on every page and
// error state on the way.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AGENCIES, candidates } from '../support/fixtures';
import {
  auditThroughApi,
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

jest.setTimeout(180_000);

let product: Product;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let auditId: string;
const recorder = new Recorder();

beforeAll(async () => {
  product = await startProduct();
  browser = await launchChromium();
  ({ auditId } = await auditThroughApi(product, {
    agencies: AGENCIES,
    audit: (agencyIds) => ({
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize: 1,
      candidates: candidates(agencyIds),
    }),
  }));
  expect((await businessUnitApi(product)('POST', `/api/audits/${auditId}/invitations/send`)).status).toBe(202);
  await untilStage(product, auditId, 'awaiting_submissions');
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await product?.stop();
});

const shotAndAxe = checkPage(recorder, 'invitations');
const check = (label: string) => shotAndAxe(page, label);
const takeRefusal = (status: number) => recorder.takeRefusal(page, status);

async function signIn(email: string): Promise<void> {
  const path = `/audits/${auditId}/invitations`;
  ({ context, page } = await signedInPage(recorder, browser, devSignIn(product), email, path));
}

const rows = () => page.locator('#invitations tbody tr');

it('the business unit changes a contact and extends every deadline, refusals shown with what was typed', async () => {
  await signIn('bu@dev.local');
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Invitations');
  expect(await rows().count()).toBeGreaterThanOrEqual(2);
  expect(await rows().first().innerText()).toContain('Not submitted');
  for (const label of ['Extend deadline', 'Change contact', 'Send the link again', 'No involvement'])
    expect(await rows().first().getByText(label).count()).toBe(1);
  await check('list');

  await rows()
    .first()
    .getByRole('link', { name: /^Change contact/ })
    .click();
  await page.getByLabel('New contact email address').fill('not an address');
  await page.getByRole('button', { name: 'Change contact' }).click();
  await takeRefusal(400);
  expect(await page.locator('.govuk-error-summary').innerText()).toContain(
    'Enter an email address in the correct format',
  );
  expect(await page.getByLabel('New contact email address').inputValue()).toBe('not an address');
  await check('contact-error');

  await page.getByLabel('New contact email address').fill('new.contact@agency.test');
  await page.getByRole('button', { name: 'Change contact' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/invitations?done=contact`);
  expect(await page.locator('.govuk-notification-banner').innerText()).toContain('a new link sent to them');
  await check('contact-changed');

  await page.getByLabel('Day').fill('31');
  await page.getByLabel('Month').fill('2');
  await page.getByLabel('Year').fill('2099');
  await page.getByRole('button', { name: 'Extend all deadlines' }).click();
  await takeRefusal(400);
  expect(await page.locator('.govuk-error-summary').innerText()).toContain('real date');
  expect(await page.getByLabel('Day').inputValue()).toBe('31');
  await check('extend-error');

  await page.getByLabel('Day').fill('1');
  await page.getByLabel('Month').fill('3');
  await page.getByRole('button', { name: 'Extend all deadlines' }).click();
  await page.waitForURL(`${product.base}/audits/${auditId}/invitations?done=extend-all`);
  expect(await rows().first().innerText()).toContain('2099');
  expect(recorder.problems).toEqual([]);
});

it('a manager reads the page without its buttons and is refused a change', async () => {
  await context.close();
  await signIn('manager@dev.local');
  expect(await page.getByRole('button', { name: /Send the link again/ }).count()).toBe(0);
  expect(await page.getByRole('link', { name: /Change contact/ }).count()).toBe(0);
  await check('manager');
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  const refused = await page.request.post(`${product.base}/audits/${auditId}/invitations`, {
    form: { _csrf: csrf, action: 'extend-all', 'dueAt-day': '1', 'dueAt-month': '4', 'dueAt-year': '2099' },
  });
  expect(refused.status()).toBe(403);
  expect(recorder.problems).toEqual([]);
});

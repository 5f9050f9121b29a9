// A newcomer in Chromium, against the whole product as `npm start` runs it (its embedded OpenID provider and
// development accounts included): the start page, "Sign in", the provider's own page, the audits, the staff
// directory, sign-out; a deactivated account refused. axe-core (WCAG 2.2 A and AA) on every page on the way,
// its error states too; a screenshot of each under test-artifacts/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type AxeCounts,
  expectNoAxeViolations,
  launchChromium,
  type Product,
  Recorder,
  signInWith as signInWithOf,
  startProduct,
  takeRefusal as takeRefusalOf,
} from './browser';

jest.setTimeout(120_000);

let product: Product;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];

beforeAll(async () => {
  product = await startProduct();
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await product?.stop();
});

async function check(label: string): Promise<void> {
  await recorder.shot(page, `staff-${label}`);
  checked.push(await expectNoAxeViolations(page, `staff-${label}`));
}

const takeRefusal = (status: number) => takeRefusalOf(recorder, page, status);
const signInWith = (email: string, password: string) => signInWithOf(page, email, password);

const PASSWORD = () => product.running.devStaff!.password;

it('a newcomer signs in from the start page, reaches the audits and the staff directory, and signs out', async () => {
  context = await recorder.context(browser);
  page = await context.newPage();
  await page.goto(`${product.base}/`);
  await check('start');
  await page
    .getByRole('button', { name: 'Sign in' })
    .or(page.getByRole('link', { name: 'Sign in' }))
    .first()
    .click();

  // The provider's own page: a wrong password first.
  await page.waitForURL(`${product.running.devStaff!.issuer}/**`);
  await check('provider-sign-in');
  await signInWith('bu@dev.local', 'not the password');
  await takeRefusal(401);
  expect(await page.getByRole('alert').innerText()).toContain('not right');
  await check('provider-wrong-password');
  await signInWith('bu@dev.local', PASSWORD());

  await page.waitForURL(`${product.base}/audits`);
  expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Audits');
  expect(await page.locator('header').innerText()).toContain('Bea Bailey (business unit)');
  await check('audits');

  await page.getByRole('link', { name: 'Staff' }).click();
  await page.waitForURL(`${product.base}/staff`);
  await check('staff');
  // A refusal keeps what was typed, in the design system's error summary.
  await page.getByLabel('Email address').fill('not an email');
  await page.getByLabel('Full name').fill('Pat Price');
  await page.getByRole('radio', { name: 'Manager', exact: true }).check();
  await page.getByRole('button', { name: 'Add a person' }).click();
  await takeRefusal(400);
  expect(await page.locator('.govuk-error-summary').innerText()).toContain('There is a problem');
  expect(await page.getByLabel('Full name').inputValue()).toBe('Pat Price');
  await check('staff-error');
  await page.getByLabel('Email address').fill('pat.price@partnership.example');
  await page.getByRole('button', { name: 'Add a person' }).click();
  await page.waitForURL(`${product.base}/staff`);
  expect(await page.locator('table').innerText()).toContain('pat.price@partnership.example');

  await page.getByRole('button', { name: 'Deactivate Max Morgan (manager)' }).click();
  await page.waitForURL(`${product.base}/staff`);
  expect(await page.getByRole('row', { name: /Max Morgan/ }).innerText()).toContain('Deactivated');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${product.base}/`);
  // Signed out on the server: the console sends the browser to sign in again.
  await page.goto(`${product.base}/audits`);
  await page.waitForURL(`${product.running.devStaff!.issuer}/**`);
  expect(recorder.problems).toEqual([]);
});

it('a deactivated account is refused with a page saying what to do', async () => {
  await context.close();
  context = await recorder.context(browser);
  page = await context.newPage();
  await page.goto(`${product.base}/sign-in`);
  await signInWith('manager@dev.local', PASSWORD());
  await page.waitForURL(`${product.base}/sign-in/callback**`);
  await takeRefusal(403);
  expect(await page.locator('main').innerText()).toContain('Ask the business unit to add you');
  await check('refused');
  expect(recorder.problems).toEqual([]);
  recorder.expectScreenshots();
  expect(checked.length).toBe(7);
});

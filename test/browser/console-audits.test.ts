// "Start a new audit" in Chromium, against the whole product as `npm start` runs it, signed in as
// bu@dev.local through the embedded OpenID provider: the empty audits list, the form, a candidate CSV with
// problems (the error summary, what was typed kept), a good CSV, check your answers, "Start audit", and the
// list with the new audit in it. axe-core (WCAG 2.2 A and AA) on each page and state; screenshots under
// test-artifacts/screenshots/.
import type { Browser, Page } from 'playwright-core';
import {
  type AxeCounts,
  checkPage,
  devSignIn,
  launchChromium,
  type Product,
  Recorder,
  signedInPage,
  startProduct,
} from './browser';

jest.setTimeout(180_000);

let product: Product;
let browser: Browser;
/** The journey's one tab. */
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launchChromium()]);
  // The directory the CSV names its agencies from, kept through the API as the CLI would.
  for (const [name, type] of [
    ['North Yorkshire Police', 'police'],
    ['Harrogate Health Trust', 'health'],
  ]) {
    const res = await fetch(`${product.base}/api/agencies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${product.key('business_unit')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, type, contactEmail: `audits@${type}.example`, leadEmail: `lead@${type}.example` }),
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  // Closing the browser closes the journey's context with it.
  await browser?.close();
  await product?.stop();
});

const shotAndAxe = checkPage(recorder, 'console-audits');
const check = async (label: string) => void checked.push(await shotAndAxe(page, label));

const HEADER = 'caseRef,serviceLevel,childName,childDateOfBirth,childLocalId,agencies,lastActivityAt';
const recently = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString().slice(0, 10);

const csvFile = (lines: string[]) => ({
  name: 'candidates.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from([HEADER, ...lines].join('\n')),
});

it('the business unit starts an audit from "Start a new audit" with a CSV, through check your answers', async () => {
  ({ page } = await signedInPage(recorder, browser, devSignIn(product), 'bu@dev.local', '/audits'));
  expect(await page.locator('main').innerText()).toContain('There are no audits yet.');
  await check('list-empty');

  await page.getByRole('button', { name: 'Start a new audit' }).click();
  await page.waitForURL(`${product.base}/audits/new`);
  expect(await page.getByLabel('Cohort size').inputValue()).toBe('4');
  await check('form');

  // A CSV with problems: each is listed by line and column; what was typed stays.
  await page.getByRole('radio', { name: 'Another focus' }).check();
  await page.getByLabel('Another focus: what it is').fill('Neglect of teenagers');
  await page.getByRole('radio', { name: 'Business plan priority' }).check();
  await page
    .getByLabel('Candidate cases (CSV file)')
    .setInputFiles(
      csvFile([
        `NYC-1001,universal,Alex Example,2014-03-02,,North Yorkshire Police,${recently(10)}`,
        `NYC-1002,nowhere,Billie Sample,2012-07-19,,Nowhere Agency,${recently(20)}`,
      ]),
    );
  await page.getByRole('button', { name: 'Continue' }).click();
  await recorder.takeRefusal(page, 400);
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  expect(await summary.innerText()).toContain(
    'candidates.csv line 3, column agencies: no agency named "Nowhere Agency"',
  );
  expect(await summary.innerText()).toContain('candidates.csv line 3, column serviceLevel');
  expect(await page.getByLabel('Another focus: what it is').inputValue()).toBe('Neglect of teenagers');
  await check('form-error');

  await page.getByRole('radio', { name: 'Child exploitation' }).check();
  await page
    .getByLabel('Candidate cases (CSV file)')
    .setInputFiles(
      csvFile([
        `NYC-1001,universal,Alex Example,2014-03-02,,North Yorkshire Police,${recently(10)}`,
        `NYC-1002,early_help,Billie Sample,2012-07-19,,North Yorkshire Police;Harrogate Health Trust,${recently(20)}`,
        `NYC-1003,child_in_need,Casey Placeholder,2011-01-30,LCS1003,Harrogate Health Trust,${recently(30)}`,
      ]),
    );
  await page.getByRole('button', { name: 'Continue' }).click();
  // A machine shared with other test runs may take longer than the context's 10 s for a post.
  await page.waitForURL(`${product.base}/audits/new/check`, { timeout: 30_000 });
  const answers = await page.locator('.govuk-summary-list').innerText();
  expect(answers).toContain('Child exploitation');
  expect(answers).toContain('candidates.csv: 3 cases');
  expect(answers).toContain('NYC-1001, NYC-1002, NYC-1003');
  expect(answers).not.toContain('Alex Example');
  await check('check');

  // The audit's own page is another part of the console (not on every branch): its address is what this ends on.
  const auditPage = page.waitForResponse((r) => /\/audits\/[0-9a-f-]{36}$/.test(r.url()), { timeout: 30_000 });
  await page.getByRole('button', { name: 'Start audit' }).click();
  const landed = await auditPage;
  expect([200, 404]).toContain(landed.status());
  if (landed.status() === 404) await recorder.takeRefusal(page, 404);
  const id = landed.url().split('/').pop()!;

  await page.goto(`${product.base}/audits`);
  const link = page.getByRole('link', { name: 'Child exploitation' });
  expect(await link.getAttribute('href')).toBe(`/audits/${id}`);
  await check('list');

  // The filter form: "Needs attention" finds nothing yet.
  await page.getByRole('checkbox', { name: 'Needs attention' }).check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/\/audits\?(stage=&)?attention=yes$/);
  expect(await page.locator('main').innerText()).toContain('No audits match these filters.');
  await check('list-filtered');

  expect(recorder.problems).toEqual([]);
  recorder.expectScreenshots();
  expect(checked.map((c) => c.violations)).toEqual([0, 0, 0, 0, 0, 0]);
});

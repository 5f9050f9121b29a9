// The cohort and discussion pages in Chromium, against the whole product as `npm start` runs it, signed in
// through its embedded OpenID provider as bu@dev.local: the cohort with its identifiers, "Replace" refused and
// then done, "Send invitations", a replayed post refused; the discussion scheduled (a bad date first), the
// outcome refused field by field, a row added, the outcome recorded; then both pages as a manager sees them.
// axe-core (WCAG 2.2 A and AA) on every state, error states included; a screenshot of each.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AREAS } from '../../domain/schemas';
import { asTyped } from '../../api/views/discussion';
import { AGENCIES } from '../support/fixtures';
import { callJson, eventually } from '../support/http';
import {
  auditThroughApi,
  type AxeCounts,
  bodyText,
  businessUnitApi,
  checkPage,
  devSignIn,
  launchChromium,
  type Product,
  Recorder,
  signedInPage,
  startProduct,
  untilStage as untilStageOf,
} from './browser';

jest.setTimeout(120_000);

const CHILDREN = ['Zephyrine Quixleworth', 'Tobiah Quixleworth', 'Marisol Quixleworth'];

let product: Product;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];
let auditId: string;
const agencyNames = AGENCIES.slice(0, 2).map((a) => a.name);

const api = (method: string, path: string, body?: unknown) => businessUnitApi(product)(method, path, body);
const untilStage = (stage: string) => untilStageOf(product, auditId, stage);
const shotAndAxe = checkPage(recorder, 'console');
const check = async (label: string) => void checked.push(await shotAndAxe(page, label));

/** A fresh browser as `email`, signed in by way of `path`, which it is then on. */
async function signedIn(email: string, path: string): Promise<void> {
  await context?.close();
  ({ context, page } = await signedInPage(recorder, browser, devSignIn(product), email, path));
}

/** What the error summary says, once it is there. */
const errorSummary = async () => page.locator('.govuk-error-summary').innerText();

beforeAll(async () => {
  browser = await launchChromium();
  product = await startProduct();
  const lastMonth = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();
  ({ auditId } = await auditThroughApi(product, {
    agencies: AGENCIES.slice(0, 2),
    audit: (agencyIds) => ({
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize: 2,
      candidates: CHILDREN.map((name, i) => ({
        caseRef: `NYC-${5001 + i}`,
        serviceLevel: ['child_in_need', 'child_protection', 'looked_after'][i],
        child: { name, dateOfBirth: `201${i + 2}-03-0${i + 1}`, localId: `LCS${700 + i}` },
        agencyIds,
        lastActivityAt: lastMonth,
      })),
    }),
  }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await product?.stop();
});

afterEach(() => {
  // Each test's pages, as they went: no console error, no uncaught exception, no CSP violation.
  expect(recorder.problems.splice(0)).toEqual([]);
});

test('the business unit replaces a case and sends the invitations from the cohort page; a replayed post is explained', async () => {
  await signedIn('bu@dev.local', `/audits/${auditId}/cohort`);
  await page.getByRole('heading', { level: 1, name: 'Cohort' }).waitFor();
  const shown = await bodyText(page);
  expect(CHILDREN.filter((name) => shown.includes(name))).toHaveLength(2);
  expect(shown).toContain('How the cohort was drawn');
  await check('cohort');

  // "Replace" with no replacement chosen: refused on its row.
  const firstRef = (await page.locator('tbody tr th').first().innerText()).trim();
  await page.getByRole('button', { name: `Replace ${firstRef}` }).click();
  await recorder.takeRefusal(page, 400);
  expect(await errorSummary()).toContain(`Choose a case to replace ${firstRef} with`);
  await page.locator('.govuk-error-summary a').first().click();
  expect(await page.evaluate('document.activeElement.id')).toBe('replacementCaseRef-1');
  await check('cohort-replace-error');

  const replacement = page.getByLabel(`Replacement for ${firstRef}`);
  const choice = (await replacement.locator('option').nth(1).getAttribute('value'))!;
  await replacement.selectOption(choice);
  await page.getByRole('button', { name: `Replace ${firstRef}` }).click();
  await page.waitForURL(/\?done=replaced$/);
  expect(await page.locator('tbody').innerText()).toContain(choice);
  await check('cohort-replaced');

  const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.waitForURL(/\?done=sent$/);
  expect(await page.getByRole('button', { name: 'Send invitations' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: /^Replace/ }).count()).toBe(0);
  await check('cohort-sent');

  // The same post again (a second tab, a resubmitted form): the error summary says why nothing happened.
  const action = JSON.stringify(`/audits/${auditId}/cohort/send-invitations`);
  await page.evaluate(`{
    const form = document.createElement('form');
    form.method = 'post';
    form.action = ${action};
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = '_csrf';
    input.value = ${JSON.stringify(csrf)};
    form.append(input);
    document.body.append(form);
    form.submit();
  }`);
  await page.locator('.govuk-error-summary').waitFor();
  await recorder.takeRefusal(page, 409);
  expect(await errorSummary()).toContain('already been sent');
  await check('cohort-send-refused');
  await untilStage('awaiting_submissions');
});

test('the business unit schedules the discussion and records its outcome, refusals shown field by field', async () => {
  // Every agency answers through its emailed link.
  const invitations = (await api('GET', `/api/audits/${auditId}`)).body.invitations as { id: string }[];
  const mails = await eventually(async () => {
    const all = (await callJson(product.base, 'GET', '/dev/mail/messages')).body as { text: string }[];
    const links = all.flatMap((m) => m.text.match(/\/respond\/[\w-]{20,}/g) ?? []);
    return new Set(links).size === invitations.length ? [...new Set(links)] : undefined;
  }, 'the invitation emails');
  const sections = Object.fromEntries(
    AREAS.map((area) => [
      area,
      { goodPractice: 'Seen alone', areasForDevelopment: '', recommendations: '', grade: 'good', rationale: 'Records' },
    ]),
  );
  for (const link of mails) {
    expect((await callJson(product.base, 'POST', link, { body: { sections, submit: true } })).status).toBe(200);
  }
  await untilStage('collation');

  await page.goto(`${product.base}/audits/${auditId}/discussion`);
  await page.getByRole('heading', { level: 1, name: 'Discussion' }).waitFor();
  await check('discussion');

  await page.getByLabel('Date and time').fill('next Tuesday');
  await page.getByLabel('Place').fill('Room 4, County Hall');
  await page.getByRole('button', { name: 'Schedule the discussion' }).click();
  await recorder.takeRefusal(page, 400);
  expect(await errorSummary()).toContain('Enter the date and time as a date and time');
  expect(await page.getByLabel('Place').inputValue()).toBe('Room 4, County Hall');
  await check('discussion-schedule-error');

  // Held an hour ago: the pack goes out and the outcome can be recorded.
  await page.getByLabel('Date and time').fill(asTyped(new Date(Date.now() - 3600_000)));
  await page.getByRole('button', { name: 'Schedule the discussion' }).click();
  await page.waitForURL(/\?done=scheduled$/);
  await untilStage('discussion');
  await page.reload();
  await page.getByRole('button', { name: 'Record the outcome' }).waitFor();
  await check('discussion-scheduled');

  await page.getByRole('checkbox', { name: agencyNames[0] }).check();
  await page.getByRole('group', { name: "Recognition: the panel's grade" }).getByLabel('Good', { exact: true }).check();
  await page.getByLabel("Recognition: the panel's conclusions").fill('Risk was recognised early');
  await page.getByRole('button', { name: 'Record the outcome' }).click();
  await recorder.takeRefusal(page, 400);
  const refused = await errorSummary();
  expect(refused).toContain("Choose the panel's grade for Assessment");
  expect(refused).toContain("Enter the panel's conclusions on Impact");
  expect(await page.getByLabel("Recognition: the panel's conclusions").inputValue()).toBe('Risk was recognised early');
  expect(await page.getByRole('checkbox', { name: agencyNames[0] }).isChecked()).toBe(true);
  await check('discussion-outcome-error');

  await page.getByRole('button', { name: 'Add another recommendation' }).click();
  await page.getByRole('group', { name: 'Recommendation 2' }).waitFor();
  expect(await page.getByLabel("Recognition: the panel's conclusions").inputValue()).toBe('Risk was recognised early');
  await check('discussion-outcome-added-row');

  for (const area of ['Assessment', 'Planning and intervention', 'Joint working', 'Impact', 'Overall quality']) {
    await page
      .getByRole('group', { name: `${area}: the panel's grade` })
      .getByLabel('Good', { exact: true })
      .check();
    await page.getByLabel(`${area}: the panel's conclusions`).fill(`Agreed on ${area}`);
  }
  const concern = page.getByRole('group', { name: 'Concern 1' });
  await concern.getByLabel('Case').selectOption({ index: 1 });
  await concern.getByLabel('The concern').fill('May be at immediate risk at home');
  const recommendation = page.getByRole('group', { name: 'Recommendation 1' });
  await recommendation.getByLabel('What is to be done').fill('Use the screening tool at first contact');
  await recommendation.getByLabel('Owner agency').selectOption({ label: agencyNames[1] });
  await recommendation.getByLabel('Due date').fill('30/6/2027');
  await page.getByRole('button', { name: 'Record the outcome' }).click();
  await page.waitForURL(/\?done=recorded$/);
  const recorded = await bodyText(page);
  expect(recorded).toContain('The outcome has been recorded');
  expect(recorded).toContain('Recommendation 1');
  expect(recorded).not.toContain('May be at immediate risk at home');
  await check('discussion-recorded');
  const escalations = (await api('GET', `/api/audits/${auditId}`)).body.escalations as unknown[];
  expect(escalations).toHaveLength(1);
});

test('a manager sees both pages without identifiers and with nothing to change', async () => {
  await signedIn('manager@dev.local', `/audits/${auditId}/cohort`);
  const cohort = await bodyText(page);
  for (const name of CHILDREN) expect(cohort).not.toContain(name);
  expect(cohort).toContain('Age band');
  expect(await page.locator('main form').count()).toBe(0);
  await check('cohort-manager');
  await page.goto(`${product.base}/audits/${auditId}/discussion`);
  expect(await bodyText(page)).toContain('Room 4, County Hall');
  expect(await page.locator('main form').count()).toBe(0);
  await check('discussion-manager');
  recorder.expectScreenshots();
  expect(checked.length).toBe(13);
});

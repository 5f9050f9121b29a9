// "Send the link again" on the audit page in Chromium, against the whole product as `npm start` runs it: an
// urgent concern's acknowledgement link, sent again by the business unit (the success banner; the new link
// in the dev mail catcher), then, from a page left open while the agency lead acknowledged, the refusal in
// the error summary at the button. axe-core on each state.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AGENCIES, candidates } from '../support/fixtures';
import { callJson, eventually } from '../support/http';
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
} from './browser';

jest.setTimeout(180_000);

let product: Product;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let auditId: string;
const leadEmail = AGENCIES[0].leadEmail;
const recorder = new Recorder();
const check = checkPage(recorder, 'console-links');

/** The acknowledgement links emailed to the agency lead, newest first (the dev mail catcher's order). */
async function acknowledgementLinks(): Promise<string[]> {
  const messages = (await (await fetch(`${product.base}/dev/mail/messages`)).json()) as {
    to: string[];
    text: string;
  }[];
  return messages
    .filter((m) => m.to.includes(leadEmail))
    .flatMap((m) => m.text.match(/https?:\/\/\S+\/acknowledge\/[\w-]+/g) ?? []);
}

beforeAll(async () => {
  product = await startProduct();
  browser = await launchChromium();
  const started = await auditThroughApi(product, {
    agencies: AGENCIES,
    audit: (agencyIds) => ({
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize: 1,
      candidates: candidates(agencyIds),
    }),
  });
  auditId = started.auditId;
  const api = businessUnitApi(product);
  const raised = await api('POST', `/api/audits/${auditId}/concerns`, {
    agencyId: started.agencyIds[0],
    description: 'Left alone overnight',
  });
  expect(raised.status).toBeLessThan(300);
  await eventually(async () => ((await acknowledgementLinks()).length ? true : undefined), 'the lead’s email', 60_000);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await product?.stop();
});

const sendAgain = () => page.getByRole('button', { name: /^Send the link again\s*: escalation to / });

it('sends the acknowledgement link again from the audit page; a stale page’s refusal is in the error summary', async () => {
  ({ context, page } = await signedInPage(recorder, browser, devSignIn(product), 'bu@dev.local', `/audits/${auditId}`));
  expect(await sendAgain().count()).toBe(1);
  await check(page, 'audit');

  await sendAgain().click();
  await page.waitForURL(`${product.base}/audits/${auditId}?linkSent=1`);
  expect(await page.locator('.govuk-notification-banner--success').innerText()).toContain(
    'A new link has been sent; the old one no longer works',
  );
  await check(page, 'sent');
  // The new link comes in a second email; the first link is gone.
  const links = await eventually(async () => {
    const found = await acknowledgementLinks();
    return found.length === 2 ? found : undefined;
  }, 'the new link’s email');
  const gone = await fetch(links[1]!, { headers: { accept: 'application/json' } });
  expect(gone.status).toBe(410);

  // The lead acknowledges through the new link while this page still shows the button.
  const acknowledged = await callJson(links[0]!, 'POST', '', {
    body: { name: 'A. Lead', actionTaken: 'Called the family' },
  });
  expect(acknowledged.status).toBe(200);
  await eventually(
    async () =>
      (await businessUnitApi(product)('GET', `/api/audits/${auditId}`)).body.escalations?.every(
        (e: { status: string }) => e.status !== 'open',
      )
        ? true
        : undefined,
    'the acknowledgement',
  );

  await sendAgain().click();
  await recorder.takeRefusal(page, 409);
  const summary = page.locator('.govuk-error-summary');
  expect(await summary.innerText()).toContain('This concern has been acknowledged.');
  expect(await sendAgain().count()).toBe(0);
  await check(page, 'refused');
  expect(recorder.problems).toEqual([]);
});

// One audit in a real browser, against the whole product as `npm start` runs it: the business unit
// starts it through the API; each agency's invitation is taken from the mail catcher, shown as a mail
// client shows it, and its button followed in Chromium; one fills the six areas, saves a draft, comes
// back to it, checks its answers and submits; another types hostile text and raises an immediate-risk
// concern, which its lead acknowledges through the emailed link; a manager signs in to the console.
// Every page is kept as a screenshot, and none may log an error, break its Content-Security-Policy or
// fail axe-core's WCAG 2.2 A and AA rules.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AREAS } from '../../domain/schemas';
import { STAGE_LABELS } from '../../api/views/components';
import { AGENCIES } from '../support/fixtures';
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

jest.setTimeout(90_000);

const FOCUS = 'Neglect in the early years';
const CHILD = { name: 'Zephyrine Quixleworth', dateOfBirth: '2014-03-02', localId: 'LCS900100' };
/** The child as any page might spell it: only the audit tool may. */
const CHILD_SPELLINGS = ['Zephyrine', 'Quixleworth', '2014-03-02', '2 March 2014', 'LCS900100'];
const CASE_REF = 'NYC-4711';
/** Would set window.__pwned if a page ever let it run: out of a textarea, as an element, as an attribute. */
const HOSTILE = {
  textarea: '</textarea><script>window.__pwned=1</script>',
  script: '<script>window.__pwned=1</script>',
  attribute: '"><img src=x onerror="window.__pwned=2">',
};
const CONCERN = `Bruising seen on a home visit today; ${HOSTILE.script}`;

interface CaughtMail {
  id: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

let product: Product;
let browser: Browser;
const recorder = new Recorder();
let auditId: string;
/** The agencies of the one drawn case: the first fills the tool in, the second raises the concern. */
let agencyIds: string[];

const api = (method: string, path: string, body?: unknown) =>
  callJson(product.base, method, path, { key: product.key('business_unit'), body });

const audit = async () => {
  const res = await api('GET', `/api/audits/${auditId}`);
  expect(res.status).toBe(200);
  return res.body;
};

/** The newest caught mail matching, once it has come. */
const mail = (what: string, match: (m: CaughtMail) => boolean): Promise<CaughtMail> =>
  eventually(
    async () => {
      const res = await callJson(product.base, 'GET', '/dev/mail/messages');
      return (res.body as CaughtMail[]).find(match);
    },
    what,
    20_000,
  );

const pwned = (page: Page) => page.evaluate('window.__pwned');

/** The scripts on a page: govuk-frontend's inline one (allowed by its hash) and our own module, nothing else. */
const scripts = (page: Page) =>
  page.locator('script').evaluateAll((els) => els.map((e) => e.getAttribute('src') ?? 'inline'));
const OWN_SCRIPTS = ['inline', expect.stringMatching(/^\/assets\/[\w.-]+\/init\.js$/)];

/**
 * The caught message as a mail client shows it, then its button clicked, as a person would: the link
 * opens in a new tab (the emails' buttons have target="_blank"), which is returned.
 */
async function followEmailLink(page: Page, message: CaughtMail, linkPath: string, shot: string): Promise<Page> {
  await page.setContent(message.html);
  await recorder.shot(page, shot);
  const button = page.locator(`a[target="_blank"][href*="${linkPath}"]`).first();
  const href = await button.getAttribute('href');
  expect(href).toMatch(new RegExp(`^${product.base}${linkPath}[\\w-]{20,}$`));
  const [tab] = await Promise.all([page.context().waitForEvent('page'), button.click()]);
  await tab.waitForURL(href!);
  await page.close();
  return tab;
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await recorder.context(browser);
  return { context, page: await context.newPage() };
}

beforeAll(async () => {
  // Chromium first: without it nothing here can run, and the error says what to install.
  browser = await launchChromium();
  product = await startProduct();

  // The business unit, through the API with the key `npm start` prints.
  agencyIds = [];
  for (const agency of AGENCIES.slice(0, 2)) {
    const created = await api('POST', '/api/agencies', agency);
    expect(created.status).toBe(201);
    agencyIds.push(created.body.id);
  }
  const started = await callJson(product.base, 'POST', '/api/audits', {
    key: product.key('business_unit'),
    headers: { 'Idempotency-Key': 'browser-journey' },
    body: {
      focus: FOCUS,
      focusSource: 'business_plan_priority',
      cohortSize: 1,
      candidates: [
        {
          caseRef: CASE_REF,
          serviceLevel: 'child_protection',
          child: CHILD,
          agencyIds,
          lastActivityAt: new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString(),
        },
      ],
    },
  });
  expect(started).toMatchObject({ status: 201, body: { stage: 'selection' } });
  auditId = started.body.id;
  await eventually(async () => ((await audit()).stage === 'invitations' ? true : undefined), 'the cohort draw');
  expect(await api('POST', `/api/audits/${auditId}/invitations/send`)).toMatchObject({ status: 202 });
  const sent = await eventually(async () => {
    const body = await audit();
    return body.stage === 'awaiting_submissions' && body.invitations.length === 2 ? body : undefined;
  }, 'the invitations');
  expect(sent.invitations.map((i: { status: string }) => i.status)).toEqual(['pending', 'pending']);
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

afterEach(() => {
  // Each test's pages, as they went: no console error, no uncaught exception, no CSP violation.
  expect(recorder.problems.splice(0)).toEqual([]);
});

test('an agency follows its emailed link, fills in the audit tool, saves a draft, comes back to it and submits', async () => {
  const agency = AGENCIES[0];
  const invitation = await mail(
    'the invitation email',
    (m) => m.to.includes(agency.contactEmail) && /please complete an audit tool/.test(m.subject),
  );
  // No child's identifiers in the email.
  for (const spelling of CHILD_SPELLINGS) expect(invitation.text + invitation.html).not.toContain(spelling);

  const { context, page: catcher } = await newPage();
  try {
    // The mail catcher as a person sees it, then the email itself, then its button.
    await catcher.goto(`${product.base}/dev/mail`);
    await catcher.getByRole('heading', { name: invitation.subject }).first().waitFor();
    await recorder.shot(catcher, '01-mail-catcher');
    const page = await followEmailLink(catcher, invitation, '/respond/', '02-invitation-email');

    // The audit tool, with the child's identifiers (here only).
    await page.getByRole('heading', { level: 1, name: `Audit tool: ${FOCUS}` }).waitFor();
    const blank = await bodyText(page);
    for (const shown of [CHILD.name, '2 March 2014', CHILD.localId, CASE_REF, 'Child protection', agency.name]) {
      expect(blank).toContain(shown);
    }
    expect(blank.toLowerCase()).toContain('not started');
    await recorder.shot(page, '03-audit-tool-blank');
    await expectNoAxeViolations(page, 'journey-audit-tool-blank');

    const answers = Object.fromEntries(
      AREAS.map((area, i) => [
        area,
        {
          goodPractice: `Good practice in ${area}: the child was seen alone.`,
          areasForDevelopment: `Development in ${area}: record the child's words.\nSecond line.`,
          recommendations: `Recommendation for ${area}: use the screening tool.`,
          grade: i % 2 ? 'requires_improvement' : 'good',
          rationale: `Rationale for ${area}: evidence in the case records.`,
        },
      ]),
    );
    const childVoice = 'She said she likes her new school. ' + HOSTILE.script;
    for (const [area, s] of Object.entries(answers)) {
      await page.fill(`#sections-${area}-goodPractice`, s.goodPractice);
      await page.fill(`#sections-${area}-areasForDevelopment`, s.areasForDevelopment);
      await page.fill(`#sections-${area}-recommendations`, s.recommendations);
      await page.check(`input[name="sections[${area}][grade]"][value="${s.grade}"]`);
      await page.fill(`#sections-${area}-rationale`, s.rationale);
    }
    await page.fill('#childVoice', childVoice);
    await page.fill('#history', HOSTILE.attribute);

    // A draft, kept across a reload.
    await page.click('#save-draft');
    await page.waitForURL(/\?saved=draft$/);
    await page.getByRole('heading', { name: 'Draft saved' }).waitFor();
    await recorder.shot(page, '04-audit-tool-draft-saved');
    await expectNoAxeViolations(page, 'journey-audit-tool-draft-saved');
    await page.reload();
    await page.getByRole('heading', { name: 'Draft saved' }).waitFor();
    for (const [area, s] of Object.entries(answers)) {
      for (const field of ['goodPractice', 'areasForDevelopment', 'recommendations', 'rationale'] as const) {
        expect([area, field, await page.inputValue(`#sections-${area}-${field}`)]).toEqual([area, field, s[field]]);
      }
      const grade = await page.locator(`input[name="sections[${area}][grade]"]:checked`).inputValue();
      expect([area, 'grade', grade]).toEqual([area, 'grade', s.grade]);
    }
    expect(await page.inputValue('#childVoice')).toBe(childVoice);
    expect(await page.inputValue('#history')).toBe(HOSTILE.attribute);
    expect(await page.inputValue('#familyInformation')).toBe('');
    expect(await pwned(page)).toBeUndefined();
    expect((await audit()).invitations.map((i: { status: string }) => i.status)).toEqual(['pending', 'pending']);

    // "Continue": every answer to check, each with a way back to change it; then the final submit.
    await page.click('#continue');
    await page.waitForURL(/\?check=1$/);
    await page.getByRole('heading', { level: 1, name: `Check your answers: ${FOCUS}` }).waitFor();
    const check = await bodyText(page);
    for (const s of Object.values(answers)) expect(check).toContain(s.rationale);
    expect(check).toContain(childVoice);
    expect(await page.getByRole('link', { name: /^Change/ }).count()).toBe(AREAS.length * 5 + 3);
    expect(await pwned(page)).toBeUndefined();
    await recorder.shot(page, '05-audit-tool-check-answers');
    await expectNoAxeViolations(page, 'journey-audit-tool-check-answers');

    // Submitted: the page shows it read-only, typed text as text.
    await page.click('#submit');
    await page.waitForURL(/\?saved=submitted$/);
    await page.getByRole('heading', { name: 'Audit tool submitted' }).waitFor();
    await page.getByRole('heading', { name: 'Your submission' }).waitFor();
    expect(await page.locator('form, textarea, select, button').count()).toBe(0);
    const submitted = await bodyText(page);
    expect(submitted.toLowerCase()).toContain('submitted on');
    for (const s of Object.values(answers)) {
      expect(submitted).toContain(s.goodPractice);
      expect(submitted).toContain(s.rationale);
    }
    expect(submitted).toContain('Requires improvement');
    expect(submitted).toContain(childVoice);
    expect(submitted).toContain(HOSTILE.attribute);
    expect(await page.locator('img').count()).toBe(0);
    expect(await scripts(page)).toEqual(OWN_SCRIPTS);
    expect(await pwned(page)).toBeUndefined();
    await recorder.shot(page, '06-audit-tool-submitted');
    await expectNoAxeViolations(page, 'journey-audit-tool-submitted');

    // The API sees it.
    const after = await eventually(async () => {
      const body = await audit();
      const mine = body.invitations.find((i: { agencyId: string }) => i.agencyId === agencyIds[0]);
      return mine?.status === 'submitted' ? body : undefined;
    }, 'the invitation submitted');
    const mine = after.invitations.find((i: { agencyId: string }) => i.agencyId === agencyIds[0]);
    expect(mine).toMatchObject({ status: 'submitted', late: false, submittedAt: expect.any(String) });
    const other = after.invitations.find((i: { agencyId: string }) => i.agencyId === agencyIds[1]);
    expect(other).toMatchObject({ status: 'pending', submittedAt: null });
  } finally {
    await context.close();
  }
});

test('hostile text typed into the audit tool stays text; its immediate-risk concern is acknowledged through the lead’s link', async () => {
  const agency = AGENCIES[1];
  const invitation = await mail(
    'the second invitation email',
    (m) => m.to.includes(agency.contactEmail) && /please complete an audit tool/.test(m.subject),
  );
  const { context, page: email } = await newPage();
  try {
    const page = await followEmailLink(email, invitation, '/respond/', '07-second-invitation-email');
    await page.fill('#sections-recognition-goodPractice', HOSTILE.textarea);
    await page.fill('#sections-assessment-rationale', HOSTILE.attribute);
    await page.fill('#childVoice', HOSTILE.script);
    await page.fill('#immediateRiskConcern-description', CONCERN);
    await recorder.shot(page, '08-audit-tool-hostile-and-concern');
    await page.click('#save-draft');
    await page.waitForURL(/\?saved=draft$/);
    await page.reload();
    await page.getByRole('heading', { name: 'Draft saved' }).waitFor();

    expect(await pwned(page)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await scripts(page)).toEqual(OWN_SCRIPTS);
    expect(await page.inputValue('#sections-recognition-goodPractice')).toBe(HOSTILE.textarea);
    expect(await page.inputValue('#sections-assessment-rationale')).toBe(HOSTILE.attribute);
    expect(await page.inputValue('#childVoice')).toBe(HOSTILE.script);
    // The concern has gone to the agency lead; the box says so instead of asking again.
    expect(await page.locator('#immediateRiskConcern-description').count()).toBe(0);
    expect(await bodyText(page)).toMatch(/An immediate-risk concern was raised from this audit tool on/);
    await recorder.shot(page, '09-audit-tool-hostile-reloaded');

    // The lead's email, its link, the concern shown as typed, the acknowledgement.
    const urgent = await mail(
      'the urgent escalation email',
      (m) => m.to.includes(agency.leadEmail) && /^URGENT: a concern/.test(m.subject),
    );
    expect(urgent.text + urgent.html).not.toContain('Bruising');
    const ack = await followEmailLink(await context.newPage(), urgent, '/acknowledge/', '10-urgent-escalation-email');
    await ack.getByRole('heading', { level: 1, name: 'Urgent safeguarding concern' }).waitFor();
    expect(await ack.locator('#concern .app-prose').innerText()).toBe(CONCERN);
    expect((await bodyText(ack)).toLowerCase()).toContain('awaiting acknowledgement');
    expect(await pwned(ack)).toBeUndefined();
    await recorder.shot(ack, '11-acknowledge');
    await expectNoAxeViolations(ack, 'journey-acknowledge');

    await ack.fill('#name', 'Pat Lead');
    await ack.fill('#actionTaken', 'Spoke to the social worker; a strategy discussion is booked for today.');
    await ack.click('#acknowledge');
    await ack.waitForURL(/\?saved=1$/);
    await ack.getByRole('heading', { name: 'Thank you: the concern has been acknowledged' }).waitFor();
    const done = await bodyText(ack);
    expect(done).toContain('Pat Lead');
    expect(done).toContain('a strategy discussion is booked for today');
    expect(await ack.locator('form').count()).toBe(0);
    expect(await pwned(ack)).toBeUndefined();
    await recorder.shot(ack, '12-acknowledged');
    await expectNoAxeViolations(ack, 'journey-acknowledged');

    const escalation = await eventually(async () => {
      const [e] = (await audit()).escalations;
      return e?.status === 'acknowledged' ? e : undefined;
    }, 'the escalation acknowledged');
    expect(escalation).toMatchObject({
      agencyId: agencyIds[1],
      source: 'submission',
      acknowledgedAt: expect.any(String),
    });
  } finally {
    await context.close();
  }
});

test('a manager signs in to the console and sees the audit at its stage, without the child or any typed text', async () => {
  const { stage } = await audit();
  expect(stage).toBe('awaiting_submissions');
  const { context, page } = await newPage();
  try {
    // The old dashboard's address leads to the audits, through the partnership's sign-in.
    await page.goto(`${product.base}/dashboard`);
    await page.waitForURL(`${product.running.devStaff!.issuer}/**`);
    await recorder.shot(page, '13-sign-in');
    await signInWith(page, 'manager@dev.local', product.running.devStaff!.password);
    await page.waitForURL(`${product.base}/audits`);
    await recorder.shot(page, '14-audits');
    await expectNoAxeViolations(page, 'journey-audits');

    await page.goto(`${product.base}/audits/${auditId}`);
    await page.getByRole('heading', { level: 1, name: FOCUS }).waitFor();
    const detail = await bodyText(page);
    expect(detail.toLowerCase()).toContain(STAGE_LABELS[stage as keyof typeof STAGE_LABELS].toLowerCase());
    expect(detail).toMatch(/\d of \d audit tools have not been submitted/);
    expect((await page.locator('#escalations + table').innerText()).toLowerCase()).toContain('acknowledged');
    // Read only: no form of the business unit's.
    expect(await page.getByRole('button', { name: 'Raise a concern' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel this audit' }).count()).toBe(0);
    await recorder.shot(page, '15-audit');
    await expectNoAxeViolations(page, 'journey-audit');
    for (const secret of [...CHILD_SPELLINGS, 'Bruising', 'window.__pwned', 'the child was seen alone']) {
      expect(detail).not.toContain(secret);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${product.base}/`);
    await recorder.shot(page, '16-signed-out');
    await recorder.expectWatching(page);
    await page.goto(`${product.base}/audits/${auditId}`);
    await page.waitForURL(`${product.running.devStaff!.issuer}/**`);
  } finally {
    await context.close();
  }
});

test('every page visited was kept as a full-page screenshot', () => {
  expect(recorder.screenshots.map((file) => file.replace(/^.*\//, ''))).toEqual([
    '01-mail-catcher.png',
    '02-invitation-email.png',
    '03-audit-tool-blank.png',
    '04-audit-tool-draft-saved.png',
    '05-audit-tool-check-answers.png',
    '06-audit-tool-submitted.png',
    '07-second-invitation-email.png',
    '08-audit-tool-hostile-and-concern.png',
    '09-audit-tool-hostile-reloaded.png',
    '10-urgent-escalation-email.png',
    '11-acknowledge.png',
    '12-acknowledged.png',
    '13-sign-in.png',
    '14-audits.png',
    '15-audit.png',
    '16-signed-out.png',
  ]);
  recorder.expectScreenshots();
});

// Every page a person can reach, in Chromium, checked by axe-core against the WCAG 2.2 A and AA rules:
// each emailed link's page empty, with its error summary, and answered; "check your answers"; the
// pack; a briefing; the error pages; the start, accessibility and privacy pages. Then
// the audit tool completed with the keyboard alone, through "check your answers" to the final submit.
// The app runs over a real database with a stand-in for Temporal that accepts every update.
import type { Client } from '@temporalio/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sevenPointBriefing } from '../../domain/briefing';
import { AREAS } from '../../domain/schemas';
import { tokenHash } from '../../infra/links';
import { useAppBed } from '../support/app-bed';
import { insertAudit, insertInvitation } from '../support/fixtures';
import { type AxeCounts, expectNoAxeViolations, launchChromium, Recorder } from './browser';

jest.setTimeout(90_000);

const DAY = 24 * 3600 * 1000;

const updates: { update: string; args: unknown }[] = [];
const acceptingClient = {
  workflow: {
    getHandle: () => ({
      executeUpdate: (def: { name: string }, opts: { args: unknown[] }) => {
        updates.push({ update: def.name, args: opts.args });
        return Promise.resolve({ late: false, acknowledgedAt: new Date().toISOString() });
      },
    }),
  },
} as unknown as Client;

const { bed, http } = useAppBed({ client: acceptingClient, linkRateLimit: { limit: 10_000, windowMs: 60_000 } });

let browser: Browser;
let context: BrowserContext;
let page: Page;
const recorder = new Recorder();
const checked: AxeCounts[] = [];
let counter = 0;
const token = (scope: string) => `${scope}-a11y-token-${++counter}-0123456789abcdefghij`;

beforeAll(async () => {
  browser = await launchChromium();
  context = await recorder.context(browser);
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

afterEach(() => {
  expect(recorder.problems.splice(0)).toEqual([]);
});

/** The page as it is now: a screenshot, then axe. */
async function check(label: string): Promise<void> {
  await recorder.shot(page, `a11y-${label}`);
  checked.push(await expectNoAxeViolations(page, label));
}

/**
 * A page answered with a refusal's status is logged by Chromium as a console error ("Failed to load
 * resource"): expected here, once, for that page alone; it is taken out of the problems.
 */
async function expectRefusalLogged(status: number): Promise<void> {
  const text = `Failed to load resource: the server responded with a status of ${status}`;
  for (let i = 0; i < 50; i++) {
    const at = recorder.problems.findIndex((p) => p.url === page.url() && p.text.startsWith(text));
    if (at >= 0) {
      recorder.problems.splice(at, 1);
      return;
    }
    await page.waitForTimeout(20);
  }
  throw new Error(`Chromium never logged the ${status} of ${page.url()}`);
}

const open = async (path: string, status = 200) => {
  const res = await page.goto(`${http.base}${path}`);
  expect([path, res?.status()]).toEqual([path, status]);
  if (status >= 400) await expectRefusalLogged(status);
};

/** Submits the page's form with its button, and waits for the page it answers with. */
async function press(selector: string, status: number): Promise<void> {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  expect([selector, res?.status()]).toEqual([selector, status]);
  if (status >= 400) await expectRefusalLogged(status);
}

const invitation = () => insertInvitation(bed.db, token('respond'));

describe('axe-core finds no WCAG 2.2 A or AA violation', () => {
  it('on the start, accessibility and privacy pages', async () => {
    await open('/');
    await check('start');
    await open('/accessibility');
    await check('accessibility');
    await open('/privacy');
    await check('privacy');
  });

  it('on the audit tool: empty, with its error summary, saved, checked, submitted', async () => {
    const { token: t } = await invitation();
    await open(`/respond/${t}`);
    await check('respond-empty');

    await press('#continue', 400);
    await page.locator('.govuk-error-summary').waitFor();
    // The error summary is focused on arrival; its first link takes focus to the field it names.
    expect(await page.evaluate('document.activeElement.classList.contains("govuk-error-summary")')).toBe(true);
    const first = page.locator('.govuk-error-summary a').first();
    const target = (await first.getAttribute('href'))!.slice(1);
    await first.click();
    expect(await page.evaluate('document.activeElement.id')).toBe(target);
    await check('respond-errors');

    for (const area of AREAS) {
      await page.fill(`#sections-${area}-goodPractice`, `Good practice in ${area}`);
      await page.check(`input[name="sections[${area}][grade]"][value="good"]`);
      await page.fill(`#sections-${area}-rationale`, `Rationale for ${area}`);
    }
    await page.fill('#childVoice', 'She said she felt listened to');
    await press('#save-draft', 200);
    await page.getByRole('heading', { name: 'Draft saved' }).waitFor();
    await check('respond-saved');

    await press('#continue', 200);
    await page.getByRole('heading', { level: 1, name: /^Check your answers/ }).waitFor();
    await check('respond-check-answers');

    await press('#submit', 200);
    await page.getByRole('heading', { name: 'Audit tool submitted' }).waitFor();
    await check('respond-submitted');
  });

  it('on report approval: empty, with its error summary, decided', async () => {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const version = await db.reportVersion.create({
      data: {
        auditId,
        version: 1,
        content: {
          workingWell: ['Timely strategy meetings'],
          areasForDevelopment: ['Recording the child’s voice'],
          themes: [],
          recommendations: ['Use the escalation protocol'],
        },
        submittedBy: 'bu',
        circulatedAt: new Date(),
      },
    });
    const t = token('approve');
    await db.approval.create({
      data: {
        reportVersionId: version.id,
        agencyId: agencies[0]!.id,
        dueAt: new Date(Date.now() + 5 * DAY),
        tokenHash: tokenHash(t),
      },
    });
    await open(`/approve/${t}`);
    await check('approve-empty');
    await press('#send-decision', 400);
    await check('approve-errors');
    await page.check('#decision-request_changes');
    await page.fill('#comments', 'Say more about the child’s voice.');
    await press('#send-decision', 200);
    await page.getByRole('heading', { name: 'Thank you: your decision has been recorded' }).waitFor();
    await check('approve-decided');
  });

  it('on action progress: empty, with its error summary, reported', async () => {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const action = await db.action.create({
      data: {
        auditId,
        number: 1,
        kind: 'recommendation',
        description: 'Brief officers on exploitation',
        ownerAgencyId: agencies[0]!.id,
        dueAt: new Date(Date.now() + 90 * DAY),
      },
    });
    const t = token('progress');
    await db.actionProgress.create({ data: { actionId: action.id, quarter: 1, tokenHash: tokenHash(t) } });
    await open(`/progress/${t}`);
    await check('progress-empty');
    await press('#send-progress', 400);
    await check('progress-errors');
    await page.check('#status-amber');
    await page.fill('#update', 'Half the officers briefed.');
    await press('#send-progress', 200);
    await page.getByRole('heading', { name: 'Thank you: your progress has been recorded' }).waitFor();
    await check('progress-reported');
  });

  it('on an urgent concern’s acknowledgement: empty, with its error summary, acknowledged', async () => {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const t = token('acknowledge');
    await db.escalation.create({
      data: {
        auditId,
        agencyId: agencies[0]!.id,
        source: 'business_unit',
        concern: 'Left alone overnight',
        acknowledgeBy: new Date(Date.now() - 3600_000),
        tokenHash: tokenHash(t),
      },
    });
    await open(`/acknowledge/${t}`);
    await check('acknowledge-empty');
    await press('#acknowledge', 400);
    await check('acknowledge-errors');
    await page.fill('#name', 'Pat Lead');
    await page.fill('#actionTaken', 'Strategy discussion booked.');
    await press('#acknowledge', 200);
    await page.getByRole('heading', { name: 'Thank you: the concern has been acknowledged' }).waitFor();
    await check('acknowledge-acknowledged');
  });

  it('on the collated pack and a published briefing', async () => {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const kase = await db.case.findFirstOrThrow({ where: { auditId }, orderBy: { caseRef: 'asc' } });
    await db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
    const sections = Object.fromEntries(
      AREAS.map((area) => [
        area,
        {
          goodPractice: 'Seen alone',
          areasForDevelopment: 'More',
          recommendations: 'Do',
          grade: 'good',
          rationale: 'Why',
        },
      ]),
    );
    for (const [i, submittedAt] of [new Date(Date.now() - 3 * DAY), new Date(Date.now() - DAY)].entries()) {
      const inv = await db.invitation.create({
        data: {
          auditId,
          caseId: kase.id,
          agencyId: agencies[i]!.id,
          status: 'submitted',
          dueAt: new Date(Date.now() - 2 * DAY),
        },
      });
      await db.submission.create({
        data: { invitationId: inv.id, content: { sections, childVoice: 'Happy at school' }, submittedAt },
      });
    }
    const t = token('pack');
    await db.packLink.create({ data: { auditId, agencyId: agencies[0]!.id, tokenHash: tokenHash(t) } });
    await open(`/pack/${t}`);
    await check('pack');

    const slug = `neglect-${auditId.slice(0, 8)}`;
    const content = sevenPointBriefing({
      focus: 'Neglect',
      focusSource: 'practice_review',
      cases: 4,
      agencies: 3,
      report: {
        workingWell: ['Timely meetings'],
        areasForDevelopment: ['The child’s voice'],
        themes: ['Sharing'],
        recommendations: ['Escalate'],
      },
    });
    await db.briefing.create({ data: { auditId, slug, content: JSON.parse(JSON.stringify(content)) } });
    await open(`/briefings/${slug}`);
    await check('briefing');
  });

  it('on the error pages (404, 410) and a form given back after a refusal (403)', async () => {
    await open('/respond/not-a-real-token-0123456789abcdefghijklmnop', 404);
    await check('error-404');
    const closed = await invitation();
    await bed.db.invitation.update({ where: { id: closed.invitation.id }, data: { status: 'no_involvement' } });
    await open(`/respond/${closed.token}`, 410);
    await check('error-410');

    const { token: t } = await invitation();
    await open(`/respond/${t}`);
    await page.fill('#sections-recognition-goodPractice', 'Typed before the form expired');
    await page.evaluate(`document.querySelector('input[name=_csrf]').value = 'expired'`);
    await press('#save-draft', 403);
    expect(await page.inputValue('#sections-recognition-goodPractice')).toBe('Typed before the form expired');
    await check('error-403-kept-form');
  });
});

/** Presses Tab until `selector` has the focus (never more than `most` times): keyboard only. */
async function tabTo(selector: string, most = 60): Promise<void> {
  for (let i = 0; i < most; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
  }
  throw new Error(`${selector} never took the focus in ${most} presses of Tab`);
}

test('the audit tool can be completed with the keyboard alone, through check your answers to the submit', async () => {
  const { token: t, invitation: row } = await invitation();
  updates.length = 0;
  await open(`/respond/${t}`);
  for (const area of AREAS) {
    await tabTo(`#sections-${area}-goodPractice`);
    await page.keyboard.type(`Seen alone (${area})`);
    // Into the grades: the first radio takes the focus; Space chooses it.
    await tabTo(`input[name="sections[${area}][grade]"]`);
    await page.keyboard.press('Space');
    await tabTo(`#sections-${area}-rationale`);
    await page.keyboard.type(`Evidence in the records (${area})`);
  }
  await tabTo('#childVoice');
  await page.keyboard.type('She said she felt listened to');
  await tabTo('#continue');
  await Promise.all([page.waitForURL(/\?check=1$/), page.keyboard.press('Enter')]);
  await page.getByRole('heading', { level: 1, name: /^Check your answers/ }).waitFor();
  await recorder.shot(page, 'a11y-keyboard-check-answers');

  await tabTo('#submit');
  await Promise.all([page.waitForURL(/\?saved=submitted$/), page.keyboard.press('Enter')]);
  await page.getByRole('heading', { name: 'Audit tool submitted' }).waitFor();
  await recorder.shot(page, 'a11y-keyboard-submitted');

  const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: row.id } });
  expect(stored.submittedAt).not.toBeNull();
  expect(stored.content).toMatchObject({
    sections: Object.fromEntries(
      AREAS.map((area) => [
        area,
        { goodPractice: `Seen alone (${area})`, grade: 'outstanding', rationale: `Evidence in the records (${area})` },
      ]),
    ),
    childVoice: 'She said she felt listened to',
  });
  expect(updates).toEqual([{ update: 'submissionReceived', args: [{ invitationId: row.id }] }]);
});

test('every page checked was kept as a screenshot, with axe’s counts', () => {
  recorder.expectScreenshots();
  // The link pages and the public pages in their states (the console's pages are checked in test/browser/console-*.test.ts).
  expect(checked.length).toBeGreaterThanOrEqual(22);
  expect(checked.filter((c) => c.violations > 0)).toEqual([]);
  // One line per page for the record: how many rules passed, how many need a person to look.
  console.log(
    checked
      .map((c) => `${c.label}: ${c.violations} violations, ${c.passes} passes, ${c.incomplete} to review`)
      .join('\n'),
  );
});

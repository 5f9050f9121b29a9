// One audit in the staff console, over HTTP as a browser without script uses it: /audits/:id's task list of
// the stages at several points of an audit's life, who it waits on, its deadlines, unsent emails and
// escalations; "Raise a concern" and "Cancel this audit" through the same commands as the JSON API (their
// refusals shown in the error summary with what was typed); the trail, 50 a page; the manager and the LIS
// reading everything and refused every change. A real database; the workflows are a stand-in that records
// each update (and has no run to query, so the page reads the database's copy of the stage).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { STAGES, type Stage } from '../../domain/stages';
import { useAppBed } from '../support/app-bed';
import { insertAudit } from '../support/fixtures';
import { expectOnlyOwnScripts } from '../support/page-scripts';
import { LINK_SECRET } from '../support/activities';
import { staffSession, type StaffSession } from '../support/staff-session';

const DAY = 24 * 3600 * 1000;
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** The child of the fixture cases and the words of a concern: never on these pages. */
const NEVER_SHOWN = ['Zephyrine', 'Quixleworth', '2010-02-10', '10 February 2010', 'LCS900100', 'left alone overnight'];

const updates: { workflowId: string; update: string; args: unknown }[] = [];
/** Audits whose workflow has ended: an update is refused as Temporal refuses it. */
const ended = new Set<string>();
const standIn = {
  connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
  workflow: {
    getHandle: (workflowId: string) => ({
      query: () => Promise.reject(new WorkflowNotFoundError('no run here', workflowId, undefined)),
      executeUpdate: (def: { name: string }, opts: { args?: unknown[] } = {}) => {
        if (ended.has(workflowId)) return Promise.reject(new WorkflowNotFoundError('ended', workflowId, undefined));
        updates.push({ workflowId, update: def.name, args: opts.args });
        return Promise.resolve({ stage: 'cancelled' });
      },
    }),
  },
} as unknown as Client;

const { bed, http } = useAppBed({ client: standIn });

let bu: StaffSession;
let manager: StaffSession;
let lis: StaffSession;

beforeAll(async () => {
  [bu, manager, lis] = await Promise.all([
    staffSession(bed.db, LINK_SECRET, 'business_unit', 'Bea Bailey'),
    staffSession(bed.db, LINK_SECRET, 'manager', 'Max Morgan'),
    staffSession(bed.db, LINK_SECRET, 'lis', 'Lee Lewis'),
  ]);
});

beforeEach(() => {
  updates.length = 0;
});

interface Page {
  status: number;
  location: string | null;
  text: string;
  $: cheerio.CheerioAPI;
}

async function asPage(res: Response): Promise<Page> {
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), text, $: cheerio.load(text) };
}

const get = async (path: string, as: StaffSession) =>
  asPage(
    await fetch(`${http.base}${path}`, { headers: { accept: BROWSER_ACCEPT, cookie: as.cookie }, redirect: 'manual' }),
  );

/** A form post with the session's CSRF token (read from the page, as a browser has it). */
async function post(path: string, as: StaffSession, fields: Record<string, string>): Promise<Page> {
  const csrf = (await get('/audits', as)).$('input[name=_csrf]').first().val() as string;
  return asPage(
    await fetch(`${http.base}${path}`, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
      redirect: 'manual',
    }),
  );
}

const text = ($: cheerio.CheerioAPI, selector: string) => $(selector).text().replace(/\s+/g, ' ').trim();

/** The task list: each stage's name, its status, its link and its hint. */
const tasks = (page: Page) =>
  page
    .$('.govuk-task-list__item')
    .map((_i, li) => {
      const item = page.$(li);
      return {
        name: item.find('.govuk-task-list__name-and-hint').children().first().text().trim(),
        status: item.find('.govuk-task-list__status').text().trim(),
        href: item.find('a').attr('href') ?? null,
        hint: item.find('.govuk-task-list__hint').text().trim() || null,
      };
    })
    .get();

/** Rows of the table captioned `caption`, cell texts. */
const rows = (page: Page, caption: string): string[][] =>
  page
    .$('table')
    .filter((_i, t) => page.$(t).find('caption').text().includes(caption))
    .find('tbody tr')
    .toArray()
    .map((tr) =>
      page
        .$(tr)
        .find('td')
        .toArray()
        .map((td) => page.$(td).text().replace(/\s+/g, ' ').trim()),
    );

function expectNothingIdentifying(page: Page) {
  for (const secret of NEVER_SHOWN) expect(page.text).not.toContain(secret);
}

/** An audit at `stage`, having entered each stage in `path` on the given day (days ago), with two drawn cases. */
async function auditAt(stage: Stage, path: [Stage, number][] = []) {
  const { db } = bed;
  const { auditId, agencies } = await insertAudit(db);
  await db.audit.update({ where: { id: auditId }, data: { stage } });
  for (const [entered, daysAgo] of path) {
    await db.auditTrailEntry.create({
      data: {
        auditId,
        actor: 'system',
        action: 'stage.entered',
        details: { stage: entered },
        at: new Date(Date.now() - daysAgo * DAY),
      },
    });
  }
  const cases = await db.case.findMany({ where: { auditId }, orderBy: { caseRef: 'asc' } });
  for (const [i, c] of cases.slice(0, 2).entries()) {
    await db.case.update({ where: { id: c.id }, data: { selectedAt: new Date(), drawOrder: i + 1 } });
  }
  return { auditId, agencies, cases, workflowId: `audit-${auditId}` };
}

const STAGE_NAMES = [
  'Selection',
  'Invitations',
  'Awaiting submissions',
  'Collation',
  'Discussion',
  'Report',
  'Practitioner approval',
  'LIS sign-off',
  'Action follow-up',
];

describe('/audits/:id — the task list of the stages', () => {
  it('a new audit: selection in progress, linking to the cohort; every later stage not started and not linked', async () => {
    const { auditId } = await auditAt('selection');
    const page = await get(`/audits/${auditId}`, bu);
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toBe('Child exploitation');
    const list = tasks(page);
    expect(list.map((t) => t.name)).toEqual(STAGE_NAMES);
    expect(list[0]).toMatchObject({ status: 'In progress', href: `/audits/${auditId}/cohort` });
    expect(list[0]!.hint).toMatch(/^Since \d{1,2} \w+ \d{4}$/);
    for (const later of list.slice(1)) expect(later).toMatchObject({ status: 'Not started', href: null, hint: null });
    expect(text(page.$, 'ul.govuk-list--bullet')).toContain(
      'The business unit: check the cohort and send the invitations',
    );
    expect(page.$('a[href$="/trail"]').text()).toBe('Audit trail');
    expectNothingIdentifying(page);
  });

  it('awaiting submissions: the stages before done with their dates, who has not submitted, and the deadlines, overdue first', async () => {
    const { auditId, agencies, cases } = await auditAt('awaiting_submissions', [
      ['invitations', 9],
      ['awaiting_submissions', 8],
    ]);
    const { db } = bed;
    const [overdue, later, done] = [
      { caseId: cases[0]!.id, agencyId: agencies[0]!.id, dueAt: new Date(Date.now() - DAY) },
      { caseId: cases[1]!.id, agencyId: agencies[1]!.id, dueAt: new Date(Date.now() + 5 * DAY) },
      {
        caseId: cases[1]!.id,
        agencyId: agencies[2]!.id,
        dueAt: new Date(Date.now() + 5 * DAY),
        status: 'submitted' as const,
      },
    ];
    for (const invitation of [overdue, later, done]) await db.invitation.create({ data: { auditId, ...invitation } });

    const page = await get(`/audits/${auditId}`, manager);
    expect(page.status).toBe(200);
    const list = tasks(page);
    expect(list.slice(0, 4).map((t) => [t.status, t.href])).toEqual([
      ['Done', `/audits/${auditId}/cohort`],
      ['Done', `/audits/${auditId}/invitations`],
      ['In progress', `/audits/${auditId}/invitations`],
      ['Not started', null],
    ]);
    // Selection ended when the invitations stage began; the invitations when the waiting began.
    const day = (daysAgo: number) =>
      new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Europe/London' }).format(
        new Date(Date.now() - daysAgo * DAY),
      );
    expect(list.slice(0, 3).map((t) => t.hint)).toEqual([`Done ${day(9)}`, `Done ${day(8)}`, `Since ${day(8)}`]);

    const [first, second] = [agencies[0]!.name, agencies[1]!.name].sort();
    expect(text(page.$, 'ul.govuk-list--bullet')).toContain(
      `2 of 3 audit tools have not been submitted, from ${first} and ${second}; the next is due ${day(1)}.`,
    );
    const deadlines = rows(page, 'Next deadlines');
    expect(deadlines).toHaveLength(2);
    expect(deadlines[0]![0]).toMatch(/^Overdue /);
    expect(deadlines[0]![1]).toBe(`1 audit tool due, from ${agencies[0]!.name}`);
    expect(deadlines[1]![0]).not.toMatch(/Overdue/);
    expect(deadlines[1]![1]).toBe(`1 audit tool due, from ${agencies[1]!.name}`);
    expectNothingIdentifying(page);
  });

  it('action follow-up: every stage before it done, the open actions, their owners and due dates', async () => {
    // Every stage from the invitations to the follow-up, entered five days apart.
    const stages = STAGES.slice(STAGES.indexOf('invitations'), STAGES.indexOf('action_follow_up') + 1);
    const { auditId, agencies } = await auditAt(
      'action_follow_up',
      stages.map((s, i) => [s, 60 - i * 5]),
    );
    for (const [number, status] of [
      [1, 'open'],
      [2, 'closed'],
    ] as const) {
      await bed.db.action.create({
        data: {
          auditId,
          number,
          kind: 'recommendation',
          description: `Zephyrine Quixleworth plan ${number}`,
          ownerAgencyId: agencies[number]!.id,
          dueAt: new Date(Date.now() + 30 * DAY),
          status,
        },
      });
    }
    const page = await get(`/audits/${auditId}`, lis);
    const list = tasks(page);
    expect(list.map((t) => t.status)).toEqual([...Array(8).fill('Done'), 'In progress']);
    expect(list[7]!.href).toBe(`/audits/${auditId}/sign-off`);
    expect(list[8]!.href).toBe(`/audits/${auditId}/actions`);
    expect(text(page.$, 'ul.govuk-list--bullet')).toContain(
      `1 of 2 actions are open, owned by ${agencies[1]!.name}; the LIS or the business unit closes each.`,
    );
    expect(rows(page, 'Next deadlines').map((r) => r[1])).toEqual([`Action 1 (${agencies[1]!.name}) is due`]);
    expectNothingIdentifying(page);
  });

  it('a cancelled audit: the stages it finished done, the one it was in and those after cancelled; no "Cancel this audit"', async () => {
    const { auditId } = await auditAt('cancelled', [
      ['invitations', 5],
      ['awaiting_submissions', 4],
      ['cancelled', 1],
    ]);
    const page = await get(`/audits/${auditId}`, bu);
    expect(tasks(page).map((t) => t.status)).toEqual(['Done', 'Done', ...Array(7).fill('Cancelled')]);
    expect(text(page.$, '.govuk-tag')).toContain('Cancelled');
    expect(text(page.$, 'ul.govuk-list--bullet')).toContain('Nobody: the audit was cancelled.');
    expect(page.text).not.toContain('Cancel this audit');
    // The business unit may still raise a concern: an escalation outlives its audit.
    expect(page.$('form[action$="/concerns"]')).toHaveLength(1);
  });

  it('a completed audit: every stage done', async () => {
    const { auditId } = await auditAt('completed', [['completed', 1]]);
    const page = await get(`/audits/${auditId}`, manager);
    expect(tasks(page).map((t) => t.status)).toEqual(Array(9).fill('Done'));
    expect(rows(page, 'Next deadlines')).toEqual([]);
    expect(page.text).toContain('No deadlines are coming up.');
  });
});

describe('/audits/:id — emails not known to have gone, steps that cannot be done, escalations', () => {
  it('lists each failed or unconfirmed email and each open problem; a recovered problem is gone', async () => {
    const { auditId, workflowId } = await auditAt('awaiting_submissions');
    const { db } = bed;
    await db.emailOutbox.createMany({
      data: [
        {
          key: `${workflowId}/invitation/1`,
          auditId,
          template: 'invitation',
          recipient: 'audit@police.example',
          messageId: `<1-${auditId}@test>`,
          status: 'failed',
          lastError: '550 mailbox unavailable',
        },
        {
          key: `${workflowId}/reminder/2`,
          auditId,
          template: 'invitationReminder',
          recipient: 'audit@health.example',
          messageId: `<2-${auditId}@test>`,
          status: 'unconfirmed',
        },
        {
          key: `${workflowId}/reminder/3`,
          auditId,
          template: 'invitationReminder',
          recipient: 'audit@school.example',
          messageId: `<3-${auditId}@test>`,
          status: 'sent',
        },
      ],
    });
    const problem = (problemId: string, action: string) =>
      db.auditTrailEntry.create({
        data: {
          auditId,
          actor: 'system',
          action,
          details: { problemId, step: 'recordDeadlines', message: 'a row it needs is not there', workflowId },
        },
      });
    await problem('p1', 'step.failed');
    await problem('p2', 'step.failed');
    await problem('p2', 'step.recovered');

    const page = await get(`/audits/${auditId}`, bu);
    const shown = rows(page, 'Emails that failed or are unconfirmed');
    expect(shown.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['Invitation email', 'audit@police.example', 'Refused by the mail server', '550 mailbox unavailable'],
      [
        'Invitation reminder email',
        'audit@health.example',
        'Unconfirmed',
        'It may have been delivered: check with the recipient.',
      ],
      ['Record deadlines', '—', 'Tried again each day', 'a row it needs is not there'],
    ]);
  });

  it('shows open escalations first: the agency lead told, when, re-sent, and who acknowledged — never the concern', async () => {
    const { auditId, agencies, cases } = await auditAt('awaiting_submissions');
    const { db } = bed;
    await db.escalation.create({
      data: {
        auditId,
        agencyId: agencies[0]!.id,
        caseId: cases[0]!.id,
        source: 'submission',
        concern: 'Zephyrine Quixleworth was left alone overnight',
        status: 'acknowledged',
        acknowledgedAt: new Date(Date.now() - DAY),
        acknowledgedBy: 'Alex Lead',
        actionTaken: 'Visited Zephyrine',
      },
    });
    await db.escalation.create({
      data: {
        auditId,
        agencyId: agencies[1]!.id,
        source: 'business_unit',
        concern: 'Zephyrine Quixleworth was left alone overnight again',
        acknowledgeBy: new Date(Date.now() - 3600_000),
        reEscalations: 2,
      },
    });
    const page = await get(`/audits/${auditId}`, manager);
    const shown = rows(page, 'Urgent escalations');
    expect(shown).toHaveLength(2);
    expect(shown[0]![0]).toBe(agencies[1]!.name);
    expect(shown[0]![1]).toMatch(/, by the business unit$/);
    expect(shown[0]![2]).toBe('2 times, with the partnership manager');
    expect(shown[0]![3]).toMatch(/^Open until /);
    expect(shown[1]![0]).toBe(agencies[0]!.name);
    expect(shown[1]![3]).toBe('Acknowledged');
    expect(shown[1]![4]).toMatch(/, by Alex Lead$/);
    // Waiting on the lead; the acknowledgement is a deadline, overdue.
    expect(text(page.$, 'ul.govuk-list--bullet')).toContain(
      `The lead of ${agencies[1]!.name}: acknowledge an urgent concern by`,
    );
    expect(rows(page, 'Next deadlines').find((r) => r[1]!.includes('acknowledges'))![0]).toMatch(/^Overdue/);
    expectNothingIdentifying(page);
    expect(page.text).not.toContain('Visited');
  });
});

describe('"Raise a concern"', () => {
  it('keeps what was typed and says what is wrong, in the error summary; nothing is stored or started', async () => {
    const { auditId, cases } = await auditAt('awaiting_submissions');
    const typed = 'Zephyrine Quixleworth <b>is</b> at risk tonight';
    const page = await post(`/audits/${auditId}/concerns`, bu, {
      caseRef: cases[0]!.caseRef,
      agencyId: '',
      description: typed,
    });
    expect(page.status).toBe(400);
    expect(page.$('title').text()).toMatch(/^Error: /);
    expect(
      page
        .$('.govuk-error-summary a')
        .map((_i, a) => [[page.$(a).attr('href'), page.$(a).text().trim()]])
        .get(),
    ).toEqual([['#agencyId', 'Choose the agency whose lead must be told']]);
    expect(page.$('#description').text()).toBe(typed);
    expect(page.$('#caseRef option[selected]').val()).toBe(cases[0]!.caseRef);
    expect(page.$('#agencyId').hasClass('govuk-select--error')).toBe(true);

    const empty = await post(`/audits/${auditId}/concerns`, bu, {});
    expect(empty.status).toBe(400);
    expect(
      empty
        .$('.govuk-error-summary a')
        .map((_i, a) => empty.$(a).attr('href'))
        .get(),
    ).toEqual(['#agencyId', '#description']);
    expect(await bed.db.escalation.count({ where: { auditId } })).toBe(0);
    expect(updates).toEqual([]);
  });

  it('a case not in this audit is refused (422) on the page, the agency and words kept', async () => {
    const { auditId, agencies } = await auditAt('awaiting_submissions');
    const page = await post(`/audits/${auditId}/concerns`, bu, {
      caseRef: 'NOT-HERE',
      agencyId: agencies[0]!.id,
      description: 'Unsafe practice',
    });
    expect(page.status).toBe(422);
    expect(page.$('.govuk-error-summary a').attr('href')).toBe('#caseRef');
    expect(page.$('#agencyId option[selected]').val()).toBe(agencies[0]!.id);
    expect(page.$('#description').text()).toBe('Unsafe practice');
  });

  it('raises it through the same command as the API: the escalation stored, the trail written, its workflow started', async () => {
    const { auditId, agencies, cases, workflowId } = await auditAt('awaiting_submissions');
    const page = await post(`/audits/${auditId}/concerns`, bu, {
      caseRef: cases[1]!.caseRef,
      agencyId: agencies[2]!.id,
      description: 'Zephyrine was left alone overnight',
    });
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/audits/${auditId}?done=concern`);
    const escalation = await bed.db.escalation.findFirstOrThrow({ where: { auditId } });
    expect(escalation).toMatchObject({
      agencyId: agencies[2]!.id,
      caseId: cases[1]!.id,
      source: 'business_unit',
      concern: 'Zephyrine was left alone overnight',
      status: 'open',
    });
    expect(updates).toEqual([{ workflowId, update: 'raiseConcern', args: [{ escalationId: escalation.id }] }]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({ where: { auditId, action: 'concern.raised' } });
    expect(trail).toMatchObject({
      actor: `staff:${bu.staffId}`,
      actorName: 'Bea Bailey',
      actorRole: 'business_unit',
      details: { escalationId: escalation.id },
    });

    const after = await get(page.location!, bu);
    expect(text(after.$, '.govuk-notification-banner')).toContain('Concern raised');
    expect(rows(after, 'Urgent escalations')[0]![0]).toBe(agencies[2]!.name);
    expectNothingIdentifying(after);
  });

  it('an audit whose workflow has ended: the refusal (409) in the error summary, the words kept', async () => {
    const { auditId, agencies, workflowId } = await auditAt('completed');
    ended.add(workflowId);
    const page = await post(`/audits/${auditId}/concerns`, bu, {
      agencyId: agencies[0]!.id,
      description: 'Unsafe practice',
    });
    expect(page.status).toBe(409);
    expect(page.$('.govuk-error-summary a').text()).toContain('telephone the agency lead');
    expect(page.$('#description').text()).toBe('Unsafe practice');
  });
});

describe('"Cancel this audit"', () => {
  it('asks first, with a "Reason"; without one it says so, in the error summary, and nothing is cancelled', async () => {
    const { auditId } = await auditAt('awaiting_submissions');
    const audit = await get(`/audits/${auditId}`, bu);
    expect(audit.$('a.govuk-button--warning').text().trim()).toBe('Cancel this audit');
    expect(audit.$('a.govuk-button--warning').attr('href')).toBe(`/audits/${auditId}/cancel`);

    const confirm = await get(`/audits/${auditId}/cancel`, bu);
    expect(confirm.status).toBe(200);
    expect(confirm.$('label[for=reason]').text().trim()).toBe('Reason');
    expect(confirm.$(`form[action="/audits/${auditId}/cancel"] button`).text().trim()).toBe('Yes, cancel this audit');

    const refused = await post(`/audits/${auditId}/cancel`, bu, { reason: '   ' });
    expect(refused.status).toBe(400);
    expect(refused.$('.govuk-error-summary a').attr('href')).toBe('#reason');
    expect(refused.$('.govuk-error-summary a').text()).toBe(
      'Enter the reason for cancelling this audit, in up to 2,000 characters',
    );
    const long = 'x'.repeat(2001);
    const tooLong = await post(`/audits/${auditId}/cancel`, bu, { reason: long });
    expect(tooLong.status).toBe(400);
    expect(tooLong.$('#reason').text()).toBe(long);
    expect(updates).toEqual([]);
  });

  it('cancels through the same command as the API: the workflow told, the reason in the trail', async () => {
    const { auditId, workflowId } = await auditAt('awaiting_submissions');
    const page = await post(`/audits/${auditId}/cancel`, bu, { reason: 'The partnership changed its priorities' });
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/audits/${auditId}?done=cancelled`);
    expect(updates).toEqual([{ workflowId, update: 'cancelAudit', args: undefined }]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({ where: { auditId, action: 'audit.cancelled' } });
    expect(trail).toMatchObject({
      actor: `staff:${bu.staffId}`,
      actorName: 'Bea Bailey',
      details: { reason: 'The partnership changed its priorities' },
    });
    expect(text((await get(page.location!, bu)).$, '.govuk-notification-banner')).toContain('Audit cancelled');
  });

  it('an audit that has ended: no confirmation (409), and a stale form shows the refusal with the reason kept', async () => {
    const { auditId, workflowId } = await auditAt('completed');
    const page = await get(`/audits/${auditId}/cancel`, bu);
    expect(page.status).toBe(409);
    expect(page.$('h1').text()).toBe('This cannot be done now');
    ended.add(workflowId);
    const stale = await post(`/audits/${auditId}/cancel`, bu, { reason: 'Duplicate audit' });
    expect(stale.status).toBe(409);
    expect(stale.$('.govuk-error-summary').text()).toContain('already ended');
    expect(stale.$('#reason').text()).toBe('Duplicate audit');
  });
});

describe('the manager and the LIS', () => {
  it.each([
    ['manager', () => manager],
    ['LIS', () => lis],
  ])(
    'the %s reads the audit and its trail, without a form to change it, and is refused every change (403)',
    async (_who, as) => {
      const { auditId, agencies } = await auditAt('awaiting_submissions');
      const page = await get(`/audits/${auditId}`, as());
      expect(page.status).toBe(200);
      expect(page.$('form[action$="/concerns"]')).toHaveLength(0);
      expect(page.text).not.toContain('Cancel this audit');
      expect((await get(`/audits/${auditId}/trail`, as())).status).toBe(200);

      expect((await get(`/audits/${auditId}/cancel`, as())).status).toBe(403);
      const cancel = await post(`/audits/${auditId}/cancel`, as(), { reason: 'Not mine to cancel' });
      const concern = await post(`/audits/${auditId}/concerns`, as(), {
        agencyId: agencies[0]!.id,
        description: 'Risk',
      });
      for (const refused of [cancel, concern]) {
        expect(refused.status).toBe(403);
        expect(refused.$('h1').text()).toBe('This cannot be done from here');
      }
      expect(updates).toEqual([]);
      expect(await bed.db.escalation.count({ where: { auditId } })).toBe(0);
      expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'audit.cancelled' } })).toBe(0);
    },
  );
});

describe('/audits/:id/trail', () => {
  it('shows every entry newest first, 50 a page — who (person, key, link or Deep Dive), what, when', async () => {
    const { auditId } = await auditAt('awaiting_submissions');
    const start = Date.now() - 200 * 60_000;
    await bed.db.auditTrailEntry.createMany({
      data: Array.from({ length: 117 }, (_, i) => ({
        auditId,
        actor: 'system',
        action: `step.${i + 1}`,
        at: new Date(start + i * 60_000),
      })),
    });
    const at = new Date();
    await bed.db.auditTrailEntry.createMany({
      data: [
        {
          auditId,
          at,
          actor: `staff:${bu.staffId}`,
          actorName: 'Bea Bailey',
          actorRole: 'business_unit',
          action: 'a.person',
        },
        { auditId, at, actor: 'key:lis:3fa94c21', actorRole: 'lis', action: 'a.key' },
        { auditId, at, actor: 'link:acknowledge:7c9e6679', action: 'a.link', details: { escalationId: '7c9e6679' } },
      ],
    });

    const first = await get(`/audits/${auditId}/trail`, lis);
    expect(first.status).toBe(200);
    const shown = rows(first, 'Every decision');
    expect(shown).toHaveLength(50);
    expect(shown.slice(0, 3).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['Emailed link: escalation acknowledgement 7c9e6679', 'a.link', 'escalationId: 7c9e6679'],
      ['API key 3fa94c21 (Learning and Improvement Subgroup)', 'a.key', ''],
      ['Bea Bailey (Business unit)', 'a.person', ''],
    ]);
    expect(shown[3]!.slice(1, 3)).toEqual(['Deep Dive', 'step.117']);
    expect(first.$('main').text()).toContain('Entries 1 to 50 of 120, newest first');
    expect(first.$('.govuk-pagination__next a').attr('href')).toBe(`/audits/${auditId}/trail?page=2`);
    expect(first.$('.govuk-pagination__prev')).toHaveLength(0);

    const last = await get(`/audits/${auditId}/trail?page=3`, lis);
    expect(rows(last, 'Every decision').map((r) => r[2])).toEqual(
      Array.from({ length: 20 }, (_, i) => `step.${20 - i}`),
    );
    expect(last.$('.govuk-pagination__next')).toHaveLength(0);
    expect(last.$('.govuk-pagination__item--current').text().trim()).toBe('3');

    expect((await get(`/audits/${auditId}/trail?page=4`, lis)).status).toBe(404);
    for (const bad of ['0', 'abc', '-1', '1.5']) {
      expect((await get(`/audits/${auditId}/trail?page=${bad}`, lis)).status).toBe(400);
    }
  });
});

describe('addresses that are not an audit', () => {
  const paths = ['', '/trail', '/cancel'];
  it.each(['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '12345', "'%3B%20DROP", 'x'.repeat(500)])(
    '%s: a 404 page on every console route, never a 5xx',
    async (id) => {
      for (const path of paths) {
        const page = await get(`/audits/${id}${path}`, bu);
        expect({ path, status: page.status, h1: page.$('h1').text() }).toEqual({
          path,
          status: 404,
          h1: 'Page not found',
        });
      }
      for (const path of ['/cancel', '/concerns']) {
        const page = await post(`/audits/${id}${path}`, bu, { reason: 'x', description: 'x' });
        expect({ path, status: page.status }).toEqual({ path, status: 404 });
      }
    },
  );
});

describe('what people typed, shown as text', () => {
  it("an audit's focus and an agency's name are escaped on the audit page", async () => {
    const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)>';
    const { auditId, agencies, cases } = await auditAt('awaiting_submissions');
    await bed.db.audit.update({ where: { id: auditId }, data: { focus: `${hostile} focus` } });
    await bed.db.agency.update({ where: { id: agencies[0]!.id }, data: { name: `${hostile} Police` } });
    await bed.db.invitation.create({
      data: { auditId, caseId: cases[0]!.id, agencyId: agencies[0]!.id, dueAt: new Date(Date.now() + DAY) },
    });
    const page = await get(`/audits/${auditId}`, bu);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
    expect(page.$('h1').text()).toBe(`${hostile} focus`);
    expect(page.$('main').text()).toContain(`${hostile} Police`);
    expectOnlyOwnScripts(page.$);
  });
});

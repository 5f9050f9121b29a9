// The console's audits list and "Start a new audit" over HTTP, as a browser without JavaScript uses them,
// signed in as the business unit, a manager and the LIS: the list's filters and pages (only the page's rows),
// a bad filter as a 400 page, the candidate CSV's every problem by line and column with nothing started, check
// your answers, and "Start audit" sent twice starting one audit. The workflows are a stand-in client that
// records each start; test/browser/console-audits.test.ts runs the real product.
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { LINK_SECRET } from '../support/activities';
import { useAppBed } from '../support/app-bed';
import { type StaffSession, staffSession } from '../support/staff-session';

const started: string[] = [];
const startingClient = {
  workflow: {
    start: (_type: string, opts: { workflowId: string }) => {
      if (started.includes(opts.workflowId)) {
        return Promise.reject(
          new WorkflowExecutionAlreadyStartedError('already started', opts.workflowId, 'deepDiveAudit'),
        );
      }
      started.push(opts.workflowId);
      return Promise.resolve({ workflowId: opts.workflowId });
    },
  },
} as unknown as Client;

const { bed, http, agencyIds } = useAppBed({ client: startingClient, agencies: true });
let bu: StaffSession;
let manager: StaffSession;
let lis: StaffSession;

beforeAll(async () => {
  bu = await staffSession(bed.db, LINK_SECRET, 'business_unit');
  manager = await staffSession(bed.db, LINK_SECRET, 'manager');
  lis = await staffSession(bed.db, LINK_SECRET, 'lis');
});

const DAY = 24 * 3600 * 1000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

async function page(res: Response) {
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), text, $: cheerio.load(text) };
}

const get = async (path: string, as: StaffSession) =>
  page(await fetch(`${http.base}${path}`, { headers: { accept: 'text/html', cookie: as.cookie }, redirect: 'manual' }));

const csrfOf = async (as: StaffSession) => (await get('/audits', as)).$('input[name=_csrf]').first().val() as string;

const errorsOf = (p: { $: cheerio.CheerioAPI }) =>
  p
    .$('.govuk-error-summary__list a')
    .map((_i, a) => `${p.$(a).attr('href')} ${p.$(a).text().trim()}`)
    .get();

/** "Continue" on the form: its fields and, when given, the candidate CSV as a file. */
async function postNewAudit(
  as: StaffSession,
  fields: Record<string, string>,
  csv?: string,
  fileName = 'candidates.csv',
) {
  const form = new FormData();
  form.set('_csrf', await csrfOf(as));
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  if (csv !== undefined) form.set('candidates', new Blob([csv], { type: 'text/csv' }), fileName);
  return page(
    await fetch(`${http.base}/audits/new`, {
      method: 'POST',
      headers: { accept: 'text/html', cookie: as.cookie },
      body: form,
      redirect: 'manual',
    }),
  );
}

async function postStart(as: StaffSession, idempotencyKey: string) {
  return page(
    await fetch(`${http.base}/audits/new/check`, {
      method: 'POST',
      headers: { accept: 'text/html', cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: await csrfOf(as), idempotencyKey }).toString(),
      redirect: 'manual',
    }),
  );
}

const ANSWERS = {
  focus: 'other',
  focusOther: 'Neglect of teenagers',
  focusSource: 'practice_concern',
  cohortSize: '2',
  'windowFrom-day': '',
  'windowFrom-month': '',
  'windowFrom-year': '',
  'windowTo-day': '',
  'windowTo-month': '',
  'windowTo-year': '',
};

/** The form's own default window, as it pre-fills it. */
async function withDefaultWindow(fields: Record<string, string>) {
  const form = await get('/audits/new', bu);
  const value = (id: string) => form.$(`#${id}`).val() as string;
  const window = Object.fromEntries(
    ['windowFrom', 'windowTo'].flatMap((d) => ['day', 'month', 'year'].map((p) => [`${d}-${p}`, value(`${d}-${p}`)])),
  );
  return { ...fields, ...window };
}

const csvOf = (lines: string[]) =>
  ['caseRef,serviceLevel,childName,childDateOfBirth,childLocalId,agencies,lastActivityAt', ...lines].join('\n');

describe('the audits list', () => {
  it('shows the business unit an empty list with "Start a new audit"; a manager sees no such button', async () => {
    const empty = await get('/audits', bu);
    expect(empty.status).toBe(200);
    expect(empty.$('main').text()).toContain('There are no audits yet.');
    expect(
      empty
        .$('a.govuk-button')
        .filter((_i, a) => empty.$(a).text().trim() === 'Start a new audit')
        .attr('href'),
    ).toBe('/audits/new');
    const asManager = await get('/audits', manager);
    expect(asManager.status).toBe(200);
    expect(asManager.text).not.toContain('Start a new audit');
  });

  describe('with 60 audits', () => {
    const ids: string[] = [];
    const now = Date.now();
    beforeAll(async () => {
      // Newest first: audit i was created i minutes ago.
      for (let i = 0; i < 60; i++) {
        const id = randomUUID();
        ids.push(id);
        await bed.db.audit.create({
          data: {
            id,
            workflowId: `audit-${id}`,
            focus: `Listed focus ${String(i + 1).padStart(2, '0')}`,
            focusSource: 'business_plan_priority',
            windowFrom: new Date(now - 183 * DAY),
            windowTo: new Date(now),
            cohortSize: 4,
            createdBy: 'test',
            createdAt: new Date(now - (i + 1) * 60_000),
            stage: i % 3 === 0 ? 'awaiting_submissions' : 'selection',
          },
        });
      }
      // Three need attention, each for one reason: an overdue invitation, an unsent email, an open escalation.
      const kase = await bed.db.case.create({
        data: {
          auditId: ids[3]!,
          caseRef: 'NYC-1',
          serviceLevel: 'child_in_need',
          childName: 'Zephyrine Quixleworth',
          childDob: new Date('2014-03-02'),
          agencyIds: [agencyIds[0]!],
          lastActivityAt: new Date(now - 10 * DAY),
        },
      });
      await bed.db.invitation.create({
        data: { auditId: ids[3]!, caseId: kase.id, agencyId: agencyIds[0]!, dueAt: new Date(now - DAY) },
      });
      await bed.db.emailOutbox.create({
        data: {
          key: `audit-${ids[10]}/invitation/x`,
          auditId: ids[10]!,
          template: 'invitation',
          recipient: 'audits@police.example',
          messageId: `<${randomUUID()}@test>`,
          status: 'failed',
        },
      });
      await bed.db.escalation.create({
        data: { auditId: ids[40]!, agencyId: agencyIds[1]!, source: 'business_unit', concern: 'Words of a concern' },
      });
      // Actions of audit 1: two red, one amber, one green, one closed.
      for (const [number, rag, status] of [
        [1, 'red', 'open'],
        [2, 'red', 'open'],
        [3, 'amber', 'open'],
        [4, 'green', 'open'],
        [5, 'green', 'closed'],
      ] as const) {
        await bed.db.action.create({
          data: {
            auditId: ids[0]!,
            number,
            kind: 'recommendation',
            description: 'An action',
            ownerAgencyId: agencyIds[0]!,
            dueAt: new Date(now + 30 * DAY),
            rag,
            status,
          },
        });
      }
    });

    const focusLinks = (p: { $: cheerio.CheerioAPI }) =>
      p
        .$('tbody th a')
        .map((_i, a) => [[p.$(a).text(), p.$(a).attr('href')]])
        .get() as unknown as [string, string][];

    it('pages them 25 at a time, newest first, each focus linking to its audit', async () => {
      const first = await get('/audits', lis);
      expect(first.status).toBe(200);
      expect(focusLinks(first)).toEqual(
        ids.slice(0, 25).map((id, i) => [`Listed focus ${String(i + 1).padStart(2, '0')}`, `/audits/${id}`]),
      );
      expect(first.$('caption').text()).toContain('60 audits, newest first: 1 to 25 shown');

      const second = await get('/audits?page=2', lis);
      expect(second.status).toBe(200);
      expect(focusLinks(second).map(([, href]) => href)).toEqual(ids.slice(25, 50).map((id) => `/audits/${id}`));
      const pagination = second.$('nav.govuk-pagination');
      expect(pagination.find('.govuk-pagination__item--current').text().trim()).toBe('2');
      expect(pagination.find('.govuk-pagination__prev a').attr('href')).toBe('/audits');
      expect(pagination.find('.govuk-pagination__next a').attr('href')).toBe('/audits?page=3');
      expect(
        pagination
          .find('.govuk-pagination__item a')
          .map((_i, a) => second.$(a).text().trim())
          .get(),
      ).toEqual(['1', '2', '3']);

      const third = await get('/audits?page=3', lis);
      expect(focusLinks(third).map(([, href]) => href)).toEqual(ids.slice(50).map((id) => `/audits/${id}`));
      expect(third.$('.govuk-pagination__next').length).toBe(0);
    });

    it('shows each audit’s stage, overdue items and the RAG of its open actions', async () => {
      const first = await get('/audits', bu);
      const row = (id: string) =>
        first
          .$(`tbody tr:has(a[href="/audits/${id}"]) td`)
          .map((_i, td) => first.$(td).text().replace(/\s+/g, ' ').trim())
          .get();
      expect(row(ids[0]!)).toEqual([
        'Awaiting submissions',
        expect.stringMatching(/\d{4} at \d\d:\d\d$/),
        'None',
        'Red 2 Amber 1 Green 1 1 closed',
      ]);
      expect(row(ids[3]!)).toEqual(['Awaiting submissions', 'None', 'Overdue 1 submission', 'No actions']);
      expect(row(ids[10]!)[2]).toBe('Email 1 email not sent');
    });

    it('filters by stage and by "Needs attention", and pages the filtered list', async () => {
      const awaiting = await get('/audits?stage=awaiting_submissions', manager);
      expect(awaiting.status).toBe(200);
      const expected = ids.filter((_id, i) => i % 3 === 0);
      expect(focusLinks(awaiting).map(([, href]) => href)).toEqual(expected.map((id) => `/audits/${id}`));
      expect(awaiting.$('#stage option[selected]').val()).toBe('awaiting_submissions');
      expect(awaiting.$('caption').text()).toContain('20 audits match the filters');

      const attention = await get('/audits?attention=yes', manager);
      expect(focusLinks(attention).map(([, href]) => href)).toEqual(
        [ids[3], ids[10], ids[40]].map((id) => `/audits/${id}`),
      );
      expect(attention.$('#attention').attr('checked')).toBeDefined();

      const both = await get('/audits?stage=selection&attention=yes', manager);
      expect(focusLinks(both).map(([, href]) => href)).toEqual([ids[10], ids[40]].map((id) => `/audits/${id}`));
      const none = await get('/audits?stage=completed&attention=yes', manager);
      expect(none.$('main').text()).toContain('No audits match these filters.');

      // The filters stay in the pages' links.
      const selection = await get('/audits?stage=selection', manager);
      expect(selection.$('.govuk-pagination__next a').attr('href')).toBe('/audits?stage=selection&page=2');
      const selection2 = await get('/audits?stage=selection&page=2', manager);
      expect(focusLinks(selection2).length).toBe(15);
    });

    it.each([
      ['stage=bogus', '#stage Choose a stage from the list'],
      ['attention=maybe', '#attention Choose whether to show only audits that need attention'],
      ['page=abc', '#page Choose a page from the list of pages'],
      ['page=0', '#page Choose a page from the list of pages'],
      ['stage=selection&stage=report', '#stage Choose a stage from the list'],
      ['page=9', '#page There is no page 9: these filters have 3 pages. Go to page 1'],
    ])('refuses ?%s with a 400 page and the error summary, the filters kept', async (query, error) => {
      const refused = await get(`/audits?${query}`, bu);
      expect(refused.status).toBe(400);
      expect(refused.$('title').text()).toMatch(/^Error: Audits/);
      expect(errorsOf(refused)).toEqual([error]);
      expect(refused.$('form[action="/audits"]').length).toBe(1);
    });
  });
});

describe('starting a new audit', () => {
  it('is the business unit’s: a manager and the LIS are refused every step; someone not signed in is sent to sign in', async () => {
    for (const as of [manager, lis]) {
      expect((await get('/audits/new', as)).status).toBe(403);
      expect((await get('/audits/new/check', as)).status).toBe(403);
      expect((await postNewAudit(as, ANSWERS, csvOf([]))).status).toBe(403);
      expect((await postStart(as, randomUUID())).status).toBe(403);
    }
    const anonymous = await fetch(`${http.base}/audits/new`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/sign-in?returnTo=%2Faudits%2Fnew');
  });

  it('shows the form with the default window and cohort size filled in', async () => {
    const form = await get('/audits/new', bu);
    expect(form.status).toBe(200);
    expect(
      form
        .$('legend')
        .map((_i, l) => form.$(l).text().trim())
        .get(),
    ).toEqual(expect.arrayContaining(['Practice focus', 'Where the focus came from', 'From', 'To']));
    expect(form.$('label[for=cohortSize]').text().trim()).toBe('Cohort size');
    expect(form.$('label[for=candidates]').text().trim()).toBe('Candidate cases (CSV file)');
    expect(form.$('#cohortSize').val()).toBe('4');
    const today = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
    })
      .format(new Date())
      .split('/')
      .map(Number)
      .map(String);
    expect([form.$('#windowTo-day').val(), form.$('#windowTo-month').val(), form.$('#windowTo-year').val()]).toEqual(
      today,
    );
    expect(form.$('#windowFrom-year').val()).toMatch(/^\d{4}$/);
    expect(form.$('form[enctype="multipart/form-data"] button').text().trim()).toBe('Continue');
  });

  it('lists every problem of the CSV by line and column, keeps what was typed, and starts nothing', async () => {
    const before = await bed.db.audit.count();
    const csv = csvOf([
      `NYC-1,child_in_need,Zephyrine Quixleworth,2014-03-02,,Nowhere Agency,${daysAgo(10)}`,
      `NYC-2,child_in_need,Tobiah Quixleworth,2014-02-31,,North Yorkshire Police,${daysAgo(10)}`,
      `NYC-3,somewhere,Marisol Quixleworth,2012-01-01,,North Yorkshire Police,${daysAgo(10)}`,
      `NYC-1,universal,Evander Quixleworth,2011-01-01,,Harrogate Health Trust,${daysAgo(10)}`,
    ]);
    const refused = await postNewAudit(
      bu,
      await withDefaultWindow({ ...ANSWERS, focusSource: 'nonsense', discussionPlace: 'Room 2' }),
      csv,
    );
    expect(refused.status).toBe(400);
    expect(errorsOf(refused)).toEqual([
      '#focusSource Choose where the focus came from',
      '#discussionAt-day Enter the date of the discussion as a real date, for example 14 1 2027',
      '#discussionTime Enter the time of the discussion, for example 14:30',
      '#candidates candidates.csv line 2, column agencies: no agency named "Nowhere Agency" in the directory',
      expect.stringMatching(/^#candidates candidates\.csv line 3, column childDateOfBirth: /),
      expect.stringMatching(/^#candidates candidates\.csv line 4, column serviceLevel: /),
      '#candidates candidates.csv line 5, column caseRef: duplicate caseRef NYC-1 (line 2)',
    ]);
    // What was typed stays; no child's name is shown back.
    expect(refused.$('#focus-other').attr('checked')).toBeDefined();
    expect(refused.$('#focusOther').val()).toBe('Neglect of teenagers');
    expect(refused.$('#discussionPlace').val()).toBe('Room 2');
    expect(refused.text).not.toContain('Quixleworth');
    expect(await bed.db.audit.count()).toBe(before);
    expect(started).toEqual([]);

    // A file that is not CSV at all is one problem with its line; nothing is kept of it.
    const malformed = await postNewAudit(
      bu,
      await withDefaultWindow(ANSWERS),
      'caseRef,serviceLevel\n"unclosed,child_in_need\n',
    );
    expect(malformed.status).toBe(400);
    expect(errorsOf(malformed)).toEqual([expect.stringMatching(/^#candidates candidates\.csv line 2: /)]);
    expect(await bed.db.audit.count()).toBe(before);
  });

  it('refuses a pool with no case active in the window, saying so, before anything starts', async () => {
    const before = await bed.db.audit.count();
    const old = csvOf([`NYC-9,universal,Ottoline Quixleworth,2011-01-01,,North Yorkshire Police,${daysAgo(400)}`]);
    const refused = await postNewAudit(bu, await withDefaultWindow(ANSWERS), old);
    expect(refused.status).toBe(422);
    expect(errorsOf(refused)).toEqual([
      '#candidates candidates.csv: No candidate was active inside the review window.',
    ]);
    expect(await bed.db.audit.count()).toBe(before);
  });

  it('goes through check your answers to "Start audit": sent twice at once, one audit, as POST /api/audits starts it', async () => {
    const csv = csvOf([
      `NYC-11,child_in_need,Zephyrine Quixleworth,2014-03-02,LCS1,North Yorkshire Police;Harrogate Health Trust,${daysAgo(10)}`,
      `NYC-12,early_help,Tobiah Quixleworth,2013-03-02,,${agencyIds[2]},${daysAgo(20)}`,
      `NYC-13,looked_after,Marisol Quixleworth,2012-03-02,,children and families service,${daysAgo(30)}`,
    ]);
    const fields = await withDefaultWindow({
      ...ANSWERS,
      focus: 'Domestic abuse',
      'discussionAt-day': '14',
      'discussionAt-month': '1',
      'discussionAt-year': String(new Date().getFullYear() + 1),
      discussionTime: '14:30',
      discussionPlace: 'Room 2, County Hall',
    });
    const continued = await postNewAudit(bu, fields, csv, 'pool.csv');
    expect([continued.status, continued.location]).toEqual([303, '/audits/new/check']);

    const check = await get('/audits/new/check', bu);
    expect(check.status).toBe(200);
    const rows = Object.fromEntries(
      check
        .$('.govuk-summary-list__row')
        .map((_i, r) => [
          [check.$(r).find('dt').text().trim(), check.$(r).find('dd').first().text().replace(/\s+/g, ' ').trim()],
        ])
        .get() as unknown as [string, string][],
    );
    expect(rows).toMatchObject({
      'Practice focus': 'Domestic abuse',
      'Where the focus came from': 'Practice or performance concern',
      'Cohort size': '2 cases',
      Discussion: expect.stringMatching(/^14 January \d{4} at 14:30, Room 2, County Hall$/),
      'Candidate cases': 'pool.csv: 3 cases',
      'Case references': 'NYC-11, NYC-12, NYC-13',
    });
    expect(
      check
        .$('.govuk-summary-list__actions a')
        .map((_i, a) => check.$(a).attr('href'))
        .get(),
    ).toContain('/audits/new#candidates');
    expect(check.text).not.toMatch(/Quixleworth|LCS1|2014-03-02/);
    expect(check.$('button').filter((_i, b) => check.$(b).text().trim() === 'Start audit').length).toBe(1);

    // The form, reached by a Change link, still has every answer and says the file is kept.
    const again = await get('/audits/new', bu);
    expect(again.$('#focus-domestic-abuse').attr('checked')).toBeDefined();
    expect(again.$('#discussionTime').val()).toBe('14:30');
    expect(again.$('.govuk-inset-text').text()).toContain('pool.csv: 3 cases');

    const key = check.$('input[name=idempotencyKey]').val() as string;
    const before = await bed.db.audit.count();
    const [a, b] = await Promise.all([postStart(bu, key), postStart(bu, key)]);
    expect(a.status).toBe(303);
    expect(b.status).toBe(303);
    expect(a.location).toMatch(/^\/audits\/[0-9a-f-]{36}$/);
    expect(b.location).toBe(a.location);
    expect(await bed.db.audit.count()).toBe(before + 1);
    // A third click, after both were answered: the same audit.
    expect((await postStart(bu, key)).location).toBe(a.location);

    const id = a.location!.split('/').pop()!;
    expect(started.filter((w) => w === `audit-${id}`)).toEqual([`audit-${id}`]);
    const audit = await bed.db.audit.findUniqueOrThrow({
      where: { id },
      include: { cases: { orderBy: { caseRef: 'asc' } } },
    });
    expect(audit).toMatchObject({
      focus: 'Domestic abuse',
      focusSource: 'practice_concern',
      cohortSize: 2,
      discussionLocation: 'Room 2, County Hall',
      createdBy: `staff:${bu.staffId}`,
    });
    expect(audit.cases.map((c) => [c.caseRef, c.agencyIds])).toEqual([
      ['NYC-11', [agencyIds[0], agencyIds[1]]],
      ['NYC-12', [agencyIds[2]]],
      ['NYC-13', [agencyIds[2]]],
    ]);
    const trail = await bed.db.auditTrailEntry.findMany({ where: { auditId: id, action: 'audit.started' } });
    expect(trail.map((t) => [t.actor, t.details])).toEqual([[`staff:${bu.staffId}`, { candidates: 3 }]]);
    // The pool's identifiers left the session with the start; a new form starts afresh.
    const sessions = await bed.db.session.findMany();
    expect(JSON.stringify(sessions)).not.toContain('Quixleworth');
    const fresh = await get('/audits/new', bu);
    expect(fresh.$('#focusOther').val()).toBe('');
    expect(fresh.$('.govuk-inset-text').length).toBe(0);
  });

  it('sends the check page back to the form when there is nothing to check, and an old page’s key to the form', async () => {
    const nothing = await get('/audits/new/check', bu);
    expect([nothing.status, nothing.location]).toEqual([303, '/audits/new']);
    const stale = await postStart(bu, randomUUID());
    expect([stale.status, stale.location]).toEqual([303, '/audits/new']);
    const bad = await postStart(bu, 'not-a-key');
    expect(bad.status).toBe(400);
  });
});

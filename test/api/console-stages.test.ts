// The console's cohort and discussion pages over HTTP, signed in through the embedded OpenID provider as the
// business unit, a manager and the LIS, against the real parts (the Temporal dev server, a worker, a real
// database): who sees the children's identifiers (and the access log that says so), "Replace" and "Send
// invitations" through the same commands as the API, scheduling and recording the outcome with every
// refusal in the design system's error summary and the input kept, and every change refused to the readers.
import * as cheerio from 'cheerio';
import { AREAS } from '../../domain/schemas';
import { asTyped } from '../../api/views/discussion';
import { DEV_STAFF, type EmbeddedOidc, startEmbeddedOidc } from '../../dev/oidc';
import { linkToken } from '../../infra/links';
import { LINK_SECRET } from '../support/activities';
import { KEYS, type Served, startDrawnAudit, untilApiStage, useAppBed } from '../support/app-bed';
import { eventually } from '../support/http';
import { freePort } from '../support/ports';
import { signInAs, type StaffBrowser, staffBrowser } from '../support/staff-browser';

const { bed, http, agencyIds, serve } = useAppBed({ temporal: 'dev', agencies: true });
const PASSWORD = 'correct horse battery staple';

let provider: EmbeddedOidc;
let app: Served;
const as: Record<'bu' | 'manager' | 'lis', StaffBrowser> = {
  bu: staffBrowser(),
  manager: staffBrowser(),
  lis: staffBrowser(),
};

beforeAll(async () => {
  const port = await freePort();
  const redirectUrl = `http://127.0.0.1:${port}/sign-in/callback`;
  provider = await startEmbeddedOidc({ port: 0, redirectUrl, accounts: DEV_STAFF, password: PASSWORD });
  app = await serve({
    oidc: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUrl },
    port,
  });
  for (const { email, name, role } of DEV_STAFF) await bed.db.staff.create({ data: { email, name, role } });
  await signInAs(as.bu, app.base, 'bu@dev.local', PASSWORD);
  await signInAs(as.manager, app.base, 'manager@dev.local', PASSWORD);
  await signInAs(as.lis, app.base, 'lis@dev.local', PASSWORD);
});

afterAll(() => provider?.stop());

async function open(b: StaffBrowser, path: string) {
  const at = await b.request(`${app.base}${path}`);
  return { status: at.res.status, location: at.res.headers.get('location'), text: at.text, $: cheerio.load(at.text) };
}

async function post(b: StaffBrowser, path: string, fields: [string, string][]) {
  const at = await b.request(`${app.base}${path}`, { method: 'POST', form: fields });
  return { status: at.res.status, location: at.res.headers.get('location'), text: at.text, $: cheerio.load(at.text) };
}

type Shown = Awaited<ReturnType<typeof open>>;
const csrfOf = (page: Shown) => page.$('input[name=_csrf]').first().val() as string;

/** The error summary's messages by the id each links to; every link lands on an element of the page. */
function summaryOf(page: Shown): Record<string, string> {
  const links = page.$('.govuk-error-summary a');
  expect(links.length).toBeGreaterThan(0);
  const found: Record<string, string> = {};
  links.each((_i, a) => {
    const id = page.$(a).attr('href')!.slice(1);
    expect([id, page.$(`[id="${id}"]`).length]).toEqual([id, 1]);
    found[id] = page.$(a).text().trim();
  });
  return found;
}

const staffId = async (email: string) => (await bed.db.staff.findUniqueOrThrow({ where: { email } })).id;

/** As a person types a UK time in the form: 14/1/2027 10:30. */
const typed = asTyped;

const drawn = (auditId: string) =>
  bed.db.case.findMany({
    where: { auditId, selectedAt: { not: null }, replacedAt: null },
    orderBy: { drawOrder: 'asc' },
  });

let auditId: string;

beforeAll(async () => {
  auditId = await startDrawnAudit(http, agencyIds);
});

describe('the cohort page', () => {
  it('shows the business unit the drawn children with their identifiers, seed and rationale, and logs each view', async () => {
    const cases = await drawn(auditId);
    const audit = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    const page = await open(as.bu, `/audits/${auditId}/cohort`);
    expect(page.status).toBe(200);
    const rows = page.$('table tbody tr');
    expect(rows).toHaveLength(2);
    cases.forEach((c, i) => {
      const row = page.$(rows[i]).text();
      expect(row).toContain(c.caseRef);
      expect(row).toContain(c.childName!);
      expect(row).toContain(c.childLocalId!);
      expect(row).toContain(
        new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(c.childDob!),
      );
    });
    expect(page.$('main').text()).toContain(audit.cohortSeed!);
    expect(page.$('h2:contains("How the cohort was drawn")')).toHaveLength(1);
    expect(page.$('button:contains("Replace")')).toHaveLength(2);
    expect(page.$('button:contains("Send invitations")')).toHaveLength(1);

    const bu = await staffId('bu@dev.local');
    const log = () => bed.db.accessLogEntry.findMany({ where: { auditId }, orderBy: { at: 'asc' } });
    expect(await log()).toEqual([
      expect.objectContaining({
        actor: `staff:${bu}`,
        actorName: 'Bea Bailey (business unit)',
        actorRole: 'business_unit',
        page: 'cohort',
        path: `/audits/${auditId}/cohort`,
      }),
    ]);
    await open(as.bu, `/audits/${auditId}/cohort`);
    expect(await log()).toHaveLength(2);
    // The business unit reads the same log over the API.
    const api = await http.call('GET', `/api/audits/${auditId}/access-log`, { key: KEYS.bu });
    expect(api.body.map((e: { page: string }) => e.page)).toEqual(['cohort', 'cohort']);
  });

  it('shows a manager and the LIS the cases without identifiers, unlogged, with nothing to change', async () => {
    const cases = await drawn(auditId);
    const before = await bed.db.accessLogEntry.count({ where: { auditId } });
    for (const who of ['manager', 'lis'] as const) {
      const page = await open(as[who], `/audits/${auditId}/cohort`);
      expect([who, page.status]).toEqual([who, 200]);
      const table = page.$('table').text();
      for (const c of cases) {
        expect(table).toContain(c.caseRef);
        expect(page.text).not.toContain(c.childName!);
        expect(page.text).not.toContain(c.childLocalId!);
      }
      expect(page.$('th:contains("Age band")')).toHaveLength(1);
      expect(page.$('th:contains("Date of birth")')).toHaveLength(0);
      expect(page.$('form[action^="/audits/"]')).toHaveLength(0);
    }
    expect(await bed.db.accessLogEntry.count({ where: { auditId } })).toBe(before);
  });

  it('"Replace": a replacement not chosen is refused on its row; a chosen one replaces the case, as the API does', async () => {
    const [first, second] = await drawn(auditId);
    const page = await open(as.bu, `/audits/${auditId}/cohort`);
    const csrf = csrfOf(page);
    const refused = await post(as.bu, `/audits/${auditId}/cohort/replace`, [
      ['_csrf', csrf],
      ['caseRef', second!.caseRef],
      ['replacementCaseRef', ''],
    ]);
    expect(refused.status).toBe(400);
    expect(summaryOf(refused)).toEqual({ 'replacementCaseRef-2': `Choose a case to replace ${second!.caseRef} with` });
    expect(refused.$('#replacementCaseRef-2').closest('.govuk-form-group').hasClass('govuk-form-group--error')).toBe(
      true,
    );

    const undrawn = await bed.db.case.findFirstOrThrow({
      where: { auditId, selectedAt: null },
      orderBy: { caseRef: 'asc' },
    });
    // The option offered is the one posted.
    expect(page.$(`#replacementCaseRef-1 option[value="${undrawn.caseRef}"]`)).toHaveLength(1);
    const replaced = await post(as.bu, `/audits/${auditId}/cohort/replace`, [
      ['_csrf', csrf],
      ['caseRef', first!.caseRef],
      ['replacementCaseRef', undrawn.caseRef],
    ]);
    expect([replaced.status, replaced.location]).toEqual([303, `/audits/${auditId}/cohort?done=replaced`]);
    const after = await open(as.bu, replaced.location!);
    expect(after.$('.govuk-notification-banner--success').text()).toContain('The case has been replaced');
    expect((await drawn(auditId)).map((c) => c.caseRef)).toEqual(
      expect.arrayContaining([undrawn.caseRef, second!.caseRef]),
    );
    expect(after.$('table').text()).toContain(undrawn.caseRef);
    expect(after.$('table').text()).not.toContain(first!.caseRef);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { auditId, action: 'cohort.replace_requested' },
    });
    expect(trail).toMatchObject({ actor: `staff:${await staffId('bu@dev.local')}`, actorRole: 'business_unit' });
  });

  it('refuses a manager and the LIS every change with 403, their own form token notwithstanding', async () => {
    const [first] = await drawn(auditId);
    for (const who of ['manager', 'lis'] as const) {
      const csrf = csrfOf(await open(as[who], `/audits/${auditId}/cohort`));
      const attempts: [string, [string, string][]][] = [
        [
          `/audits/${auditId}/cohort/replace`,
          [
            ['caseRef', first!.caseRef],
            ['replacementCaseRef', 'NYC-4715'],
          ],
        ],
        [`/audits/${auditId}/cohort/send-invitations`, []],
        [
          `/audits/${auditId}/discussion`,
          [
            ['at', '14/1/2027 10:30'],
            ['location', 'County Hall'],
          ],
        ],
        [`/audits/${auditId}/discussion/outcome`, [['present', agencyIds[0]!]]],
      ];
      for (const [path, fields] of attempts) {
        const res = await post(as[who], path, [['_csrf', csrf], ...fields]);
        expect({ who, path, status: res.status }).toEqual({ who, path, status: 403 });
        expect(res.$('main').text()).toContain('business_unit');
      }
    }
    expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'invitations.send_requested' } })).toBe(0);
    expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).discussionAt).toBeNull();
  });

  it('"Send invitations" sends them; then the buttons are gone and a replayed post is explained in the error summary (409)', async () => {
    const page = await open(as.bu, `/audits/${auditId}/cohort`);
    const csrf = csrfOf(page);
    const [first] = await drawn(auditId);
    const sent = await post(as.bu, `/audits/${auditId}/cohort/send-invitations`, [['_csrf', csrf]]);
    expect([sent.status, sent.location]).toEqual([303, `/audits/${auditId}/cohort?done=sent`]);
    const after = await open(as.bu, sent.location!);
    expect(after.$('.govuk-notification-banner--success').text()).toContain('The invitations are being sent');
    expect(after.$('button:contains("Send invitations")')).toHaveLength(0);
    expect(after.$('button:contains("Replace")')).toHaveLength(0);
    expect(after.$('#cohort-status').text()).toContain('The invitations have gone');

    const again = await post(as.bu, `/audits/${auditId}/cohort/send-invitations`, [['_csrf', csrf]]);
    expect(again.status).toBe(409);
    expect(summaryOf(again)).toEqual({ 'cohort-status': expect.stringContaining('already been sent') });
    const undrawn = await bed.db.case.findFirstOrThrow({ where: { auditId, selectedAt: null, replacedAt: null } });
    const replace = await post(as.bu, `/audits/${auditId}/cohort/replace`, [
      ['_csrf', csrf],
      ['caseRef', first!.caseRef],
      ['replacementCaseRef', undrawn.caseRef],
    ]);
    expect(replace.status).toBe(409);
    expect(summaryOf(replace)).toEqual({
      'cohort-status': 'The invitations have already been sent, so the cohort can no longer change',
    });
    expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'invitations.send_requested' } })).toBe(1);
    await untilApiStage(http, auditId, 'awaiting_submissions');
  });
});

describe('the discussion page', () => {
  beforeAll(async () => {
    // Every agency answers through its emailed link; the second area is graded lower by all.
    const invitations = await bed.db.invitation.findMany({ where: { auditId } });
    for (const invitation of invitations) {
      const sections = Object.fromEntries(
        AREAS.map((area, i) => [
          area,
          {
            goodPractice: 'Timely strategy meeting',
            areasForDevelopment: '',
            recommendations: '',
            grade: i === 1 ? 'requires_improvement' : 'good',
            rationale: 'Evidence in records',
          },
        ]),
      );
      const token = linkToken(LINK_SECRET, `respond:${invitation.id}`);
      const res = await http.call('POST', `/respond/${token}`, { body: { sections, submit: true } });
      expect(res.status).toBe(200);
    }
    await untilApiStage(http, auditId, 'collation');
  });

  it('"Schedule the discussion": a date that is not one is refused with the input kept; a good one is stored', async () => {
    const page = await open(as.bu, `/audits/${auditId}/discussion`);
    expect(page.status).toBe(200);
    expect(page.$('label[for=at]').text().trim()).toBe('Date and time');
    expect(page.$('label[for=location]').text().trim()).toBe('Place');
    expect(page.$('button:contains("Schedule the discussion")')).toHaveLength(1);
    expect(page.$('button:contains("Record the outcome")')).toHaveLength(0);
    const csrf = csrfOf(page);

    const refused = await post(as.bu, `/audits/${auditId}/discussion`, [
      ['_csrf', csrf],
      ['at', 'next Tuesday'],
      ['location', 'Room 4, County Hall'],
    ]);
    expect(refused.status).toBe(400);
    expect(summaryOf(refused)).toEqual({
      at: 'Enter the date and time as a date and time, like 14/1/2027 10:30',
    });
    expect(refused.$('#at').val()).toBe('next Tuesday');
    expect(refused.$('#location').val()).toBe('Room 4, County Hall');
    expect(refused.$('title').text()).toMatch(/^Error: /);
    const noPlace = await post(as.bu, `/audits/${auditId}/discussion`, [
      ['_csrf', csrf],
      ['at', '14/1/2027 10:30'],
      ['location', ''],
    ]);
    expect(summaryOf(noPlace)).toEqual({ location: 'Enter the place' });
    expect(noPlace.$('#at').val()).toBe('14/1/2027 10:30');
    expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).discussionAt).toBeNull();

    // Ahead: the pack goes out with it, and the outcome waits for the meeting.
    const ahead = new Date(Math.floor((Date.now() + 3600_000) / 60_000) * 60_000);
    const scheduled = await post(as.bu, `/audits/${auditId}/discussion`, [
      ['_csrf', csrf],
      ['at', typed(ahead)],
      ['location', 'Room 4, County Hall'],
    ]);
    expect([scheduled.status, scheduled.location]).toEqual([303, `/audits/${auditId}/discussion?done=scheduled`]);
    const stored = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    expect([stored.discussionAt?.toISOString(), stored.discussionLocation]).toEqual([
      ahead.toISOString(),
      'Room 4, County Hall',
    ]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({ where: { auditId, action: 'discussion.scheduled' } });
    expect(trail.actor).toBe(`staff:${await staffId('bu@dev.local')}`);
    await untilApiStage(http, auditId, 'discussion');
    const waiting = await open(as.bu, `/audits/${auditId}/discussion`);
    expect(waiting.$('#at').val()).toBe(typed(ahead));
    expect(waiting.$('#outcome').next('p').text()).toContain('after the discussion');
    expect(waiting.$('button:contains("Record the outcome")')).toHaveLength(0);

    // Brought forward: it has been held, and the outcome can be recorded.
    const held = new Date(Math.floor((Date.now() - 3600_000) / 60_000) * 60_000);
    const moved = await post(as.bu, `/audits/${auditId}/discussion`, [
      ['_csrf', csrf],
      ['at', typed(held)],
      ['location', 'Room 2'],
    ]);
    expect(moved.status).toBe(303);
    const now = await open(as.bu, `/audits/${auditId}/discussion`);
    expect(now.$('button:contains("Record the outcome")')).toHaveLength(1);
    // Readers see where and when, and no form.
    const manager = await open(as.manager, `/audits/${auditId}/discussion`);
    expect(manager.status).toBe(200);
    expect(manager.$('#discussion-summary').text()).toContain('Room 2');
    expect(manager.$('form[action^="/audits/"]')).toHaveLength(0);
  });

  const agencyName = async (id: string) => (await bed.db.agency.findUniqueOrThrow({ where: { id } })).name;

  it('"Record the outcome": missing grades and a half-filled row are refused field by field, with everything kept', async () => {
    const page = await open(as.bu, `/audits/${auditId}/discussion`);
    const csrf = csrfOf(page);
    // Each agency's self-grades beside the panel's: every submission graded the second area lower.
    const invited = await bed.db.invitation.findMany({ where: { auditId }, include: { agency: true, case: true } });
    const beside = page.$('h3:contains("Assessment: agencies\' self-grades")').next('ul').text();
    for (const i of invited) expect(beside).toContain(`${i.agency.name} (${i.case.caseRef}): Requires improvement`);

    const present = invited[0]!.agencyId;
    const fields: [string, string][] = [
      ['_csrf', csrf],
      ['present', present],
      ['findings[recognition][grade]', 'good'],
      ['findings[recognition][conclusions]', 'Risk was recognised early'],
      ['findings[assessment][conclusions]', 'The assessment missed the father'],
      ['urgentActions[0][description]', 'Convene a strategy meeting'],
      ['urgentActions[0][ownerAgencyId]', ''],
      ['urgentActions[0][dueAt]', 'soon'],
    ];
    const refused = await post(as.bu, `/audits/${auditId}/discussion/outcome`, fields);
    expect(refused.status).toBe(400);
    const summary = summaryOf(refused);
    for (const area of ['assessment', 'planning_intervention', 'joint_working', 'impact', 'overall_quality']) {
      expect(summary[`findings-${area}-grade`]).toMatch(/^Choose the panel's grade for /);
    }
    expect(summary['findings-impact-conclusions']).toBe("Enter the panel's conclusions on Impact");
    expect(summary['findings-recognition-grade']).toBeUndefined();
    expect(summary['findings-assessment-conclusions']).toBeUndefined();
    expect(summary['urgentActions-0-ownerAgencyId']).toBe('Choose the owner agency of urgent action 1');
    expect(summary['urgentActions-0-dueAt']).toBe('Enter the due date of urgent action 1 as a date, like 31/3/2027');
    // Everything typed is still there.
    expect(refused.$(`input[name=present][value="${present}"]`).attr('checked')).toBeDefined();
    expect(refused.$('input[name="findings[recognition][grade]"][value=good]').attr('checked')).toBeDefined();
    expect(refused.$('#findings-recognition-conclusions').text()).toBe('Risk was recognised early');
    expect(refused.$('#findings-assessment-conclusions').text()).toBe('The assessment missed the father');
    expect(refused.$('#urgentActions-0-description').text()).toBe('Convene a strategy meeting');
    expect(refused.$('#urgentActions-0-dueAt').val()).toBe('soon');
    expect(await bed.db.outcome.count({ where: { auditId } })).toBe(0);

    // "Add another" gives one more row, keeps the rest and records nothing.
    const more = await post(as.bu, `/audits/${auditId}/discussion/outcome`, [...fields, ['add', 'recommendations']]);
    expect(more.status).toBe(200);
    expect(more.$('.govuk-error-summary')).toHaveLength(0);
    expect(more.$('legend:contains("Recommendation 2")')).toHaveLength(1);
    expect(more.$('#recommendations-1-description')).toHaveLength(1);
    expect(more.$('#urgentActions-0-dueAt').val()).toBe('soon');
    expect(await bed.db.outcome.count({ where: { auditId } })).toBe(0);
  });

  it('"Record the outcome" records it as the API does: actions, and an urgent escalation for each concern', async () => {
    const page = await open(as.bu, `/audits/${auditId}/discussion`);
    const csrf = csrfOf(page);
    const [concerned] = await drawn(auditId);
    const fields: [string, string][] = [
      ['_csrf', csrf],
      ['present', agencyIds[0]!],
      ['present', agencyIds[1]!],
      ...AREAS.flatMap((area): [string, string][] => [
        [`findings[${area}][grade]`, area === 'assessment' ? 'requires_improvement' : 'good'],
        [`findings[${area}][conclusions]`, `Agreed on ${area}`],
      ]),
      ['urgentActions[0][description]', 'Convene a strategy meeting'],
      ['urgentActions[0][ownerAgencyId]', agencyIds[0]!],
      ['urgentActions[0][dueAt]', '15/1/2027'],
      ['concerns[0][caseRef]', concerned!.caseRef],
      ['concerns[0][agencyId]', agencyIds[1]!],
      ['concerns[0][description]', 'May be at immediate risk at home'],
      ['recommendations[0][description]', 'Use the screening tool at first contact'],
      ['recommendations[0][ownerAgencyId]', agencyIds[1]!],
      ['recommendations[0][dueAt]', '2027-06-30'],
      // A row left blank is no row.
      ['recommendations[1][description]', ''],
      ['recommendations[1][ownerAgencyId]', ''],
      ['recommendations[1][dueAt]', ''],
    ];
    const recorded = await post(as.bu, `/audits/${auditId}/discussion/outcome`, fields);
    expect([recorded.status, recorded.location]).toEqual([303, `/audits/${auditId}/discussion?done=recorded`]);

    const outcome = await bed.db.outcome.findUniqueOrThrow({ where: { auditId } });
    expect(outcome.acceptedAt).not.toBeNull();
    expect(outcome.content).toMatchObject({
      attendance: expect.arrayContaining([
        { agencyId: agencyIds[0], present: true },
        { agencyId: agencyIds[1], present: true },
      ]),
      findings: { assessment: { grade: 'requires_improvement', conclusions: 'Agreed on assessment' } },
      concerns: [
        { caseRef: concerned!.caseRef, agencyId: agencyIds[1], description: 'May be at immediate risk at home' },
      ],
    });
    const actions = await bed.db.action.findMany({ where: { auditId }, orderBy: { number: 'asc' } });
    expect(actions.map((a) => [a.kind, a.ownerAgencyId, a.dueAt.toISOString().slice(0, 10)])).toEqual([
      ['urgent_action', agencyIds[0], '2027-01-15'],
      ['recommendation', agencyIds[1], '2027-06-30'],
    ]);
    const escalations = await eventually(async () => {
      const rows = await bed.db.escalation.findMany({ where: { auditId, source: 'outcome' } });
      return rows.length ? rows : undefined;
    }, 'the escalation');
    expect(escalations).toEqual([expect.objectContaining({ agencyId: agencyIds[1] })]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({ where: { auditId, action: 'outcome.saved' } });
    expect(trail.actor).toBe(`staff:${await staffId('bu@dev.local')}`);

    const shown = await open(as.bu, recorded.location!);
    expect(shown.$('.govuk-notification-banner--success').text()).toContain('The outcome has been recorded');
    expect(shown.$('button:contains("Record the outcome")')).toHaveLength(0);
    const summary = shown.$('main').text();
    expect(summary).toContain(await agencyName(agencyIds[0]!));
    expect(summary).toContain('Agreed on assessment');
    expect(summary).toContain('Urgent action 1');
    // The concern's words are for the agency lead's link only.
    expect(summary).not.toContain('May be at immediate risk at home');

    const again = await post(as.bu, `/audits/${auditId}/discussion/outcome`, fields);
    expect(again.status).toBe(409);
    expect(summaryOf(again)).toEqual({ outcome: 'The outcome of this discussion has already been recorded' });
  });

  it('answers an ID that is no audit with a plain 404 page (a malformed address, 400), never a 500', async () => {
    const page = await open(as.bu, '/audits/00000000-0000-4000-8000-000000000000/discussion');
    expect(page.status).toBe(404);
    expect(page.$('main').text()).toContain('No such audit');
    const csrf = csrfOf(await open(as.bu, `/audits/${auditId}/discussion`));
    const paths = ['cohort', 'cohort/replace', 'cohort/send-invitations', 'discussion', 'discussion/outcome'];
    for (const value of ['not-a-uuid', '00000000-0000-0000-0000-000000000000', "'; DROP TABLE x", '%00', '%E0%A4%A']) {
      for (const path of paths) {
        const url = `/audits/${value.startsWith('%') ? value : encodeURIComponent(value)}/${path}`;
        const res =
          path.includes('/') || path === 'discussion'
            ? await post(as.bu, url, [['_csrf', csrf]])
            : await open(as.bu, url);
        expect({ url, status: [400, 404].includes(res.status) }).toEqual({ url, status: true });
      }
    }
  });
});

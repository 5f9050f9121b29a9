// The console's report, sign-off, actions and agencies pages over HTTP, as a browser without JavaScript
// uses them, signed in as each role: every page empty, filled and refusing (the error summary, what was typed
// kept), each change going through the command its JSON route uses (the stored rows, the trail, the workflow
// update), and the role matrix (the manager reads and is refused every change; the LIS signs off and closes
// actions; the business unit does everything). The workflows are a stand-in that accepts every update, or
// refuses it as a workflow in another stage does.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { followUpActivities } from '../../activities/follow-up';
import { rolesOf } from '../../api/openapi';
import { CONSOLE_REPORT_ROUTES } from '../../api/routers/console-report-routes';
import type { Role } from '../../infra/config';
import { wrongStage } from '../../workflows/errors';
import { LINK_SECRET } from '../support/activities';
import { useAppBed } from '../support/app-bed';
import { insertAudit, insertAuditWithLinks } from '../support/fixtures';
import { submissionContent } from '../support/lifecycle';
import { type StaffSession, staffSession } from '../support/staff-session';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const DAY = 24 * 3600 * 1000;

const updates: { workflowId: string; update: string; args: unknown }[] = [];
/** When the stand-in took an action's close, as the workflow answers it (its own write of the row comes later). */
const CLOSED_AT = '2026-11-30T10:00:00.000Z';
/** When set, the workflow refuses every update as one in another stage would. */
let refusing = false;
const standIn = {
  workflow: {
    getHandle: (workflowId: string) => ({
      executeUpdate: (def: { name: string }, opts: { args?: unknown[] } = {}) => {
        if (refusing) {
          return Promise.reject(new WorkflowUpdateFailedError('refused', wrongStage('do this', 'discussion')));
        }
        updates.push({ workflowId, update: def.name, args: opts.args });
        return Promise.resolve({ stage: 'action_follow_up', status: 'closed', closedAt: CLOSED_AT });
      },
    }),
  },
} as unknown as Client;

const { bed, http } = useAppBed({ client: standIn });

const as: Partial<Record<Role, StaffSession>> = {};
beforeAll(async () => {
  for (const role of ['business_unit', 'manager', 'lis'] as const)
    as[role] = await staffSession(bed.db, LINK_SECRET, role);
});

beforeEach(() => {
  updates.length = 0;
  refusing = false;
});

interface Page {
  status: number;
  location: string | null;
  $: cheerio.CheerioAPI;
  text: string;
}

async function request(role: Role, path: string, form?: Record<string, string>): Promise<Page> {
  const res = await fetch(`${http.base}${path}`, {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: {
      accept: BROWSER_ACCEPT,
      cookie: as[role]!.cookie,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), $: cheerio.load(text), text };
}

const get = (role: Role, path: string) => request(role, path);

/** Posts the form as the page gives it: its CSRF token from a GET of `from` (the same page, by default). */
async function post(role: Role, path: string, fields: Record<string, string>, from = path): Promise<Page> {
  const page = await get(role, from);
  const csrf = page.$('input[name=_csrf]').first().attr('value');
  expect(csrf).toBeTruthy();
  return request(role, path, { _csrf: csrf!, ...fields });
}

const summary = (page: Page) =>
  page
    .$('.govuk-error-summary li')
    .map((_i, el) => page.$(el).text().trim())
    .get();
const summaryLinks = (page: Page) =>
  page
    .$('.govuk-error-summary a')
    .map((_i, el) => page.$(el).attr('href'))
    .get();
const buttons = (page: Page) =>
  page
    .$('main button')
    .map((_i, el) => page.$(el).text().replace(/\s+/g, ' ').trim())
    .get();

/** An audit whose agencies have submitted about its first child, with no report yet. */
async function auditWithSubmission() {
  const { auditId, agencies } = await insertAudit(bed.db);
  const kase = await bed.db.case.findFirstOrThrow({ where: { auditId }, orderBy: { caseRef: 'asc' } });
  await bed.db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
  const invitation = await bed.db.invitation.create({
    data: { auditId, caseId: kase.id, agencyId: agencies[0]!.id, status: 'submitted', dueAt: new Date() },
  });
  await bed.db.submission.create({
    data: { invitationId: invitation.id, content: submissionContent(), submittedAt: new Date() },
  });
  return { auditId, agencies, kase };
}

const REPORT = {
  workingWell: 'Strategy meetings were held promptly\nSchools shared concerns early',
  areasForDevelopment: 'Recording the voice of the child',
  themes: 'Information sharing',
  recommendations: 'Use the escalation protocol',
};

describe('/audits/:id/report', () => {
  it('starts the business unit from the system’s draft, its identifiers redacted; the others only read', async () => {
    const { auditId } = await auditWithSubmission();
    const page = await get('business_unit', `/audits/${auditId}/report`);
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toBe('Summary report');
    const draft = page.$('textarea#workingWell').text();
    expect(draft).not.toBe('');
    expect(page.$('main').text()).not.toMatch(/Zephyrine|Quixleworth/);
    expect(buttons(page)).toEqual(['Check for identifying details', 'Submit for approval']);
    expect(page.$('label[for=areasForDevelopment]').text().trim()).toBe('Areas for development');
    expect(page.$('main').text()).toContain('No version has been submitted yet.');

    for (const role of ['manager', 'lis'] as const) {
      const read = await get(role, `/audits/${auditId}/report`);
      expect(read.status).toBe(200);
      expect(read.$('textarea')).toHaveLength(0);
      expect(buttons(read)).toEqual([]);
      expect(read.$('main').text()).toContain('No version has been submitted yet.');
    }
  });

  it('with nothing submitted yet, offers empty lists', async () => {
    const { auditId } = await insertAudit(bed.db);
    const page = await get('business_unit', `/audits/${auditId}/report`);
    expect(page.status).toBe(200);
    expect(
      page
        .$('textarea')
        .map((_i, el) => page.$(el).text())
        .get(),
    ).toEqual(['', '', '', '']);
  });

  it('"Check for identifying details" shows each finding beside its text, keeps the text, and stores nothing', async () => {
    const { auditId } = await auditWithSubmission();
    const typed = {
      ...REPORT,
      themes: 'Information sharing\nZephyrine Quixleworth was not seen alone',
      intent: 'check',
    };
    const page = await post('business_unit', `/audits/${auditId}/report`, typed);
    expect(page.status).toBe(200);
    expect(summary(page)).toEqual(['Remove the identifying details from Themes: each is shown below the list']);
    expect(summaryLinks(page)).toEqual(['#themes']);
    const findings = page.$('#themes').closest('.govuk-form-group').find('li');
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.first().text()).toMatch(/^Item 2: a name from the audit’s cases — “/);
    expect(findings.find('mark').first().text()).toMatch(/Zephyrine|Quixleworth/);
    expect(page.$('textarea#themes').text()).toBe(typed.themes);
    expect(page.$('textarea#workingWell').text()).toBe(REPORT.workingWell);
    expect(await bed.db.reportVersion.count({ where: { auditId } })).toBe(0);
    expect(updates).toEqual([]);

    const clean = await post('business_unit', `/audits/${auditId}/report`, { ...REPORT, intent: 'check' });
    expect(clean.status).toBe(200);
    expect(summary(clean)).toEqual([]);
    expect(clean.$('.govuk-notification-banner').text()).toContain('No identifying details found');
  });

  it('"Submit for approval" with an identifier is refused (422) with the findings, the text kept, nothing stored or sent', async () => {
    const { auditId, kase } = await auditWithSubmission();
    const typed = { ...REPORT, recommendations: `Review case ${kase.caseRef} again`, intent: 'submit' };
    const page = await post('business_unit', `/audits/${auditId}/report`, typed);
    expect(page.status).toBe(422);
    expect(summary(page)).toEqual([
      'Remove the identifying details from Recommendations: each is shown below the list',
    ]);
    expect(page.$('#recommendations').closest('.govuk-form-group').find('mark').text()).toBe(kase.caseRef);
    expect(page.$('textarea#recommendations').text()).toBe(typed.recommendations);
    expect(await bed.db.reportVersion.count({ where: { auditId } })).toBe(0);
    expect(updates).toEqual([]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { auditId, action: 'report.reidentification_failed' },
    });
    expect(trail.actor).toBe(`staff:${as.business_unit!.staffId}`);
  });

  it('"Submit for approval" creates a version through the workflow, then lists it; the print view shows it alone', async () => {
    const { auditId } = await auditWithSubmission();
    const page = await post('business_unit', `/audits/${auditId}/report`, { ...REPORT, intent: 'submit' });
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/audits/${auditId}/report?submitted=1`);
    const version = await bed.db.reportVersion.findFirstOrThrow({ where: { auditId } });
    expect(version.content).toEqual({
      workingWell: ['Strategy meetings were held promptly', 'Schools shared concerns early'],
      areasForDevelopment: ['Recording the voice of the child'],
      themes: ['Information sharing'],
      recommendations: ['Use the escalation protocol'],
    });
    expect(version.submittedBy).toBe(`staff:${as.business_unit!.staffId}`);
    expect(updates).toEqual([
      { workflowId: `audit-${auditId}`, update: 'submitReportVersion', args: [{ reportVersionId: version.id }] },
    ]);

    const after = await get('business_unit', page.location!);
    expect(after.$('.govuk-notification-banner').text()).toContain('Version 1 submitted for approval');
    expect(after.$('main h3.govuk-heading-m').first().text()).toBe('Version 1');
    // The next version starts from this one.
    expect(after.$('textarea#workingWell').text()).toBe(REPORT.workingWell);

    const print = await get('manager', `/audits/${auditId}/report/print`);
    expect(print.status).toBe(200);
    expect(print.$('h1').text()).toBe('Summary report, version 1');
    expect(
      print
        .$('main li')
        .map((_i, el) => print.$(el).text())
        .get(),
    ).toEqual([
      'Strategy meetings were held promptly',
      'Schools shared concerns early',
      'Recording the voice of the child',
      'Information sharing',
      'Use the escalation protocol',
    ]);
    expect(print.$('form')).toHaveLength(1); // sign out only
  });

  it('a submission in the wrong stage is refused (409) with the workflow’s reason, the text kept and the version taken back', async () => {
    const { auditId } = await auditWithSubmission();
    refusing = true;
    const page = await post('business_unit', `/audits/${auditId}/report`, { ...REPORT, intent: 'submit' });
    expect(page.status).toBe(409);
    expect(summary(page)).toEqual(['cannot do this while the audit is in stage discussion']);
    expect(summaryLinks(page)).toEqual(['#submit-report']);
    expect(page.$('#submit-report').text().trim()).toBe('Submit for approval');
    expect(page.$('textarea#themes').text()).toBe(REPORT.themes);
    expect(await bed.db.reportVersion.count({ where: { auditId } })).toBe(0);
  });

  it('an item over 2000 characters is refused (400) naming the item and its list', async () => {
    const { auditId } = await insertAudit(bed.db);
    const typed = { ...REPORT, themes: `Information sharing\n${'x'.repeat(2001)}`, intent: 'submit' };
    const page = await post('business_unit', `/audits/${auditId}/report`, typed);
    expect(page.status).toBe(400);
    expect(summary(page)).toEqual(['Item 2 of Themes must be 2000 characters or fewer']);
    expect(page.$('textarea#themes').text()).toBe(typed.themes);
  });

  it('refuses a change by anyone but the business unit (403), and an unknown audit is a 404', async () => {
    const { auditId } = await insertAudit(bed.db);
    for (const role of ['manager', 'lis'] as const) {
      const page = await post(role, `/audits/${auditId}/report`, { ...REPORT, intent: 'submit' }, '/audits');
      expect([role, page.status]).toEqual([role, 403]);
    }
    expect(await bed.db.reportVersion.count({ where: { auditId } })).toBe(0);
    expect((await get('business_unit', '/audits/00000000-0000-4000-8000-000000000000/report')).status).toBe(404);
  });
});

describe('/audits/:id/sign-off', () => {
  it('with no version circulated, says so and offers no decision', async () => {
    const { auditId } = await insertAudit(bed.db);
    const page = await get('lis', `/audits/${auditId}/sign-off`);
    expect(page.status).toBe(200);
    expect(page.$('main').text()).toContain('No version of the report has gone to the practitioners yet.');
    expect(buttons(page)).toEqual([]);
  });

  it('shows the circulated version and its approvals; the LIS and the business unit may decide, the manager reads', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'sign-off-read');
    for (const role of ['lis', 'business_unit'] as const) {
      const page = await get(role, `/audits/${rows.auditId}/sign-off`);
      expect(page.status).toBe(200);
      expect(page.$('h2').first().text()).toBe('Version 1');
      expect(page.$('main').text()).toContain('Timely strategy meetings');
      expect(page.$('table caption').text()).toBe('Practitioners’ approvals of version 1');
      expect(page.$('table tbody tr td').eq(1).text().trim()).toBe('Waiting');
      expect(page.$('.govuk-warning-text').text()).toContain('Not every practitioner has approved this version yet.');
      expect(buttons(page)).toEqual(['Approve', 'Return with comments']);
    }
    const manager = await get('manager', `/audits/${rows.auditId}/sign-off`);
    expect(manager.status).toBe(200);
    expect(buttons(manager)).toEqual([]);
    const refused = await post('manager', `/audits/${rows.auditId}/sign-off`, { decision: 'approved' });
    expect(refused.status).toBe(403);
    expect(await bed.db.lisDecision.count({ where: { auditId: rows.auditId } })).toBe(0);
  });

  it('"Return with comments" without comments is refused with the error summary', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'sign-off-return');
    const page = await post('lis', `/audits/${rows.auditId}/sign-off`, { decision: 'returned', comments: '  ' });
    expect(page.status).toBe(422);
    expect(summary(page)).toEqual(['Enter comments saying what must change before the report can be signed off']);
    expect(summaryLinks(page)).toEqual(['#comments']);
    expect(await bed.db.lisDecision.count({ where: { auditId: rows.auditId } })).toBe(0);
    expect(updates).toEqual([]);
  });

  it('"Approve" records the LIS decision through the workflow, by the person signed in', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'sign-off-approve');
    const page = await post('lis', `/audits/${rows.auditId}/sign-off`, { decision: 'approved', comments: '' });
    expect(page.status).toBe(303);
    expect(page.location).toBe(`/audits/${rows.auditId}/sign-off?decided=approved`);
    const decision = await bed.db.lisDecision.findFirstOrThrow({ where: { auditId: rows.auditId } });
    expect(decision).toMatchObject({ decision: 'approved', decidedBy: `staff:${as.lis!.staffId}`, comments: null });
    expect(updates.map((u) => u.update)).toEqual(['lisDecision']);
    const after = await get('lis', page.location!);
    expect(after.$('.govuk-notification-banner').text()).toContain('The report is signed off');
    expect(after.$('main').text()).toContain('Signed off');
  });

  it('a decision the workflow refuses (409) keeps the comments and is taken back', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'sign-off-refused');
    refusing = true;
    const page = await post('business_unit', `/audits/${rows.auditId}/sign-off`, {
      decision: 'returned',
      comments: 'Say more about joint working',
    });
    expect(page.status).toBe(409);
    expect(summary(page)).toEqual(['cannot do this while the audit is in stage discussion']);
    expect(page.$('textarea#comments').text()).toBe('Say more about joint working');
    expect(await bed.db.lisDecision.count({ where: { auditId: rows.auditId } })).toBe(0);
  });
});

describe('/actions and /audits/:id/actions', () => {
  it('an audit without actions says so', async () => {
    const { auditId } = await insertAudit(bed.db);
    const page = await get('manager', `/audits/${auditId}/actions`);
    expect(page.status).toBe(200);
    expect(page.$('main').text()).toContain('There are no actions yet');
  });

  it('lists 25 a page, open ones first by due date so the overdue lead, with RAG, the latest update and evidence', async () => {
    const { auditId, agencies } = await insertAudit(bed.db);
    const now = Date.now();
    // 30 actions: numbers 1–10 closed (due long ago), 11–30 open, due from 5 days ago onwards (11–15 overdue).
    for (let n = 1; n <= 30; n++) {
      await bed.db.action.create({
        data: {
          auditId,
          number: n,
          kind: n % 2 ? 'recommendation' : 'urgent_action',
          description: `Action text ${n}`,
          ownerAgencyId: agencies[n % 3]!.id,
          dueAt: new Date(n <= 10 ? now - 100 * DAY : now + (n - 15.5) * DAY),
          status: n <= 10 ? 'closed' : 'open',
          rag: n === 11 ? 'red' : null,
        },
      });
    }
    const eleven = await bed.db.action.findFirstOrThrow({ where: { auditId, number: 11 } });
    await bed.db.actionProgress.create({
      data: {
        actionId: eleven.id,
        quarter: 1,
        status: 'red',
        update: 'Not started',
        impactEvidence: 'None yet',
        reportedAt: new Date(),
      },
    });

    const first = await get('manager', `/audits/${auditId}/actions`);
    expect(first.status).toBe(200);
    const rows = first.$('tbody tr');
    expect(rows).toHaveLength(25);
    const titles = rows.map((_i, el) => first.$(el).find('td strong').first().text()).get();
    expect(titles.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_v, i) => `Action ${11 + i}`));
    expect(titles.slice(20)).toEqual(['Action 1', 'Action 2', 'Action 3', 'Action 4', 'Action 5']);
    const cells = (i: number) =>
      rows
        .eq(i)
        .find('td')
        .map((_j, td) => first.$(td).text().replace(/\s+/g, ' ').trim())
        .get();
    expect(cells(0)).toEqual([
      'Action 11 (Recommendation)Action text 11',
      agencies[2]!.name,
      expect.any(String),
      'Open Overdue',
      'Red',
      'Not started',
      'None yet',
    ]);
    expect(cells(4)[3]).toBe('Open Overdue');
    expect(cells(5)[3]).toBe('Open');
    expect(cells(20)[3]).toBe('Closed');
    // The manager reads: no close buttons.
    expect(buttons(first)).toEqual([]);
    expect(first.$('.govuk-pagination__next a').attr('href')).toBe(`/audits/${auditId}/actions?page=2`);

    const second = await get('manager', `/audits/${auditId}/actions?page=2`);
    expect(second.$('tbody tr')).toHaveLength(5);
    expect(second.$('.govuk-pagination__prev a').attr('href')).toBe(`/audits/${auditId}/actions`);

    // Every audit's list holds them too, naming the audit.
    const all = await get('lis', '/actions');
    expect(all.status).toBe(200);
    expect(
      all
        .$('thead th')
        .map((_i, el) => all.$(el).text().trim())
        .get(),
    ).toContain('Audit');
    expect((await get('lis', '/actions?page=0')).status).toBe(400);
  });

  it('"Close action" (LIS or business unit) goes through the action’s workflow and back to the list; the manager is refused', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'close-action');
    const list = `/audits/${rows.auditId}/actions`;
    const page = await get('lis', list);
    expect(buttons(page)).toEqual(['Close action Action 1']);

    const refused = await post(
      'manager',
      `/actions/${rows.actionId}/close`,
      { from: rows.auditId, page: '1' },
      '/audits',
    );
    expect(refused.status).toBe(403);

    const closed = await post('lis', `/actions/${rows.actionId}/close`, { from: rows.auditId, page: '1' }, list);
    expect(closed.status).toBe(303);
    expect(closed.location).toBe(`${list}?closed=1`);
    expect(updates).toEqual([{ workflowId: `action-${rows.actionId}`, update: 'closeAction', args: undefined }]);
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { auditId: rows.auditId, action: 'action.close_requested' },
    });
    expect(trail.actor).toBe(`staff:${as.lis!.staffId}`);
    expect((await get('lis', closed.location!)).$('.govuk-notification-banner').text()).toContain('Action closed');
  });

  it('the list shows the action closed on the very next GET after "Close action", before the workflow writes it', async () => {
    // The stand-in answers the close and writes nothing, as the workflow does: its write is a chore for later.
    const rows = await insertAuditWithLinks(bed.db, 'close-then-list');
    const list = `/audits/${rows.auditId}/actions`;
    const closed = await post(
      'business_unit',
      `/actions/${rows.actionId}/close`,
      { from: rows.auditId, page: '1' },
      list,
    );
    expect(closed.status).toBe(303);

    const after = await get('business_unit', closed.location!);
    const cells = after
      .$('tbody tr')
      .first()
      .find('td')
      .map((_i, td) => after.$(td).text().replace(/\s+/g, ' ').trim())
      .get();
    expect(cells[3]).toBe('Closed');
    expect(buttons(after)).toEqual([]);
    const row = await bed.db.action.findUniqueOrThrow({ where: { id: rows.actionId } });
    expect(row).toMatchObject({
      status: 'closed',
      closedAt: new Date(CLOSED_AT),
      closedBy: `staff:${as.business_unit!.staffId}`,
    });

    // The workflow's own write, after: it finds the close made, and the trail says it once.
    const { recordActionClosed } = followUpActivities({ db: bed.db });
    expect(await recordActionClosed({ actionId: rows.actionId, closedAt: CLOSED_AT })).toBe(CLOSED_AT);
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId: rows.auditId, action: 'action.closed' },
    });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actor: 'system', details: { actionId: rows.actionId, number: 1 } });
    expect(await bed.db.action.findUniqueOrThrow({ where: { id: rows.actionId } })).toMatchObject({
      closedAt: new Date(CLOSED_AT),
      closedBy: `staff:${as.business_unit!.staffId}`,
    });
  });

  it('an action already closed is refused (409) on the list, beside its button', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'closed-twice');
    const list = `/audits/${rows.auditId}/actions`;
    const form = await get('business_unit', list);
    await bed.db.action.update({ where: { id: rows.actionId }, data: { status: 'closed', closedAt: new Date() } });
    const page = await request('business_unit', `/actions/${rows.actionId}/close`, {
      _csrf: form.$('input[name=_csrf]').first().attr('value')!,
      from: rows.auditId,
      page: '1',
    });
    expect(page.status).toBe(409);
    expect(summary(page)).toEqual(['This action is closed already.']);
    expect(summaryLinks(page)).toEqual([`#close-${rows.actionId}`]);
    expect(updates).toEqual([]);
  });
});

describe('/agencies', () => {
  const agency = (name: string) => ({
    name,
    type: 'housing' as const,
    contactEmail: 'audits@housing.example',
    leadEmail: 'lead@housing.example',
  });

  it('the manager reads the directory without a form; the LIS is refused it', async () => {
    await bed.db.agency.create({ data: agency('Read Only Housing') });
    const page = await get('manager', '/agencies');
    expect(page.status).toBe(200);
    expect(page.$('main').text()).toContain('Read Only Housing');
    expect(page.$('main form')).toHaveLength(0);
    expect((await get('lis', '/agencies')).status).toBe(403);
    const added = await post('manager', '/agencies', { action: 'add', ...agency('Not Added') }, '/audits');
    expect(added.status).toBe(403);
    const imported = await postAgenciesFile(`${header}\nNot Added,police,a@b.example,c@d.example`, 'manager');
    expect(imported.status).toBe(403);
    expect(await bed.db.agency.count({ where: { name: 'Not Added' } })).toBe(0);
  });

  it('"Add an agency": a refusal keeps what was typed; a good one is added, with the trail; a name taken is a 409', async () => {
    const bad = await post('business_unit', '/agencies', {
      action: 'add',
      ...agency('Harbour Housing'),
      contactEmail: 'not an email',
      type: '',
    });
    expect(bad.status).toBe(400);
    expect(summary(bad)).toEqual([
      'Choose the type of agency',
      'Enter the contact email address in the correct format, like audits@agency.example',
    ]);
    expect(bad.$('input#name').attr('value')).toBe('Harbour Housing');
    expect(bad.$('input#contactEmail').attr('value')).toBe('not an email');

    const good = await post('business_unit', '/agencies', { action: 'add', ...agency('Harbour Housing') });
    expect(good.status).toBe(303);
    expect(good.location).toBe('/agencies?added=1');
    const row = await bed.db.agency.findUniqueOrThrow({ where: { name: 'Harbour Housing' } });
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { action: 'agency.created', actor: `staff:${as.business_unit!.staffId}` },
    });
    expect(trail.details).toEqual({ agencyId: row.id });

    const again = await post('business_unit', '/agencies', { action: 'add', ...agency('Harbour Housing') });
    expect(again.status).toBe(409);
    expect(summary(again)).toEqual(['An agency named "Harbour Housing" already exists.']);
  });

  it('changes an agency from its own page', async () => {
    const row = await bed.db.agency.create({ data: agency('Dale Housing') });
    const form = await get('business_unit', `/agencies/${row.id}`);
    expect(form.status).toBe(200);
    expect(form.$('input#contactEmail').attr('value')).toBe('audits@housing.example');
    expect(form.$('select#type option[selected]').attr('value')).toBe('housing');
    expect((await get('manager', `/agencies/${row.id}`)).status).toBe(403);

    const bad = await post('business_unit', `/agencies/${row.id}`, { ...agency('Dale Housing'), leadEmail: '' });
    expect(bad.status).toBe(400);
    expect(summary(bad)).toEqual([
      'Enter the agency lead’s email address in the correct format, like lead@agency.example',
    ]);

    const saved = await post('business_unit', `/agencies/${row.id}`, { ...agency('Dale Housing'), type: 'voluntary' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/agencies?changed=1');
    expect((await bed.db.agency.findUniqueOrThrow({ where: { id: row.id } })).type).toBe('voluntary');
    expect((await get('business_unit', '/agencies/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  /** "Import agencies (CSV)" with this file, as the page's multipart form posts it; or with no file. */
  async function postAgenciesFile(csv: string | undefined, role: Role = 'business_unit') {
    const form = new FormData();
    form.set('_csrf', (await get(role, '/audits')).$('input[name=_csrf]').first().attr('value')!);
    form.set('action', 'import');
    if (csv !== undefined) form.set('agencies', new Blob([csv], { type: 'text/csv' }), 'agencies.csv');
    const res = await fetch(`${http.base}/agencies`, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: BROWSER_ACCEPT, cookie: as[role]!.cookie },
      body: form,
    });
    const text = await res.text();
    return { status: res.status, location: res.headers.get('location'), $: cheerio.load(text), text };
  }
  const header = 'name,type,contactEmail,leadEmail';

  it('"Import agencies (CSV)" is a file upload; every problem is listed by line and column, and nothing is kept', async () => {
    const form = await get('business_unit', '/agencies');
    const upload = form.$('form[enctype="multipart/form-data"]');
    expect(upload.find('input[type=file]#agencies').attr('name')).toBe('agencies');
    expect(upload.find('label[for=agencies]').text().trim()).toBe('Import agencies (CSV)');
    expect(upload.find('button').text().trim()).toBe('Continue');
    expect(form.$('textarea')).toHaveLength(0);

    const badCsv = [
      header,
      'Moor Police,police,audits@moor.example,lead@moor.example',
      'Moor Health,hospital,audits@moorhealth.example,lead@moorhealth.example',
      'Moor School,education,not-an-email,lead@moorschool.example',
      'Moor Police,police,other@moor.example,lead@moor.example',
    ].join('\n');
    const bad = await postAgenciesFile(badCsv);
    expect(bad.status).toBe(400);
    expect(summary(bad)).toEqual([
      'agencies.csv has 3 problems: nothing was imported',
      expect.stringMatching(/^agencies\.csv line 3, column type: /),
      'agencies.csv line 4, column contactEmail: Invalid email address',
      'agencies.csv line 5, column name: "Moor Police" is already on line 2',
    ]);
    expect(new Set(summaryLinks(bad))).toEqual(new Set(['#agencies']));
    expect(bad.$('#agencies-error').text()).toContain('agencies.csv has 3 problems');
    expect(await bed.db.agency.count({ where: { name: { startsWith: 'Moor ' } } })).toBe(0);
    // Nothing was kept for "Import agencies".
    expect((await get('business_unit', '/agencies/import/check')).location).toBe('/agencies');

    const missing = await postAgenciesFile('name,type\nMoor Police,police');
    expect(summary(missing)).toEqual([
      'agencies.csv has 2 problems: nothing was imported',
      'agencies.csv line 1, column contactEmail: missing column',
      'agencies.csv line 1, column leadEmail: missing column',
    ]);
    expect(summary(await postAgenciesFile(header))).toEqual([
      'agencies.csv has 1 problem: nothing was imported',
      'agencies.csv: no rows after the header',
    ]);
    expect(summary(await postAgenciesFile(`${header}\u0000`))).toEqual([
      'agencies.csv has 1 problem: nothing was imported',
      'agencies.csv: this is not a CSV text file',
    ]);
    const none = await postAgenciesFile(undefined);
    expect(none.status).toBe(400);
    expect(summary(none)).toEqual(['Choose a CSV file of agencies']);

    const tooLarge = await postAgenciesFile(`${header}\n${'x'.repeat(2 * 1024 * 1024)}`);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toContain('The file is too large: an agency CSV is under 2 MB.');
  });

  it('a good file goes to a check page listing what to add and update; "Import agencies" upserts them by name, once', async () => {
    await bed.db.agency.create({ data: agency('Fell Housing') });
    await bed.db.agency.create({ data: agency('Fell Youth') });
    const goodCsv = [
      header,
      'Fell Police,police,audits@fell.example,lead@fell.example',
      'Fell Housing,housing,new@housing.example,lead@housing.example',
      'Fell Youth,housing,audits@housing.example,lead@housing.example',
    ].join('\n');
    const read = await postAgenciesFile(goodCsv);
    expect(read.status).toBe(303);
    expect(read.location).toBe('/agencies/import/check');
    // Nothing changes until "Import agencies".
    expect(await bed.db.agency.count({ where: { name: 'Fell Police' } })).toBe(0);

    const check = await get('business_unit', read.location!);
    expect(check.status).toBe(200);
    expect(check.$('main p').first().text()).toBe('1 to add, 1 to update, 1 already as in the file.');
    const rows = check
      .$('main tbody tr')
      .map((_i, tr) =>
        check
          .$(tr)
          .find('td')
          .map((_j, td) => check.$(td).text().replace(/\s+/g, ' ').trim())
          .get()
          .join(' | '),
      )
      .get();
    expect(rows).toEqual([
      '2 | Fell Police | Police | audits@fell.example | lead@fell.example | Add',
      '3 | Fell Housing | Housing | new@housing.example | lead@housing.example | Update new contact',
      '4 | Fell Youth | Housing | audits@housing.example | lead@housing.example | No change',
    ]);
    expect(buttons(check)).toEqual(['Import agencies']);
    expect((await get('manager', read.location!)).status).toBe(403);
    const key = check.$('input[name=key]').attr('value')!;

    // The manager is refused "Import agencies" too.
    expect((await post('manager', '/agencies/import/check', { key }, '/audits')).status).toBe(403);
    // An old page's key changes nothing.
    const stale = await post('business_unit', '/agencies/import/check', { key: crypto.randomUUID() }, '/audits');
    expect(stale.location).toBe('/agencies');
    expect(await bed.db.agency.count({ where: { name: 'Fell Police' } })).toBe(0);

    const imported = await post('business_unit', '/agencies/import/check', { key }, '/audits');
    expect(imported.status).toBe(303);
    expect(imported.location).toBe('/agencies?created=1&updated=1&unchanged=1');
    expect((await bed.db.agency.findUniqueOrThrow({ where: { name: 'Fell Housing' } })).contactEmail).toBe(
      'new@housing.example',
    );
    const police = await bed.db.agency.findUniqueOrThrow({ where: { name: 'Fell Police' } });
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { actor: `staff:${as.business_unit!.staffId}`, action: { in: ['agency.created', 'agency.updated'] } },
      orderBy: { at: 'asc' },
    });
    expect(trail.slice(-2).map((t) => [t.action, t.details])).toEqual([
      ['agency.created', { agencyId: police.id }],
      ['agency.updated', { agencyId: expect.any(String), fields: ['contactEmail'] }],
    ]);
    const after = await get('business_unit', imported.location!);
    expect(after.$('.govuk-notification-banner').text()).toContain('Agencies imported: 1 added, 1 changed');

    // "Import agencies" pressed again: what the first did, and nothing more.
    const again = await post('business_unit', '/agencies/import/check', { key }, '/audits');
    expect(again.location).toBe(imported.location);
    expect(await bed.db.agency.count({ where: { name: 'Fell Police' } })).toBe(1);
    expect((await get('business_unit', '/agencies/import/check')).location).toBe('/agencies');
  });
});

describe('IDs in the path', () => {
  const BAD = [
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    encodeURIComponent("'; DROP TABLE x; --"),
    '%00',
    '%E0%A4%A',
    'x'.repeat(5000),
  ];
  const withIds = CONSOLE_REPORT_ROUTES.filter((r) => r.path.includes('{'));

  it.each(withIds.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    '%s: one we never issued is a 404 or 400 page to the business unit, never a 500',
    async (_name, route) => {
      const csrf = (await get('business_unit', '/audits')).$('input[name=_csrf]').first().attr('value')!;
      for (const value of BAD) {
        const path = route.path.replace(/\{\w+\}/, value);
        const page =
          route.method === 'get'
            ? await get('business_unit', path)
            : await request('business_unit', path, { _csrf: csrf, from: 'all', page: '1' });
        expect({ value: value.slice(0, 40), status: [400, 404].includes(page.status) }).toEqual({
          value: value.slice(0, 40),
          status: true,
        });
        expect(page.$('main h1').text()).not.toBe('');
      }
    },
  );
});

describe('the role matrix', () => {
  const ROLES: Role[] = ['business_unit', 'manager', 'lis'];
  const changes = CONSOLE_REPORT_ROUTES.filter((r) => r.method === 'post');
  let rows: Awaited<ReturnType<typeof insertAuditWithLinks>>;
  beforeAll(async () => {
    rows = await insertAuditWithLinks(bed.db, 'role-matrix');
  });

  it('gives the manager no change, the LIS only the sign-off and closing an action', () => {
    const who = Object.fromEntries(changes.map((r) => [r.path, [...(rolesOf(r.access) ?? [])].sort()]));
    expect(who).toEqual({
      '/audits/{id}/report': ['business_unit'],
      '/audits/{id}/sign-off': ['business_unit', 'lis'],
      '/actions/{actionId}/close': ['business_unit', 'lis'],
      '/agencies': ['business_unit'],
      '/agencies/import/check': ['business_unit'],
      '/agencies/{id}': ['business_unit'],
    });
  });

  it.each(changes.map((r) => [r.path, r] as const))(
    'POST %s refuses (403) every other role, with a well-formed form, changing nothing',
    async (_path, route) => {
      const path = route.path
        .replace('{id}', route.path.startsWith('/agencies') ? rows.agencyId : rows.auditId)
        .replace('{actionId}', rows.actionId);
      const form = {
        ...REPORT,
        intent: 'submit',
        action: 'add',
        decision: 'approved',
        from: 'all',
        page: '1',
        name: 'Matrix Housing',
        type: 'housing',
        contactEmail: 'audits@matrix.example',
        leadEmail: 'lead@matrix.example',
        csv: 'name,type,contactEmail,leadEmail\nMatrix Police,police,audits@matrix.example,lead@matrix.example',
      };
      const trail = await bed.db.auditTrailEntry.count();
      const refused = ROLES.filter((role) => !rolesOf(route.access)!.includes(role));
      expect(refused.length).toBeGreaterThan(0);
      for (const role of refused) {
        const page = await post(role, path, form, '/audits');
        expect([role, page.status]).toEqual([role, 403]);
        expect(page.$('main').text()).toContain('This page is for the role');
      }
      expect(await bed.db.auditTrailEntry.count()).toBe(trail);
      expect(updates).toEqual([]);
    },
  );
});

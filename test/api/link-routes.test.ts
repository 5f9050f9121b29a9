// The emailed-link routes for report approval, quarterly action progress and the collated pack, over
// HTTP against a real database. What the person typed is stored before the workflow is told: with the
// real Temporal dev server and no workflow running (it has ended), and with a stand-in client that
// refuses or accepts, the stored answer stays and the reply says what became of it.
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { formatDate } from '../../api/views/layout';
import { tokenHash } from '../../infra/links';
import { FAILURE } from '../../workflows/errors';
import { type Served, useAppBed } from '../support/app-bed';
import { insertAudit } from '../support/fixtures';
import { pdfText } from '../support/pdf-text';

/** The app over the real dev server, on which no workflow runs. */
const { bed, http, serve } = useAppBed({ temporal: 'dev', worker: false });
/** The app over a stand-in client whose updates do what `fake.next` says. */
let faked: Served;

const fake = {
  calls: [] as { workflowId: string; update: string; args: unknown; updateId?: string }[],
  next: 'accept' as 'accept' | 'refuse',
};
const fakeClient = {
  workflow: {
    getHandle: (workflowId: string) => ({
      executeUpdate: async (def: { name: string }, opts: { args: unknown[]; updateId?: string }) => {
        fake.calls.push({ workflowId, update: def.name, args: opts.args, updateId: opts.updateId });
        await new Promise((r) => setTimeout(r, 10));
        if (fake.next === 'refuse') {
          throw new WorkflowUpdateFailedError(
            'Workflow Update failed',
            ApplicationFailure.create({
              type: FAILURE.wrongStage,
              message: 'cannot approve the report while the audit is in stage report',
              nonRetryable: true,
            }),
          );
        }
        return {};
      },
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  faked = await serve({ client: fakeClient });
});

beforeEach(() => {
  fake.calls = [];
  fake.next = 'accept';
});

const DAY = 24 * 3600 * 1000;
let counter = 0;
/** A fresh token for each row: the link's secret as the email carries it. */
const token = (scope: string) => `${scope}-token-${++counter}-0123456789abcdefghij`;

const REPORT = {
  workingWell: ['Timely strategy meetings'],
  areasForDevelopment: ['Recording the voice of the child'],
  themes: ['Information sharing'],
  recommendations: ['Use the escalation protocol'],
};

/** An audit with one circulated report version and one approval per agency, each behind its own link. */
async function circulatedReport() {
  const { auditId, agencies } = await insertAudit(bed.db);
  const version = await bed.db.reportVersion.create({
    data: { auditId, version: 1, content: REPORT, submittedBy: 'bu', circulatedAt: new Date() },
  });
  const dueAt = new Date(Date.now() + 10 * DAY);
  const approvals = [];
  for (const agency of agencies) {
    const t = token('approve');
    const row = await bed.db.approval.create({
      data: { reportVersionId: version.id, agencyId: agency.id, dueAt, tokenHash: tokenHash(t) },
    });
    approvals.push({ token: t, row });
  }
  return { auditId, version, approvals, dueAt };
}

async function openAction(opts: { status?: 'open' | 'closed' } = {}) {
  const { auditId, agencies } = await insertAudit(bed.db);
  const action = await bed.db.action.create({
    data: {
      auditId,
      number: 1,
      kind: 'recommendation',
      description: 'Police to brief officers on recognising exploitation of Zephyrine Quixleworth',
      ownerAgencyId: agencies[0]!.id,
      dueAt: new Date(Date.now() + 90 * DAY),
      status: opts.status ?? 'open',
      ...(opts.status === 'closed' ? { closedAt: new Date(), closedBy: 'lis' } : {}),
    },
  });
  const quarters = [];
  for (const quarter of [1, 2]) {
    const t = token('progress');
    const row = await bed.db.actionProgress.create({
      data: { actionId: action.id, quarter, tokenHash: tokenHash(t) },
    });
    quarters.push({ token: t, row });
  }
  return { auditId, action, quarters };
}

const expectNoStore = (res: { headers: Headers }) => expect(res.headers.get('cache-control')).toBe('no-store');

describe('what a link answers: a page unless the client asks for JSON', () => {
  it.each([
    ['no Accept header', undefined, 'text/html'],
    ['Accept: */* (curl, fetch)', '*/*', 'text/html'],
    ['a browser', 'text/html,application/xhtml+xml,*/*;q=0.8', 'text/html'],
    ['Accept: application/json', 'application/json', 'application/json'],
  ])('%s gets %s, for the page and for a refusal', async (_who, accept, type) => {
    const { approvals } = await circulatedReport();
    const headers: Record<string, string> = accept ? { accept } : {};
    for (const path of [`/approve/${approvals[0]!.token}`, '/approve/not-a-real-token']) {
      const res = await fetch(`${http.base}${path}`, { headers });
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      if (type === 'text/html') expect(await res.text()).toMatch(/^<!DOCTYPE html>/i);
      else expect(Object.keys((await res.json()) as object)).toEqual(expect.arrayContaining([expect.any(String)]));
    }
  });

  it('the API answers JSON whatever the client accepts', async () => {
    const res = await fetch(`${http.base}/api/audits/not-a-uuid`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('GET·POST /approve/:token', () => {
  it('shows the version behind the link, uncached; an unknown link is a 404 that points at the email', async () => {
    const { approvals, dueAt } = await circulatedReport();
    const res = await http.call('GET', `/approve/${approvals[0]!.token}`);
    expect(res.status).toBe(200);
    expectNoStore(res);
    expect(res.body).toEqual({
      audit: { title: 'Child exploitation' },
      version: 1,
      report: REPORT,
      dueAt: dueAt.toISOString(),
      decision: null,
      comments: null,
      decidedAt: null,
      superseded: false,
    });

    const unknown = await http.call('GET', '/approve/not-a-real-token');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(unknown.body.error.message).toMatch(/email/);
    expectNoStore(unknown);
    expect((await http.call('POST', '/approve/not-a-real-token', { body: { decision: 'approve' } })).status).toBe(404);
  });

  it('closes a superseded link with a 410 that sends the person to the newer email', async () => {
    const { approvals } = await circulatedReport();
    const [old] = approvals;
    await bed.db.approval.update({ where: { id: old!.row.id }, data: { supersededAt: new Date() } });
    const get = await http.call('GET', `/approve/${old!.token}`);
    expect(get).toMatchObject({ status: 410, body: { error: { code: 'link_closed' } } });
    expect(get.body.error.message).toMatch(/newer version/);
    const post = await http.call('POST', `/approve/${old!.token}`, { body: { decision: 'approve' } });
    expect(post).toMatchObject({ status: 410, body: { error: { code: 'link_closed' } } });
    expect((await bed.db.approval.findUniqueOrThrow({ where: { id: old!.row.id } })).decision).toBeNull();
  });

  it('refuses a bad body with a 400 listing what is wrong; nothing is stored', async () => {
    const { approvals } = await circulatedReport();
    const t = approvals[0]!.token;
    const noComments = await http.call('POST', `/approve/${t}`, { body: { decision: 'request_changes' } });
    expect(noComments).toMatchObject({ status: 422, body: { error: { code: 'validation_failed' } } });
    expect(noComments.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toEqual(['comments']);
    // Blank comments are no comments: the rule (not the schema, which takes any text here) refuses them.
    const blank = await http.call('POST', `/approve/${t}`, { body: { decision: 'request_changes', comments: '  ' } });
    expect(blank.status).toBe(422);
    const long = await http.call('POST', `/approve/${t}`, {
      body: { decision: 'approve', comments: 'x'.repeat(5001) },
    });
    expect(long.status).toBe(400);
    expect((await http.call('POST', `/approve/${t}`, { body: { decision: 'maybe' } })).status).toBe(400);
    expect((await http.call('POST', `/approve/${t}`, { body: { decision: 'approve', extra: 1 } })).status).toBe(400);
    expect((await http.call('POST', `/approve/${t}`, { raw: '{"decision": ' })).status).toBe(400);
    expect((await bed.db.approval.findUniqueOrThrow({ where: { id: approvals[0]!.row.id } })).decision).toBeNull();
  });

  it('stores the decision first: with the audit ended it stays, the answer is a 409 saying so; once only', async () => {
    const { auditId, approvals } = await circulatedReport();
    const [mine] = approvals;
    const res = await http.call('POST', `/approve/${mine!.token}`, { body: { decision: 'approve' } });
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage', details: { saved: true } } } });
    expectNoStore(res);

    const row = await bed.db.approval.findUniqueOrThrow({ where: { id: mine!.row.id } });
    expect(row).toMatchObject({ decision: 'approved', comments: null, decidedAt: expect.any(Date) });
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId, action: { startsWith: 'approval.' } },
    });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actor: `link:approve:${mine!.row.id}`, action: 'approval.approved' });

    const again = await http.call('POST', `/approve/${mine!.token}`, {
      body: { decision: 'request_changes', comments: 'On second thoughts' },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_done' } } });
    const shown = await http.call('GET', `/approve/${mine!.token}`);
    expect(shown.body).toMatchObject({ decision: 'approved', decidedAt: row.decidedAt!.toISOString() });
  });

  it('tells the audit workflow after storing: 200 when it takes the decision, 409 with its words when it refuses', async () => {
    const { auditId, approvals } = await circulatedReport();
    const [first, second] = approvals;

    const ok = await faked.call('POST', `/approve/${first!.token}`, {
      body: { decision: 'request_changes', comments: '  Section 3 names the school.  ' },
    });
    expect(ok).toEqual(expect.objectContaining({ status: 200, body: { saved: true, decision: 'changes_requested' } }));
    expect(fake.calls).toEqual([
      {
        workflowId: `audit-${auditId}`,
        update: 'approvalDecision',
        args: [{ approvalId: first!.row.id, decision: 'changes_requested' }],
        updateId: `approval-decision-${first!.row.id}`,
      },
    ]);
    expect(await bed.db.approval.findUniqueOrThrow({ where: { id: first!.row.id } })).toMatchObject({
      decision: 'changes_requested',
      comments: 'Section 3 names the school.',
    });
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { auditId, actor: `link:approve:${first!.row.id}` },
    });
    expect(trail.action).toBe('approval.changes_requested');
    // The trail says who decided what; the comments themselves stay on the approval.
    expect(JSON.stringify(trail.details)).not.toContain('school');

    fake.next = 'refuse';
    const refused = await faked.call('POST', `/approve/${second!.token}`, { body: { decision: 'approve' } });
    expect(refused).toMatchObject({
      status: 409,
      body: {
        error: {
          code: 'wrong_stage',
          message: 'cannot approve the report while the audit is in stage report',
          details: { saved: true },
        },
      },
    });
    expect((await bed.db.approval.findUniqueOrThrow({ where: { id: second!.row.id } })).decision).toBe('approved');
  });

  it('takes one decision when two arrive at once', async () => {
    const { approvals } = await circulatedReport();
    const t = approvals[0]!.token;
    const answers = await Promise.all([
      faked.call('POST', `/approve/${t}`, { body: { decision: 'approve' } }),
      faked.call('POST', `/approve/${t}`, { body: { decision: 'request_changes', comments: 'No' } }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('already_done');
    expect(fake.calls).toHaveLength(1);
    expect(await bed.db.auditTrailEntry.count({ where: { actor: `link:approve:${approvals[0]!.row.id}` } })).toBe(1);
  });
});

describe('GET·POST /progress/:token', () => {
  it('shows the action and the quarter to the link holder, uncached; unknown is a 404', async () => {
    const { action, quarters } = await openAction();
    const res = await http.call('GET', `/progress/${quarters[0]!.token}`);
    expect(res.status).toBe(200);
    expectNoStore(res);
    expect(res.body).toEqual({
      audit: { title: 'Child exploitation' },
      action: { number: 1, description: action.description, dueAt: action.dueAt.toISOString(), status: 'open' },
      quarter: 1,
      reported: null,
    });
    const unknown = await http.call('GET', '/progress/not-a-real-token');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expectNoStore(unknown);
    const body = { status: 'green', update: 'Done' };
    expect((await http.call('POST', '/progress/not-a-real-token', { body })).status).toBe(404);
  });

  it('closes the link once the action is closed: 410, nothing stored', async () => {
    const { action, quarters } = await openAction({ status: 'closed' });
    expect(await http.call('GET', `/progress/${quarters[0]!.token}`)).toMatchObject({
      status: 410,
      body: { error: { code: 'link_closed' } },
    });
    const post = await http.call('POST', `/progress/${quarters[0]!.token}`, {
      body: { status: 'green', update: 'Briefings given' },
    });
    expect(post).toMatchObject({ status: 410, body: { error: { code: 'link_closed' } } });
    expect((await bed.db.actionProgress.findUniqueOrThrow({ where: { id: quarters[0]!.row.id } })).reportedAt).toBe(
      null,
    );
    expect((await bed.db.action.findUniqueOrThrow({ where: { id: action.id } })).rag).toBeNull();
  });

  it('refuses a bad body with a 400', async () => {
    const { quarters } = await openAction();
    const t = quarters[0]!.token;
    const cases = [
      { status: 'purple', update: 'x' },
      { status: 'green' },
      { status: 'green', update: '   ' },
      { status: 'green', update: 'x'.repeat(5001) },
      { status: 'green', update: 'x', impactEvidence: 'y'.repeat(5001) },
      { status: 'green', update: 'x', extra: true },
    ];
    for (const body of cases) {
      const res = await http.call('POST', `/progress/${t}`, { body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'validation_failed',
      });
    }
  });

  it('stores the report first: when the follow-up has ended it is kept and the answer says not recorded', async () => {
    const { auditId, action, quarters } = await openAction();
    const [q1] = quarters;
    const body = { status: 'amber', update: 'Half the teams briefed', impactEvidence: 'Two referrals made' };
    const res = await http.call('POST', `/progress/${q1!.token}`, { body });
    expect(res).toMatchObject({ status: 200, body: { saved: true, recorded: false } });
    expectNoStore(res);

    const row = await bed.db.actionProgress.findUniqueOrThrow({ where: { id: q1!.row.id } });
    expect(row).toMatchObject({ ...body, reportedAt: expect.any(Date) });
    expect((await bed.db.action.findUniqueOrThrow({ where: { id: action.id } })).rag).toBe('amber');
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId, actor: `link:progress:${q1!.row.id}` },
    });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      action: 'action.progress_reported',
      details: { actionId: action.id, progressId: q1!.row.id, quarter: 1, status: 'amber' },
    });

    const again = await http.call('POST', `/progress/${q1!.token}`, { body: { status: 'green', update: 'All' } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_done' } } });
    expect((await http.call('GET', `/progress/${q1!.token}`)).body.reported).toEqual({
      ...body,
      reportedAt: row.reportedAt!.toISOString(),
    });
  });

  it('tells the follow-up: 200 recorded when it takes the report, 409 with its words when it refuses', async () => {
    const { action, quarters } = await openAction();
    const [q1, q2] = quarters;

    const ok = await faked.call('POST', `/progress/${q2!.token}`, { body: { status: 'green', update: 'All briefed' } });
    expect(ok).toMatchObject({ status: 200, body: { saved: true, recorded: true } });
    expect(fake.calls).toEqual([
      {
        workflowId: `action-${action.id}`,
        update: 'actionProgress',
        args: [{ progressId: q2!.row.id, status: 'green' }],
        updateId: `action-progress-${q2!.row.id}`,
      },
    ]);

    // A late answer for an earlier quarter is kept, but does not replace the latest status.
    fake.next = 'refuse';
    const refused = await faked.call('POST', `/progress/${q1!.token}`, { body: { status: 'red', update: 'Late' } });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage', details: { saved: true } } } });
    expect(await bed.db.actionProgress.findUniqueOrThrow({ where: { id: q1!.row.id } })).toMatchObject({
      status: 'red',
      update: 'Late',
      impactEvidence: null,
    });
    expect((await bed.db.action.findUniqueOrThrow({ where: { id: action.id } })).rag).toBe('green');
  });
});

describe('GET /pack/:token', () => {
  /**
   * Two drawn cases (and one drawn then replaced, one never drawn). Case A: agency 0 submitted on time,
   * agency 1 late, agency 2 only a draft. Case B: agency 0 no involvement, agency 1 submitted on time.
   */
  async function collated() {
    const { db } = bed;
    const { auditId, agencies } = await insertAudit(db);
    const discussionAt = new Date(Date.now() + 7 * DAY);
    await db.audit.update({
      where: { id: auditId },
      data: { discussionAt, discussionLocation: 'Room 4, County Hall', packCirculatedAt: new Date() },
    });
    const cases = await db.case.findMany({ where: { auditId }, orderBy: { caseRef: 'asc' } });
    const [a, b, replaced] = cases;
    const now = Date.now();
    await db.case.update({ where: { id: b!.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
    await db.case.update({ where: { id: a!.id }, data: { selectedAt: new Date(), drawOrder: 2 } });
    await db.case.update({ where: { id: replaced!.id }, data: { selectedAt: new Date(), replacedAt: new Date() } });

    const dueAt = new Date(now - 2 * DAY);
    const section = (grade: string, note: string) => ({
      goodPractice: `${note}: good`,
      areasForDevelopment: `${note}: develop`,
      recommendations: `${note}: recommend`,
      grade,
      rationale: `${note}: because`,
    });
    const allAreas = (grade: string, note: string) =>
      Object.fromEntries(
        ['recognition', 'assessment', 'planning_intervention', 'joint_working', 'impact', 'overall_quality'].map(
          (area) => [area, section(grade, note)],
        ),
      );
    const invite = (caseId: string, agencyId: string, status: 'pending' | 'submitted' | 'no_involvement') =>
      db.invitation.create({ data: { auditId, caseId, agencyId, status, dueAt } });

    const aOnTime = await invite(a!.id, agencies[0]!.id, 'submitted');
    await db.submission.create({
      data: {
        invitationId: aOnTime.id,
        content: { sections: allAreas('good', 'A police'), childVoice: 'She wants to stay at school' },
        submittedAt: new Date(now - 3 * DAY),
      },
    });
    const aLate = await invite(a!.id, agencies[1]!.id, 'submitted');
    await db.submission.create({
      data: {
        invitationId: aLate.id,
        content: { sections: allAreas('requires_improvement', 'A health'), history: 'Known since 2019' },
        submittedAt: new Date(now - DAY),
      },
    });
    const aDraft = await invite(a!.id, agencies[2]!.id, 'pending');
    await db.submission.create({
      data: {
        invitationId: aDraft.id,
        content: { sections: { recognition: section('inadequate', 'DRAFT-ONLY') } },
        submittedAt: null,
      },
    });
    await invite(b!.id, agencies[0]!.id, 'no_involvement');
    const bOnTime = await invite(b!.id, agencies[1]!.id, 'submitted');
    await db.submission.create({
      data: {
        invitationId: bOnTime.id,
        content: { sections: allAreas('good', 'B health'), familyInformation: 'Lives with grandmother' },
        submittedAt: new Date(now - 4 * DAY),
      },
    });

    const t = token('pack');
    await db.packLink.create({ data: { auditId, agencyId: agencies[1]!.id, tokenHash: tokenHash(t) } });
    return { token: t, agencies, a: a!, b: b!, discussionAt, section, allAreas };
  }

  it('collates every drawn child per agency per section: drafts left out, late marked, self-grades counted', async () => {
    const { token: t, agencies, a, b, discussionAt, allAreas } = await collated();
    const res = await http.call('GET', `/pack/${t}`);
    expect(res.status).toBe(200);
    expectNoStore(res);
    const pack = res.body;

    expect(pack.audit).toEqual({
      title: 'Child exploitation',
      discussion: { at: discussionAt.toISOString(), location: 'Room 4, County Hall' },
    });
    expect(pack.agency).toEqual({ name: agencies[1]!.name });
    // Drawn order; the replaced and the undrawn cases are not in the pack.
    expect(pack.cases.map((c: { caseRef: string }) => c.caseRef)).toEqual([b.caseRef, a.caseRef]);
    const [caseB, caseA] = pack.cases;
    expect(caseA).toMatchObject({
      serviceLevel: a.serviceLevel,
      child: { name: a.childName, dateOfBirth: a.childDob!.toISOString().slice(0, 10) },
    });

    const byName = (entries: { agencyName: string }[], i: number) =>
      entries.find((e) => e.agencyName === agencies[i]!.name);
    expect(caseA.agencies).toHaveLength(3);
    expect(byName(caseA.agencies, 0)).toEqual({
      agencyName: agencies[0]!.name,
      late: false,
      submittedAt: expect.any(String),
      noInvolvement: false,
      sections: allAreas('good', 'A police'),
      childVoice: 'She wants to stay at school',
      familyInformation: null,
      history: null,
    });
    expect(byName(caseA.agencies, 1)).toMatchObject({ late: true, history: 'Known since 2019' });
    expect(byName(caseA.agencies, 2)).toEqual({
      agencyName: agencies[2]!.name,
      late: false,
      submittedAt: null,
      noInvolvement: false,
      sections: {},
      childVoice: null,
      familyInformation: null,
      history: null,
    });
    expect(JSON.stringify(pack)).not.toContain('DRAFT-ONLY');
    expect(byName(caseB.agencies, 0)).toMatchObject({ noInvolvement: true, submittedAt: null, sections: {} });
    expect(byName(caseB.agencies, 1)).toMatchObject({ late: false, familyInformation: 'Lives with grandmother' });

    expect(Object.keys(pack.areas).sort()).toEqual(
      ['assessment', 'impact', 'joint_working', 'overall_quality', 'planning_intervention', 'recognition'].sort(),
    );
    for (const area of Object.keys(pack.areas)) {
      expect(pack.areas[area].selfGrades).toEqual({
        outstanding: 0,
        good: 2,
        requires_improvement: 1,
        inadequate: 0,
        insufficient_evidence: 0,
      });
    }
  });

  it('marks late what the workflow flagged late too', async () => {
    const { token: t, agencies } = await collated();
    const flagged = await bed.db.submission.findFirstOrThrow({
      where: {
        invitation: { agencyId: agencies[1]!.id, status: 'submitted' },
        content: { path: ['familyInformation'], equals: 'Lives with grandmother' },
      },
    });
    await bed.db.submission.update({ where: { id: flagged.id }, data: { late: true } });
    const pack = (await http.call('GET', `/pack/${t}`)).body;
    const caseB = pack.cases[0];
    expect(caseB.agencies.find((e: { agencyName: string }) => e.agencyName === agencies[1]!.name).late).toBe(true);
  });

  it('shows a child’s name, date of birth and local identifier only to the agencies that worked with the child, on the page and in the PDF', async () => {
    const { token: involved, agencies, a, b } = await collated();
    // What agency 1 wrote about child B names the child: the others read it without the child's identifiers.
    const dob = b.childDob!.toISOString().slice(0, 10);
    const written = await bed.db.submission.findFirstOrThrow({
      where: { invitation: { caseId: b.id, agencyId: agencies[1]!.id } },
    });
    await bed.db.submission.update({
      where: { id: written.id },
      data: {
        content: {
          ...(written.content as object),
          familyInformation: `${b.childName} (${b.childLocalId}, born ${dob}) lives with grandmother`,
        },
      },
    });
    // Agency 0 said it had no involvement with B; agency 2 was never invited for B. Both worked with A.
    const linkFor = async (agencyId: string) => {
      const t = token('pack');
      await bed.db.packLink.create({ data: { auditId: a.auditId, agencyId, tokenHash: tokenHash(t) } });
      return t;
    };
    const uninvolved = [await linkFor(agencies[0]!.id), await linkFor(agencies[2]!.id)];

    /** Everything the agency behind `t` can read: the page, the PDF's text and the JSON. */
    const everything = async (t: string) => {
      const page = await http.call('GET', `/pack/${t}`, { headers: { accept: 'text/html' } });
      const pdf = await fetch(`${http.base}/pack/${t}/pdf`);
      const json = await http.call('GET', `/pack/${t}`);
      expect([page.status, pdf.status, json.status]).toEqual([200, 200, 200]);
      return {
        html: String(page.body),
        pdf: pdfText(Buffer.from(await pdf.arrayBuffer())),
        json: json.body,
      };
    };
    /** A child's identifiers as the page and the PDF write them: each name part, the date, the local ID. */
    const shown = (c: typeof a) => [...c.childName!.split(' '), formatDate(c.childDob, true), c.childLocalId!];
    const child = (c: typeof a) => ({
      name: c.childName,
      dateOfBirth: c.childDob!.toISOString().slice(0, 10),
      localId: c.childLocalId,
    });
    const caseIn = (json: { cases: { caseRef: string }[] }, c: typeof a) =>
      json.cases.find((x) => x.caseRef === c.caseRef);

    for (const t of uninvolved) {
      const seen = await everything(t);
      for (const text of [seen.html, seen.pdf, JSON.stringify(seen.json)]) {
        // The fixture's children are siblings: the surname is A's too, which this agency may see.
        const onlyB = [...shown(b), dob].filter((id) => !a.childName!.split(' ').includes(id));
        expect(onlyB).toHaveLength(4);
        for (const identifier of onlyB) expect(text).not.toContain(identifier);
        // B is there by its reference and what agency 1 wrote, its child's identifiers redacted.
        expect(text).toContain(b.caseRef);
        expect(text).toContain('[redacted] ([redacted], born [redacted]) lives with grandmother');
      }
      expect(caseIn(seen.json, b)).toMatchObject({
        serviceLevel: b.serviceLevel,
        ageBand: expect.any(String),
        child: null,
      });
      for (const text of [seen.html, seen.pdf])
        expect(text).toContain('Shown only to the agencies that worked with this child.');
      // A, whom this agency worked with, is there in full.
      for (const text of [seen.html, seen.pdf]) for (const identifier of shown(a)) expect(text).toContain(identifier);
      expect(caseIn(seen.json, a)).toMatchObject({ child: child(a) });
    }

    // Agency 1 worked with both children: it sees both in full, and what it wrote as it wrote it.
    const seen = await everything(involved);
    for (const text of [seen.html, seen.pdf]) {
      for (const identifier of [...shown(a), ...shown(b)]) expect(text).toContain(identifier);
      expect(text).toContain(`${b.childName} (${b.childLocalId}, born ${dob}) lives with grandmother`);
    }
    expect(caseIn(seen.json, b)).toMatchObject({ child: child(b) });
  });

  it('answers an unknown link with a 404', async () => {
    const res = await http.call('GET', '/pack/not-a-real-token');
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expectNoStore(res);
  });
});

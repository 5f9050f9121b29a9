// The business unit's and the LIS's routes for stages 4–9 over HTTP, against the real parts (the Temporal
// dev server, a real database, an SMTP catcher, a worker): what they refuse (400, 401, 403, 404, 409, 422)
// and one audit driven through discussion, outcome, report, approval, LIS sign-off and follow-up. A
// stand-in Temporal client that refuses every update shows what a refusal takes back.
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AREAS } from '../../domain/schemas';
import { linkToken } from '../../infra/links';
import { FAILURE } from '../../workflows/errors';
import { LINK_SECRET, PUBLIC_URL } from '../support/activities';
import { approveEvery, KEYS, type Served, startDrawnAudit, useAppBed, untilApiStage } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually } from '../support/http';

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';
const NAMES = ['Zephyrine', 'Tobiah', 'Marisol', 'Evander', 'Quillon', 'Ottoline', 'Quixleworth'];

const { bed, http, agencyIds, serve } = useAppBed({ temporal: 'dev', agencies: true });
/** The same app over a Temporal client whose every update is refused as a wrong stage. */
let refusing: Served;

const refusingClient = {
  workflow: {
    getHandle: () => ({
      executeUpdate: () =>
        Promise.reject(
          new WorkflowUpdateFailedError(
            'Workflow Update failed',
            ApplicationFailure.create({
              type: FAILURE.wrongStage,
              message: 'refused in this test',
              nonRetryable: true,
            }),
          ),
        ),
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  refusing = await serve({ client: refusingClient });
});

const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
const anHourAgo = () => new Date(Date.now() - 3600_000).toISOString();

async function startAudit(cohortSize = 2): Promise<{ id: string; cohort: string[]; pool: string[] }> {
  const id = await startDrawnAudit(http, agencyIds, cohortSize);
  const drawn = await http.call('GET', `/api/audits/${id}`, { key: KEYS.bu });
  return {
    id,
    cohort: drawn.body.cohort.map((c: { caseRef: string }) => c.caseRef),
    pool: candidates(agencyIds).map((c) => c.caseRef),
  };
}

const untilStage = (id: string, stage: string) => untilApiStage(http, id, stage);

function outcomeBody(caseRef: string, overrides: Record<string, unknown> = {}) {
  return {
    attendance: agencyIds.map((agencyId, i) => ({ agencyId, present: i !== 2 })),
    findings: Object.fromEntries(
      AREAS.map((area, i) => [
        area,
        { grade: i === 1 ? 'requires_improvement' : 'good', conclusions: `Agreed conclusions on ${area}` },
      ]),
    ),
    urgentActions: [
      { description: 'Convene a strategy discussion this week', ownerAgencyId: agencyIds[2], dueAt: '2027-01-15' },
    ],
    concerns: [{ caseRef, description: 'Zephyrine may be at immediate risk at home' }],
    recommendations: [
      {
        description: 'Use the exploitation screening tool at first contact',
        ownerAgencyId: agencyIds[0],
        dueAt: '2027-06-30T00:00:00Z',
      },
    ],
    ...overrides,
  };
}

const cleanReport = () => ({
  workingWell: ['Information was shared the same day once risk was recognised.'],
  areasForDevelopment: ['The voice of the child was not consistently recorded.'],
  themes: ['Assessment: a recurring area for development, raised by 2 agencies.'],
  recommendations: ['All agencies to use the exploitation screening tool at first contact.'],
});

const paths = (res: { body: any }) =>
  res.body.error.details.map((d: { path: (string | number)[] }) => d.path.join('.'));

describe('the lifecycle routes refuse what they must', () => {
  let audit: Awaited<ReturnType<typeof startAudit>>;
  beforeAll(async () => {
    audit = await startAudit();
  });

  it('400: discussion without a place, with a bad date, on two lines, with unknown fields, or malformed', async () => {
    const post = (body: unknown) => http.call('POST', `/api/audits/${audit.id}/discussion`, { key: KEYS.bu, body });
    expect(paths(await post({ at: inAnHour() }))).toEqual(['location']);
    expect(paths(await post({ at: 'next Tuesday', location: 'County Hall' }))).toEqual(['at']);
    expect(paths(await post({ at: inAnHour(), location: 'Room 4\nCounty Hall' }))).toEqual(['location']);
    expect(paths(await post({ at: inAnHour(), location: 'x'.repeat(201) }))).toEqual(['location']);
    expect(paths(await post({ at: inAnHour(), location: '   ' }))).toEqual(['location']);
    expect((await post({ at: inAnHour(), location: 'County Hall', extra: 1 })).body.error.code).toBe(
      'validation_failed',
    );
    expect(
      await http.call('POST', `/api/audits/${audit.id}/discussion`, { key: KEYS.bu, raw: '{"at": ' }),
    ).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
    const stored = await bed.db.audit.findUniqueOrThrow({ where: { id: audit.id } });
    expect(stored.discussionAt).toBeNull();
  });

  it('400: an outcome with missing parts, wrong types, an area left out; 422: unknown agencies or cases', async () => {
    const post = (body: unknown) =>
      http.call('POST', `/api/audits/${audit.id}/discussion/outcome`, { key: KEYS.bu, body });
    const empty = await post({});
    expect(empty.status).toBe(400);
    expect(paths(empty)).toEqual(
      expect.arrayContaining(['attendance', 'findings', 'urgentActions', 'concerns', 'recommendations']),
    );

    const { impact: _impact, ...fiveAreas } = outcomeBody(audit.cohort[0]!).findings as Record<string, unknown>;
    expect(paths(await post(outcomeBody(audit.cohort[0]!, { findings: fiveAreas })))).toEqual(['findings.impact']);
    const badGrade = outcomeBody(audit.cohort[0]!);
    (badGrade.findings as any).recognition.grade = 'excellent';
    expect(paths(await post(badGrade))).toEqual(['findings.recognition.grade']);
    expect(
      paths(await post(outcomeBody(audit.cohort[0]!, { attendance: [{ agencyId: agencyIds[0], present: 'yes' }] }))),
    ).toEqual(['attendance.0.present']);
    expect(
      paths(
        await post(
          outcomeBody(audit.cohort[0]!, {
            urgentActions: [{ description: 'x', ownerAgencyId: 'police', dueAt: 'soon' }],
          }),
        ),
      ),
    ).toEqual(['urgentActions.0.ownerAgencyId', 'urgentActions.0.dueAt']);

    const undrawn = audit.pool.find((ref) => !audit.cohort.includes(ref))!;
    const unknown = await post(
      outcomeBody(undrawn, {
        recommendations: [{ description: 'x', ownerAgencyId: NO_SUCH_ID, dueAt: '2027-01-01' }],
        attendance: [{ agencyId: NO_SUCH_ID, present: true }],
      }),
    );
    expect(unknown).toMatchObject({ status: 422, body: { error: { code: 'unknown_reference' } } });
    expect(paths(unknown)).toEqual(['attendance.0.agencyId', 'recommendations.0.ownerAgencyId', 'concerns.0.caseRef']);
    expect(await bed.db.outcome.count({ where: { auditId: audit.id } })).toBe(0);
  });

  it('400: a report with wrong types, missing fields, empty or overlong items, too many items', async () => {
    const post = (body: unknown) => http.call('POST', `/api/audits/${audit.id}/report`, { key: KEYS.bu, body });
    expect(paths(await post({ workingWell: ['fine'] }))).toEqual(['areasForDevelopment', 'themes', 'recommendations']);
    expect(paths(await post({ ...cleanReport(), themes: 'one theme' }))).toEqual(['themes']);
    expect(paths(await post({ ...cleanReport(), themes: [''] }))).toEqual(['themes.0']);
    expect(paths(await post({ ...cleanReport(), themes: ['ok', 'x'.repeat(2001)] }))).toEqual(['themes.1']);
    expect(paths(await post({ ...cleanReport(), themes: Array.from({ length: 51 }, () => 'ok') }))).toEqual(['themes']);
    expect(await bed.db.reportVersion.count({ where: { auditId: audit.id } })).toBe(0);
  });

  it('400: a LIS decision that is neither, or returned without comments', async () => {
    const post = (body: unknown) => http.call('POST', `/api/audits/${audit.id}/lis-decision`, { key: KEYS.lis, body });
    expect(paths(await post({ decision: 'maybe' }))).toEqual(['decision']);
    expect(paths(await post({ decision: 'returned' }))).toEqual(['comments']);
    expect(paths(await post({ decision: 'approved', comments: 'x'.repeat(5001) }))).toEqual(['comments']);
  });

  it('422: a report that names a child, anywhere in the pool, or holds an identifier, is refused and not stored', async () => {
    const undrawn = audit.pool.find((ref) => !audit.cohort.includes(ref))!;
    const res = await http.call('POST', `/api/audits/${audit.id}/report`, {
      key: KEYS.bu,
      body: {
        ...cleanReport(),
        workingWell: ['Fine work.', "Zephyrine's school noticed early."],
        themes: [`As in ${undrawn}, plans drifted.`],
        recommendations: ['Check NHS number 943 476 5919 and HG1 2AB.'],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'reidentification_failed', message: expect.any(String) });
    expect(res.body.error.details).toEqual([
      { field: 'workingWell', index: 1, kind: 'name', match: "Zephyrine's" },
      { field: 'themes', index: 0, kind: 'case_ref', match: undrawn },
      { field: 'recommendations', index: 0, kind: 'nhs_number', match: '943 476 5919' },
      { field: 'recommendations', index: 0, kind: 'postcode', match: 'HG1 2AB' },
    ]);
    expect(await bed.db.reportVersion.count({ where: { auditId: audit.id } })).toBe(0);
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId: audit.id, action: 'report.reidentification_failed' },
    });
    expect(trail).toHaveLength(1);
    expect(JSON.stringify(trail[0]!.details)).not.toContain('Zephyrine');
  });

  it('401 without a key, 403 for a manager (read-only) and for the LIS outside its decision', async () => {
    const id = audit.id;
    const writes: [string, string][] = [
      ['POST', `/api/audits/${id}/discussion`],
      ['POST', `/api/audits/${id}/discussion/outcome`],
      ['GET', `/api/audits/${id}/report/draft`],
      ['POST', `/api/audits/${id}/report`],
      ['POST', `/api/audits/${id}/lis-decision`],
      ['POST', `/api/actions/${NO_SUCH_ID}/close`],
    ];
    const body = (method: string) => (method === 'GET' ? undefined : {});
    for (const [method, path] of writes) {
      expect([path, (await http.call(method, path, { body: body(method) })).status]).toEqual([path, 401]);
      const wrongKey = await http.call(method, path, { key: 'not-a-key-0123456789', body: body(method) });
      expect([path, wrongKey.status]).toEqual([path, 401]);
      const manager = await http.call(method, path, { key: KEYS.manager, body: body(method) });
      expect([path, manager.status, manager.body.error.code]).toEqual([path, 403, 'forbidden']);
    }
    for (const [method, path] of writes.slice(0, 4)) {
      expect([path, (await http.call(method, path, { key: KEYS.lis, body: body(method) })).status]).toEqual([
        path,
        403,
      ]);
    }
    // The LIS may decide and close actions: past the role check, the body and the action are looked at.
    expect((await http.call('POST', `/api/audits/${id}/lis-decision`, { key: KEYS.lis, body: {} })).status).toBe(400);
    expect((await http.call('POST', `/api/actions/${NO_SUCH_ID}/close`, { key: KEYS.lis })).status).toBe(404);
  });

  it('404: an unknown audit or action', async () => {
    const routes: [string, string, unknown][] = [
      ['POST', `/api/audits/${NO_SUCH_ID}/discussion`, { at: inAnHour(), location: 'County Hall' }],
      ['POST', `/api/audits/${NO_SUCH_ID}/discussion/outcome`, outcomeBody('NYC-4711')],
      ['GET', `/api/audits/${NO_SUCH_ID}/report/draft`, undefined],
      ['POST', `/api/audits/${NO_SUCH_ID}/report`, cleanReport()],
      ['POST', `/api/audits/not-a-uuid/report`, cleanReport()],
      ['POST', `/api/audits/${NO_SUCH_ID}/lis-decision`, { decision: 'approved' }],
      ['POST', `/api/actions/${NO_SUCH_ID}/close`, undefined],
      ['POST', `/api/actions/not-a-uuid/close`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const res = await http.call(method, path, { key: KEYS.bu, body });
      expect([path, res.status, res.body.error?.code]).toEqual([path, 404, 'not_found']);
    }
  });

  it('409: an outcome, a report or a LIS decision before their stage; nothing the workflow refused is kept but the outcome draft', async () => {
    expect((await http.call('POST', `/api/audits/${audit.id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
    await untilStage(audit.id, 'awaiting_submissions');

    const outcome = await http.call('POST', `/api/audits/${audit.id}/discussion/outcome`, {
      key: KEYS.bu,
      body: outcomeBody(audit.cohort[0]!),
    });
    expect(outcome).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });
    // What the business unit typed stays, as a draft the workflow has not taken.
    const draft = await bed.db.outcome.findUniqueOrThrow({ where: { auditId: audit.id } });
    expect(draft.acceptedAt).toBeNull();
    expect(await bed.db.action.count({ where: { auditId: audit.id } })).toBe(0);

    const report = await http.call('POST', `/api/audits/${audit.id}/report`, { key: KEYS.bu, body: cleanReport() });
    expect(report).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });
    expect(await bed.db.reportVersion.count({ where: { auditId: audit.id } })).toBe(0);

    const decision = await http.call('POST', `/api/audits/${audit.id}/lis-decision`, {
      key: KEYS.lis,
      body: { decision: 'approved' },
    });
    expect(decision).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });

    // The discussion may be scheduled ahead, while submissions are awaited.
    const at = inAnHour();
    const scheduled = await http.call('POST', `/api/audits/${audit.id}/discussion`, {
      key: KEYS.bu,
      body: { at, location: 'Room 4, County Hall' },
    });
    expect(scheduled).toMatchObject({
      status: 200,
      body: { discussion: { at: new Date(at).toISOString(), location: 'Room 4, County Hall' } },
    });

    // Once the audit is cancelled, moving it is refused and the stored date and place are put back.
    await http.call('POST', `/api/audits/${audit.id}/cancel`, { key: KEYS.bu, body: { reason: 'test' } });
    const moved = await http.call('POST', `/api/audits/${audit.id}/discussion`, {
      key: KEYS.bu,
      body: { at: anHourAgo(), location: 'Elsewhere' },
    });
    expect(moved.status).toBe(409);
    const shown = (await http.call('GET', `/api/audits/${audit.id}`, { key: KEYS.bu })).body;
    expect(shown.discussion).toEqual({ at: new Date(at).toISOString(), location: 'Room 4, County Hall' });
  });

  it('takes back what a refused update would have left: the discussion, the version, the LIS decision', async () => {
    const row = await bed.db.audit.findUniqueOrThrow({ where: { id: audit.id } });
    const moved = await refusing.call('POST', `/api/audits/${audit.id}/discussion`, {
      key: KEYS.bu,
      body: { at: anHourAgo(), location: 'Elsewhere' },
    });
    expect(moved).toMatchObject({
      status: 409,
      body: { error: { code: 'wrong_stage', message: 'refused in this test' } },
    });
    const after = await bed.db.audit.findUniqueOrThrow({ where: { id: audit.id } });
    expect([after.discussionAt, after.discussionLocation]).toEqual([row.discussionAt, row.discussionLocation]);

    expect(
      (await refusing.call('POST', `/api/audits/${audit.id}/report`, { key: KEYS.bu, body: cleanReport() })).status,
    ).toBe(409);
    expect(await bed.db.reportVersion.count({ where: { auditId: audit.id } })).toBe(0);

    const version = await bed.db.reportVersion.create({
      data: { auditId: audit.id, version: 1, content: cleanReport(), submittedBy: 'test' },
    });
    const returned = await refusing.call('POST', `/api/audits/${audit.id}/lis-decision`, {
      key: KEYS.lis,
      body: { decision: 'returned', comments: 'Say more about impact' },
    });
    expect(returned.status).toBe(409);
    expect(await bed.db.lisDecision.count({ where: { auditId: audit.id } })).toBe(0);
    await bed.db.reportVersion.delete({ where: { id: version.id } });

    const actions = [
      ...new Set((await bed.db.auditTrailEntry.findMany({ where: { auditId: audit.id } })).map((e) => e.action)),
    ];
    expect(actions).toEqual(
      expect.arrayContaining(['discussion.schedule_refused', 'report.version_refused', 'lis.decision_refused']),
    );
  });

  it('409: closing an action that is closed, or whose follow-up is not running', async () => {
    const [open, closed] = await Promise.all(
      [1, 2].map((number) =>
        bed.db.action.create({
          data: {
            auditId: audit.id,
            number,
            kind: 'recommendation',
            description: 'Use the screening tool',
            ownerAgencyId: agencyIds[0]!,
            dueAt: new Date('2027-01-01'),
            status: number === 2 ? 'closed' : 'open',
          },
        }),
      ),
    );
    const already = await http.call('POST', `/api/actions/${closed!.id}/close`, { key: KEYS.lis });
    expect(already).toMatchObject({ status: 409, body: { error: { code: 'already_closed' } } });
    const notRunning = await http.call('POST', `/api/actions/${open!.id}/close`, { key: KEYS.bu });
    expect(notRunning).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });
    await bed.db.action.deleteMany({ where: { auditId: audit.id } });
  });
});

describe('an audit driven over HTTP from the discussion to the end of follow-up', () => {
  it('schedules, refuses an outcome too early, takes it after, drafts, checks and circulates the report, signs it off, closes the actions', async () => {
    bed.catcher.clear();
    const audit = await startAudit(2);
    const id = audit.id;
    expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
    const awaiting = await untilStage(id, 'awaiting_submissions');

    // Every agency answers by its link; one names the child in its good practice.
    for (const [n, invitation] of (awaiting.invitations as { id: string }[]).entries()) {
      const sections = Object.fromEntries(
        AREAS.map((area) => [
          area,
          {
            goodPractice: n === 0 ? 'Zephyrine Quixleworth was seen alone' : 'Timely strategy meeting',
            areasForDevelopment: area === 'assessment' ? 'Record the voice of the child' : '',
            recommendations: '',
            grade: area === 'assessment' ? 'requires_improvement' : 'good',
            rationale: 'Evidence in records',
          },
        ]),
      );
      const token = linkToken(LINK_SECRET, `respond:${invitation.id}`);
      const res = await http.call('POST', `/respond/${token}`, { body: { sections, submit: true } });
      expect(res.status).toBe(200);
    }
    // Collation waits for the discussion's date; the pack goes with it.
    await untilStage(id, 'collation');
    const later = inAnHour();
    expect(
      await http.call('POST', `/api/audits/${id}/discussion`, {
        key: KEYS.bu,
        body: { at: later, location: 'Room 4, County Hall' },
      }),
    ).toMatchObject({ status: 200, body: { discussion: { at: new Date(later).toISOString() } } });
    const discussing = await untilStage(id, 'discussion');
    expect(discussing.discussion).toEqual({ at: new Date(later).toISOString(), location: 'Room 4, County Hall' });

    // An outcome for a meeting still to come is refused; it is kept as a draft.
    const early = await http.call('POST', `/api/audits/${id}/discussion/outcome`, {
      key: KEYS.bu,
      body: outcomeBody(audit.cohort[0]!),
    });
    expect(early).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });
    expect(early.body.error.message).toMatch(/held/);
    expect((await bed.db.outcome.findUniqueOrThrow({ where: { auditId: id } })).acceptedAt).toBeNull();

    // The meeting was brought forward and has been held: moved, then the outcome is taken.
    const held = anHourAgo();
    expect(
      (
        await http.call('POST', `/api/audits/${id}/discussion`, {
          key: KEYS.bu,
          body: { at: held, location: 'Room 2' },
        })
      ).status,
    ).toBe(200);
    const outcome = await http.call('POST', `/api/audits/${id}/discussion/outcome`, {
      key: KEYS.bu,
      body: outcomeBody(audit.cohort[0]!),
    });
    expect(outcome.status).toBe(201);
    expect(outcome.body).toEqual({
      actions: [
        {
          id: expect.any(String),
          number: 1,
          kind: 'urgent_action',
          ownerAgencyId: agencyIds[2],
          dueAt: '2027-01-15T00:00:00.000Z',
        },
        {
          id: expect.any(String),
          number: 2,
          kind: 'recommendation',
          ownerAgencyId: agencyIds[0],
          dueAt: '2027-06-30T00:00:00.000Z',
        },
      ],
      escalations: [expect.any(String)],
    });
    const again = await http.call('POST', `/api/audits/${id}/discussion/outcome`, {
      key: KEYS.bu,
      body: outcomeBody(audit.cohort[0]!),
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_recorded' } } });
    await untilStage(id, 'report');

    // The draft: anonymised, from the submissions and the outcome.
    const draft = await http.call('GET', `/api/audits/${id}/report/draft`, { key: KEYS.bu });
    expect(draft.status).toBe(200);
    for (const name of NAMES) expect(JSON.stringify(draft.body)).not.toContain(name);
    expect(draft.body.workingWell).toEqual(expect.arrayContaining(['Recognition: [redacted] was seen alone']));
    expect(draft.body.themes).toEqual([expect.stringMatching(/^Assessment: a recurring area for development/)]);
    expect(draft.body.recommendations).toEqual([
      expect.stringMatching(/^Use the exploitation screening tool at first contact \(owner: North Yorkshire Police/),
      expect.stringMatching(/^Urgent action: Convene a strategy discussion this week/),
    ]);
    expect(draft.body.grades.assessment.panel).toBe('requires_improvement');
    expect(draft.body.grades.assessment.selfGrades.requires_improvement).toBe(1);

    // A version naming a child is refused; the edited draft passes and goes for approval.
    const named = await http.call('POST', `/api/audits/${id}/report`, {
      key: KEYS.bu,
      body: { ...cleanReport(), workingWell: ['Tobiah Quixleworth was seen alone'] },
    });
    expect(named.status).toBe(422);
    const { grades: _grades, warnings: _warnings, ...edited } = draft.body;
    edited.workingWell = edited.workingWell.filter((t: string) => !t.includes('[redacted]'));
    edited.areasForDevelopment.push('In one case the chronology was out of date.');
    const submitted = await http.call('POST', `/api/audits/${id}/report`, { key: KEYS.bu, body: edited });
    expect(submitted).toMatchObject({
      status: 201,
      body: { id: expect.any(String), version: 1, warnings: [expect.objectContaining({ kind: 'small_number' })] },
    });
    const circulating = await untilStage(id, 'practitioner_approval');
    expect(circulating.reportVersions).toEqual([
      {
        id: submitted.body.id,
        version: 1,
        submittedAt: expect.any(String),
        circulatedAt: expect.any(String),
        approvals: expect.arrayContaining([
          {
            id: expect.any(String),
            agencyId: expect.any(String),
            status: 'pending',
            dueAt: expect.any(String),
            decidedAt: null,
          },
        ]),
      },
    ]);
    expect(circulating.actions.map((a: { number: number; status: string }) => [a.number, a.status])).toEqual([
      [1, 'open'],
      [2, 'open'],
    ]);
    expect(circulating.lisDecisions).toEqual([]);
    expect(circulating.briefingUrl).toBeNull();
    // Not the LIS's turn yet, nor a second version's.
    expect(
      (await http.call('POST', `/api/audits/${id}/lis-decision`, { key: KEYS.lis, body: { decision: 'approved' } }))
        .status,
    ).toBe(409);
    expect((await http.call('POST', `/api/audits/${id}/report`, { key: KEYS.bu, body: cleanReport() })).status).toBe(
      409,
    );
    expect(await bed.db.reportVersion.count({ where: { auditId: id } })).toBe(1);
    expect(await bed.db.lisDecision.count({ where: { auditId: id } })).toBe(0);

    // Every practitioner approves by their link; the LIS signs off; the briefing is published.
    await approveEvery(http, circulating.reportVersions[0].approvals);
    await untilStage(id, 'lis_signoff');
    const signedOff = await http.call('POST', `/api/audits/${id}/lis-decision`, {
      key: KEYS.lis,
      body: { decision: 'approved' },
    });
    expect(signedOff).toMatchObject({ status: 200, body: { decision: 'approved' } });
    const following = await eventually(async () => {
      const res = await http.call('GET', `/api/audits/${id}`, { key: KEYS.manager });
      return res.body.stage === 'action_follow_up' && res.body.actions.every((a: any) => a.nextReminderAt)
        ? res.body
        : undefined;
    }, 'the follow-up');
    expect(following.lisDecisions).toEqual([{ decision: 'approved', decidedAt: expect.any(String) }]);
    expect(following.briefingUrl).toMatch(new RegExp(`^${PUBLIC_URL}/briefings/[\\w-]+$`));
    expect(following.reportVersions[0].approvals.every((a: { status: string }) => a.status === 'approved')).toBe(true);
    const shown = JSON.stringify(following);
    for (const name of NAMES) expect(shown).not.toContain(name);
    expect(shown).not.toContain('immediate risk');
    expect(shown).not.toContain('strategy discussion');

    // Only the LIS, or the business unit on its behalf, closes an action; every action closed completes the audit.
    const [first, second] = following.actions as { id: string }[];
    expect((await http.call('POST', `/api/actions/${first!.id}/close`, { key: KEYS.manager })).status).toBe(403);
    expect(await http.call('POST', `/api/actions/${first!.id}/close`, { key: KEYS.lis })).toMatchObject({
      status: 200,
      body: { id: first!.id, status: 'closed' },
    });
    await eventually(async () => {
      const row = await bed.db.action.findUniqueOrThrow({ where: { id: first!.id } });
      return row.status === 'closed' ? row : undefined;
    }, 'the closed action');
    expect((await http.call('POST', `/api/actions/${first!.id}/close`, { key: KEYS.lis })).status).toBe(409);
    expect(await http.call('POST', `/api/actions/${second!.id}/close`, { key: KEYS.bu })).toMatchObject({
      status: 200,
      body: { status: 'closed' },
    });
    const done = await untilStage(id, 'completed');
    expect(
      done.actions.map((a: { status: string; nextReminderAt: string | null }) => [a.status, a.nextReminderAt]),
    ).toEqual([
      ['closed', null],
      ['closed', null],
    ]);
    const trail = (await bed.db.auditTrailEntry.findMany({ where: { auditId: id } })).map((e) => e.action);
    expect(trail).toEqual(
      expect.arrayContaining([
        'discussion.scheduled',
        'outcome.saved',
        'report.reidentification_failed',
        'report.version_submitted',
        'lis.decided',
        'action.close_requested',
      ]),
    );
  });
});

// Report versions and LIS decisions sent many at once (a double click, two people, a retrying client), against
// the real parts (the Temporal dev server, a real database, a worker). Each route stores its row, tells the
// workflow, and takes the row back when the workflow refuses: whatever the interleaving, every answer is a
// success or a 409 in the error shape, never a 500, and afterwards the database holds exactly the versions and
// decisions the workflow took — no orphan row, no decision on a version the workflow did not decide on.
import { AREAS } from '../../domain/schemas';
import { linkToken } from '../../infra/links';
import { type AuditState, auditStateQuery, auditWorkflowId } from '../../workflows/messages';
import { LINK_SECRET } from '../support/activities';
import { approveEvery, KEYS, useAppBed, untilApiStage } from '../support/app-bed';
import { candidates } from '../support/fixtures';

// Driving audits to sign-off over the dev server (and starting PGlite) takes longer than jest's default 5 s.
jest.setTimeout(120_000);

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

const AT_ONCE = 12;

const cleanReport = (n = 0) => ({
  workingWell: [`Information was shared the same day once risk was recognised (${n}).`],
  areasForDevelopment: ['The voice of the child was not consistently recorded.'],
  themes: ['Assessment: a recurring area for development.'],
  recommendations: ['All agencies to use the exploitation screening tool at first contact.'],
});

const untilStage = (id: string, stage: string) => untilApiStage(http, id, stage);

type Stage = 'awaiting_submissions' | 'report' | 'lis_signoff';

/** An audit driven over HTTP to `stage`: every tool submitted, the discussion held, a version approved. */
async function auditIn(stage: Stage): Promise<string> {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: {
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize: 2,
      candidates: candidates(agencyIds),
    },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await untilStage(id, 'invitations');
  expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  const awaiting = await untilStage(id, 'awaiting_submissions');
  if (stage === 'awaiting_submissions') return id;

  // Held an hour ago: collation goes straight on to the discussion.
  const held = new Date(Date.now() - 3600_000).toISOString();
  const scheduled = await http.call('POST', `/api/audits/${id}/discussion`, {
    key: KEYS.bu,
    body: { at: held, location: 'Room 2' },
  });
  expect(scheduled.status).toBe(200);
  const section = {
    goodPractice: 'Timely',
    areasForDevelopment: '',
    recommendations: '',
    grade: 'good',
    rationale: 'r',
  };
  for (const invitation of awaiting.invitations as { id: string }[]) {
    const token = linkToken(LINK_SECRET, `respond:${invitation.id}`);
    const body = { sections: Object.fromEntries(AREAS.map((a) => [a, section])), submit: true };
    expect((await http.call('POST', `/respond/${token}`, { body })).status).toBe(200);
  }
  await untilStage(id, 'discussion');
  const outcome = await http.call('POST', `/api/audits/${id}/discussion/outcome`, {
    key: KEYS.bu,
    body: {
      attendance: agencyIds.map((agencyId) => ({ agencyId, present: true })),
      findings: Object.fromEntries(AREAS.map((a) => [a, { grade: 'good', conclusions: 'Agreed' }])),
      urgentActions: [],
      concerns: [],
      recommendations: [],
    },
  });
  expect(outcome.status).toBe(201);
  await untilStage(id, 'report');
  if (stage === 'report') return id;

  expect((await http.call('POST', `/api/audits/${id}/report`, { key: KEYS.bu, body: cleanReport() })).status).toBe(201);
  const circulating = await untilStage(id, 'practitioner_approval');
  await approveEvery(http, circulating.reportVersions[0].approvals);
  await untilStage(id, 'lis_signoff');
  return id;
}

/** Every request at once; the answers by route, as "status code" counts. */
async function atOnce(id: string, kinds: ('report' | 'lis-decision')[]) {
  const calls = kinds.flatMap((kind) =>
    Array.from({ length: AT_ONCE }, (_, i) => ({
      kind,
      reply: http.call('POST', `/api/audits/${id}/${kind}`, {
        key: kind === 'report' ? KEYS.bu : KEYS.lis,
        body:
          kind === 'report'
            ? cleanReport(i)
            : i % 2
              ? { decision: 'approved' }
              : { decision: 'returned', comments: `Say more about impact (${i})` },
      }),
    })),
  );
  const replies = await Promise.all(calls.map(async ({ kind, reply }) => ({ kind, res: await reply })));
  const answers = (kind: string) =>
    replies
      .filter((r) => r.kind === kind)
      .map(({ res }) => `${res.status} ${res.status >= 400 ? res.body?.error?.code : ''}`.trim())
      .sort();
  // Every answer below 500; every refusal in the error shape.
  for (const { kind, res } of replies) {
    expect({ kind, status: res.status, below500: res.status < 500 }).toEqual({
      kind,
      status: res.status,
      below500: true,
    });
    if (res.status >= 400) {
      expect({ kind, body: res.body }).toEqual({
        kind,
        body: { error: { code: expect.any(String), message: expect.any(String) } },
      });
    }
  }
  return { report: answers('report'), lisDecision: answers('lis-decision') };
}

/** What the database holds of the audit's versions and decisions is what the workflow took. */
async function expectInStep(id: string): Promise<AuditState> {
  const state = await bed.env.client.workflow.getHandle(auditWorkflowId(id)).query(auditStateQuery);
  const [versions, decisions] = await Promise.all([
    bed.db.reportVersion.findMany({ where: { auditId: id }, orderBy: { version: 'asc' } }),
    bed.db.lisDecision.findMany({ where: { auditId: id } }),
  ]);
  expect(versions.map((v) => v.id)).toEqual(state.reportVersions.map((v) => v.reportVersionId));
  expect(decisions.map((d) => ({ id: d.id, reportVersionId: d.reportVersionId, accepted: !!d.acceptedAt }))).toEqual(
    state.lisDecisions.map((d) => ({ id: d.lisDecisionId, reportVersionId: d.reportVersionId, accepted: true })),
  );
  return state;
}

const refused = (n: number) => Array<string>(n).fill('409 wrong_stage');

it(`${AT_ONCE} versions and ${AT_ONCE} LIS decisions at once, in a stage that takes neither: all 409, nothing left`, async () => {
  const id = await auditIn('awaiting_submissions');
  const { report, lisDecision } = await atOnce(id, ['report', 'lis-decision']);
  expect(report).toEqual(refused(AT_ONCE));
  // A decision may meet a version that a refused submission is taking back: "the report changed".
  expect(lisDecision.every((a) => a === '409 wrong_stage' || a === '409 conflict')).toBe(true);
  await expectInStep(id);
  expect(await bed.db.reportVersion.count({ where: { auditId: id } })).toBe(0);
  expect(await bed.db.lisDecision.count({ where: { auditId: id } })).toBe(0);
  const refusals = await bed.db.auditTrailEntry.count({ where: { auditId: id, action: 'report.version_refused' } });
  expect(refusals).toBe(AT_ONCE);
});

it(`${AT_ONCE} versions at once in the report stage: one taken and circulated, the rest 409; the database keeps it`, async () => {
  const id = await auditIn('report');
  const { report } = await atOnce(id, ['report']);
  expect(report).toEqual(['201', ...refused(AT_ONCE - 1)]);
  await untilStage(id, 'practitioner_approval');
  const state = await expectInStep(id);
  expect(state.reportVersions).toHaveLength(1);
  // The version taken is the one circulated: its practitioners have their approvals.
  expect(state.reportVersions[0]!.approvals.length).toBeGreaterThan(0);
});

it(`${AT_ONCE} LIS decisions and ${AT_ONCE} versions at once at sign-off: one decision, on the circulated version`, async () => {
  const id = await auditIn('lis_signoff');
  const circulated = await bed.db.reportVersion.findFirstOrThrow({ where: { auditId: id } });
  const { report, lisDecision } = await atOnce(id, ['lis-decision', 'report']);
  expect(lisDecision).toEqual(['200', ...refused(AT_ONCE - 1)]);
  // A returned report takes a new version at once: one of the simultaneous ones may be taken, never two.
  expect(report.every((a) => a === '201' || a === '409 wrong_stage')).toBe(true);
  expect(report.filter((a) => a === '201').length).toBeLessThanOrEqual(1);
  const state = await expectInStep(id);
  expect(state.lisDecisions).toEqual([expect.objectContaining({ reportVersionId: circulated.id })]);
});

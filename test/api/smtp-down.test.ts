// With the SMTP relay down, every API request still answers at once: the update handlers change the
// workflow's state and return, and the emails, children and database writes they used to wait on follow
// (PATCHES.handlersReturnAtOnce). The relay stays down for as long as each request takes and the emails
// it causes are retried for as long as it stays down (minutes, then hours), so a request that waited on
// one would not answer at all. Real parts: the Temporal dev server, the database, a worker, the catcher.
import { type MailCatcher, startMailCatcher } from '../../dev/mail-catcher';
import { linkToken } from '../../infra/links';
import { AREAS } from '../../domain/schemas';
import { escalationWorkflowId } from '../../workflows/messages';
import { LINK_SECRET } from '../support/activities';
import { KEYS, useAppBed, untilApiStage } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually } from '../support/http';
import { submissionContent } from '../support/lifecycle';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

/** The relay refuses connections (its port is closed) until `smtpUp`. */
async function smtpDown(): Promise<void> {
  await bed.catcher.stop();
}

/** A new catcher on the same port: the worker's transport finds it there. */
async function smtpUp(): Promise<MailCatcher> {
  bed.catcher = await startMailCatcher({ port: bed.catcher.port });
  return bed.catcher;
}

const answers: { request: string; status: number; ms: number }[] = [];

/** One API request, timed; the answer must come in under a second. */
async function call(method: string, path: string, opts: Parameters<typeof http.call>[2] = {}) {
  const started = performance.now();
  const res = await http.call(method, path, { key: KEYS.bu, ...opts });
  const ms = performance.now() - started;
  answers.push({
    request: `${method} ${path.replace(/[0-9a-f-]{36}|[A-Za-z0-9_-]{40,}/g, ':id')}`,
    status: res.status,
    ms,
  });
  expect(ms).toBeLessThan(1000);
  return res;
}

const soon = (ms: number) => new Date(Date.now() + ms).toISOString();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => {
  // The figures, for the closing note: every request made while the relay was down.
  console.log(answers.map((a) => `${a.status} ${Math.round(a.ms)} ms  ${a.request}`).join('\n'));
});

it('answers every request in under a second while SMTP is down', async () => {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: { focus: 'Neglect', focusSource: 'business_plan_priority', cohortSize: 2, candidates: candidates(agencyIds) },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await untilApiStage(http, id, 'invitations');
  expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  const { invitations } = await untilApiStage(http, id, 'awaiting_submissions');
  expect(invitations.length).toBeGreaterThanOrEqual(3);
  const [late, noInvolvement, ...rest] = invitations as { id: string }[];

  // Awaiting submissions, the relay down: an extension, no involvement, a concern, a late submission.
  await smtpDown();
  const extended = await call('POST', `/api/audits/${id}/deadlines`, {
    body: { dueAt: soon(1500), invitationId: late!.id },
  });
  expect(extended).toMatchObject({ status: 200, body: { invitations: [{ id: late!.id }] } });
  const closed = await call('POST', `/api/audits/${id}/invitations/${noInvolvement!.id}/no-involvement`);
  expect(closed).toMatchObject({ status: 200, body: { status: 'no_involvement' } });
  const concern = await call('POST', `/api/audits/${id}/concerns`, {
    body: { agencyId: agencyIds[0], description: 'A practitioner fears for a child at home tonight' },
  });
  expect(concern.status).toBe(201);
  await pause(2000);
  const token = linkToken(LINK_SECRET, `respond:${late!.id}`);
  const submitted = await call('POST', `/respond/${token}`, {
    key: undefined,
    headers: { accept: 'application/json' },
    body: { ...submissionContent(), submit: true },
  });
  expect(submitted.status).toBe(200);

  // What the handlers left to the workflow happened after they answered, the relay still down.
  await eventually(async () => {
    const rows = await bed.db.invitation.findMany({ where: { id: { in: [late!.id, noInvolvement!.id] } } });
    const submission = await bed.db.submission.findUnique({ where: { invitationId: late!.id } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return byId.get(noInvolvement!.id)?.status === 'no_involvement' &&
      byId.get(late!.id)?.dueAt?.getTime() === Date.parse(extended.body.invitations[0].dueAt) &&
      submission?.late
      ? true
      : undefined;
  }, 'the no involvement, the extension and the lateness in the database');
  const escalation = await bed.env.client.workflow.getHandle(escalationWorkflowId(concern.body.id)).describe();
  expect(escalation.status.name).toBe('RUNNING');
  const lateNotice = await eventually(
    () =>
      bed.db.emailOutbox
        .findFirst({ where: { auditId: id, template: 'businessUnitLateSubmission' } })
        .then((row) => row ?? undefined),
    'the late-submission notice in the outbox',
  );
  expect(lateNotice.status).not.toBe('sent');

  // The relay back: the other invitations closed, the discussion set, the pack sent.
  const catcher = await smtpUp();
  for (const invitation of rest) {
    const res = await http.call('POST', `/api/audits/${id}/invitations/${invitation.id}/no-involvement`, {
      key: KEYS.bu,
    });
    expect(res.status).toBe(200);
  }
  await untilApiStage(http, id, 'collation');
  const place = { location: 'County Hall, Room 4' };
  expect(
    (await http.call('POST', `/api/audits/${id}/discussion`, { key: KEYS.bu, body: { at: soon(60_000), ...place } }))
      .status,
  ).toBe(200);
  await untilApiStage(http, id, 'discussion');
  await eventually(
    () => (catcher.messages().some((m) => m.subject.includes('collated audit tools')) ? true : undefined),
    'the pack',
    30_000,
  );

  // The discussion, the relay down again: moved (the pack goes again, later), then its outcome recorded.
  await smtpDown();
  const moved = await call('POST', `/api/audits/${id}/discussion`, { body: { at: soon(1000), ...place } });
  expect(moved.status).toBe(200);
  await pause(1500);
  const outcome = await call('POST', `/api/audits/${id}/discussion/outcome`, {
    body: {
      attendance: agencyIds.map((agencyId) => ({ agencyId, present: true })),
      findings: Object.fromEntries(AREAS.map((area) => [area, { grade: 'good', conclusions: `On ${area}` }])),
      urgentActions: [{ description: 'Review the plan', ownerAgencyId: agencyIds[1], dueAt: '2027-03-01' }],
      concerns: [{ caseRef: invitations[0].caseRef, description: 'Immediate risk at home' }],
      recommendations: [],
    },
  });
  expect(outcome.status).toBe(201);
  expect(outcome.body.actions).toHaveLength(1);
  expect(outcome.body.escalations).toHaveLength(1);
  await eventually(
    () =>
      bed.env.client.workflow
        .getHandle(escalationWorkflowId(outcome.body.escalations[0]))
        .describe()
        .then((d) => (d.status.name === 'RUNNING' ? true : undefined))
        .catch(() => undefined),
    "the outcome's escalation",
  );
  const cancelled = await call('POST', `/api/audits/${id}/cancel`, { body: { reason: 'Merged into another audit' } });
  expect(cancelled).toMatchObject({ status: 200, body: { stage: 'cancelled' } });
  expect(answers.every((a) => a.ms < 1000)).toBe(true);
  expect(answers).toHaveLength(7);
}, 120_000);

// The commands behind the JSON API, called directly as the staff console's pages will call them: no HTTP, the
// same database, workflow and refusals. Against the Temporal dev server, a real database and a worker.
import type { Principal } from '../../api/auth';
import { auditState, cancelAudit, startAudit } from '../../api/commands/audits';
import type { CommandDeps } from '../../api/commands/deps';
import { sendInvitations } from '../../api/commands/invitations';
import { HttpError } from '../../api/errors';
import { type DeepDiveAuditInput, TASK_QUEUE } from '../../workflows/messages';
import { PUBLIC_URL } from '../support/activities';
import { KEYS, useAppBed } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually } from '../support/http';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

const deps = (): CommandDeps => ({
  db: bed.db,
  temporal: bed.env.client,
  taskQueue: TASK_QUEUE,
  allowCompressedTimelines: false,
  publicUrl: PUBLIC_URL,
});

/** A person signed in to the console, as api/sign-in.ts makes them. */
const ada: Principal = { role: 'business_unit', actor: 'staff:ada', name: 'Ada Lovelace' };

const auditInput = () => ({
  focus: 'Child exploitation',
  focusSource: 'business_plan_priority',
  candidates: candidates(agencyIds),
});

/** The refusal a command threw, for its status, code and details. */
async function refusal(command: Promise<unknown>): Promise<HttpError> {
  const err = await command.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(err)}`);
  return err;
}

test('starts an audit and cancels it without HTTP; the API then shows exactly what the command reads', async () => {
  const started = await startAudit(deps(), ada, auditInput());
  expect(started).toEqual({ id: expect.any(String), workflowId: `audit-${started.id}`, stage: 'selection' });
  await eventually(
    async () => ((await auditState(deps(), started.id)).stage === 'invitations' ? true : undefined),
    'the cohort draw',
  );

  expect(await cancelAudit(deps(), ada, started.id, { reason: 'Started in error' })).toEqual({
    id: started.id,
    stage: 'cancelled',
  });
  const trail = await bed.db.auditTrailEntry.findMany({
    where: { auditId: started.id },
    orderBy: { at: 'asc' },
    select: { action: true, actor: true, actorName: true, actorRole: true, details: true },
  });
  expect(trail.filter((t) => t.actor === ada.actor)).toEqual([
    expect.objectContaining({ action: 'audit.started', actorName: 'Ada Lovelace', actorRole: 'business_unit' }),
    expect.objectContaining({
      action: 'audit.cancelled',
      actorName: 'Ada Lovelace',
      details: { reason: 'Started in error' },
    }),
  ]);

  const overHttp = await http.call('GET', `/api/audits/${started.id}`, { key: KEYS.manager });
  expect(overHttp.status).toBe(200);
  expect(overHttp.body).toEqual(JSON.parse(JSON.stringify(await auditState(deps(), started.id))));
});

test('refuses as the API does: a bad body 400 with its issues, an unknown agency 422, no audit 404, wrong stage 409', async () => {
  const bad = await refusal(startAudit(deps(), ada, { ...auditInput(), focus: '' }));
  expect(bad).toMatchObject({ status: 400, code: 'validation_failed' });
  expect(bad.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['focus'] })]));

  const stranger = '00000000-0000-4000-8000-000000000000';
  const unknown = await refusal(
    startAudit(deps(), ada, { ...auditInput(), candidates: candidates([agencyIds[0]!, stranger]) }),
  );
  expect(unknown).toMatchObject({ status: 422, code: 'unknown_reference' });
  expect(unknown.details).toEqual(
    expect.arrayContaining([{ path: ['candidates', 0, 'agencyIds', 1], message: `unknown agency ${stranger}` }]),
  );

  expect(await refusal(cancelAudit(deps(), ada, stranger, { reason: 'x' }))).toMatchObject({
    status: 404,
    code: 'not_found',
  });
  expect(await refusal(cancelAudit(deps(), ada, 'not-an-id', { reason: 'x' }))).toMatchObject({ status: 404 });

  const { id } = await startAudit(deps(), ada, auditInput());
  await cancelAudit(deps(), ada, id, { reason: 'Duplicate' });
  // The workflow's own refusal, as an HttpError: a page can tell it from a failure.
  expect(await refusal(sendInvitations(deps(), ada, id))).toMatchObject({
    status: 409,
    code: 'wrong_stage',
    message: expect.stringMatching(/stage cancelled/),
  });
  expect(await bed.db.audit.count({ where: { createdBy: ada.actor } })).toBe(2);
});

test("fixes the operator's RETENTION_MONTHS in the audit's timeline as it starts: the purge after sign-off waits on it", async () => {
  const started = await startAudit({ ...deps(), retentionMonths: 6 }, ada, auditInput());
  const history = await bed.env.client.workflow.getHandle(started.workflowId).fetchHistory();
  const [payload] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
  const input = JSON.parse(Buffer.from(payload!.data!).toString()) as DeepDiveAuditInput;
  expect(input.fixedTimeline!.retention).toEqual({ months: 6 });
  await cancelAudit(deps(), ada, started.id, { reason: 'Started in error' });
});

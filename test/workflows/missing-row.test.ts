// A row that is not there (NotFound, Prisma's P2025) fails that one step, visibly to the business unit:
// never the whole audit, and never retried without a sign (PATCHES.stepsFailVisibly). On the
// time-skipping server with the real activities: a step the audit needs is tried again each day, its
// problem shown until it succeeds; an email that cannot be made stays a problem and the stage goes on.
import { randomUUID } from 'node:crypto';
import { openProblems } from '../../api/audit-reads';
import { deadlineSchedule, DEFAULT_TIMELINE } from '../../domain/timeline';
import {
  escalationStateQuery,
  escalationWorkflowId,
  raiseConcernUpdate,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import { untilStage, useAuditBed } from '../support/audit-bed';
import { eventually } from '../support/http';

jest.setTimeout(120_000);

const { bed, startAudit } = useAuditBed('missing-row-test');
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const problemsOf = (auditId: string) => openProblems(bed.db, auditId);
const trailOf = (auditId: string) =>
  bed.db.auditTrailEntry.findMany({ where: { auditId, action: { in: ['step.failed', 'step.recovered'] } } });

it('a step whose row is missing is shown to the business unit and tried daily until the row is there', async () => {
  const { auditId, agencies, handle } = await startAudit(1);
  await untilStage(handle, 'invitations');
  // A concern whose Escalation row is not (yet) there: its escalation cannot open.
  const escalationId = randomUUID();
  await handle.executeUpdate(raiseConcernUpdate, { args: [{ escalationId }] });

  const [problem] = await eventually(
    async () => ((await problemsOf(auditId)).length ? problemsOf(auditId) : undefined),
    'the problem, shown',
  );
  expect(problem).toMatchObject({
    step: 'openEscalation',
    workflowId: escalationWorkflowId(escalationId),
    message: expect.stringContaining(escalationId),
  });
  const escalation = bed.env.client.workflow.getHandle(escalationWorkflowId(escalationId));
  // Neither the escalation nor its audit has failed: both wait.
  expect((await escalation.describe()).status.name).toBe('RUNNING');
  expect((await handle.describe()).status.name).toBe('RUNNING');

  // A day on, still missing: tried again, still the one problem (not one per attempt).
  await bed.env.sleep(DAY + HOUR);
  expect(await problemsOf(auditId)).toHaveLength(1);

  // The row is put back: the next day's attempt opens it, the lead is emailed, the problem is resolved.
  const agency = agencies[0]!;
  await bed.db.escalation.create({
    data: {
      id: escalationId,
      auditId,
      agencyId: agency.id,
      source: 'business_unit',
      concern: 'A child at risk tonight',
    },
  });
  await bed.env.sleep(DAY + HOUR);
  await eventually(async () => ((await problemsOf(auditId)).length === 0 ? true : undefined), 'the problem resolved');
  expect((await escalation.query(escalationStateQuery)).agencyId).toBe(agency.id);
  await eventually(
    () => (bed.catcher.messages().some((m) => m.to.includes(agency.leadEmail)) ? true : undefined),
    'the email to the agency lead',
  );
  expect((await trailOf(auditId)).map((e) => e.action)).toEqual(['step.failed', 'step.recovered']);
});

it('an email that cannot be made stays a problem, and the stage goes on without it', async () => {
  const { auditId, handle } = await startAudit(1);
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(sendInvitationsUpdate);
  const { invitations } = await untilStage(handle, 'awaiting_submissions');
  expect(invitations.length).toBeGreaterThanOrEqual(2);
  const [gone, ...kept] = invitations;
  await bed.db.invitation.delete({ where: { id: gone!.invitationId } });

  // Past the first reminder: the missing invitation's is a problem, the others' go.
  const [firstReminder] = deadlineSchedule(new Date(gone!.dueAt), DEFAULT_TIMELINE.submissions);
  bed.catcher.clear();
  await bed.env.sleep(firstReminder!.at.getTime() - (await bed.env.currentTimeMs()) + HOUR);
  const problems = await eventually(
    async () => ((await problemsOf(auditId)).length ? problemsOf(auditId) : undefined),
    'the problem, shown',
  );
  expect(problems).toEqual([
    expect.objectContaining({
      step: 'email submission_reminder',
      message: expect.stringContaining(gone!.invitationId),
    }),
  ]);
  await eventually(
    () =>
      bed.catcher.messages().filter((m) => m.subject.startsWith('Reminder')).length >= kept.length ? true : undefined,
    'the other invitations’ reminders',
  );

  // The stage goes on: the others are closed and collation comes.
  for (const invitation of kept)
    await bed.db.invitation.update({ where: { id: invitation.invitationId }, data: { status: 'no_involvement' } });
  const cutOff = Date.parse((await untilStage(handle, 'awaiting_submissions')).submissionsCutOffAt!);
  await bed.env.sleep(cutOff - (await bed.env.currentTimeMs()) + HOUR);
  await untilStage(handle, 'collation');
  expect((await handle.describe()).status.name).toBe('RUNNING');
});

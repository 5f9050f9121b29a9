// Stages 2 and 3 — invitations and awaiting submissions — on the time-skipping server with the real
// activities, a real database and a real SMTP catcher. Time moves with env.sleep, never by shortening
// the product's working-day defaults.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { addWorkingDays, isWorkingDay, londonDate } from '../../domain/calendar';
import { deadlineAfter, deadlineSchedule, DEFAULT_TIMELINE } from '../../domain/timeline';
import { tokenHash } from '../../infra/links';
import {
  auditStateQuery,
  extendDeadlineUpdate,
  noInvolvementUpdate,
  replaceCaseUpdate,
  sendInvitationsUpdate,
  submissionReceivedUpdate,
} from '../../workflows/messages';
import { BUSINESS_UNIT_EMAIL } from '../support/activities';
import { type AuditHandle, untilStage, useAuditBed } from '../support/audit-bed';
import { recordHistory } from '../support/histories';
import { eventually } from '../support/http';
import { AGENCIES, IDENTIFIERS } from '../support/fixtures';

jest.setTimeout(120_000);

const { bed, startAudit } = useAuditBed('invitations-test');

/** The notify activities the workflow scheduled, with the (skipped) server time of each. */
async function notificationsSent(handle: AuditHandle) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const attrs = e.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name !== 'notify') return [];
    const payload = attrs.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(payload!).toString()) as {
      key: string;
      notification: { purpose: string; invitationId: string };
    };
    const at = new Date(Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6));
    return [{ ...input.notification, key: input.key, at }];
  });
}

/** What the API does before it tells the workflow: store the agency's submission. */
async function storeSubmission(invitationId: string) {
  // As the API does: the submission and the invitation's status in one go, before the workflow is told.
  await bed.db.$transaction([
    bed.db.submission.create({ data: { invitationId, content: { sections: {} }, submittedAt: new Date() } }),
    bed.db.invitation.update({ where: { id: invitationId }, data: { status: 'submitted' } }),
  ]);
}

describe('invitations', () => {
  it('waits for the business unit, then invites every involved agency for every drawn case, naming no child', async () => {
    bed.catcher.clear();
    const { auditId, handle } = await startAudit(4);
    const drawn = await untilStage(handle, 'invitations');
    expect(drawn.invitations).toEqual([]);

    await handle.executeUpdate(sendInvitationsUpdate);
    const state = await untilStage(handle, 'awaiting_submissions');
    const cases = await bed.db.case.findMany({ where: { auditId, selectedAt: { not: null }, replacedAt: null } });
    const expected = cases.reduce((n, c) => n + c.agencyIds.length, 0);
    expect(state.invitations).toHaveLength(expected);
    expect(new Set(state.invitations.map((i) => `${i.caseId}/${i.agencyId}`)).size).toBe(expected);

    // 15 working days on, at close of business.
    const dueAt = new Date(state.invitations[0]!.dueAt);
    expect(isWorkingDay(londonDate(dueAt))).toBe(true);

    const invitationsSent = bed.catcher.messages().filter((m) => m.subject.includes('please complete an audit tool'));
    expect(invitationsSent).toHaveLength(expected);
    const rows = await bed.db.invitation.findMany({ where: { auditId }, include: { agency: true } });
    for (const row of rows) {
      const mail = invitationsSent.find(
        (m) =>
          m.text.includes(`/respond/`) &&
          m.to.includes(row.agency.contactEmail) &&
          row.tokenHash === tokenHash(m.text.match(/\/respond\/([\w-]+)/)![1]!),
      );
      expect(mail).toBeDefined();
    }
    for (const mail of invitationsSent)
      for (const identifier of IDENTIFIERS) expect(mail.subject + mail.text + mail.html).not.toContain(identifier);
  });

  it('sends the invitations by itself when the two working days of cohort review have passed', async () => {
    const { handle } = await startAudit(2);
    const { startTime: startedAt } = await handle.describe();
    const drawn = await untilStage(handle, 'invitations');
    const sendBy = new Date(drawn.invitationsDueToSendAt!);
    expect(londonDate(sendBy)).toBe(addWorkingDays(londonDate(startedAt), 2));
    await bed.env.sleep(sendBy.getTime() - (await bed.env.currentTimeMs()) - 60_000);
    expect((await handle.query(auditStateQuery)).stage).toBe('invitations');
    await bed.env.sleep(sendBy.getTime() - (await bed.env.currentTimeMs()) + 1000);
    const state = await untilStage(handle, 'awaiting_submissions');
    expect(state.invitations.length).toBeGreaterThan(0);
  });

  it('lets the business unit replace a drawn case before the invitations go, and not after', async () => {
    const { auditId, handle } = await startAudit(2);
    const drawn = await untilStage(handle, 'invitations');
    const spare = await bed.db.case.findFirstOrThrow({ where: { auditId, selectedAt: null } });
    const replaced = drawn.cohort[0]!.caseId;
    const after = await handle.executeUpdate(replaceCaseUpdate, {
      args: [{ caseId: replaced, replacementCaseId: spare.id }],
    });
    expect(after.cohort.map((c) => c.caseId)).toContain(spare.id);
    expect(after.cohort.map((c) => c.caseId)).not.toContain(replaced);
    expect((await bed.db.case.findUniqueOrThrow({ where: { id: replaced } })).replacedAt).not.toBeNull();

    await handle.executeUpdate(sendInvitationsUpdate);
    const state = await untilStage(handle, 'awaiting_submissions');
    expect(state.invitations.some((i) => i.caseId === replaced)).toBe(false);
    expect(state.invitations.some((i) => i.caseId === spare.id)).toBe(true);
    await expect(
      handle.executeUpdate(replaceCaseUpdate, { args: [{ caseId: spare.id, replacementCaseId: replaced }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await recordHistory(handle, 'case-replaced');
  });
});

describe('awaiting submissions', () => {
  it('starts collation as soon as every invitation is submitted or closed, and refuses a second submission', async () => {
    const { handle } = await startAudit(2);
    await untilStage(handle, 'invitations');
    await handle.executeUpdate(sendInvitationsUpdate);
    const { invitations } = await untilStage(handle, 'awaiting_submissions');
    const [closed, ...rest] = invitations;
    expect(
      (await handle.executeUpdate(noInvolvementUpdate, { args: [{ invitationId: closed!.invitationId }] })).status,
    ).toBe('no_involvement');
    for (const invitation of rest) {
      await storeSubmission(invitation.invitationId);
      const result = await handle.executeUpdate(submissionReceivedUpdate, {
        args: [{ invitationId: invitation.invitationId }],
      });
      expect(result).toMatchObject({ status: 'submitted', late: false });
    }
    await untilStage(handle, 'collation');
    await expect(
      handle.executeUpdate(submissionReceivedUpdate, { args: [{ invitationId: rest[0]!.invitationId }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await recordHistory(handle, 'every-invitation-answered');
    expect((await bed.db.invitation.findUniqueOrThrow({ where: { id: closed!.invitationId } })).status).toBe(
      'no_involvement',
    );
  });

  it('reminds, chases and escalates to the agency lead on working days, tells the business unit, and collates at the hard cut-off', async () => {
    const { handle } = await startAudit(1);
    await untilStage(handle, 'invitations');
    await handle.executeUpdate(sendInvitationsUpdate);
    const { invitations } = await untilStage(handle, 'awaiting_submissions');
    const dueAt = new Date(invitations[0]!.dueAt);

    const state = await handle.query(auditStateQuery);
    const cutOff = new Date(state.submissionsCutOffAt!);
    expect(cutOff.getTime()).toBe(deadlineAfter(dueAt, DEFAULT_TIMELINE.hardCutOff).getTime());
    await bed.env.sleep(cutOff.getTime() - (await bed.env.currentTimeMs()) + 60_000);
    await untilStage(handle, 'collation');

    const sent = await notificationsSent(handle);
    const schedule = deadlineSchedule(dueAt, DEFAULT_TIMELINE.submissions);
    for (const invitation of invitations) {
      const mine = sent.filter((s) => s.invitationId === invitation.invitationId);
      const agency = mine.filter((s) => s.purpose.startsWith('submission_')).map((s) => [s.purpose, s.at]);
      expect(agency.map(([p]) => p)).toEqual([
        'submission_reminder',
        'submission_reminder',
        'submission_chaser',
        'submission_chaser',
        'submission_lead_escalation',
      ]);
      // Each at (or within the minute after) its moment on the working-day calendar, on a working day.
      agency.forEach(([, at], i) => {
        const delay = (at as Date).getTime() - schedule[i]!.at.getTime();
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(60_000);
        expect(isWorkingDay(londonDate(at as Date))).toBe(true);
      });
      expect(mine.filter((s) => s.purpose === 'business_unit_overdue')).toHaveLength(3);
    }
    const toBusinessUnit = bed.catcher
      .messages()
      .filter((m) => m.to.includes(BUSINESS_UNIT_EMAIL) && m.subject.startsWith('Overdue'));
    expect(toBusinessUnit.length).toBeGreaterThanOrEqual(3 * invitations.length);
    const leads = bed.catcher.messages().filter((m) => AGENCIES.some((a) => m.to.includes(a.leadEmail)));
    expect(leads.length).toBeGreaterThanOrEqual(invitations.length);

    // A submission after collation has begun is kept and flagged late, and the business unit is told.
    await storeSubmission(invitations[0]!.invitationId);
    const late = await handle.executeUpdate(submissionReceivedUpdate, {
      args: [{ invitationId: invitations[0]!.invitationId }],
    });
    expect(late).toMatchObject({ status: 'submitted', late: true });
    // Recorded and told after the update has answered (PATCHES.handlersReturnAtOnce).
    await eventually(async () => {
      const row = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: invitations[0]!.invitationId } });
      const notices = await notificationsSent(handle);
      return row.late && notices.some((n) => n.purpose === 'business_unit_late_submission') ? true : undefined;
    }, 'the lateness recorded and the business unit told');
    await recordHistory(handle, 'silence-then-late-submission');
  });

  it('moves the reminders and chasers with an extended deadline', async () => {
    const { handle } = await startAudit(1);
    await untilStage(handle, 'invitations');
    await handle.executeUpdate(sendInvitationsUpdate);
    const { invitations } = await untilStage(handle, 'awaiting_submissions');
    const [first] = invitations;
    const extended = deadlineAfter(new Date(first!.dueAt), { workingDays: 5 });
    const moved = await handle.executeUpdate(extendDeadlineUpdate, {
      args: [{ dueAt: extended.toISOString(), invitationId: first!.invitationId }],
    });
    expect(moved).toHaveLength(1);
    await eventually(async () => {
      const row = await bed.db.invitation.findUniqueOrThrow({ where: { id: first!.invitationId } });
      return row.dueAt?.getTime() === extended.getTime() ? true : undefined;
    }, 'the extended deadline in the database');

    // Past the old deadline's first chaser: nothing chases the extended invitation yet.
    const oldChaser = deadlineSchedule(new Date(first!.dueAt), DEFAULT_TIMELINE.submissions).find(
      (s) => s.kind === 'chaser',
    )!;
    await bed.env.sleep(oldChaser.at.getTime() - (await bed.env.currentTimeMs()) + 60_000);
    const sent = await notificationsSent(handle);
    const chasers = sent.filter((s) => s.invitationId === first!.invitationId && s.purpose === 'submission_chaser');
    expect(chasers).toEqual([]);
    expect((await handle.query(auditStateQuery)).stage).toBe('awaiting_submissions');

    // Past the extended deadline's first chaser: it is sent, for the new deadline.
    const newChaser = deadlineSchedule(extended, DEFAULT_TIMELINE.submissions).find((s) => s.kind === 'chaser')!;
    await bed.env.sleep(newChaser.at.getTime() - (await bed.env.currentTimeMs()) + 60_000);
    const later = (await notificationsSent(handle)).filter(
      (s) => s.invitationId === first!.invitationId && s.purpose === 'submission_chaser',
    );
    expect(later).toHaveLength(1);
    expect(later[0]!.key).toContain(extended.toISOString());
    expect(later[0]!.at.getTime()).toBeGreaterThanOrEqual(newChaser.at.getTime());
    await recordHistory(handle, 'deadline-extended');
  });
});

test('the history of a whole invitation round holds no child identifier', async () => {
  const { handle } = await startAudit(4);
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(sendInvitationsUpdate);
  await untilStage(handle, 'awaiting_submissions');
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish()).toString(
    'latin1',
  );
  for (const identifier of [...IDENTIFIERS, '/respond/']) expect(bytes).not.toContain(identifier);
});

test('no email this file sent names a child or carries case content', () => {
  const sent = bed.catcher.messages();
  expect(sent.length).toBeGreaterThan(20);
  for (const mail of sent) {
    for (const identifier of IDENTIFIERS)
      expect(`${mail.subject}\n${mail.text}\n${mail.html}`).not.toContain(identifier);
  }
});

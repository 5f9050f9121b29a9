// Stages 6–8 — the report, practitioner approval and LIS sign-off — on the time-skipping server with the
// real activities, a real database and a real SMTP catcher. Time moves with env.sleep, never by
// shortening the product's working-day defaults.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { addDays, addWorkingDays, atLondonTime, isWorkingDay, londonDate, weekday } from '../../domain/calendar';
import { deadlineAfter, deadlineSchedule, DEFAULT_TIMELINE } from '../../domain/timeline';
import { tokenHash } from '../../infra/links';
import {
  approvalDecisionUpdate,
  auditStateQuery,
  type AuditState,
  sendInvitationsUpdate,
} from '../../workflows/messages';
import { LIS_EMAIL } from '../support/activities';
import { type AuditHandle, untilStage, useAuditBed } from '../support/audit-bed';
import { recordHistory } from '../support/histories';
import { lifecycle } from '../support/lifecycle';

jest.setTimeout(90_000);

const { bed, startAudit } = useAuditBed('approval-test');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Sent = { purpose: string; key: string; at: Date; approvalId?: string; reportVersionId?: string; n?: number };

/** The activities of one type the workflow scheduled, with their inputs and the (skipped) server time of each. */
async function scheduled(handle: AuditHandle, activity: string) {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const attrs = e.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name !== activity) return [];
    const payload = attrs.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(payload!).toString());
    const at = new Date(Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6));
    return [{ input, at }];
  });
}

/** The notify activities the workflow scheduled, with the (skipped) server time of each. */
async function notificationsSent(handle: AuditHandle): Promise<Sent[]> {
  return (await scheduled(handle, 'notify')).map(({ input, at }) => ({ ...input.notification, key: input.key, at }));
}

/** Polls until `found()` holds at least `n` items (the workflow and its activities may still be running). */
async function atLeast<T>(n: number, found: () => T[] | Promise<T[]>): Promise<T[]> {
  let items = await found();
  for (let i = 0; i < 100 && items.length < n; i++) {
    await new Promise((r) => setTimeout(r, 100));
    items = await found();
  }
  return items;
}

/** The caught emails carrying the link of one approval (its token's hash is on the row). */
async function approvalMails(approvalId: string) {
  const row = await bed.db.approval.findUniqueOrThrow({ where: { id: approvalId } });
  return bed.catcher.messages().filter((m) => {
    const token = /\/approve\/([\w-]+)/.exec(m.text)?.[1];
    return token !== undefined && tokenHash(token) === row.tokenHash;
  });
}

/** Starts an audit and takes it, as the API would, to practitioner approval of version 1. */
async function reachApproval(cohortSize = 4) {
  const { auditId, agencies, handle } = await startAudit(cohortSize);
  const api = lifecycle(bed.db, bed.env.client, handle);
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(sendInvitationsUpdate);
  await untilStage(handle, 'awaiting_submissions');
  await api.submitAll();
  await untilStage(handle, 'collation');
  const meeting = new Date((await bed.env.currentTimeMs()) + HOUR);
  await api.scheduleDiscussion(auditId, meeting);
  await untilStage(handle, 'discussion');
  await bed.env.sleep(HOUR + MINUTE);
  const owner = agencies[0]!.id;
  await api.recordOutcome(auditId, {
    urgentActions: [],
    recommendations: [{ ownerAgencyId: owner, dueAt: new Date((await bed.env.currentTimeMs()) + 400 * DAY) }],
    concerns: [],
  });
  await untilStage(handle, 'report');
  const versionId = await api.submitReport(auditId);
  const state = await untilStage(handle, 'practitioner_approval');
  expect(state.reportVersions.map((v) => v.reportVersionId)).toEqual([versionId]);
  return { auditId, agencies, handle, api, versionId, state };
}

const approvalsOf = (state: AuditState, version: number) =>
  state.reportVersions.find((v) => v.version === version)!.approvals;

test('changes requested send the report back; version 2 gets approvals of its own, and a version-1 decision is refused', async () => {
  const { auditId, handle, api, versionId: v1Id, state: circulating } = await reachApproval();
  const v1 = approvalsOf(circulating, 1);
  // Four cases over three agencies: every agency took part (there are only three even-numbered candidates).
  expect(v1).toHaveLength(3);
  const [approving, asking, silent] = v1;

  await api.decide(approving!.approvalId, 'approved');
  await api.decide(asking!.approvalId, 'changes_requested');
  const back = await untilStage(handle, 'report');
  expect(approvalsOf(back, 1).map((a) => [a.approvalId, a.status])).toEqual([
    [approving!.approvalId, 'approved'],
    [asking!.approvalId, 'changes_requested'],
    [silent!.approvalId, 'superseded'],
  ]);
  const v1Rows = await bed.db.approval.findMany({ where: { reportVersionId: v1Id } });
  const row = (id: string) => v1Rows.find((r) => r.id === id)!;
  expect(row(silent!.approvalId).supersededAt).not.toBeNull();
  expect(row(silent!.approvalId).decision).toBeNull();
  expect(row(approving!.approvalId)).toMatchObject({ decision: 'approved', supersededAt: null });
  expect(row(asking!.approvalId)).toMatchObject({ decision: 'changes_requested', supersededAt: null });
  // Back at the report stage, no decision is taken at all.
  await expect(
    handle.executeUpdate(approvalDecisionUpdate, { args: [{ approvalId: silent!.approvalId, decision: 'approved' }] }),
  ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

  // Version 2: new Approval rows of its own, each asked for by email naming version 2.
  const v2Id = await api.submitReport(auditId);
  const second = await untilStage(handle, 'practitioner_approval');
  expect(second.reportVersions.map((v) => [v.reportVersionId, v.version])).toEqual([
    [v1Id, 1],
    [v2Id, 2],
  ]);
  const v2 = approvalsOf(second, 2);
  expect(v2.map((a) => a.agencyId)).toEqual(v1.map((a) => a.agencyId));
  expect(v2.every((a) => a.status === 'pending')).toBe(true);
  const v1Ids = new Set(v1.map((a) => a.approvalId));
  for (const a of v2) expect(v1Ids.has(a.approvalId)).toBe(false);
  const v2Rows = await bed.db.approval.findMany({ where: { reportVersionId: v2Id }, include: { reportVersion: true } });
  expect(v2Rows.map((r) => r.id).sort()).toEqual(v2.map((a) => a.approvalId).sort());
  for (const r of v2Rows) expect(r).toMatchObject({ decision: null, supersededAt: null });
  const agencies = await bed.db.agency.findMany({ where: { id: { in: v2.map((a) => a.agencyId) } } });
  for (const a of v2) {
    const [mail, ...more] = await atLeast(1, () => approvalMails(a.approvalId));
    expect(more).toEqual([]);
    expect(mail!.subject).toMatch(/^Please approve/);
    expect(mail!.text).toContain('version 2');
    expect(mail!.to).toEqual([agencies.find((g) => g.id === a.agencyId)!.contactEmail]);
  }
  // Version 1's links are not version 2's: each version-1 approval's mails still say version 1.
  for (const a of v1) for (const m of await approvalMails(a.approvalId)) expect(m.text).toContain('version 1');

  // A decision on a version-1 approval is refused while version 2 circulates.
  const stale = await handle
    .executeUpdate(approvalDecisionUpdate, { args: [{ approvalId: silent!.approvalId, decision: 'approved' }] })
    .catch((e: unknown) => e);
  expect(stale).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((stale as WorkflowUpdateFailedError).cause?.message).toMatch(/not of the version being circulated/);
  expect((await handle.query(auditStateQuery)).stage).toBe('practitioner_approval');

  await api.approveAll();
  const signing = await untilStage(handle, 'lis_signoff');
  expect(approvalsOf(signing, 2).every((a) => a.status === 'approved')).toBe(true);
  const signOff = await atLeast(1, async () =>
    (await notificationsSent(handle)).filter((s) => s.purpose === 'lis_signoff_request'),
  );
  expect(signOff.map((s) => s.reportVersionId)).toEqual([v2Id]);
});

test('silence is reminded, chased and escalated to the agency lead on working days over Christmas, and never counts as approval', async () => {
  // Circulate on 14 December: the 10 working days run over Christmas and Boxing Day.
  const now = await bed.env.currentTimeMs();
  let year = Number(londonDate(new Date(now)).slice(0, 4));
  if (atLondonTime(`${year}-12-14`, 8).getTime() - now < DAY) year++;
  await bed.env.sleep(atLondonTime(`${year}-12-14`, 8).getTime() - now);
  bed.catcher.clear();

  const { handle, api, state } = await reachApproval();
  const approvals = approvalsOf(state, 1);
  const [circulated] = await scheduled(handle, 'openApprovals');
  const circulatedOn = londonDate(circulated!.at);
  expect(circulatedOn).toBe(`${year}-12-14`);

  // Due at close of business 10 working days on, counted past the Christmas bank holidays.
  const dueAt = new Date(approvals[0]!.dueAt);
  for (const a of approvals) expect(a.dueAt).toBe(dueAt.toISOString());
  expect(dueAt.getTime()).toBe(deadlineAfter(circulated!.at, DEFAULT_TIMELINE.approval.window).getTime());
  expect(londonDate(dueAt)).toBe(addWorkingDays(circulatedOn, 10));
  expect(dueAt.getTime()).toBe(atLondonTime(londonDate(dueAt), 17).getTime());
  const christmas = `${year}-12-25`;
  expect(isWorkingDay(christmas)).toBe(false);
  expect(londonDate(dueAt) > christmas).toBe(true);
  let weekdaysOnly = circulatedOn;
  for (let n = 10; n > 0;) {
    weekdaysOnly = addDays(weekdaysOnly, 1);
    if (weekday(weekdaysOnly) % 6 !== 0) n--;
  }
  expect(londonDate(dueAt) > weekdaysOnly).toBe(true);

  // One agency approves at once; the other two stay silent.
  const [approver, ...silent] = approvals;
  await api.decide(approver!.approvalId, 'approved');
  const agencies = await bed.db.agency.findMany({ where: { id: { in: approvals.map((a) => a.agencyId) } } });
  const agencyOf = (agencyId: string) => agencies.find((g) => g.id === agencyId)!;

  const schedule = deadlineSchedule(dueAt, DEFAULT_TIMELINE.approval);
  expect(schedule.map((m) => `${m.kind}/${m.n}`)).toEqual([
    'reminder/1',
    'reminder/2',
    'chaser/1',
    'chaser/2',
    'lead_escalation/1',
  ]);
  // Counted by hand on a wall calendar, for the years this test will run in.
  const byHand = HAND_COUNTED[year];
  if (byHand) expect([dueAt, ...schedule.map((m) => m.at)].map(londonDate)).toEqual(byHand);
  const purposeOf = {
    reminder: 'approval_request',
    chaser: 'approval_chaser',
    lead_escalation: 'approval_lead_escalation',
  };
  const forSilent = async () =>
    (await notificationsSent(handle)).filter((s) => silent.some((a) => a.approvalId === s.approvalId));
  // Step through each moment: nothing a minute before it, both silent agencies' emails a minute after.
  for (const moment of schedule) {
    const purpose = purposeOf[moment.kind];
    const ofMoment = (s: Sent) => s.purpose === purpose && (moment.kind === 'lead_escalation' || s.n === moment.n);
    await bed.env.sleep(moment.at.getTime() - (await bed.env.currentTimeMs()) - MINUTE);
    expect((await forSilent()).filter(ofMoment)).toEqual([]);
    await bed.env.sleep(2 * MINUTE);
    const sent = (await atLeast(2, forSilent)).filter(ofMoment);
    expect(sent).toHaveLength(2);
    // On the working day the calendar gives, counted from the due date, at 09:00 London (or within the minute).
    const plan = DEFAULT_TIMELINE.approval;
    const offset =
      moment.kind === 'reminder'
        ? -wd(plan.remindersBefore[moment.n - 1])
        : moment.kind === 'chaser'
          ? wd(plan.chasersAfter[moment.n - 1])
          : wd(plan.leadEscalationAfter);
    const day = addWorkingDays(londonDate(dueAt), offset);
    expect(moment.at.getTime()).toBe(atLondonTime(day, 9).getTime());
    expect(moment.at < dueAt).toBe(moment.kind === 'reminder');
    for (const s of sent) {
      expect(londonDate(s.at)).toBe(day);
      expect(isWorkingDay(londonDate(s.at))).toBe(true);
      expect(s.at.getTime() - moment.at.getTime()).toBeGreaterThanOrEqual(0);
      expect(s.at.getTime() - moment.at.getTime()).toBeLessThan(MINUTE);
    }
    expect((await handle.query(auditStateQuery)).stage).toBe('practitioner_approval');
  }

  // Weeks after the lead was told: still waiting for the practitioners, nothing more sent, nothing to the LIS.
  await bed.env.sleep(4 * 7 * DAY);
  const after = await handle.query(auditStateQuery);
  expect(after.stage).toBe('practitioner_approval');
  expect(approvalsOf(after, 1).map((a) => a.status)).toEqual(['approved', 'pending', 'pending']);
  const all = await notificationsSent(handle);
  expect(all.some((s) => s.purpose === 'lis_signoff_request')).toBe(false);
  expect(all.filter((s) => s.approvalId === approver!.approvalId).map((s) => `${s.purpose}/${s.n}`)).toEqual([
    'approval_request/0',
  ]);
  for (const a of silent) {
    const mine = all.filter((s) => s.approvalId === a.approvalId);
    expect(mine.map((s) => `${s.purpose}/${s.n ?? '-'}`)).toEqual([
      'approval_request/0',
      'approval_request/1',
      'approval_request/2',
      'approval_chaser/1',
      'approval_chaser/2',
      'approval_lead_escalation/-',
    ]);
    // Reminders and chasers to the agency's contact, the escalation to its lead, all with the approval's link.
    const { contactEmail, leadEmail } = agencyOf(a.agencyId);
    const mails = await atLeast(6, () => approvalMails(a.approvalId));
    const to = (subject: RegExp) => mails.filter((m) => subject.test(m.subject)).map((m) => m.to);
    expect(to(/^Please approve/)).toEqual([[contactEmail], [contactEmail], [contactEmail]]);
    expect(to(/^Overdue:/)).toEqual([[contactEmail], [contactEmail]]);
    expect(to(/^Escalation: approval from/)).toEqual([[leadEmail]]);
    expect(mails).toHaveLength(6);
  }
  expect(await approvalMails(approver!.approvalId)).toHaveLength(1);
  expect(bed.catcher.messages().filter((m) => m.subject.startsWith('For LIS sign-off'))).toEqual([]);
  expect(bed.catcher.messages().some((m) => m.to.includes(LIS_EMAIL))).toBe(false);
});

test('the LIS returns the report to the business unit; a new version is approved and signed off, once', async () => {
  const { auditId, handle, api, versionId: v1Id } = await reachApproval();
  await api.approveAll();
  await untilStage(handle, 'lis_signoff');

  await api.lisDecide(auditId, 'returned');
  const back = await untilStage(handle, 'report');
  expect(back.lisDecisions).toEqual([expect.objectContaining({ reportVersionId: v1Id, decision: 'returned' })]);
  const returned = await bed.db.lisDecision.findFirstOrThrow({ where: { auditId, reportVersionId: v1Id } });
  expect(returned).toMatchObject({ decision: 'returned', id: back.lisDecisions[0]!.lisDecisionId });
  expect(returned.acceptedAt).not.toBeNull();
  // The returned version cannot be decided on again.
  await expect(api.lisDecide(auditId, 'approved')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  expect((await handle.query(auditStateQuery)).lisDecisions).toHaveLength(1);

  const v2Id = await api.submitReport(auditId);
  const circulating = await untilStage(handle, 'practitioner_approval');
  expect(circulating.reportVersions.map((v) => v.version)).toEqual([1, 2]);
  expect(approvalsOf(circulating, 1).every((a) => a.status === 'approved')).toBe(true);
  await api.approveAll();
  await untilStage(handle, 'lis_signoff');
  await api.lisDecide(auditId, 'approved');
  const following = await untilStage(handle, 'action_follow_up');
  expect(following.lisDecisions.map((d) => [d.reportVersionId, d.decision])).toEqual([
    [v1Id, 'returned'],
    [v2Id, 'approved'],
  ]);
  expect(following.briefingPublishedAt).toBeDefined();
  await bed.db.briefing.findUniqueOrThrow({ where: { auditId } });
  const accepted = await bed.db.lisDecision.findMany({ where: { auditId, acceptedAt: { not: null } } });
  expect(accepted).toHaveLength(2);

  // A second decision on the approved version is refused, and the workflow never takes its row.
  await expect(api.lisDecide(auditId, 'returned')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  const state = await handle.query(auditStateQuery);
  expect(state.stage).toBe('action_follow_up');
  expect(state.lisDecisions).toHaveLength(2);
  expect(await bed.db.lisDecision.count({ where: { auditId, acceptedAt: null } })).toBe(2);

  await recordHistory(handle, 'report-returned-by-lis');
});

/** Due date, reminders (3 and 1 working days before), chasers (1 and 3 after), lead escalation (5 after). */
const HAND_COUNTED: Record<number, string[]> = {
  // Christmas Fri 25, Boxing Day (Sat) observed Mon 28 December; New Year's Day Fri 1 January.
  2026: ['2026-12-30', '2026-12-23', '2026-12-29', '2026-12-31', '2027-01-05', '2027-01-07'],
  // Christmas (Sat) observed Mon 27, Boxing Day (Sun) Tue 28 December; New Year's Day (Sat) Mon 3 January.
  2027: ['2027-12-30', '2027-12-23', '2027-12-29', '2027-12-31', '2028-01-05', '2028-01-07'],
};

const wd = (span: unknown) => (span as { workingDays: number }).workingDays;

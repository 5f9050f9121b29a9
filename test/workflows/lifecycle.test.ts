// The whole audit on the time-skipping server with the real activities, a real database and a real SMTP
// catcher: four cases with three to six agencies each, every stage from the draw to completion, two
// actions closed in different quarters. Time moves with env.sleep, never by shortening the defaults.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { nthAfter, DEFAULT_TIMELINE, shift } from '../../domain/timeline';
import { tokenHash } from '../../infra/links';
import { actionWorkflowId, escalationWorkflowId, sendInvitationsUpdate } from '../../workflows/messages';
import { BUSINESS_UNIT_EMAIL, LIS_EMAIL } from '../support/activities';
import { untilStage, useAuditBed } from '../support/audit-bed';
import { IDENTIFIERS } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { eventually } from '../support/http';
import { evidencePack } from '../../api/evidence';
import { briefingPage } from '../../api/views/briefing';
import { renderPage } from '../../api/views/layout';
import { viewBriefing } from '../../api/routers/briefings';
import {
  closeAction,
  lifecycle,
  OUTCOME_TEXT,
  REPORT_TEXT,
  reportProgress,
  SUBMISSION_TEXT,
} from '../support/lifecycle';

jest.setTimeout(240_000);

const { bed, startAudit } = useAuditBed('lifecycle-test');
const DAY = 24 * 3600 * 1000;

test('an audit runs from the draw to completion and its retention purge, and no workflow history holds a child identifier or case content', async () => {
  bed.catcher.clear();
  const { auditId, handle } = await startAudit(4, { sixAgencies: true });
  const api = lifecycle(bed.db, bed.env.client, handle);

  // Selection → invitations: four cases, each involving three to six agencies.
  await untilStage(handle, 'invitations');
  await handle.executeUpdate(sendInvitationsUpdate);
  const awaiting = await untilStage(handle, 'awaiting_submissions');
  expect(awaiting.cohort).toHaveLength(4);
  const perCase = awaiting.cohort.map((c) => awaiting.invitations.filter((i) => i.caseId === c.caseId).length);
  for (const n of perCase) expect(n).toBeGreaterThanOrEqual(3);
  for (const n of perCase) expect(n).toBeLessThanOrEqual(6);
  expect(new Set(perCase).size).toBeGreaterThan(1);

  // Every agency submits: collation waits for a discussion date, then circulates the pack with it.
  await api.submitAll();
  const collating = await untilStage(handle, 'collation');
  expect(collating.packCirculatedAt).toBeUndefined();
  const start = new Date((await handle.describe()).startTime);
  const meeting = new Date(start.getTime() + 10 * DAY);
  await api.scheduleDiscussion(auditId, meeting);
  const discussing = await untilStage(handle, 'discussion');
  expect(discussing.discussionAt).toBe(meeting.toISOString());
  const agencies = [...new Set(awaiting.invitations.map((i) => i.agencyId))];
  const packs = bed.catcher.messages().filter((m) => m.subject.includes('collated audit tools'));
  expect(packs).toHaveLength(agencies.length);
  const packLinks = await bed.db.packLink.findMany({ where: { auditId } });
  expect(packLinks).toHaveLength(agencies.length);
  for (const mail of packs) {
    const token = mail.text.match(/\/pack\/([\w-]+)/)![1]!;
    expect(packLinks.map((l) => l.tokenHash)).toContain(tokenHash(token));
  }

  // An outcome for a meeting still in the future is refused; after it, it is taken.
  const [owner, otherOwner] = agencies;
  const outcome = {
    urgentActions: [{ ownerAgencyId: owner!, dueAt: new Date(start.getTime() + 400 * DAY) }],
    recommendations: [{ ownerAgencyId: otherOwner!, dueAt: new Date(start.getTime() + 400 * DAY) }],
    concerns: [{ caseRef: 'NYC-4711' }],
  };
  const early = await api.recordOutcome(auditId, outcome).catch((e: unknown) => e);
  expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((early as WorkflowUpdateFailedError).cause?.message).toMatch(/once it has been held/);
  await bed.env.sleep(11 * DAY);
  const recorded = await api.recordOutcome(auditId, outcome);
  expect(recorded.actions.map((a) => a.number)).toEqual([1, 2]);
  expect(recorded.escalations).toHaveLength(1);
  // The concern's urgent escalation is acknowledged by the lead (its own lifecycle has its own tests).
  await api.acknowledge(recorded.escalations[0]!);

  // Report → practitioner approval: one approval per agency that submitted, attached to version 1.
  await untilStage(handle, 'report');
  const versionId = await api.submitReport(auditId);
  const approving = await untilStage(handle, 'practitioner_approval');
  expect(approving.reportVersions).toHaveLength(1);
  expect(approving.reportVersions[0]!.reportVersionId).toBe(versionId);
  expect(approving.reportVersions[0]!.approvals.map((a) => a.agencyId).sort()).toEqual([...agencies].sort());
  expect(await mails('Please approve', agencies.length)).toHaveLength(agencies.length);
  await api.approveAll();

  // LIS sign-off → the briefing is published and every participating agency told.
  await untilStage(handle, 'lis_signoff');
  expect((await mails('For LIS sign-off', 1)).map((m) => m.to)).toEqual([[LIS_EMAIL]]);
  await api.lisDecide(auditId, 'approved');
  const following = await untilStage(handle, 'action_follow_up');
  expect(following.briefingPublishedAt).toBeDefined();
  const briefing = await bed.db.briefing.findUniqueOrThrow({ where: { auditId } });
  expect(bed.catcher.messages().filter((m) => m.subject.startsWith('7 Point Briefing published'))).toHaveLength(
    agencies.length,
  );
  expect(bed.catcher.messages().some((m) => m.text.includes(`/briefings/${briefing.slug}`))).toBe(true);
  // The published page: the seven points from the approved report, and no identifier.
  const page = renderPage(briefingPage(await viewBriefing(bed.db, briefing.slug)));
  expect(page).toContain('7 Point Briefing: Child exploitation');
  expect(page).toContain(REPORT_TEXT);
  for (const identifier of IDENTIFIERS) expect(page).not.toContain(identifier);

  // Action follow-up: each quarter a progress request per open action and a summary to the LIS.
  const from = new Date(following.followUpFrom!);
  const [first, second] = following.actions;
  const quarter = (n: number) => nthAfter(from, DEFAULT_TIMELINE.followUpInterval, n).getTime();
  await bed.env.sleep(quarter(1) - from.getTime() + DAY);
  expect(await bed.db.actionProgress.count({ where: { action: { auditId } } })).toBe(2);
  await reportProgress(bed.db, bed.env.client, first!.actionId, 'complete');
  await closeAction(bed.env.client, first!.actionId);
  // The close answers at once; the follow-up tells the audit after it (PATCHES.handlersReturnAtOnce).
  let state = await eventually(async () => {
    const now = await api.state();
    return now.actions.find((a) => a.actionId === first!.actionId)?.status === 'closed' ? now : undefined;
  }, 'the close, told to the audit');
  expect(state.actions.find((a) => a.actionId === first!.actionId)).toMatchObject({
    status: 'closed',
    rag: 'complete',
  });
  expect(state.actions.find((a) => a.actionId === second!.actionId)).toMatchObject({
    status: 'open',
    progressRequests: 1,
  });

  await bed.env.sleep(quarter(2) - quarter(1));
  // Time-skipped: the second quarter's request went to the open action only.
  await untilProgressRequests(3);
  await reportProgress(bed.db, bed.env.client, second!.actionId, 'green');
  await closeAction(bed.env.client, second!.actionId);
  state = await untilStage(handle, 'completed');
  expect(state.actions.every((a) => a.status === 'closed')).toBe(true);

  // Exactly three progress requests (one for the action closed in quarter 1, two for the one closed in
  // quarter 2), two LIS summaries, and the completion to the business unit and the LIS.
  const progressMails = bed.catcher.messages().filter((m) => m.subject.startsWith('Quarterly progress: action'));
  expect(progressMails).toHaveLength(3);
  expect(await bed.db.actionProgress.count({ where: { action: { auditId } } })).toBe(3);
  expect(bed.catcher.messages().filter((m) => m.subject.startsWith('Quarterly action progress'))).toHaveLength(2);
  const completed = await mails('Child exploitation deep dive completed', 2);
  expect(completed.flatMap((m) => m.to).sort()).toEqual([BUSINESS_UNIT_EMAIL, LIS_EMAIL].sort());
  expect((await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } })).stage).toBe('completed');

  // Privacy: every workflow this audit ran — the audit, its escalation, its actions' follow-ups.
  const workflowIds = [
    handle.workflowId,
    escalationWorkflowId(recorded.escalations[0]!),
    ...state.actions.map((a) => actionWorkflowId(a.actionId)),
  ];
  // The discussion's place is the business unit's free text: in its emails, never in Temporal.
  const forbidden = [...IDENTIFIERS, SUBMISSION_TEXT, OUTCOME_TEXT, REPORT_TEXT];
  for (const id of workflowIds) {
    const history = await bed.env.client.workflow.getHandle(id).fetchHistory();
    const text = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('utf8');
    expect(text.length).toBeGreaterThan(1000);
    for (const needle of [...forbidden, 'Room 4', 'County Hall']) expect(text).not.toContain(needle);
  }
  // Nor in any email.
  for (const mail of bed.catcher.messages())
    for (const needle of forbidden) expect(mail.subject + mail.text + mail.html).not.toContain(needle);

  // The evidence pack: the whole story, anonymised — before the purge and after it alike.
  const evidence = async () => {
    const pack = await evidencePack(bed.db, auditId);
    const text = JSON.stringify(pack);
    // The report's own words are anonymised (they passed the check): the rest must not be there.
    for (const needle of forbidden.filter((n) => n !== REPORT_TEXT)) expect(text).not.toContain(needle);
    expect(pack.cohort.cases).toHaveLength(4);
    expect(pack.invitations).toHaveLength(awaiting.invitations.length);
    expect(pack.reportVersions.map((v) => v.approvals.every((a) => a.decision === 'approved'))).toEqual([true]);
    expect(pack.lisDecisions.map((d) => d.decision)).toEqual(['approved']);
    expect(pack.actions.map((a) => [a.status, a.quarters.length])).toEqual([
      ['closed', 1],
      ['closed', 2],
    ]);
    expect(pack.briefing?.url).toContain(briefing.slug);
    return pack;
  };
  const before = await evidence();
  expect(before.actions[0]!.description).toBe(OUTCOME_TEXT.replace('Tobiah Quixleworth', '[redacted]'));

  // Retention: twelve months after sign-off (PATCHES.purgeAfterSignOff), not after completion, the
  // identifiable tier goes; the anonymised tier stays. Completed within two quarters, it waits for that.
  const completedState = await api.state();
  expect(completedState.purgeAt).toBe(
    shift(new Date(completedState.followUpFrom!), DEFAULT_TIMELINE.retention, 1).toISOString(),
  );
  expect(completedState.purgedAt).toBeUndefined();
  expect(before.retention).toEqual({ purgedAt: null });
  const final = await handle.result();
  expect(final.purgedAt).toBeDefined();
  const cases = await bed.db.case.findMany({ where: { auditId } });
  expect(cases.every((c) => c.childName === null && c.childDob === null && c.childLocalId === null)).toBe(true);
  expect(cases.map((c) => c.caseRef).join(' ')).not.toMatch(/NYC-/);
  expect(await bed.db.submission.count({ where: { invitation: { auditId } } })).toBe(0);
  expect((await bed.db.escalation.findMany({ where: { auditId } })).map((e) => e.concern)).toEqual(['[purged]']);
  expect(JSON.stringify((await bed.db.outcome.findUniqueOrThrow({ where: { auditId } })).content)).not.toContain(
    OUTCOME_TEXT,
  );
  expect(await bed.db.reportVersion.count({ where: { auditId } })).toBe(1);
  expect(await bed.db.briefing.count({ where: { auditId } })).toBe(1);
  expect(await bed.db.action.count({ where: { auditId, status: 'closed' } })).toBe(2);
  expect(await bed.db.actionProgress.count({ where: { action: { auditId }, reportedAt: { not: null } } })).toBe(2);
  expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'retention.purged' } })).toBe(1);
  const after = await evidence();
  expect(after.trail.map((t) => t.action)).toContain('retention.purged');
  expect(after.retention).toEqual({ purgedAt: final.purgedAt });

  await recordHistory(handle, 'audit-completed');
  await recordHistory(
    bed.env.client.workflow.getHandle(actionWorkflowId(second!.actionId)),
    'action-closed-in-quarter-2',
  );

  /** The messages whose subject starts so, once there are at least n (the workflow may still be sending). */
  async function mails(subject: string, n: number) {
    const found = () => bed.catcher.messages().filter((m) => m.subject.startsWith(subject));
    for (let i = 0; i < 100 && found().length < n; i++) await new Promise((r) => setTimeout(r, 100));
    return found();
  }

  async function untilProgressRequests(n: number) {
    for (let i = 0; i < 100 && (await bed.db.actionProgress.count({ where: { action: { auditId } } })) < n; i++)
      await new Promise((r) => setTimeout(r, 100));
  }
});

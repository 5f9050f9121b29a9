// Stages 6–8 — the report, practitioner approval and LIS sign-off. Each submitted version is circulated
// at once to every practitioner who took part; approvals attach to that version, silence is chased and
// escalated to the agency lead and never counts as approval. Changes requested, or the LIS returning
// the report, send it back to the business unit for a new version.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { deadlineAfter, deadlineSchedule, type Timeline } from '../domain/timeline';
import { DATABASE_ACTIVITY } from './activity-options';
import type { ApprovalState, AuditState, ReportVersionState } from './messages';
import { tell } from './notify';
import { steady } from './steps';

const { openApprovals, supersedeApprovals, publishBriefing, participatingAgencies } = steady(
  proxyActivities<Activities>(DATABASE_ACTIVITY),
);

export const latestVersion = (state: AuditState): ReportVersionState | undefined => state.reportVersions.at(-1);

export type ApprovalResult = 'approved' | 'changes_requested' | 'cancelled';

/** Opens the latest version's approvals, one per practitioner who took part, all due on one day. */
export async function openVersion(state: AuditState, timeline: Timeline): Promise<void> {
  const version = latestVersion(state)!;
  const dueAt = deadlineAfter(new Date(), timeline.approval.window).toISOString();
  const opened = await openApprovals({ auditId: state.auditId, reportVersionId: version.reportVersionId, dueAt });
  version.version = opened.version;
  version.approvals = opened.approvals.map((a) => ({ ...a, status: 'pending' }));
}

/** Circulates the opened version and waits until every practitioner has approved it, or one asks for changes. */
export async function seekApproval(state: AuditState, timeline: Timeline): Promise<ApprovalResult> {
  const version = latestVersion(state)!;
  await Promise.all(
    version.approvals.map((a) => tell(state.auditId, { purpose: 'approval_request', approvalId: a.approvalId, n: 0 })),
  );

  const pending = () => version.approvals.filter((a) => a.status === 'pending');
  const asked = () => version.approvals.some((a) => a.status === 'changes_requested');
  const sent = new Set<string>();
  for (;;) {
    if (state.cancelled) return 'cancelled';
    if (asked()) {
      await supersedeApprovals({ reportVersionId: version.reportVersionId });
      for (const a of pending()) a.status = 'superseded';
      return 'changes_requested';
    }
    if (pending().length === 0) return 'approved';

    const now = Date.now();
    let next = Infinity;
    const due: Promise<void>[] = [];
    for (const approval of pending()) {
      for (const moment of deadlineSchedule(new Date(approval.dueAt), timeline.approval)) {
        const key = `${approval.approvalId}/${moment.kind}/${moment.n}`;
        if (sent.has(key)) continue;
        if (moment.at.getTime() > now) {
          next = Math.min(next, moment.at.getTime());
          continue;
        }
        sent.add(key);
        due.push(chase(state.auditId, approval, moment.kind, moment.n));
      }
    }
    // Taken before the chases go: a decision that lands while they are being sent must wake the loop.
    const before = JSON.stringify(version.approvals);
    await Promise.all(due);
    const changed = () => state.cancelled || JSON.stringify(version.approvals) !== before;
    // After the lead has been told, silence is left to the business unit: it is never taken as approval.
    if (next === Infinity) await condition(changed);
    else await condition(changed, Math.max(0, next - Date.now()));
  }
}

function chase(auditId: string, approval: ApprovalState, kind: 'reminder' | 'chaser' | 'lead_escalation', n: number) {
  const { approvalId } = approval;
  switch (kind) {
    case 'reminder':
      return tell(auditId, { purpose: 'approval_request', approvalId, n });
    case 'chaser':
      return tell(auditId, { purpose: 'approval_chaser', approvalId, n });
    case 'lead_escalation':
      return tell(auditId, { purpose: 'approval_lead_escalation', approvalId });
  }
}

/** The LIS is asked to sign the approved version off; resolves with its decision. */
export async function seekSignOff(state: AuditState): Promise<'approved' | 'returned' | 'cancelled'> {
  const version = latestVersion(state)!;
  await tell(state.auditId, { purpose: 'lis_signoff_request', reportVersionId: version.reportVersionId });
  const decided = () => state.lisDecisions.find((d) => d.reportVersionId === version.reportVersionId);
  await condition(() => state.cancelled || !!decided());
  return state.cancelled ? 'cancelled' : decided()!.decision;
}

/** On LIS approval: the 7 Point Briefing is made and published, and every participating agency told. */
export async function publish(state: AuditState): Promise<void> {
  const version = latestVersion(state)!;
  const { publishedAt } = await publishBriefing({ auditId: state.auditId, reportVersionId: version.reportVersionId });
  const agencyIds = await participatingAgencies({ auditId: state.auditId });
  await Promise.all(agencyIds.map((agencyId) => tell(state.auditId, { purpose: 'briefing_published', agencyId })));
  state.briefingPublishedAt = publishedAt;
}

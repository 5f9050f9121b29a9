// Stage 3 — awaiting submissions: every open invitation has its deadline, with reminders before it,
// chasers after it and an escalation to the agency lead, the business unit told of each. Collation
// starts when every invitation is submitted or closed, or at the hard cut-off after the last deadline.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { deadlineAfter, deadlineSchedule, type Timeline } from '../domain/timeline';
import { ON_CANCEL } from './activity-options';
import type { AuditState, InvitationState } from './messages';
import { tell } from './notify';
import { steady } from './steps';

export const { recordDeadlines } = steady(
  proxyActivities<Activities>({
    ...ON_CANCEL,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  }),
);

export function cutOffAt(state: AuditState, timeline: Timeline): Date {
  const lastDeadline = Math.max(...state.invitations.map((i) => Date.parse(i.dueAt)));
  return deadlineAfter(new Date(lastDeadline), timeline.hardCutOff);
}

/** Moves deadlines (the business unit's extension) in the workflow's state; returns the invitations moved. */
export function moveDeadlines(
  state: AuditState,
  timeline: Timeline,
  dueAt: string,
  invitationId?: string,
): InvitationState[] {
  const changed = state.invitations.filter(
    (i) => i.status === 'pending' && (!invitationId || i.invitationId === invitationId),
  );
  for (const invitation of changed) invitation.dueAt = dueAt;
  state.submissionsCutOffAt = cutOffAt(state, timeline).toISOString();
  return changed;
}

/** Before PATCHES.handlersReturnAtOnce: moves them and writes the database's copy inside the update. */
export async function extendDeadlines(
  state: AuditState,
  timeline: Timeline,
  dueAt: string,
  invitationId?: string,
): Promise<InvitationState[]> {
  const changed = moveDeadlines(state, timeline, dueAt, invitationId);
  await recordDeadlines({ invitationIds: changed.map((i) => i.invitationId), dueAt });
  return changed;
}

export async function awaitSubmissions(state: AuditState, timeline: Timeline): Promise<void> {
  // Moments already past when a deadline was set (a short window, an extension) are not sent late.
  const scheduledFrom = new Map<string, number>();
  const sent = new Set<string>();
  const open = () => state.invitations.filter((i) => i.status === 'pending');

  for (;;) {
    const now = Date.now();
    const cutOff = cutOffAt(state, timeline);
    state.submissionsCutOffAt = cutOff.toISOString();
    if (open().length === 0 || now >= cutOff.getTime() || state.cancelled) return;

    let next = cutOff.getTime();
    const due: Promise<void>[] = [];
    for (const invitation of open()) {
      const occasion = `due-${invitation.dueAt}`;
      if (!scheduledFrom.has(occasion + invitation.invitationId))
        scheduledFrom.set(occasion + invitation.invitationId, now);
      const from = scheduledFrom.get(occasion + invitation.invitationId)!;
      for (const moment of deadlineSchedule(new Date(invitation.dueAt), timeline.submissions)) {
        const at = moment.at.getTime();
        const key = `${invitation.invitationId}/${moment.kind}/${moment.n}/${occasion}`;
        if (at < from || sent.has(key)) continue;
        if (at > now) {
          next = Math.min(next, at);
          continue;
        }
        sent.add(key);
        due.push(...messagesFor(state.auditId, invitation, moment.kind, moment.n, occasion));
      }
    }
    // Wakes early only for what changes the plan: every tool in (or closed), a deadline moved, a
    // cancellation. A submission alone does not: its invitation's moments are simply passed over when due.
    // Taken before the messages go, so that what lands while they are being sent is seen.
    const deadlines = () => state.invitations.map((i) => i.dueAt).join();
    const before = deadlines();
    await Promise.all(due);

    await condition(
      () => state.cancelled || open().length === 0 || deadlines() !== before,
      Math.max(0, next - Date.now()),
    );
  }
}

function messagesFor(
  auditId: string,
  invitation: InvitationState,
  kind: 'reminder' | 'chaser' | 'lead_escalation',
  n: number,
  occasion: string,
) {
  const { invitationId } = invitation;
  switch (kind) {
    case 'reminder':
      return [tell(auditId, { purpose: 'submission_reminder', invitationId, n }, occasion)];
    case 'chaser':
      return [
        tell(auditId, { purpose: 'submission_chaser', invitationId, n }, occasion),
        tell(auditId, { purpose: 'business_unit_overdue', invitationId, n, escalated: false }, occasion),
      ];
    case 'lead_escalation':
      return [
        tell(auditId, { purpose: 'submission_lead_escalation', invitationId }, occasion),
        tell(auditId, { purpose: 'business_unit_overdue', invitationId, n, escalated: true }, occasion),
      ];
  }
}

// Stages 4 and 5 — collation and the discussion. The pack goes to every participating agency once the
// discussion has a date (and again if it moves); the outcome is taken once the meeting has been held:
// its actions become the follow-up's, its concerns urgent escalations.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { startUrgentEscalation } from './escalation';
import type { AuditState, TimelineInput } from './messages';
import { tell } from './notify';
import { steady } from './steps';

const { readDiscussion, circulatePack } = steady(proxyActivities<Activities>(DATABASE_ACTIVITY));
// Its answer is the outcome update's (workflows/steps.ts `inTurn`): a refusal goes back to the caller.
const { acceptOutcome } = proxyActivities<Activities>(DATABASE_ACTIVITY);

const packOccasion = (at: string) => `at-${at}`;

/** Collation: waits for a date if there is none yet, then circulates the pack with it. */
export async function collate(state: AuditState): Promise<void> {
  if (!state.discussionAt) {
    const { discussionAt } = await readDiscussion({ auditId: state.auditId });
    state.discussionAt ??= discussionAt;
  }
  await condition(() => !!state.discussionAt || state.cancelled);
  if (state.cancelled) return;
  const { agencyIds, circulatedAt } = await circulatePack({ auditId: state.auditId });
  await sendPack(state, agencyIds);
  state.packCirculatedAt = circulatedAt;
}

export async function sendPack(state: AuditState, agencyIds: string[]): Promise<void> {
  const occasion = packOccasion(state.discussionAt!);
  await Promise.all(agencyIds.map((agencyId) => tell(state.auditId, { purpose: 'collated_pack', agencyId }, occasion)));
}

/** The business unit moved the discussion after the pack went out: the agencies hear of the new date. */
export async function rescheduleDiscussion(state: AuditState, at: string): Promise<void> {
  state.discussionAt = at;
  if (state.packCirculatedAt) await sendPack(state, await packRecipients(state));
}

/** Every agency the pack goes to (again, when the discussion moves: an email per date). */
export async function packRecipients(state: AuditState): Promise<string[]> {
  const { agencyIds } = await circulatePack({ auditId: state.auditId });
  return agencyIds;
}

/**
 * Takes the stored outcome; each concern in it starts its urgent escalation, at once or, given `later`
 * (PATCHES.handlersReturnAtOnce), once the outcome's update has answered.
 */
export async function takeOutcome(
  state: AuditState,
  timelines: TimelineInput,
  later?: (chore: () => Promise<void>) => void,
): Promise<void> {
  const { actions, escalationIds, acceptedAt } = await acceptOutcome({ auditId: state.auditId });
  state.actions = actions.map((a) => ({
    ...a,
    auditId: state.auditId,
    status: a.status ?? 'open',
    progressRequests: 0,
    overdueChased: false,
  }));
  for (const escalationId of escalationIds) {
    const start = () => startUrgentEscalation({ escalationId, auditId: state.auditId, ...timelines });
    if (later) later(start);
    else await start();
    if (!state.escalations.includes(escalationId)) state.escalations.push(escalationId);
  }
  state.outcomeRecordedAt = acceptedAt;
}

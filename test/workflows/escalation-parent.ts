// Test only: a stand-in for the audit, which does not start escalations yet. escalation.test.ts bundles
// this file on its own (the run's shared bundle holds only the product's workflows), so the parent and
// the real urgentEscalation it starts run on one test worker.
import { condition } from '@temporalio/workflow';
import { startUrgentEscalation } from '../../workflows/escalation';
import type { UrgentEscalationInput } from '../../workflows/messages';

export { urgentEscalation } from '../../workflows/escalation';

/** Starts the escalation (twice, as a retried update would), then waits until cancelled or terminated. */
export async function escalatingParent(input: UrgentEscalationInput): Promise<void> {
  await startUrgentEscalation(input);
  await startUrgentEscalation(input);
  await condition(() => false);
}

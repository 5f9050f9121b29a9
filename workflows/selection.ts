// Stage 1 — selection: a seeded, stratified draw from the candidate pool the business unit supplied.
import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { drawCohort } from '../domain/cohort';
import { DATABASE_ACTIVITY } from './activity-options';
import type { AuditState } from './messages';
import { steady } from './steps';

const { loadCandidatePool, recordCohort } = steady(proxyActivities<Activities>(DATABASE_ACTIVITY));

export async function selectCohort(state: AuditState): Promise<void> {
  const pool = await loadCandidatePool(state.auditId);
  // uuid4() is deterministic inside a workflow: the seed is recorded in history and in the database.
  const seed = uuid4();
  const draw = drawCohort({ ...pool, seed });
  await recordCohort({
    auditId: state.auditId,
    seed,
    selectedCaseIds: draw.selected.map((c) => c.caseId),
    rationale: draw.rationale,
  });
  state.cohortSeed = seed;
  state.cohort = draw.selected.map(({ caseId, serviceLevel }) => ({ caseId, serviceLevel }));
}

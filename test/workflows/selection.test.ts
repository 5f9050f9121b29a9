// Stage 1 — selection, on the time-skipping server with the real activities and a real database.
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { drawCohort } from '../../domain/cohort';
import { cancelAuditUpdate, stageSearchAttribute } from '../../workflows/messages';
import { realActivities } from '../support/activities';
import { IDENTIFIERS, insertAudit } from '../support/fixtures';
import { untilStage, useAuditBed } from '../support/audit-bed';
import { recordHistory } from '../support/histories';

const { bed, startAudit } = useAuditBed('selection-test');

describe('selection', () => {
  it('draws a stratified cohort, records seed and rationale, and waits for invitations', async () => {
    const { auditId, handle } = await startAudit(4);
    const state = await untilStage(handle, 'invitations');

    expect(state.cohort).toHaveLength(4);
    expect(new Set(state.cohort.map((c) => c.serviceLevel)).size).toBe(4);
    const audit = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId }, include: { cases: true } });
    expect(audit.cohortSeed).toBe(state.cohortSeed);
    expect(audit.cohortRationale).toMatchObject({ eligible: 6, poolSize: 6, serviceLevelsCovered: 4, shortfall: 0 });
    const drawn = audit.cases.filter((c) => c.selectedAt).sort((a, b) => a.drawOrder! - b.drawOrder!);
    expect(drawn.map((c) => c.id)).toEqual(state.cohort.map((c) => c.caseId));
    expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'cohort.drawn' } })).toBe(1);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(stageSearchAttribute)).toBe('invitations');
  });

  it('can be reproduced from the recorded seed', async () => {
    const { auditId, handle } = await startAudit(3);
    const state = await untilStage(handle, 'invitations');
    const { cohortSeed } = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    // The same pool the workflow drew from, read again, with the seed recorded in the database.
    const pool = await realActivities(bed.db, bed.catcher.url).loadCandidatePool(auditId);
    const redraw = drawCohort({ ...pool, seed: cohortSeed! });
    expect(redraw.selected.map((c) => c.caseId)).toEqual(state.cohort.map((c) => c.caseId));
  });

  it('keeps every child identifier and case reference out of the workflow history', async () => {
    const { handle } = await startAudit(4);
    const state = await untilStage(handle, 'invitations');
    // Payloads are raw JSON bytes inside the encoded history: search every byte of it.
    const history = await handle.fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    expect(bytes).toContain(state.cohortSeed);
    for (const identifier of IDENTIFIERS) expect(bytes).not.toContain(identifier);
  });

  it('records the draw once even when the activity is retried', async () => {
    const { auditId } = await insertAudit(bed.db);
    const { recordCohort } = realActivities(bed.db, bed.catcher.url);
    const input = { auditId, seed: 'fixed-seed', selectedCaseIds: [], rationale: {} as never };
    await recordCohort(input);
    await recordCohort(input);
    expect(await bed.db.auditTrailEntry.count({ where: { auditId, action: 'cohort.drawn' } })).toBe(1);
  });

  it('is cancelled from its waiting stage and ends; a closed audit takes no more updates', async () => {
    const { handle } = await startAudit(2);
    await untilStage(handle, 'invitations');
    expect((await handle.executeUpdate(cancelAuditUpdate)).stage).toBe('cancelled');
    expect((await handle.result()).stage).toBe('cancelled');
    await expect(handle.executeUpdate(cancelAuditUpdate)).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await recordHistory(handle, 'cancelled-after-draw');
  });
});

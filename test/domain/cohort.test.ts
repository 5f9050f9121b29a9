import { type Candidate, drawCohort, SERVICE_LEVELS, type ServiceLevel } from '../../domain/cohort';

const window = { from: '2026-05-01T00:00:00.000Z', to: '2026-10-31T23:59:59.999Z' };

function pool(
  perLevel: Partial<Record<ServiceLevel, number>>,
  lastActivityAt = '2026-08-01T00:00:00.000Z',
): Candidate[] {
  return Object.entries(perLevel).flatMap(([level, n]) =>
    Array.from({ length: n }, (_, i) => ({
      caseId: `${level}-${i}`,
      serviceLevel: level as ServiceLevel,
      lastActivityAt,
    })),
  );
}

describe('the cohort draw', () => {
  it('spans as many service levels as the pool allows before taking a second case from any level', () => {
    const candidates = pool({
      universal: 10,
      early_help: 10,
      child_in_need: 10,
      child_protection: 10,
      looked_after: 10,
    });
    const { selected, rationale } = drawCohort({ candidates, cohortSize: 4, window, seed: 'a' });
    expect(selected).toHaveLength(4);
    expect(new Set(selected.map((c) => c.serviceLevel)).size).toBe(4);
    expect(rationale.serviceLevelsCovered).toBe(4);
    expect(rationale.serviceLevelsAvailable).toBe(5);

    const five = drawCohort({ candidates, cohortSize: 5, window, seed: 'a' });
    expect(new Set(five.selected.map((c) => c.serviceLevel))).toEqual(new Set(SERVICE_LEVELS));
  });

  it('covers every level present when the pool has fewer levels than the cohort size', () => {
    const { selected, rationale } = drawCohort({
      candidates: pool({ child_in_need: 5, looked_after: 1 }),
      cohortSize: 4,
      window,
      seed: 'b',
    });
    expect(selected).toHaveLength(4);
    expect(selected.filter((c) => c.serviceLevel === 'looked_after')).toHaveLength(1);
    expect(rationale.drawnByServiceLevel).toEqual({ child_in_need: 3, looked_after: 1 });
  });

  it('draws only cases active inside the review window and says how many it left out', () => {
    const inside = pool({ early_help: 2 });
    const outside = pool({ looked_after: 3 }, '2026-01-15T00:00:00.000Z');
    const { selected, rationale } = drawCohort({
      candidates: [...inside, ...outside],
      cohortSize: 4,
      window,
      seed: 'c',
    });
    expect(selected.map((c) => c.caseId).sort()).toEqual(['early_help-0', 'early_help-1']);
    expect(rationale).toMatchObject({ poolSize: 5, eligible: 2, excludedOutsideWindow: 3, shortfall: 2 });
  });

  it('is reproducible from the recorded seed, whatever order the pool arrives in', () => {
    const candidates = pool({ universal: 7, early_help: 6, child_in_need: 5, child_protection: 4, looked_after: 3 });
    const first = drawCohort({ candidates, cohortSize: 6, window, seed: 'recorded-seed' });
    const again = drawCohort({ candidates: [...candidates].reverse(), cohortSize: 6, window, seed: 'recorded-seed' });
    expect(again.selected).toEqual(first.selected);
    expect(again.rationale).toEqual(first.rationale);
  });

  it('is random: different seeds give different cohorts', () => {
    const candidates = pool({ universal: 20, early_help: 20, child_in_need: 20, child_protection: 20 });
    const cohorts = new Set(
      Array.from({ length: 20 }, (_, i) =>
        drawCohort({ candidates, cohortSize: 4, window, seed: `s${i}` })
          .selected.map((c) => c.caseId)
          .sort()
          .join(),
      ),
    );
    expect(cohorts.size).toBeGreaterThan(15);
  });

  it('gives every eligible case a fair chance over many draws', () => {
    const candidates = pool({ child_in_need: 4 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const [first] = drawCohort({ candidates, cohortSize: 1, window, seed: `fair-${i}` }).selected;
      counts.set(first!.caseId, (counts.get(first!.caseId) ?? 0) + 1);
    }
    expect(counts.size).toBe(4);
    for (const n of counts.values()) expect(n).toBeGreaterThan(850); // 1000 expected each
  });
});

// The cohort draw: random, stratified by service level, limited to cases active inside the review
// window, and reproducible from a recorded seed. Pure, so the workflow can run it and a person can
// re-run it later from the seed and get the same cohort.

export const SERVICE_LEVELS = ['universal', 'early_help', 'child_in_need', 'child_protection', 'looked_after'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/** What the draw needs to know about a candidate: no child identifier, no case reference. */
export interface Candidate {
  caseId: string;
  serviceLevel: ServiceLevel;
  /** ISO-8601 */
  lastActivityAt: string;
}

export interface DrawInput {
  candidates: Candidate[];
  cohortSize: number;
  /** ISO-8601 dates, inclusive. */
  window: { from: string; to: string };
  seed: string;
}

export interface CohortRationale {
  method: string;
  seed: string;
  window: { from: string; to: string };
  cohortSize: number;
  poolSize: number;
  eligible: number;
  excludedOutsideWindow: number;
  /** Eligible cases per service level, before the draw. */
  eligibleByServiceLevel: Partial<Record<ServiceLevel, number>>;
  /** Drawn cases per service level. */
  drawnByServiceLevel: Partial<Record<ServiceLevel, number>>;
  serviceLevelsCovered: number;
  serviceLevelsAvailable: number;
  shortfall: number;
}

export interface Draw {
  /** In draw order. */
  selected: Candidate[];
  rationale: CohortRationale;
}

/** Whether a case counts for this review: its last activity falls inside the window (inclusive). */
export function isActiveInWindow(lastActivityAt: string, window: { from: string; to: string }): boolean {
  const at = Date.parse(lastActivityAt);
  return at >= Date.parse(window.from) && at <= Date.parse(window.to);
}

/** A small, well-known seeded generator (mulberry32 over an FNV-1a hash of the seed). */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function countBy(cases: Candidate[]): Partial<Record<ServiceLevel, number>> {
  const counts: Partial<Record<ServiceLevel, number>> = {};
  for (const c of cases) counts[c.serviceLevel] = (counts[c.serviceLevel] ?? 0) + 1;
  return counts;
}

/**
 * Draws the cohort. Eligible cases are shuffled within their service level, the levels are put in a
 * random order, and cases are taken round-robin across levels, so the cohort spans as many service
 * levels as the pool allows before any level gets a second case.
 */
export function drawCohort(input: DrawInput): Draw {
  // Sorted first so that the same pool in another order gives the same draw.
  const pool = [...input.candidates].sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  const eligible = pool.filter((c) => isActiveInWindow(c.lastActivityAt, input.window));

  const random = seededRandom(input.seed);
  const levels = shuffle(
    SERVICE_LEVELS.filter((level) => eligible.some((c) => c.serviceLevel === level)),
    random,
  );
  const queues = levels.map((level) =>
    shuffle(
      eligible.filter((c) => c.serviceLevel === level),
      random,
    ),
  );

  const selected: Candidate[] = [];
  while (selected.length < input.cohortSize && queues.some((q) => q.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next && selected.length < input.cohortSize) selected.push(next);
    }
  }

  const drawnByServiceLevel = countBy(selected);
  return {
    selected,
    rationale: {
      method:
        'Seeded random draw, stratified by service level: eligible cases (last activity inside the review window) ' +
        'were shuffled within each service level and taken in turn from each level, so the cohort spans as many ' +
        'service levels as the pool allows.',
      seed: input.seed,
      window: input.window,
      cohortSize: input.cohortSize,
      poolSize: pool.length,
      eligible: eligible.length,
      excludedOutsideWindow: pool.length - eligible.length,
      eligibleByServiceLevel: countBy(eligible),
      drawnByServiceLevel,
      serviceLevelsCovered: Object.keys(drawnByServiceLevel).length,
      serviceLevelsAvailable: levels.length,
      shortfall: input.cohortSize - selected.length,
    },
  };
}

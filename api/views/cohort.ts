// /audits/:id/cohort: the drawn cases with the draw's rationale and seed; the children's identifiers for the
// business unit only (each view of them is logged: api/access-log.ts); "Replace" a case and "Send invitations"
// while the invitations have not gone.
import type { CohortRationale } from '../../domain/cohort';
import type { Stage } from '../../domain/stages';
import type { SignedIn } from '../sign-in';
import { type Errors, type Row, SERVICE_LEVEL_LABELS, STAGE_LABELS } from './components';
import { type AuditPartModel, auditPart } from './audit-part';
import { formatDate, type Page } from './layout';

const AGE_BANDS: [minYears: number, label: string][] = [
  [18, '18 or over'],
  [16, '16 to 17'],
  [10, '10 to 15'],
  [5, '5 to 9'],
  [1, '1 to 4'],
  [0, 'Under 1'],
];

/** The child's age band on a day: coarse enough to show to everyone who may read the cohort. */
export function ageBand(dateOfBirth: Date | null, on: Date): string {
  if (!dateOfBirth) return 'Not known';
  let years = on.getUTCFullYear() - dateOfBirth.getUTCFullYear();
  const birthdayPassed =
    on.getUTCMonth() > dateOfBirth.getUTCMonth() ||
    (on.getUTCMonth() === dateOfBirth.getUTCMonth() && on.getUTCDate() >= dateOfBirth.getUTCDate());
  if (!birthdayPassed) years -= 1;
  return AGE_BANDS.find(([min]) => years >= min)?.[1] ?? 'Not known';
}

export interface CohortCase {
  caseRef: string;
  serviceLevel: string;
  childName: string | null;
  childDob: Date | null;
  childLocalId: string | null;
}

/** What "Replace" was sent with, kept after a refusal. */
export interface ReplaceForm {
  caseRef: string;
  replacementCaseRef: string;
}

export interface CohortView {
  staff: SignedIn;
  audit: {
    id: string;
    focus: string;
    stage: Stage;
    windowTo: Date;
    seed: string | null;
    rationale: CohortRationale | null;
  };
  cases: CohortCase[];
  /** Undrawn candidates active in the review window: what a case may be replaced with. */
  replacements: { caseRef: string; serviceLevel: string }[];
  /** The business unit sees the children's identifiers. */
  identifiers: boolean;
  /** The invitations have gone (or been asked for): the cohort is final. */
  invitationsGone: boolean;
  /** "Replace" and "Send invitations" are offered: the business unit, before the invitations go. */
  canChange: boolean;
  done?: 'replaced' | 'sent';
  errors?: Errors;
  posted?: ReplaceForm;
}

export interface CohortModel extends AuditPartModel {
  stage: string;
  drawn: boolean;
  rationale: Row[];
  method: string | null;
  identifiers: boolean;
  invitationsGone: boolean;
  canChange: boolean;
  done?: string;
  cases: {
    caseRef: string;
    serviceLevel: string;
    ageBand: string;
    name: string;
    dateOfBirth: string;
    localId: string;
    /** The id of its "Replace" select (the error summary links to it) and the choices, one chosen after a refusal. */
    selectId: string;
    options: { value: string; text: string; selected: boolean }[];
    error?: string;
  }[];
}

const REMOVED = 'Removed after the retention period';
const levelLabel = (level: string) => SERVICE_LEVEL_LABELS[level] ?? level;

/** The id of case `index`'s replacement select: the error summary's link for that row. */
export const replaceSelectId = (index: number) => `replacementCaseRef-${index + 1}`;

const counts = (byLevel: Partial<Record<string, number>>) =>
  Object.entries(byLevel)
    .map(([level, n]) => `${levelLabel(level)}: ${n}`)
    .join('; ') || 'None';

function rationaleRows(seed: string | null, r: CohortRationale | null): Row[] {
  if (!r) return [];
  return [
    { key: 'Seed', text: seed ?? r.seed },
    { key: 'Review window', text: `${formatDate(r.window.from)} to ${formatDate(r.window.to)}` },
    { key: 'Candidates in the pool', text: String(r.poolSize) },
    { key: 'Active inside the window', text: `${r.eligible} (${r.excludedOutsideWindow} left out)` },
    { key: 'Eligible by service level', text: counts(r.eligibleByServiceLevel) },
    { key: 'Drawn by service level', text: counts(r.drawnByServiceLevel) },
    { key: 'Service levels covered', text: `${r.serviceLevelsCovered} of ${r.serviceLevelsAvailable}` },
    { key: 'Cases short of the cohort size', text: String(r.shortfall) },
  ];
}

export function cohortPage(view: CohortView): Page<CohortModel> {
  const { staff, audit, identifiers, posted } = view;
  return {
    template: 'cohort.njk',
    model: {
      ...auditPart('Cohort', staff, audit, view.errors),
      stage: STAGE_LABELS[audit.stage],
      drawn: view.cases.length > 0,
      rationale: rationaleRows(audit.seed, audit.rationale),
      method: audit.rationale?.method ?? null,
      identifiers,
      invitationsGone: view.invitationsGone,
      canChange: view.canChange,
      done: view.done,
      cases: view.cases.map((c, i) => {
        const selectId = replaceSelectId(i);
        const chosen = posted?.caseRef === c.caseRef ? posted.replacementCaseRef : '';
        return {
          caseRef: c.caseRef,
          serviceLevel: levelLabel(c.serviceLevel),
          ageBand: ageBand(c.childDob, audit.windowTo),
          ...(identifiers
            ? {
                name: c.childName ?? REMOVED,
                dateOfBirth: c.childDob ? formatDate(c.childDob, true) : REMOVED,
                localId: c.childLocalId ?? (c.childName ? 'None' : REMOVED),
              }
            : { name: '', dateOfBirth: '', localId: '' }),
          selectId,
          options: [
            { value: '', text: 'Choose a case', selected: chosen === '' },
            ...view.replacements.map((r) => ({
              value: r.caseRef,
              text: `${r.caseRef} (${levelLabel(r.serviceLevel)})`,
              selected: r.caseRef === chosen,
            })),
          ],
          error: view.errors?.find((e) => e.id === selectId)?.text,
        };
      }),
    },
  };
}

// Realistic-looking, entirely invented people and cases. Names are deliberately distinctive so a
// test can search any output for them.
import { randomUUID } from 'node:crypto';
import type { ServiceLevel } from '../../domain/cohort';
import { caseRow } from '../../domain/schemas';
import type { Db } from '../../infra/db';

export const AGENCIES = [
  {
    name: 'North Yorkshire Police',
    type: 'police',
    contactEmail: 'audits@police.example',
    leadEmail: 'lead@police.example',
  },
  {
    name: 'Harrogate Health Trust',
    type: 'health',
    contactEmail: 'audits@health.example',
    leadEmail: 'lead@health.example',
  },
  {
    name: 'Children and Families Service',
    type: 'childrens_social_care',
    contactEmail: 'audits@csc.example',
    leadEmail: 'lead@csc.example',
  },
] as const;

/** Three more, for audits whose cases involve three to six agencies each. */
export const MORE_AGENCIES = [
  {
    name: 'Riverside Academy Trust',
    type: 'education',
    contactEmail: 'audits@school.example',
    leadEmail: 'lead@school.example',
  },
  {
    name: 'Early Help Hub',
    type: 'early_help',
    contactEmail: 'audits@earlyhelp.example',
    leadEmail: 'lead@earlyhelp.example',
  },
  {
    name: 'Youth Justice Service',
    type: 'youth_justice',
    contactEmail: 'audits@yjs.example',
    leadEmail: 'lead@yjs.example',
  },
] as const;

const LEVELS: ServiceLevel[] = [
  'universal',
  'early_help',
  'child_in_need',
  'child_protection',
  'looked_after',
  'child_in_need',
];
const FIRST = ['Zephyrine', 'Tobiah', 'Marisol', 'Evander', 'Quillon', 'Ottoline'];

/** Six candidates over five service levels, active last month; case i involves `perCase(i)` agencies. */
export function candidates(agencyIds: string[], now = new Date(), perCase = (i: number) => 2 + (i % 2)) {
  const lastMonth = new Date(now.getTime() - 30 * 24 * 3600 * 1000).toISOString();
  return LEVELS.map((serviceLevel, i) => ({
    caseRef: `NYC-${4711 + i}`,
    serviceLevel,
    child: { name: `${FIRST[i]} Quixleworth`, dateOfBirth: `201${i}-0${i + 2}-1${i}`, localId: `LCS${900100 + i}` },
    agencyIds: agencyIds.slice(0, perCase(i)),
    lastActivityAt: lastMonth,
  }));
}

/** Inserts agencies and an audit with its candidate pool, as the API would. */
export async function insertAudit(db: Db, opts: { cohortSize?: number; sixAgencies?: boolean } = {}) {
  const directory = opts.sixAgencies ? [...AGENCIES, ...MORE_AGENCIES] : AGENCIES;
  const agencies = await Promise.all(
    directory.map((a) => db.agency.create({ data: { ...a, name: `${a.name} ${randomUUID().slice(0, 6)}` } })),
  );
  const id = randomUUID();
  const now = new Date();
  await db.audit.create({
    data: {
      id,
      workflowId: `audit-${id}`,
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      windowFrom: new Date(now.getTime() - 183 * 24 * 3600 * 1000),
      windowTo: now,
      cohortSize: opts.cohortSize ?? 4,
      createdBy: 'test',
      cases: {
        create: candidates(
          agencies.map((a) => a.id),
          now,
          opts.sixAgencies ? (i) => 3 + (i % 4) : undefined,
        ).map(caseRow),
      },
    },
  });
  return { auditId: id, agencies };
}

/** Every string from the fixtures that identifies a child or a case. */
export const IDENTIFIERS = [...FIRST, 'Quixleworth', 'NYC-47', 'LCS9001', '2010-02-10', '2012-04-12'];

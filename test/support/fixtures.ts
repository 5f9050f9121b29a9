// Realistic-looking, entirely invented people and cases. Names are deliberately distinctive so a
// test can search any output for them.
import { randomUUID } from 'node:crypto';
import type { ServiceLevel } from '../../domain/cohort';
import { caseRow } from '../../domain/schemas';
import { sevenPointBriefing } from '../../domain/briefing';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';

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

/** One drawn child of a fresh audit and one agency's audit tool for it, behind the link `token`. */
export async function insertInvitation(db: Db, token: string, opts: { status?: 'pending' | 'no_involvement' } = {}) {
  const { auditId, agencies } = await insertAudit(db);
  const kase = await db.case.findFirstOrThrow({ where: { auditId }, orderBy: { caseRef: 'asc' } });
  await db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
  const invitation = await db.invitation.create({
    data: {
      auditId,
      caseId: kase.id,
      agencyId: agencies[0]!.id,
      status: opts.status ?? 'pending',
      dueAt: new Date(Date.now() + 10 * 24 * 3600 * 1000),
      tokenHash: tokenHash(token),
    },
  });
  return { auditId, agencies, kase, invitation, token };
}

/** Every string from the fixtures that identifies a child or a case. */
export const IDENTIFIERS = [...FIRST, 'Quixleworth', 'NYC-47', 'LCS9001', '2010-02-10', '2012-04-12'];

export type LinkKind = 'respond' | 'approve' | 'progress' | 'acknowledge' | 'pack';

/** One audit (no workflow runs for it) with a row behind every kind of ID and emailed link, and a briefing. */
export async function insertAuditWithLinks(db: Db, prefix: string) {
  const { auditId, agencies } = await insertAudit(db);
  const agencyId = agencies[0]!.id;
  const cases = await db.case.findMany({ where: { auditId }, orderBy: { caseRef: 'asc' } });
  const kase = cases[0]!;
  await db.case.update({ where: { id: kase.id }, data: { selectedAt: new Date(), drawOrder: 1 } });
  const kinds: LinkKind[] = ['respond', 'approve', 'progress', 'acknowledge', 'pack'];
  const tokens = Object.fromEntries(
    kinds.map((kind) => [kind, `${prefix}-${kind}-token-0123456789abcdefghijklmnop`.slice(0, 40)]),
  ) as Record<LinkKind, string>;
  const dueAt = new Date(Date.now() + 10 * 24 * 3600 * 1000);
  const invitation = await db.invitation.create({
    data: { auditId, caseId: kase.id, agencyId, dueAt, tokenHash: tokenHash(tokens.respond) },
  });
  const report = {
    workingWell: ['Timely strategy meetings'],
    areasForDevelopment: ['Recording the voice of the child'],
    themes: ['Information sharing'],
    recommendations: ['Use the escalation protocol'],
  };
  const version = await db.reportVersion.create({
    data: { auditId, version: 1, content: report, submittedBy: 'bu', circulatedAt: new Date() },
  });
  await db.approval.create({
    data: { reportVersionId: version.id, agencyId, dueAt, tokenHash: tokenHash(tokens.approve) },
  });
  const action = await db.action.create({
    data: { auditId, number: 1, kind: 'recommendation', description: 'Brief officers', ownerAgencyId: agencyId, dueAt },
  });
  await db.actionProgress.create({ data: { actionId: action.id, quarter: 1, tokenHash: tokenHash(tokens.progress) } });
  await db.escalation.create({
    data: {
      auditId,
      agencyId,
      caseId: kase.id,
      source: 'business_unit',
      concern: 'Left alone overnight',
      tokenHash: tokenHash(tokens.acknowledge),
    },
  });
  await db.packLink.create({ data: { auditId, agencyId, tokenHash: tokenHash(tokens.pack) } });
  const slug = `${prefix}-${auditId.slice(0, 8)}`;
  const briefing = sevenPointBriefing({
    focus: 'Child exploitation',
    focusSource: 'practice_review',
    cases: 4,
    agencies: 3,
    report,
  });
  await db.briefing.create({ data: { auditId, slug, content: JSON.parse(JSON.stringify(briefing)) } });
  return {
    auditId,
    agencyId,
    caseRefs: [cases[0]!.caseRef, cases[1]!.caseRef] as [string, string],
    invitationId: invitation.id,
    actionId: action.id,
    tokens,
    slug,
  };
}

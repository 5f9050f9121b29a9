// A participating agency's emailed link to the collated pack: every drawn child, every invited agency,
// every section of what each agency submitted, ahead of the discussion. A child's identifiers are shown
// only to an agency that worked with that child (PRODUCT.md "Data rules"); drafts never appear, late submissions do,
// marked late. A browser gets the page (api/views/pack.ts); everyone else JSON.
import { Router } from 'express';
import { packPdf } from '../views/pack-pdf';
import type { Area } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import { ageBand } from '../../domain/age-band';
import { caseIdentifiers, identifierPatterns, redactIdentifiers } from '../../domain/reidentification';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { auditPurged } from './respond';
import { type LinkLife, refuseCancelled, refuseExpired, unknownLink } from '../link-life';
import { linkPath, sendPage, wantsHtml } from '../views/layout';
import { type PackAgencyEntry, packPage, type PackSection, type PackView } from '../views/pack';

/** A submission's content as POST /respond/:token stores it (domain/schemas.ts respondSchema). */
interface SubmissionContent {
  sections?: Partial<Record<Area, PackSection>>;
  childVoice?: string;
  familyInformation?: string;
  history?: string;
}

/** A pack is read for the discussion: its link lasts a week after it (and the grace). */
export const PACK_READ_AFTER_DISCUSSION_MS = 7 * 24 * 60 * 60 * 1000;

/** A section's words through `clean`; its grade as it is. */
function cleanSection(section: PackSection, clean: (text: string | undefined) => string | null): PackSection {
  const cleaned: PackSection = { ...section };
  for (const field of ['goodPractice', 'areasForDevelopment', 'recommendations', 'rationale'] as const) {
    const text = clean(section[field]);
    if (text !== null) cleaned[field] = text;
  }
  return cleaned;
}

/** The collated pack behind one agency's link. 404 for an unknown link, 410 for a stopped or expired one. */
export async function viewPack({ db, life }: PackDeps, token: string): Promise<PackView> {
  const link = await db.packLink.findUnique({ where: { tokenHash: tokenHash(token) } });
  if (!link) {
    throw await unknownLink(
      db,
      life,
      token,
      'This link is not known. Check it against the email, or ask the business unit for a new one.',
    );
  }
  const [audit, agency] = await Promise.all([
    db.audit.findUniqueOrThrow({
      where: { id: link.auditId },
      include: {
        cases: {
          where: { selectedAt: { not: null }, replacedAt: null },
          orderBy: [{ drawOrder: 'asc' }, { caseRef: 'asc' }],
          include: {
            invitations: {
              include: { agency: { select: { name: true } }, submission: true },
              orderBy: { agency: { name: 'asc' } },
            },
          },
        },
      },
    }),
    db.agency.findUnique({ where: { id: link.agencyId }, select: { name: true } }),
  ]);
  if (audit.purgedAt) throw auditPurged();
  const readUntil = audit.discussionAt && new Date(audit.discussionAt.getTime() + PACK_READ_AFTER_DISCUSSION_MS);
  refuseExpired(life, readUntil, 'the discussion it was for took place more than a week ago');
  await refuseCancelled(db, life, audit);

  const areas = Object.fromEntries(
    AREAS.map((area) => [area, { selfGrades: Object.fromEntries(GRADES.map((g) => [g, 0])) }]),
  ) as PackView['areas'];

  // A child's identifiers go only to the agencies that worked with the child (invited, and not answered
  // "no involvement"); to the others the case is its reference, service level and age band, and every
  // submission they read is cleaned of the identifiers of the children they did not work with.
  const workedWith = (c: (typeof audit.cases)[number]) =>
    c.invitations.some((i) => i.agencyId === link.agencyId && i.status !== 'no_involvement');
  const unseen = identifierPatterns(
    audit.cases.filter((c) => !workedWith(c)).map((c) => ({ ...caseIdentifiers(c), caseRef: '' })), // the reference is shown to all
  );
  const now = new Date();

  const cases = audit.cases.map((c) => ({
    caseRef: c.caseRef,
    serviceLevel: c.serviceLevel,
    ageBand: ageBand(c.childDob, now),
    child: workedWith(c)
      ? {
          name: c.childName,
          dateOfBirth: c.childDob?.toISOString().slice(0, 10) ?? null,
          localId: c.childLocalId,
        }
      : null,
    agencies: c.invitations.map((invitation): PackAgencyEntry => {
      const submission = invitation.submission?.submittedAt ? invitation.submission : null;
      const submittedAt = submission?.submittedAt ?? null;
      // About a child this agency worked with, only the others' identifiers go; about any other child, all.
      const clean = (text: string | undefined) =>
        text === undefined ? null : redactIdentifiers(text, unseen, { cohortOnly: workedWith(c) });
      const content = (submission?.content ?? {}) as SubmissionContent;
      const sections = Object.fromEntries(
        Object.entries(content.sections ?? {}).map(([area, s]) => [area, cleanSection(s, clean)]),
      ) as Partial<Record<Area, PackSection>>;
      for (const area of AREAS) {
        const grade = sections[area]?.grade;
        if (grade && grade in areas[area].selfGrades) areas[area].selfGrades[grade] += 1;
      }
      const late =
        submittedAt !== null &&
        (submission!.late ||
          (invitation.dueAt !== null && submittedAt > invitation.dueAt) ||
          (audit.packCirculatedAt !== null && submittedAt > audit.packCirculatedAt));
      return {
        agencyName: invitation.agency.name,
        late,
        submittedAt: submittedAt?.toISOString() ?? null,
        noInvolvement: invitation.status === 'no_involvement',
        sections,
        childVoice: clean(content.childVoice),
        familyInformation: clean(content.familyInformation),
        history: clean(content.history),
      };
    }),
  }));

  return {
    audit: {
      title: audit.focus,
      discussion: { at: audit.discussionAt?.toISOString() ?? null, location: audit.discussionLocation },
    },
    agency: { name: agency?.name ?? null },
    cases,
    areas,
  };
}

export interface PackDeps {
  db: Db;
  life: LinkLife;
}

export function packRouter(deps: PackDeps): Router {
  const router = Router();
  router.get('/:token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const view = await viewPack(deps, req.params.token);
    if (wantsHtml(req)) sendPage(res, 200, packPage(view, `${linkPath(req)}/pdf`));
    else res.json(view);
  });
  router.get('/:token/pdf', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const view = await viewPack(deps, req.params.token);
    res
      .type('application/pdf')
      .attachment('collated-pack.pdf')
      .send(await packPdf(view));
  });
  return router;
}

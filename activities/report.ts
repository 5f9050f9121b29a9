// Side effects of stages 6–8 — the report, practitioner approval and LIS sign-off. Report versions,
// decisions and comments are stored by the API before the workflow hears of them; these keep the rows'
// orchestration columns in step and make the briefing.
import { ApplicationFailure } from '@temporalio/common';
import { briefingSlug, sevenPointBriefing, type BriefingSource } from '../domain/briefing';
import { caseIdentifiers, identifierPatterns, redactIdentifiers } from '../domain/reidentification';
import type { Db } from '../infra/db';
import { FAILURE } from '../workflows/errors';

export function reportActivities({ db }: { db: Db }) {
  return {
    /**
     * Circulates a version: one Approval per agency that submitted an audit tool, all due at `dueAt`;
     * any approval of an earlier version still undecided is superseded. A retry finds them made.
     */
    async openApprovals(input: { auditId: string; reportVersionId: string; dueAt: string }): Promise<{
      version: number;
      approvals: { approvalId: string; agencyId: string; dueAt: string }[];
    }> {
      return db.$transaction(async (tx) => {
        const version = await tx.reportVersion.findFirst({
          where: { id: input.reportVersionId, auditId: input.auditId },
        });
        if (!version)
          throw ApplicationFailure.nonRetryable(`no report version ${input.reportVersionId}`, FAILURE.notFound);
        if (!version.circulatedAt) {
          const agencies = await tx.invitation.findMany({
            where: { auditId: input.auditId, status: 'submitted' },
            distinct: ['agencyId'],
            orderBy: { agencyId: 'asc' },
            select: { agencyId: true },
          });
          await tx.approval.updateMany({
            where: { reportVersion: { auditId: input.auditId }, decision: null, supersededAt: null },
            data: { supersededAt: new Date() },
          });
          await tx.approval.createMany({
            data: agencies.map((a) => ({
              reportVersionId: version.id,
              agencyId: a.agencyId,
              dueAt: new Date(input.dueAt),
            })),
          });
          await tx.reportVersion.update({ where: { id: version.id }, data: { circulatedAt: new Date() } });
          await tx.auditTrailEntry.create({
            data: {
              auditId: input.auditId,
              actor: 'system',
              action: 'report.circulated',
              details: { version: version.version, approvals: agencies.length },
            },
          });
        }
        const approvals = await tx.approval.findMany({
          where: { reportVersionId: version.id },
          orderBy: { agencyId: 'asc' },
        });
        return {
          version: version.version,
          approvals: approvals.map((a) => ({ approvalId: a.id, agencyId: a.agencyId, dueAt: a.dueAt.toISOString() })),
        };
      });
    },

    /** Changes were requested: the version's undecided approvals close, and their links with them. */
    async supersedeApprovals(input: { reportVersionId: string }): Promise<void> {
      await db.approval.updateMany({
        where: { reportVersionId: input.reportVersionId, decision: null, supersededAt: null },
        data: { supersededAt: new Date() },
      });
    },

    async acceptLisDecision(input: { lisDecisionId: string }): Promise<void> {
      await db.lisDecision.updateMany({
        where: { id: input.lisDecisionId, acceptedAt: null },
        data: { acceptedAt: new Date() },
      });
    },

    /** Makes and stores the 7 Point Briefing from the approved version; once only, and never for a cancelled audit (no `publishedAt`). */
    async publishBriefing(input: { auditId: string; reportVersionId: string }): Promise<{ publishedAt?: string }> {
      const existing = await db.briefing.findUnique({ where: { auditId: input.auditId } });
      if (existing) return { publishedAt: existing.publishedAt.toISOString() };
      const [audit, version, cases, agencies] = await Promise.all([
        db.audit.findUniqueOrThrow({ where: { id: input.auditId } }),
        db.reportVersion.findUniqueOrThrow({ where: { id: input.reportVersionId } }),
        db.case.count({ where: { auditId: input.auditId, selectedAt: { not: null }, replacedAt: null } }),
        db.invitation.findMany({
          where: { auditId: input.auditId, status: 'submitted' },
          distinct: ['agencyId'],
          select: { agencyId: true },
        }),
      ]);
      // A cancel that came while this was on its way: a cancelled audit publishes nothing.
      if (audit.stage === 'cancelled') return {};
      const briefing = sevenPointBriefing({
        focus: audit.focus,
        focusSource: audit.focusSource,
        cases,
        agencies: agencies.length,
        report: version.content as BriefingSource['report'],
      });
      // The report passed the re-identification check; the briefing is checked again before it is public.
      const pool = await db.case.findMany({ where: { auditId: input.auditId } });
      const patterns = identifierPatterns(pool.map(caseIdentifiers));
      const clean = (v: string | string[]) =>
        Array.isArray(v) ? v.map((t) => redactIdentifiers(t, patterns)) : redactIdentifiers(v, patterns);
      const points = Object.entries(briefing) as [keyof typeof briefing, string | string[]][];
      const content = Object.fromEntries(points.map(([k, v]) => [k, clean(v)]));
      const published = await db.$transaction(async (tx) => {
        const made = await tx.briefing.create({
          data: { auditId: audit.id, slug: briefingSlug(audit.focus, audit.id), content },
        });
        await tx.auditTrailEntry.create({
          data: { auditId: audit.id, actor: 'system', action: 'briefing.published', details: { slug: made.slug } },
        });
        return made;
      });
      return { publishedAt: published.publishedAt.toISOString() };
    },
  };
}

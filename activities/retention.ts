// Retention: once the retention period after an audit's end has passed, the identifiable tier goes —
// the children's identifiers, the raw audit tools and the concerns' words — and the anonymised tier
// stays: the summary report's versions, the briefing, the actions and their quarterly history (their
// words redacted of the cohort's identifiers first), the audit trail (which never held content). The
// purge itself goes in the trail.
import { caseIdentifiers, identifierPatterns, redactIdentifiers } from '../domain/reidentification';
import type { Db } from '../infra/db';

interface OutcomeContent {
  attendance?: { agencyId: string; present: boolean }[];
  findings?: Record<string, { grade: string; conclusions?: string }>;
}

export function retentionActivities({ db }: { db: Db }) {
  return {
    async purgeIdentifiableData(input: { auditId: string }): Promise<string> {
      const { auditId } = input;
      return db.$transaction(async (tx) => {
        const done = await tx.auditTrailEntry.findFirst({ where: { auditId, action: 'retention.purged' } });
        if (done) return done.at.toISOString();
        const cases = await tx.case.findMany({ where: { auditId }, orderBy: { caseRef: 'asc' } });
        // What stays is first cleaned of the identifiers about to go: afterwards nothing could recognise them.
        const patterns = identifierPatterns(cases.map(caseIdentifiers));
        const clean = (text: string | null) => (text === null ? null : redactIdentifiers(text, patterns));
        for (const action of await tx.action.findMany({ where: { auditId }, include: { progress: true } })) {
          await tx.action.update({ where: { id: action.id }, data: { description: clean(action.description)! } });
          for (const p of action.progress) {
            await tx.actionProgress.update({
              where: { id: p.id },
              data: { update: clean(p.update), impactEvidence: clean(p.impactEvidence) },
            });
          }
        }
        for (const approval of await tx.approval.findMany({ where: { reportVersion: { auditId } } })) {
          await tx.approval.update({ where: { id: approval.id }, data: { comments: clean(approval.comments) } });
        }
        for (const decision of await tx.lisDecision.findMany({ where: { auditId } })) {
          await tx.lisDecision.update({ where: { id: decision.id }, data: { comments: clean(decision.comments) } });
        }
        // A case keeps its place in the audit under a neutral reference; its identifiers go.
        for (const [i, c] of cases.entries()) {
          await tx.case.update({
            where: { id: c.id },
            data: { caseRef: `purged-${i + 1}`, childName: null, childDob: null, childLocalId: null },
          });
        }
        const submissions = await tx.submission.deleteMany({ where: { invitation: { auditId } } });
        const escalations = await tx.escalation.updateMany({
          where: { auditId },
          data: { concern: '[purged]', acknowledgedBy: null, actionTaken: null },
        });
        // The outcome's attendance and grades stay; its words (conclusions, concerns) may name a child.
        const outcome = await tx.outcome.findUnique({ where: { auditId } });
        if (outcome) {
          const content = outcome.content as OutcomeContent;
          const findings = Object.fromEntries(
            Object.entries(content.findings ?? {}).map(([area, f]) => [area, { grade: f.grade }]),
          );
          await tx.outcome.update({
            where: { auditId },
            data: { content: { attendance: content.attendance ?? [], findings, purged: true } },
          });
        }
        const entry = await tx.auditTrailEntry.create({
          data: {
            auditId,
            actor: 'system',
            action: 'retention.purged',
            details: { cases: cases.length, submissions: submissions.count, escalations: escalations.count },
          },
        });
        // One moment for the trail, the audit's row and the evidence pack that reads it.
        await tx.audit.update({ where: { id: auditId }, data: { purgedAt: entry.at } });
        return entry.at.toISOString();
      });
    },
  };
}

// The evidence pack for inspection: one anonymised document per audit — how the cohort was drawn, who
// was invited and when they answered, the discussion's grades, every report version with its approvals,
// the LIS decision, the actions and their quarterly history, the escalations' timeline and the audit
// trail. Cases are numbered, never named; free text an agency or the panel typed (an action's wording,
// a progress update) passes through the re-identification check's redaction first. It reads the
// database only, so it answers the same before and after the retention purge (and says when that was)
// and long after Temporal has forgotten the run.
import { caseIdentifiers, identifierPatterns, redactIdentifiers } from '../domain/reidentification';
import type { Db } from '../infra/db';
import { approvalStatus } from './audit-reads';

interface OutcomeContent {
  attendance?: { agencyId: string; present: boolean }[];
  findings?: Record<string, { grade: string }>;
}

export async function evidencePack(db: Db, auditId: string, publicUrl = '') {
  const audit = await db.audit.findUniqueOrThrow({
    where: { id: auditId },
    include: {
      cases: { orderBy: { drawOrder: 'asc' } },
      invitations: { include: { submission: { select: { submittedAt: true, late: true } } } },
      outcome: true,
      reportVersions: { orderBy: { version: 'asc' }, include: { approvals: { orderBy: { agencyId: 'asc' } } } },
      lisDecisions: { orderBy: { decidedAt: 'asc' } },
      actions: { orderBy: { number: 'asc' }, include: { progress: { orderBy: { quarter: 'asc' } } } },
      escalations: { orderBy: { raisedAt: 'asc' } },
      briefing: true,
      trail: { orderBy: { at: 'asc' } },
    },
  });
  const agencies = new Map((await db.agency.findMany({ select: { id: true, name: true } })).map((a) => [a.id, a.name]));
  const agency = (id: string) => agencies.get(id) ?? 'unknown agency';
  const drawn = audit.cases.filter((c) => c.selectedAt && !c.replacedAt);
  const caseNumber = new Map(drawn.map((c, i) => [c.id, i + 1]));
  const patterns = identifierPatterns(audit.cases.map(caseIdentifiers));
  const clean = (text: string | null) => (text === null ? null : redactIdentifiers(text, patterns));
  const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
  const outcome = audit.outcome?.content as OutcomeContent | undefined;

  return {
    generatedAt: new Date().toISOString(),
    audit: {
      id: audit.id,
      focus: audit.focus,
      focusSource: audit.focusSource,
      window: { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() },
      stage: audit.stage,
      startedAt: audit.createdAt.toISOString(),
      startedBy: audit.createdBy,
    },
    cohort: {
      rationale: audit.cohortRationale,
      cases: drawn.map((c) => ({
        case: caseNumber.get(c.id),
        serviceLevel: c.serviceLevel,
        agencies: c.agencyIds.length,
      })),
      replaced: audit.cases.filter((c) => c.replacedAt).length,
    },
    invitations: audit.invitations
      .filter((i) => caseNumber.has(i.caseId))
      .sort(
        (a, b) =>
          caseNumber.get(a.caseId)! - caseNumber.get(b.caseId)! || a.createdAt.getTime() - b.createdAt.getTime(),
      )
      .map((i) => ({
        case: caseNumber.get(i.caseId),
        agency: agency(i.agencyId),
        status: i.status,
        invitedAt: i.createdAt.toISOString(),
        dueAt: iso(i.dueAt),
        submittedAt: iso(i.submission?.submittedAt),
        late: i.submission?.late ?? false,
        responseHours: i.submission?.submittedAt
          ? Math.round((i.submission.submittedAt.getTime() - i.createdAt.getTime()) / 360_000) / 10
          : null,
      })),
    discussion: {
      at: iso(audit.discussionAt),
      packCirculatedAt: iso(audit.packCirculatedAt),
      outcomeRecordedAt: iso(audit.outcome?.acceptedAt),
      attendance: (outcome?.attendance ?? []).map((a) => ({ agency: agency(a.agencyId), present: a.present })),
      grades: Object.fromEntries(Object.entries(outcome?.findings ?? {}).map(([area, f]) => [area, f.grade])),
    },
    // Each version passed the re-identification check before it was stored.
    reportVersions: audit.reportVersions.map((v) => ({
      version: v.version,
      submittedAt: v.submittedAt.toISOString(),
      circulatedAt: iso(v.circulatedAt),
      content: v.content,
      approvals: v.approvals.map((a) => ({
        agency: agency(a.agencyId),
        decision: approvalStatus(a),
        dueAt: a.dueAt.toISOString(),
        decidedAt: iso(a.decidedAt),
      })),
    })),
    lisDecisions: audit.lisDecisions.map((d) => ({
      version: audit.reportVersions.find((v) => v.id === d.reportVersionId)?.version ?? null,
      decision: d.decision,
      decidedAt: d.decidedAt.toISOString(),
    })),
    briefing: audit.briefing
      ? { url: `${publicUrl}/briefings/${audit.briefing.slug}`, publishedAt: audit.briefing.publishedAt.toISOString() }
      : null,
    actions: audit.actions.map((a) => ({
      number: a.number,
      kind: a.kind,
      description: clean(a.description),
      owner: agency(a.ownerAgencyId),
      dueAt: a.dueAt.toISOString(),
      status: a.status,
      rag: a.rag,
      closedAt: iso(a.closedAt),
      quarters: a.progress.map((p) => ({
        quarter: p.quarter,
        requestedAt: p.requestedAt.toISOString(),
        status: p.status,
        update: clean(p.update),
        impactEvidence: clean(p.impactEvidence),
        reportedAt: iso(p.reportedAt),
      })),
    })),
    escalations: audit.escalations.map((e) => ({
      case: e.caseId ? (caseNumber.get(e.caseId) ?? null) : null,
      agency: agency(e.agencyId),
      source: e.source,
      status: e.status,
      raisedAt: e.raisedAt.toISOString(),
      acknowledgedAt: iso(e.acknowledgedAt),
      reEscalations: e.reEscalations,
    })),
    // When the identifiable tier (children's identifiers, audit tools, concerns' words) was purged: null until then.
    retention: { purgedAt: iso(audit.purgedAt) },
    trail: audit.trail.map((t) => ({ at: t.at.toISOString(), actor: t.actor, action: t.action })),
  };
}

// Request bodies, validated at the edge. The single source of the API's request types (and, later,
// of its OpenAPI document).
import { z } from 'zod';
import { SERVICE_LEVELS } from './cohort';

export const AGENCY_TYPES = [
  'police',
  'health',
  'education',
  'childrens_social_care',
  'early_help',
  'probation',
  'youth_justice',
  'housing',
  'voluntary',
  'other',
] as const;

export const FOCUS_SOURCES = ['practice_review', 'business_plan_priority', 'practice_concern'] as const;

/** Keys of the per-audit timeline a compressed run may override (ISO-8601 durations). */
export const TIMELINE_KEYS = [
  'submissionWindow',
  'hardCutOff',
  'approvalWindow',
  'acknowledgementWindow',
  'followUpInterval',
  'retention',
] as const;

const text = (max: number) => z.string().trim().min(1).max(max);
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.union([z.iso.date(), isoDateTime]);
const isoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    'an ISO-8601 duration such as P15D or PT10M',
  );

export const createAgencySchema = z.strictObject({
  name: text(200),
  type: z.enum(AGENCY_TYPES),
  contactEmail: z.email().max(320),
  leadEmail: z.email().max(320),
});
export type CreateAgency = z.infer<typeof createAgencySchema>;

export const candidateSchema = z.strictObject({
  caseRef: text(100),
  serviceLevel: z.enum(SERVICE_LEVELS),
  child: z.strictObject({
    name: text(200),
    dateOfBirth: z.iso.date(),
    localId: text(100).optional(),
  }),
  agencyIds: z.array(z.uuid()).min(1).max(20),
  lastActivityAt: isoDate,
});

/** A candidate as the database keeps it (one Case row; its child identifiers are purged on retention). */
export function caseRow(c: z.infer<typeof candidateSchema>) {
  return {
    caseRef: c.caseRef,
    serviceLevel: c.serviceLevel,
    childName: c.child.name,
    childDob: new Date(c.child.dateOfBirth),
    childLocalId: c.child.localId,
    agencyIds: c.agencyIds,
    lastActivityAt: new Date(c.lastActivityAt),
  };
}

export const createAuditSchema = z
  .strictObject({
    focus: text(200),
    focusSource: z.enum(FOCUS_SOURCES),
    window: z
      .strictObject({ from: isoDate, to: isoDate })
      .refine((w) => Date.parse(w.from) <= Date.parse(w.to), { message: 'window.from must not be after window.to' })
      .optional(),
    cohortSize: z.int().min(1).max(50).default(4),
    candidates: z.array(candidateSchema).min(1).max(1000),
    discussion: z.strictObject({ at: isoDateTime, location: text(300) }).optional(),
    timeline: z.partialRecord(z.enum(TIMELINE_KEYS), isoDuration).optional(),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.candidates.forEach((c, i) => {
      if (seen.has(c.caseRef)) {
        ctx.addIssue({ code: 'custom', path: ['candidates', i, 'caseRef'], message: `duplicate caseRef ${c.caseRef}` });
      }
      seen.add(c.caseRef);
    });
  });
export type CreateAudit = z.infer<typeof createAuditSchema>;

export const cancelAuditSchema = z.strictObject({ reason: text(2000) });

export const AREAS = [
  'recognition',
  'assessment',
  'planning_intervention',
  'joint_working',
  'impact',
  'overall_quality',
] as const;
export const GRADES = ['outstanding', 'good', 'requires_improvement', 'inadequate', 'insufficient_evidence'] as const;

const longText = z.string().max(20_000);

const sectionSchema = z.strictObject({
  goodPractice: longText,
  areasForDevelopment: longText,
  recommendations: longText,
  grade: z.enum(GRADES),
  rationale: longText,
});

/**
 * POST /respond/:token — the single-agency audit tool. A draft (`submit: false`) may be partial; the
 * final submission needs every area graded with a rationale.
 */
export const respondSchema = z
  .strictObject({
    sections: z.partialRecord(z.enum(AREAS), sectionSchema.partial()).default({}),
    childVoice: longText.optional(),
    familyInformation: longText.optional(),
    history: longText.optional(),
    immediateRiskConcern: z.strictObject({ description: z.string().trim().min(1).max(5000) }).optional(),
    submit: z.boolean(),
  })
  .superRefine((body, ctx) => {
    if (!body.submit) return;
    for (const area of AREAS) {
      const parsed = sectionSchema.safeParse(body.sections[area]);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', path: ['sections', area, ...issue.path], message: issue.message });
        }
      } else if (parsed.data.rationale.trim() === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['sections', area, 'rationale'],
          message: 'every grade needs a written rationale',
        });
      }
    }
  });
export type Respond = z.infer<typeof respondSchema>;

export const replaceCaseSchema = z.strictObject({ caseRef: text(100), replacementCaseRef: text(100) });
export const extendDeadlineSchema = z.strictObject({ dueAt: isoDateTime, invitationId: z.uuid().optional() });

/** POST /api/audits/:id/concerns — the business unit raises an immediate-risk concern. */
export const raiseConcernSchema = z.strictObject({
  agencyId: z.uuid(),
  caseRef: text(100).optional(),
  description: z.string().trim().min(1).max(5000),
});

// Request bodies, validated at the edge. The single source of the API's request types and of its
// OpenAPI document (api/openapi.ts).
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

/**
 * Text a person typed: trimmed, then at least one character and at most `max`. `pattern` tells a client
 * reading the JSON Schema what the trim means: not blank.
 */
const text = (max: number) => z.string().trim().min(1).max(max).meta({ pattern: '\\S' });
/**
 * An email address: zod's, with the local part at most 64 characters (RFC 5321), as the JSON Schema
 * `email` format a client checks against requires too.
 */
const email = z.email({ pattern: new RegExp(`^(?=[^@]{1,64}@)${z.regexes.email.source.slice(1)}`) }).max(320);
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
  contactEmail: email,
  leadEmail: email,
});
export type CreateAgency = z.infer<typeof createAgencySchema>;

/** PATCH /api/agencies/:id: any of the fields, at least one. */
export const updateAgencySchema = createAgencySchema
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'send at least one of name, type, contactEmail, leadEmail');

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

const auditFields = {
  focus: text(200),
  focusSource: z.enum(FOCUS_SOURCES),
  window: z
    .strictObject({ from: isoDate, to: isoDate })
    .refine((w) => Date.parse(w.from) <= Date.parse(w.to), { message: 'window.from must not be after window.to' })
    .optional(),
  cohortSize: z.int().min(1).max(50).default(4),
  candidates: z.array(candidateSchema).min(1).max(1000),
  discussion: z.strictObject({ at: isoDateTime, location: text(300) }).optional(),
};

function uniqueCaseRefs(body: { candidates: { caseRef: string }[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  body.candidates.forEach((c, i) => {
    if (seen.has(c.caseRef)) {
      ctx.addIssue({ code: 'custom', path: ['candidates', i, 'caseRef'], message: `duplicate caseRef ${c.caseRef}` });
    }
    seen.add(c.caseRef);
  });
}

export const createAuditSchema = z
  .strictObject({ ...auditFields, timeline: z.partialRecord(z.enum(TIMELINE_KEYS), isoDuration).optional() })
  .superRefine(uniqueCaseRefs);
/** POST /api/audits as a server without ALLOW_COMPRESSED_TIMELINES documents it: no `timeline`. */
export const createAuditWithoutTimelineSchema = z.strictObject(auditFields).superRefine(uniqueCaseRefs);
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
    immediateRiskConcern: z.strictObject({ description: text(5000) }).optional(),
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

/** POST /api/audits/:id/invitations/:invitationId/reissue — a new link, to the given address if any ("Change contact"). */
export const reissueLinkSchema = z.strictObject({ contactEmail: email.optional() });

/** POST /api/audits/:id/invitations/:invitationId/reopen — a submitted audit tool made editable again. */
export const reopenInvitationSchema = z.strictObject({ reason: text(2000) });

/** POST /api/audits/:id/concerns — the business unit raises an immediate-risk concern. */
export const raiseConcernSchema = z.strictObject({
  agencyId: z.uuid(),
  caseRef: text(100).optional(),
  description: text(5000),
});

/**
 * POST /approve/:token — a practitioner's decision on one report version. Requesting changes needs
 * comments saying what to change; an approval may carry some.
 */
export const approveSchema = z
  .strictObject({
    decision: z.enum(['approve', 'request_changes']),
    comments: z.string().trim().max(5000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.decision === 'request_changes' && !body.comments) {
      ctx.addIssue({ code: 'custom', path: ['comments'], message: 'say what should change' });
    }
  });
export type Approve = z.infer<typeof approveSchema>;

/** POST /progress/:token — the owner agency's quarterly progress on one action. */
export const progressSchema = z.strictObject({
  status: z.enum(['red', 'amber', 'green', 'complete']),
  update: text(5000),
  impactEvidence: z.string().trim().max(5000).optional(),
});
export type Progress = z.infer<typeof progressSchema>;

/** POST /acknowledge/:token — the agency lead acknowledges an urgent concern and says what was done. */
export const acknowledgeSchema = z.strictObject({
  name: text(200),
  actionTaken: text(5000),
});

/** One line of text: no line breaks (a place shown in emails and on the pack). */
const oneLine = (max: number) =>
  text(max)
    .regex(/^[^\r\n\u2028\u2029]*$/, 'must be a single line')
    // Both rules in the one `pattern` the JSON Schema has room for: a line, not blank.
    .meta({ pattern: '^[^\\r\\n\\u2028\\u2029]*\\S[^\\r\\n\\u2028\\u2029]*$' });

/** POST /api/audits/:id/discussion — when and where the multi-agency discussion is held. */
export const scheduleDiscussionSchema = z.strictObject({ at: isoDateTime, location: oneLine(200) });
export type ScheduleDiscussion = z.infer<typeof scheduleDiscussionSchema>;

const actionItemSchema = z.strictObject({
  description: text(5000),
  ownerAgencyId: z.uuid(),
  dueAt: isoDate,
});

/**
 * POST /api/audits/:id/discussion/outcome — what the discussion agreed: attendance per agency, a grade and
 * conclusions for every area, urgent actions, immediate-risk concerns and recommendations.
 */
export const outcomeSchema = z
  .strictObject({
    attendance: z
      .array(z.strictObject({ agencyId: z.uuid(), present: z.boolean() }))
      .min(1)
      .max(100),
    findings: z.record(z.enum(AREAS), z.strictObject({ grade: z.enum(GRADES), conclusions: text(20_000) })),
    urgentActions: z.array(actionItemSchema).max(50),
    concerns: z
      .array(
        z.strictObject({
          caseRef: text(100),
          agencyId: z.uuid().optional(),
          description: text(5000),
        }),
      )
      .max(50),
    recommendations: z.array(actionItemSchema).max(50),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.attendance.forEach((a, i) => {
      if (seen.has(a.agencyId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['attendance', i, 'agencyId'],
          message: `duplicate agency ${a.agencyId}`,
        });
      }
      seen.add(a.agencyId);
    });
  });
export type OutcomeBody = z.infer<typeof outcomeSchema>;

const reportItems = z.array(text(2000)).max(50);

/** POST /api/audits/:id/report — one version of the anonymised summary report, final once submitted. */
export const reportSchema = z.strictObject({
  workingWell: reportItems,
  areasForDevelopment: reportItems,
  themes: reportItems,
  recommendations: reportItems,
});
export type ReportBody = z.infer<typeof reportSchema>;
export const REPORT_FIELDS = ['workingWell', 'areasForDevelopment', 'themes', 'recommendations'] as const;

/** POST /api/audits/:id/lis-decision — the Learning and Improvement Subgroup signs off or returns the report. */
export const lisDecisionSchema = z
  .strictObject({
    decision: z.enum(['approved', 'returned']),
    comments: text(5000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.decision === 'returned' && !body.comments) {
      ctx.addIssue({ code: 'custom', path: ['comments'], message: 'say what must change when returning the report' });
    }
  });
export type LisDecisionBody = z.infer<typeof lisDecisionSchema>;

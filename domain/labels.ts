// The names people read for the audit's six areas and five grades: the pages and the report draft say
// them the same way.
import { AREAS, GRADES } from './schemas';

export type Area = (typeof AREAS)[number];
export type Grade = (typeof GRADES)[number];

export const AREA_LABELS: Record<Area, string> = {
  recognition: 'Recognition',
  assessment: 'Assessment',
  planning_intervention: 'Planning and intervention',
  joint_working: 'Joint working',
  impact: 'Impact',
  overall_quality: 'Overall quality',
};

/** As a heading or a choice; mid-sentence, lower-cased. */
export const GRADE_LABELS: Record<Grade, string> = {
  outstanding: 'Outstanding',
  good: 'Good',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
  insufficient_evidence: 'Insufficient evidence',
};

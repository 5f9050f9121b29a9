// The 7 Point Briefing (PRODUCT.md, stage 8): seven short points made from the audit's anonymised
// summary report, never from the audit tools themselves. Pure, so it can be tested and re-made.

export interface BriefingSource {
  focus: string;
  focusSource: 'practice_review' | 'business_plan_priority' | 'practice_concern';
  cases: number;
  agencies: number;
  report: { workingWell: string[]; areasForDevelopment: string[]; themes: string[]; recommendations: string[] };
}

export interface SevenPointBriefing {
  focus: string;
  whyItMattered: string;
  whatWasDone: string;
  whatWorkedWell: string[];
  whatMustImprove: string[];
  recommendations: string[];
  whatPractitionersShouldDoNow: string[];
}

const WHY: Record<BriefingSource['focusSource'], string> = {
  practice_review: 'A practice review found learning in this area that the partnership wanted to test across agencies.',
  business_plan_priority: "It is a priority in the partnership's business plan.",
  practice_concern: 'Practitioners and managers raised concerns about practice or performance in this area.',
};

export function sevenPointBriefing(source: BriefingSource): SevenPointBriefing {
  const { report } = source;
  return {
    focus: source.focus,
    whyItMattered: WHY[source.focusSource],
    whatWasDone:
      `A multi-agency deep dive audit of ${source.cases} randomly selected ${source.cases === 1 ? 'case' : 'cases'}: ` +
      `${source.agencies} ${source.agencies === 1 ? 'agency' : 'agencies'} audited their own involvement, then met to ` +
      'agree the findings together.',
    whatWorkedWell: report.workingWell,
    whatMustImprove: [...report.areasForDevelopment, ...report.themes],
    recommendations: report.recommendations,
    whatPractitionersShouldDoNow: report.recommendations.length
      ? report.recommendations.map((r) => `Read and act on: ${r}`)
      : ['Discuss this briefing in your next team meeting and supervision.'],
  };
}

/** `child-exploitation-1a2b3c4d`: readable, unique per audit, and naming nothing but the focus. */
export function briefingSlug(focus: string, auditId: string): string {
  const words = focus
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${words || 'deep-dive'}-${auditId.replace(/-/g, '').slice(0, 8)}`;
}

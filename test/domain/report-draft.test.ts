import { type DraftSubmission, draftReport, points } from '../../domain/report-draft';
import { AREAS, GRADES } from '../../domain/schemas';

// Three children, each known to three or four of four agencies: ten audit tools.
const POLICE = 'agency-police';
const HEALTH = 'agency-health';
const CSC = 'agency-csc';
const SCHOOL = 'agency-school';
const CASES: Record<string, string[]> = {
  'case-1': [POLICE, HEALTH, CSC],
  'case-2': [POLICE, HEALTH, CSC, SCHOOL],
  'case-3': [HEALTH, CSC, SCHOOL],
};

type Section = {
  goodPractice: string;
  areasForDevelopment: string;
  recommendations: string;
  grade: string;
  rationale: string;
};

const plain = (grade = 'good'): Section => ({
  goodPractice: '',
  areasForDevelopment: '',
  recommendations: '',
  grade,
  rationale: 'Seen in the records',
});

/** Every tool grades every area "good" and says nothing, unless a test says otherwise. */
function tools(edit: (caseId: string, agencyId: string, sections: Record<string, Section>) => void): DraftSubmission[] {
  return Object.entries(CASES).flatMap(([caseId, agencies]) =>
    agencies.map((agencyId) => {
      const sections = Object.fromEntries(AREAS.map((a) => [a, plain()]));
      edit(caseId, agencyId, sections);
      return { caseId, agencyId, content: { sections, childVoice: 'Said she liked her teacher' } };
    }),
  );
}

const submissions = tools((caseId, agencyId, s) => {
  // The voice of the child: raised by three agencies about three children — a theme.
  if (
    (caseId === 'case-1' && agencyId === POLICE) ||
    (caseId === 'case-2' && agencyId === HEALTH) ||
    (caseId === 'case-3' && agencyId === CSC)
  ) {
    s.assessment!.areasForDevelopment = '- The voice of the child was not recorded\n- Assessments were not updated';
    s.assessment!.grade = 'requires_improvement';
  }
  // Plans without timescales: one agency, about two children — a theme.
  if (agencyId === CSC && caseId !== 'case-3') {
    s.planning_intervention!.areasForDevelopment = 'Plans did not set timescales.';
  }
  // One school about one child: not a theme.
  if (agencyId === SCHOOL && caseId === 'case-2') {
    s.recognition!.areasForDevelopment = 'Attendance concerns were not escalated';
    s.recognition!.grade = 'inadequate';
  }
  // Good practice seen by two agencies in the same words, one by another.
  if (caseId === 'case-1' && (agencyId === POLICE || agencyId === HEALTH)) {
    s.joint_working!.goodPractice = 'Timely strategy meeting';
  }
  if (caseId === 'case-2' && agencyId === HEALTH) s.joint_working!.goodPractice = 'timely strategy meeting.';
  if (caseId === 'case-3' && agencyId === SCHOOL) s.impact!.goodPractice = '1. Attendance improved';
  if (caseId === 'case-3' && agencyId === HEALTH) s.impact!.grade = 'insufficient_evidence';
});

const outcome = {
  attendance: [POLICE, HEALTH, CSC, SCHOOL].map((agencyId) => ({ agencyId, present: true })),
  findings: {
    recognition: { grade: 'good', conclusions: 'Exploitation indicators were recognised early.' },
    assessment: { grade: 'requires_improvement', conclusions: 'Assessments did not reflect lived experience.' },
    planning_intervention: { grade: 'requires_improvement', conclusions: 'Plans lacked timescales.' },
    joint_working: { grade: 'outstanding', conclusions: 'Information was shared the same day.' },
    impact: { grade: 'insufficient_evidence', conclusions: '' },
    overall_quality: { grade: 'good', conclusions: 'Sound practice overall.' },
  },
  urgentActions: [
    { description: 'Review supervision in the exploitation team', ownerAgencyId: CSC, dueAt: '2026-12-31' },
  ],
  concerns: [],
  recommendations: [
    { description: 'Use the screening tool at first contact', ownerAgencyId: POLICE, dueAt: '2027-03-31T00:00:00Z' },
    { description: 'Record the voice of the child in every assessment', ownerAgencyId: 'unknown', dueAt: 'soon' },
  ],
};

const agencyNames = { [POLICE]: 'North Yorkshire Police', [CSC]: 'Children and Families Service' };

describe('the report draft', () => {
  const draft = draftReport({ submissions, outcome, agencyNames });

  it('names the recurring areas for development and how many agencies raised them, never a child', () => {
    expect(draft.themes).toEqual([
      'Assessment: a recurring area for development, raised by 3 agencies across the cohort.',
      'Planning and intervention: a recurring area for development, raised by 1 agency across the cohort.',
    ]);
  });

  it('shares out the self-grades per area against the panel’s grade', () => {
    expect(submissions).toHaveLength(10);
    expect(draft.grades.assessment).toEqual({
      panel: 'requires_improvement',
      selfGrades: { outstanding: 0, good: 0.7, requires_improvement: 0.3, inadequate: 0, insufficient_evidence: 0 },
    });
    expect(draft.grades.recognition.selfGrades).toMatchObject({ good: 0.9, inadequate: 0.1 });
    expect(draft.grades.impact).toMatchObject({ panel: 'insufficient_evidence', selfGrades: { good: 0.9 } });
    expect(draft.grades.impact.selfGrades.insufficient_evidence).toBeCloseTo(0.1);
    for (const area of AREAS) {
      const total = GRADES.reduce((sum, g) => sum + draft.grades[area].selfGrades[g], 0);
      expect(total).toBeCloseTo(1);
    }
  });

  it('puts the panel’s good grades and the distinct good practice under working well', () => {
    expect(draft.workingWell).toEqual([
      'Recognition: the panel graded this good. Exploitation indicators were recognised early.',
      'Joint working: the panel graded this outstanding. Information was shared the same day.',
      'Overall quality: the panel graded this good. Sound practice overall.',
      'Joint working: Timely strategy meeting (noted by 2 agencies)',
      'Impact: Attendance improved',
    ]);
  });

  it('puts the panel’s weaker grades and every distinct development point under areas for development', () => {
    expect(draft.areasForDevelopment).toEqual([
      'Assessment: the panel graded this requires improvement. Assessments did not reflect lived experience.',
      'Planning and intervention: the panel graded this requires improvement. Plans lacked timescales.',
      'Impact: the panel graded this insufficient evidence.',
      'Recognition: Attendance concerns were not escalated',
      'Assessment: The voice of the child was not recorded (noted by 3 agencies)',
      'Assessment: Assessments were not updated (noted by 3 agencies)',
      'Planning and intervention: Plans did not set timescales.',
    ]);
  });

  it('takes the recommendations and urgent actions from the outcome, with owner and due date', () => {
    expect(draft.recommendations).toEqual([
      'Use the screening tool at first contact (owner: North Yorkshire Police, due 2027-03-31)',
      'Record the voice of the child in every assessment',
      'Urgent action: Review supervision in the exploitation team (owner: Children and Families Service, due 2026-12-31)',
    ]);
  });

  it('drafts from the submissions alone before the outcome, and is deterministic', () => {
    const early = draftReport({ submissions, outcome: null });
    expect(early.recommendations).toEqual([]);
    expect(early.grades.assessment.panel).toBeNull();
    expect(early.themes).toEqual(draft.themes);
    expect(draftReport({ submissions, outcome: null })).toEqual(early);
    expect(draftReport({ submissions: [], outcome: null }).grades.impact.selfGrades.good).toBe(0);
  });

  it('keeps within what a report version accepts', () => {
    const many = tools((_c, agencyId, s) => {
      s.recognition!.goodPractice = Array.from(
        { length: 30 },
        (_, i) => `${agencyId} point ${i} ${'x'.repeat(2500)}`,
      ).join('\n');
    });
    const capped = draftReport({ submissions: many, outcome: null });
    expect(capped.workingWell).toHaveLength(50);
    for (const item of capped.workingWell) expect(item.length).toBeLessThanOrEqual(2000);
  });

  it('splits free text into points', () => {
    expect(points('- one\n* two\n\n3) three\n  • four  \n')).toEqual(['one', 'two', 'three', 'four']);
  });
});

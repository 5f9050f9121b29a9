// The collated pack as a page: every drawn child (identifiers only to an agency that worked with them), every
// invited agency's submission section by section, late ones marked, and the self-grades per area.
import { type Area, AREA_LABELS, type Grade, GRADE_LABELS } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import { type Row, SERVICE_LEVEL_LABELS, type Tag, tag } from './components';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';

/** One area of a submission, as POST /respond/:token stores it. */
export interface PackSection {
  goodPractice?: string;
  areasForDevelopment?: string;
  recommendations?: string;
  grade?: Grade;
  rationale?: string;
}

export interface PackAgencyEntry {
  agencyName: string;
  /** Submitted after its deadline or after the pack went out. */
  late: boolean;
  submittedAt: string | null;
  noInvolvement: boolean;
  sections: Partial<Record<Area, PackSection>>;
  childVoice: string | null;
  familyInformation: string | null;
  history: string | null;
}

/** The collated pack behind one agency's link (GET /pack/:token as JSON too; the PDF is drawn from it). */
export interface PackView {
  audit: { title: string; discussion: { at: string | null; location: string | null } };
  agency: { name: string | null };
  cases: {
    caseRef: string;
    serviceLevel: string;
    /** "10 to 15" (domain/age-band.ts): what every agency is told of the child's age. */
    ageBand: string;
    /** Only for an agency that worked with the child; null for the others. */
    child: { name: string | null; dateOfBirth: string | null; localId: string | null } | null;
    agencies: PackAgencyEntry[];
  }[];
  /** Each area's self-grades over every submission in the pack. */
  areas: Record<Area, { selfGrades: Record<Grade, number> }>;
}

interface PackEntryModel {
  id: string;
  agencyName: string;
  tags: Tag[];
  /** "Submitted 3 December 2026 at 10:00 (late: …)", when it was. */
  submitted: string | null;
  /** Per area, then the child and family: a heading and its rows. */
  parts: { heading: string; rows: Row[] }[];
}

export interface PackModel extends LayoutModel {
  agencyName: string;
  pdfHref?: string;
  summary: Row[];
  cases: { id: string; caseRef: string; summary: Row[]; entries: PackEntryModel[] }[];
  grades: { head: string[]; rows: { area: string; counts: string[] }[] };
}

function entryModel(entry: PackAgencyEntry, id: string): PackEntryModel {
  const tags = entry.noInvolvement
    ? [tag('No involvement', 'grey')]
    : entry.submittedAt
      ? [tag('Submitted', 'green'), ...(entry.late ? [tag('Late', 'red')] : [])]
      : [tag('Not submitted', 'grey')];
  const parts = entry.submittedAt
    ? [
        ...AREAS.map((area) => {
          const s = entry.sections[area];
          return {
            heading: AREA_LABELS[area],
            rows: [
              { key: 'Self-grade', text: s?.grade ? (GRADE_LABELS[s.grade] ?? s.grade) : null },
              { key: 'Why this grade', prose: s?.rationale },
              { key: 'Good practice', prose: s?.goodPractice },
              { key: 'Areas for development', prose: s?.areasForDevelopment },
              { key: 'Recommendations', prose: s?.recommendations },
            ],
          };
        }),
        {
          heading: 'The child and family',
          rows: [
            { key: "The child's voice", prose: entry.childVoice },
            { key: 'Family information', prose: entry.familyInformation },
            { key: 'History', prose: entry.history },
          ],
        },
      ]
    : [];
  return {
    id,
    agencyName: entry.agencyName,
    tags,
    submitted: entry.submittedAt
      ? `Submitted ${formatDateTime(entry.submittedAt)}${entry.late ? ' (late: after its deadline or after the pack went out)' : ''}.`
      : null,
    parts,
  };
}

/** In place of the identifiers of a child the agency did not work with (the page and the PDF). */
export const NOT_YOURS = 'Shown only to the agencies that worked with this child.';

/** `pdfHref`: this link's PDF download. */
export function packPage(view: PackView, pdfHref?: string): Page<PackModel> {
  const { discussion } = view.audit;
  return {
    template: 'pack.njk',
    model: {
      title: `Collated pack: ${view.audit.title}`,
      agencyName: view.agency.name ?? '',
      pdfHref,
      summary: [
        { key: 'Discussion', text: discussion.at ? formatDateTime(discussion.at) : 'Not scheduled yet' },
        { key: 'Place', text: discussion.location },
        { key: 'Children', text: String(view.cases.length) },
      ],
      cases: view.cases.map((c, i) => ({
        id: `case-${i + 1}`,
        caseRef: c.caseRef,
        summary: [
          { key: 'Service level', text: SERVICE_LEVEL_LABELS[c.serviceLevel] ?? c.serviceLevel },
          { key: 'Age', text: c.ageBand },
          ...(c.child
            ? [
                { key: "Child's name", text: c.child.name },
                { key: 'Date of birth', text: formatDate(c.child.dateOfBirth, true) },
                { key: 'Local identifier', text: c.child.localId },
              ]
            : [{ key: "Child's details", text: NOT_YOURS }]),
        ],
        entries: c.agencies.map((entry, j) => entryModel(entry, `case-${i + 1}-agency-${j + 1}`)),
      })),
      grades: {
        head: GRADES.map((g) => GRADE_LABELS[g]),
        rows: AREAS.map((area) => ({
          area: AREA_LABELS[area],
          counts: GRADES.map((g) => String(view.areas[area].selfGrades[g])),
        })),
      },
    },
  };
}

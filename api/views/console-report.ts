// /audits/:id/report, its printable view, and /audits/:id/sign-off: the summary report edited as lists (one
// item a line), the re-identification check's findings beside the text that caused them, the versions with
// their approvals and the LIS's decisions.
import type { z } from 'zod';
import type { FieldFinding } from '../../domain/reidentification';
import { REPORT_FIELDS } from '../../domain/schemas';
import type { Stage } from '../../domain/stages';
import { approvalStatus } from '../audit-reads';
import type { ReportVersionRead } from '../console-reads';
import type { SignedIn } from '../sign-in';
import { type Errors, STAGE_LABELS, type Tag, tag } from './components';
import { formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export type ReportField = (typeof REPORT_FIELDS)[number];
/** The report's lists as the form has them: one text per list, one item a line. */
export type ReportText = Record<ReportField, string>;

export const REPORT_LABELS: Record<ReportField, string> = {
  workingWell: 'Areas working well',
  areasForDevelopment: 'Areas for development',
  themes: 'Themes',
  recommendations: 'Recommendations',
};

/** A list's text as the report's items: one a line, blank lines left out. */
export const reportItems = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

export const reportText = (lists: Partial<Record<ReportField, readonly string[]>>): ReportText =>
  Object.fromEntries(REPORT_FIELDS.map((f) => [f, (lists[f] ?? []).join('\n')])) as ReportText;

const KIND_LABELS: Record<FieldFinding['kind'], string> = {
  name: 'a name from the audit’s cases',
  date_of_birth: 'a date of birth from the audit’s cases',
  local_id: 'a local identifier from the audit’s cases',
  case_ref: 'a case reference',
  nhs_number: 'an NHS number',
  postcode: 'a postcode',
  address: 'an address',
  phone: 'a telephone number',
  small_number: 'a small number, which may let a reader work out who is meant',
  initials: 'the initials of a child from the audit’s cases',
  birth_month: 'a birth month with its year',
  exact_age: 'an exact age beside a service level, which may let a reader work out who is meant',
  possible_initials: 'letters that are also the initials of a child from the audit’s cases',
};

/** What the schema refused, said per list (an item too long, too many items). */
export function reportFormErrors(issues: readonly z.core.$ZodIssue[]): Errors {
  const errors: Errors = [];
  for (const issue of issues) {
    const field = String(issue.path[0]) as ReportField;
    if (!REPORT_LABELS[field] || errors.some((e) => e.id === field)) continue;
    const item = typeof issue.path[1] === 'number' ? issue.path[1] + 1 : undefined;
    errors.push({
      id: field,
      text: item
        ? `Item ${item} of ${REPORT_LABELS[field]} must be 2000 characters or fewer`
        : `${REPORT_LABELS[field]} must have 50 items or fewer`,
    });
  }
  return errors;
}

/** One error per list that holds an identifier: the findings beside it say which. */
export const identifierErrors = (failures: readonly FieldFinding[]): Errors =>
  REPORT_FIELDS.filter((f) => failures.some((x) => x.field === f)).map((f) => ({
    id: f,
    text: `Remove the identifying details from ${REPORT_LABELS[f]}: each is shown below the list`,
  }));

export interface ReportView {
  staff: SignedIn;
  audit: { id: string; focus: string; stage: Stage };
  versions: ReportVersionRead[];
  agencyNames: Record<string, string>;
  /** The lists in the form: as posted, else the latest version's or the system's draft. */
  text: ReportText;
  /** The re-identification check's findings, once asked for (or a submission was refused by it). */
  check?: { failures: readonly FieldFinding[]; warnings: readonly FieldFinding[] };
  errors?: Errors;
  /** A version just submitted. */
  submitted?: number;
}

interface FindingModel {
  item: number;
  before: string;
  match: string;
  after: string;
  kind: string;
}

interface VersionModel {
  version: number;
  submitted: string;
  circulated: string;
  lists: { label: string; items: string[] }[];
  approvals: { agency: string; status: Tag; decided: string; comments: string }[];
  lisDecisions: { decision: Tag; decided: string; comments: string }[];
}

export interface ReportModel extends LayoutModel {
  csrf: string;
  auditId: string;
  focus: string;
  stage: string;
  canEdit: boolean;
  fields: { name: ReportField; label: string; value: string; failures: FindingModel[]; warnings: FindingModel[] }[];
  /** The check ran and found nothing to fix. */
  clean: boolean;
  submitted?: number;
  versions: VersionModel[];
}

/** Each finding with the item that caused it, the identifier picked out. */
function findingsOf(findings: readonly FieldFinding[], field: ReportField, items: string[]): FindingModel[] {
  return findings
    .filter((f) => f.field === field)
    .map((f) => {
      const text = items[f.index] ?? '';
      const at = Math.max(0, text.indexOf(f.match));
      return {
        item: f.index + 1,
        before: text.slice(0, at),
        match: f.match,
        after: text.slice(at + f.match.length),
        kind: KIND_LABELS[f.kind],
      };
    });
}

const APPROVAL_TAGS: Record<'approved' | 'changes_requested' | 'superseded' | 'pending', Tag> = {
  approved: tag('Approved', 'green'),
  changes_requested: tag('Changes requested', 'red'),
  superseded: tag('Superseded', 'grey'),
  pending: tag('Waiting'),
};

function versionModel(v: ReportVersionRead, agencyNames: Record<string, string>): VersionModel {
  const content = v.content as Partial<Record<ReportField, string[]>>;
  return {
    version: v.version,
    submitted: formatDateTime(v.submittedAt),
    circulated: v.circulatedAt ? formatDateTime(v.circulatedAt) : 'Not circulated',
    lists: REPORT_FIELDS.map((f) => ({ label: REPORT_LABELS[f], items: content[f] ?? [] })),
    approvals: v.approvals.map((a) => ({
      agency: agencyNames[a.agencyId] ?? 'An agency no longer in the directory',
      status: APPROVAL_TAGS[approvalStatus(a)],
      decided: a.decidedAt ? formatDateTime(a.decidedAt) : '',
      comments: a.comments ?? '',
    })),
    lisDecisions: v.lisDecisions.map((d) => ({
      decision: d.decision === 'approved' ? tag('Signed off', 'green') : tag('Returned with comments', 'red'),
      decided: formatDateTime(d.decidedAt),
      comments: d.comments ?? '',
    })),
  };
}

/** What the report and sign-off pages share: one audit's part, back to the audit, its refusals. */
const auditPart = (title: string, staff: SignedIn, audit: ReportView['audit'], errors?: Errors) => ({
  title,
  staff,
  navigation: consoleNavigation(staff, '/audits'),
  backLink: { href: `/audits/${audit.id}`, text: 'Back to the audit' },
  errors,
  csrf: staff.csrf,
  auditId: audit.id,
  focus: audit.focus,
  stage: STAGE_LABELS[audit.stage],
});

export function reportPage(view: ReportView): Page<ReportModel> {
  const { staff, audit, check } = view;
  return {
    template: 'console-report.njk',
    model: {
      ...auditPart('Summary report', staff, audit, view.errors),
      canEdit: staff.role === 'business_unit',
      fields: REPORT_FIELDS.map((name) => {
        const items = reportItems(view.text[name]);
        return {
          name,
          label: REPORT_LABELS[name],
          value: view.text[name],
          failures: findingsOf(check?.failures ?? [], name, items),
          warnings: findingsOf(check?.warnings ?? [], name, items),
        };
      }),
      clean: !!check && check.failures.length === 0 && !view.errors?.length,
      submitted: view.submitted,
      versions: view.versions.map((v) => versionModel(v, view.agencyNames)),
    },
  };
}

export interface ReportPrintModel extends LayoutModel {
  focus: string;
  version?: VersionModel;
}

/** The latest version alone, for printing: the layout's print styles leave out the navigation. */
export function reportPrintPage(view: Pick<ReportView, 'staff' | 'audit' | 'versions' | 'agencyNames'>) {
  const latest = view.versions[0];
  return {
    template: 'console-report-print.njk',
    model: {
      title: latest ? `Summary report, version ${latest.version}` : 'Summary report',
      staff: view.staff,
      navigation: consoleNavigation(view.staff, '/audits'),
      backLink: { href: `/audits/${view.audit.id}/report`, text: 'Back to the report' },
      focus: view.audit.focus,
      version: latest && versionModel(latest, view.agencyNames),
    },
  } satisfies Page<ReportPrintModel>;
}

export interface SignOffView {
  staff: SignedIn;
  audit: { id: string; focus: string; stage: Stage };
  /** The version circulated last: the one the LIS decides on. */
  version?: ReportVersionRead;
  agencyNames: Record<string, string>;
  comments?: string;
  errors?: Errors;
  decided?: 'approved' | 'returned';
}

export interface SignOffModel extends LayoutModel {
  csrf: string;
  auditId: string;
  focus: string;
  stage: string;
  canDecide: boolean;
  version?: VersionModel;
  /** Every practitioner asked has approved the version. */
  approved: boolean;
  comments: string;
  decided?: string;
}

export function signOffPage(view: SignOffView): Page<SignOffModel> {
  const { staff, audit, version } = view;
  const approvals = version?.approvals ?? [];
  return {
    template: 'console-sign-off.njk',
    model: {
      ...auditPart('LIS sign-off', staff, audit, view.errors),
      canDecide: staff.role === 'business_unit' || staff.role === 'lis',
      version: version && versionModel(version, view.agencyNames),
      approved: approvals.length > 0 && approvals.every((a) => a.decision === 'approved'),
      comments: view.comments ?? '',
      decided:
        view.decided &&
        (view.decided === 'approved'
          ? 'The report is signed off: its recommendations and actions are now followed up.'
          : 'The report is returned to the business unit with your comments.'),
    },
  };
}

// /agencies: the agency directory; the business unit adds, changes and imports agencies (a CSV as the CLI
// takes it), the manager reads it.
import type { z } from 'zod';
import { AGENCY_COLUMNS } from '../../domain/agencies-csv';
import type { Problem } from '../../domain/csv';
import { AGENCY_TYPES } from '../../domain/schemas';
import type { PlannedAgency } from '../commands/agencies';
import type { SignedIn } from '../sign-in';
import { type Cell, type Errors, fieldId, type Table, tag } from './components';
import { fileProblem } from './forms';
import { type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export const AGENCY_TYPE_LABELS: Record<(typeof AGENCY_TYPES)[number], string> = {
  police: 'Police',
  health: 'Health',
  education: 'Education',
  childrens_social_care: 'Children’s social care',
  early_help: 'Early help',
  probation: 'Probation',
  youth_justice: 'Youth justice',
  housing: 'Housing',
  voluntary: 'Voluntary sector',
  other: 'Other',
};

/** The file field of "Import agencies (CSV)". */
export const IMPORT_FIELD = 'agencies';

export const AGENCY_FIELDS = ['name', 'type', 'contactEmail', 'leadEmail'] as const;
export type AgencyForm = Record<(typeof AGENCY_FIELDS)[number], string>;

/** What to do about each field, in the design system's words. */
const AGENCY_ERRORS: Record<string, string> = {
  name: 'Enter the agency’s name, up to 200 characters',
  type: 'Choose the type of agency',
  contactEmail: 'Enter the contact email address in the correct format, like audits@agency.example',
  leadEmail: 'Enter the agency lead’s email address in the correct format, like lead@agency.example',
};

/** What was wrong with an agency's details, one message per field. */
export function agencyFormErrors(issues: readonly z.core.$ZodIssue[]): Errors {
  const ids = [...new Set(issues.map((i) => fieldId(i.path)))];
  return ids.map((id) => ({ id, text: AGENCY_ERRORS[id] ?? 'Check this answer' }));
}

/** "Import agencies (CSV)" refused: how many problems, then each where it is in the file. */
export function importProblemErrors(fileName: string, problems: readonly Problem[]): Errors {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [
    { id: IMPORT_FIELD, text: `${fileName} has ${count}: nothing was imported` },
    ...problems.map((p) => fileProblem(IMPORT_FIELD, fileName, p)),
  ];
}

const typeOptions = AGENCY_TYPES.map((value) => ({ value, text: AGENCY_TYPE_LABELS[value] }));
const emptyForm: AgencyForm = { name: '', type: '', contactEmail: '', leadEmail: '' };

export interface AgenciesView {
  staff: SignedIn;
  agencies: {
    id: string;
    name: string;
    type: (typeof AGENCY_TYPES)[number];
    contactEmail: string;
    leadEmail: string;
  }[];
  add?: AgencyForm;
  errors?: Errors;
  /** What the last change did, for the banner. */
  done?: string;
}

export interface AgenciesModel extends LayoutModel {
  csrf: string;
  canEdit: boolean;
  agencies: { id: string; name: string; type: string; contactEmail: string; leadEmail: string }[];
  add: AgencyForm;
  columns: string;
  types: { value: string; text: string }[];
  done?: string;
}

export function agenciesPage(view: AgenciesView): Page<AgenciesModel> {
  const { staff } = view;
  return {
    template: 'console-agencies.njk',
    model: {
      title: 'Agencies',
      staff,
      navigation: consoleNavigation(staff, '/agencies'),
      errors: view.errors,
      csrf: staff.csrf,
      canEdit: staff.role === 'business_unit',
      agencies: view.agencies.map((a) => ({ ...a, type: AGENCY_TYPE_LABELS[a.type] })),
      add: view.add ?? emptyForm,
      columns: AGENCY_COLUMNS.join(','),
      types: typeOptions,
      done: view.done,
    },
  };
}

export interface AgencyEditModel extends LayoutModel {
  csrf: string;
  agencyId: string;
  form: AgencyForm;
  types: { value: string; text: string }[];
}

export function agencyEditPage(view: {
  staff: SignedIn;
  agencyId: string;
  form: AgencyForm;
  errors?: Errors;
}): Page<AgencyEditModel> {
  return {
    template: 'console-agency-edit.njk',
    model: {
      title: 'Change an agency',
      staff: view.staff,
      navigation: consoleNavigation(view.staff, '/agencies'),
      backLink: { href: '/agencies', text: 'Back to the agencies' },
      errors: view.errors,
      csrf: view.staff.csrf,
      agencyId: view.agencyId,
      form: view.form,
      types: typeOptions,
    },
  };
}

export interface AgencyImportModel extends LayoutModel {
  csrf: string;
  key: string;
  table: Table;
  /** "2 to add, 1 to change, 3 already as in the file". */
  summary: string;
}

const DETAIL_LABELS: Record<PlannedAgency['fields'][number], string> = {
  type: 'type',
  contactEmail: 'contact',
  leadEmail: 'agency lead',
};

const changeCell = (p: PlannedAgency): Cell =>
  p.change === 'add'
    ? { tags: [tag('Add', 'green')] }
    : p.change === 'update'
      ? { tags: [tag('Update', 'yellow')], text: `new ${p.fields.map((f) => DETAIL_LABELS[f]).join(', ')}` }
      : { tags: [tag('No change', 'grey')] };

/** Check your answers: the file's agencies and what importing each does, before "Import agencies". */
export function agencyImportCheckPage(view: {
  staff: SignedIn;
  fileName: string;
  agencies: PlannedAgency[];
  /** Carried in the form: a second "Import agencies" with it answers what the first did. */
  key: string;
}): Page<AgencyImportModel> {
  const { staff } = view;
  const count = (change: PlannedAgency['change']) => view.agencies.filter((a) => a.change === change).length;
  return {
    template: 'console-agencies-import.njk',
    model: {
      title: 'Check the agencies before importing them',
      staff,
      navigation: consoleNavigation(staff, '/agencies'),
      backLink: { href: '/agencies', text: 'Back to the agencies' },
      csrf: staff.csrf,
      key: view.key,
      summary: `${count('add')} to add, ${count('update')} to update, ${count('unchanged')} already as in the file`,
      table: {
        caption: view.fileName,
        head: ['Line', 'Name', 'Type', 'Contact', 'Agency lead', 'What happens'],
        rows: view.agencies.map((p) => [
          { text: String(p.line) },
          { text: p.agency.name },
          { text: AGENCY_TYPE_LABELS[p.agency.type] },
          { text: p.agency.contactEmail },
          { text: p.agency.leadEmail },
          changeCell(p),
        ]),
        empty: 'The file has no agencies.',
      },
    },
  };
}

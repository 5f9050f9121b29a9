// /agencies: the agency directory; the business unit adds, changes and imports agencies (a CSV as the CLI
// takes it), the manager reads it.
import type { z } from 'zod';
import { AGENCY_TYPES } from '../../domain/schemas';
import type { SignedIn } from '../sign-in';
import { type Errors, fieldId } from './components';
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

/** A problem the CSV reader found, where it is: "Line 3, column contactEmail: Invalid email address". */
export const csvProblemErrors = (problems: readonly { line?: number; column?: string; message: string }[]): Errors =>
  problems.map((p) => {
    const column = p.column ? `column ${p.column}` : '';
    const where = p.line !== undefined ? [`Line ${p.line}`, column].filter(Boolean).join(', ') : column;
    return { id: 'csv', text: where ? `${where.charAt(0).toUpperCase()}${where.slice(1)}: ${p.message}` : p.message };
  });

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
  csv?: string;
  errors?: Errors;
  /** What the last change did, for the banner. */
  done?: string;
}

export interface AgenciesModel extends LayoutModel {
  csrf: string;
  canEdit: boolean;
  agencies: { id: string; name: string; type: string; contactEmail: string; leadEmail: string }[];
  add: AgencyForm;
  csv: string;
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
      csv: view.csv ?? '',
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

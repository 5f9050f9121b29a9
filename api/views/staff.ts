// /staff: the staff directory, for the business unit: who may sign in, and as what.
import type { z } from 'zod';
import type { Role } from '../../infra/config';
import type { SignedIn } from '../sign-in';
import { type Errors, fieldId } from './components';
import { formatDateTime, type LayoutModel, type Page } from './layout';

export const ROLE_LABELS: Record<Role, string> = {
  business_unit: 'Business unit',
  manager: 'Manager',
  lis: 'Learning and Improvement Subgroup',
};

/** The console's sections in the service navigation: those the person's role opens. */
export function consoleNavigation(
  staff: SignedIn,
  current: string,
): { href: string; text: string; current?: boolean }[] {
  const items = [
    { href: '/audits', text: 'Audits' },
    { href: '/actions', text: 'Actions' },
    ...(staff.role !== 'lis' ? [{ href: '/agencies', text: 'Agencies' }] : []),
    ...(staff.role === 'business_unit' ? [{ href: '/staff', text: 'Staff' }] : []),
  ];
  return items.map((i) => ({ ...i, current: i.href === current }));
}

/** What was typed into "Add a person", kept after a refusal, with what was wrong. */
export interface StaffForm {
  email: string;
  name: string;
  role: string;
  errors?: Errors;
}

/** What to do about each field, in the design system's words. */
const STAFF_ERRORS: Record<string, string> = {
  email: 'Enter an email address in the correct format, like name@partnership.example',
  name: 'Enter their full name, up to 200 characters',
  role: 'Choose a role',
};

/** What was wrong with "Add a person", one message per field, for the error summary. */
export function staffFormErrors(issues: readonly z.core.$ZodIssue[]): Errors {
  const ids = [...new Set(issues.map((i) => fieldId(i.path)))];
  return ids.map((id) => ({ id, text: STAFF_ERRORS[id] ?? 'Check this answer' }));
}

export interface StaffView {
  staff: SignedIn;
  people: { id: string; email: string; name: string; role: Role; active: boolean; lastSignInAt: Date | null }[];
  form?: StaffForm;
}

export interface StaffModel extends LayoutModel {
  csrf: string;
  people: {
    id: string;
    name: string;
    email: string;
    role: string;
    roleValue: Role;
    active: boolean;
    lastSignIn: string;
  }[];
  form: { email: string; name: string; role: string };
  roles: { value: string; text: string }[];
}

export function staffPage({ staff, people, form }: StaffView): Page<StaffModel> {
  const errors = form?.errors;
  return {
    template: 'staff.njk',
    model: {
      title: 'Staff',
      staff,
      navigation: consoleNavigation(staff, '/staff'),
      errors,
      csrf: staff.csrf,
      people: people.map((p) => ({
        id: p.id,
        name: p.name,
        email: p.email,
        role: ROLE_LABELS[p.role],
        roleValue: p.role,
        active: p.active,
        lastSignIn: p.lastSignInAt ? formatDateTime(p.lastSignInAt) : 'Never',
      })),
      form: { email: form?.email ?? '', name: form?.name ?? '', role: form?.role ?? '' },
      roles: Object.entries(ROLE_LABELS).map(([value, text]) => ({ value, text })),
    },
  };
}

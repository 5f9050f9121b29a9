// /staff: the staff directory, for the business unit: who may sign in, and as what.
import type { z } from 'zod';
import type { Role } from '../../infra/config';
import type { SignedIn } from '../sign-in';
import { csrfField, errorSummary, fieldId, radios, textInput } from './components';
import { html, type SafeHtml } from './html';
import type { PageOptions } from './layout';

export const ROLE_LABELS: Record<Role, string> = {
  business_unit: 'Business unit',
  manager: 'Manager',
  lis: 'Learning and Improvement Subgroup',
};

const ROLE_OPTIONS = Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }));

/** What was typed into "Add a person", kept after a refusal, with what was wrong. */
export interface StaffForm {
  email: string;
  name: string;
  role: string;
  issues?: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[];
}

export interface StaffView {
  staff: SignedIn;
  people: { id: string; email: string; name: string; role: Role; active: boolean; lastSignInAt: Date | null }[];
  form?: StaffForm;
}

/** Who is signed in, and "Sign out" (a form: it changes something on the server). */
export function signedInBar(staff: SignedIn): SafeHtml {
  return html`<form method="post" action="/sign-out" class="signed-in">
    <p>Signed in as <strong>${staff.name}</strong> (${ROLE_LABELS[staff.role]})</p>
    ${csrfField(staff.csrf)}
    <button type="submit" class="secondary">Sign out</button>
  </form>`;
}

export function staffPage({ staff, people, form }: StaffView): PageOptions {
  const errors = form?.issues?.map((i) => ({ id: fieldId(i.path.map(String)), text: i.message }));
  return {
    title: 'Staff',
    hasErrors: !!errors?.length,
    main: html`${signedInBar(staff)} ${errorSummary(errors)}
      <h1>Staff</h1>
      <table>
        <caption class="visually-hidden">
          Everyone who may sign in
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          ${people.map(
            (p) =>
              html`<tr>
                <td>${p.name}</td>
                <td>${p.email}</td>
                <td>${ROLE_LABELS[p.role]}</td>
                <td>
                  ${
                    p.active
                      ? html`<form method="post" action="/staff">
                          ${csrfField(staff.csrf)}<input type="hidden" name="action" value="deactivate" /><input
                            type="hidden"
                            name="staffId"
                            value="${p.id}"
                          /><button type="submit" class="secondary">
                            Deactivate<span class="visually-hidden"> ${p.name}</span>
                          </button>
                        </form>`
                      : 'Deactivated'
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Add a person</h2>
      <form method="post" action="/staff" novalidate>
        ${csrfField(staff.csrf)}<input type="hidden" name="action" value="add" />
        ${textInput({ name: 'email', label: 'Email address', value: form?.email, errors })}
        ${textInput({ name: 'name', label: 'Full name', value: form?.name, errors })}
        ${radios({ name: 'role', label: 'Role', value: form?.role, errors, options: ROLE_OPTIONS })}
        <button type="submit">Add a person</button>
      </form>`,
  };
}

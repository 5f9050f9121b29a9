// /audits: every audit for a person signed in (the console's list grows filters and actions with the
// console issue).
import type { Stage } from '../../domain/stages';
import type { SignedIn } from '../sign-in';
import { STAGE_LABELS } from './components';
import { html } from './html';
import { formatDateTime, type PageOptions } from './layout';
import { signedInBar } from './staff';

export interface AuditsView {
  staff: SignedIn;
  audits: { id: string; focus: string; stage: Stage; nextDeadline: string | null }[];
}

export function auditsPage({ staff, audits }: AuditsView): PageOptions {
  return {
    title: 'Audits',
    main: html`${signedInBar(staff)}
      <h1>Audits</h1>
      ${
        audits.length
          ? html`<table>
              <caption class="visually-hidden">
                Every audit, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Practice focus</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Next deadline</th>
                </tr>
              </thead>
              <tbody>
                ${audits.map(
                  (a) =>
                    html`<tr>
                      <td>${a.focus}</td>
                      <td>${STAGE_LABELS[a.stage]}</td>
                      <td>${a.nextDeadline ? formatDateTime(a.nextDeadline) : 'None'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p>There are no audits yet.</p>`
      }`,
  };
}

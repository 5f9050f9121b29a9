// What every console page about one part of an audit (its cohort, its discussion, …) is drawn around: the
// console's navigation, a way back to the audit, the audit's focus as the caption, and the forms' CSRF token.
import type { SignedIn } from '../sign-in';
import type { Errors } from './components';
import type { LayoutModel } from './layout';
import { consoleNavigation } from './staff';

export interface AuditPartModel extends LayoutModel {
  auditId: string;
  focus: string;
  csrf: string;
}

export function auditPart(
  title: string,
  staff: SignedIn,
  audit: { id: string; focus: string },
  errors: Errors | undefined,
): AuditPartModel {
  return {
    title,
    staff,
    navigation: consoleNavigation(staff, '/audits'),
    backLink: { href: `/audits/${audit.id}`, text: 'Back to the audit' },
    errors,
    auditId: audit.id,
    focus: audit.focus,
    csrf: staff.csrf,
  };
}

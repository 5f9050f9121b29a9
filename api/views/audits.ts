// /audits: every audit, for a person signed in (the console issue gives it filters, attention and actions).
import type { Stage } from '../../domain/stages';
import type { SignedIn } from '../sign-in';
import { STAGE_LABELS } from './components';
import { formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export interface AuditsView {
  staff: SignedIn;
  audits: {
    id: string;
    focus: string;
    stage: Stage;
    nextDeadline: string | null;
    invitations: { total: number; open: number; overdue: number };
  }[];
}

export interface AuditsModel extends LayoutModel {
  table: { caption: string; head: string[]; rows: string[][]; empty: string };
}

export function auditsPage({ staff, audits }: AuditsView): Page<AuditsModel> {
  return {
    template: 'audits.njk',
    model: {
      title: 'Audits',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      table: {
        caption: 'Every audit, newest first',
        head: ['Practice focus', 'Stage', 'Next deadline', 'Invitations open (overdue)'],
        rows: audits.map((a) => [
          a.focus,
          STAGE_LABELS[a.stage],
          a.nextDeadline ? formatDateTime(a.nextDeadline) : 'None',
          `${a.invitations.open} of ${a.invitations.total} (${a.invitations.overdue})`,
        ]),
        empty: 'There are no audits yet.',
      },
    },
  };
}

// /actions and /audits/:id/actions: every action and recommendation, open ones first by due date (so the
// overdue lead), 25 a page, with "Close action" for the LIS and the business unit.
import type { ActionRead, actionsPage } from '../console-reads';
import type { SignedIn } from '../sign-in';
import { type Errors, ragTag, type Tag, tag } from './components';
import { formatDate, type LayoutModel, type Page } from './layout';
import { consoleNavigation } from './staff';

export interface ActionsView {
  staff: SignedIn;
  /** One audit's actions; every audit's when unset. */
  audit?: { id: string; focus: string };
  list: Awaited<ReturnType<typeof actionsPage>>;
  agencyNames: Record<string, string>;
  errors?: Errors;
  /** The number of an action just closed. */
  closed?: boolean;
  now?: Date;
}

interface ActionRow {
  id: string;
  title: string;
  kind: string;
  description: string;
  audit?: { href: string; text: string };
  owner: string;
  due: string;
  status: Tag[];
  rag: Tag;
  update: string;
  evidence: string;
  open: boolean;
}

export interface ActionsModel extends LayoutModel {
  csrf: string;
  /** The list the close buttons return to: `all` or the audit's ID, and the page. */
  from: string;
  page: number;
  total: number;
  canClose: boolean;
  oneAudit: boolean;
  closed: boolean;
  rows: ActionRow[];
  pagination?: {
    previous?: { href: string };
    next?: { href: string };
    items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[];
  };
}

/** The list's address: its path, and the page unless it is the first. */
export const actionsListPath = (auditId: string | undefined, page = 1) =>
  `${auditId ? `/audits/${auditId}/actions` : '/actions'}${page > 1 ? `?page=${page}` : ''}`;

/** The first, the last, and the pages either side of this one; an ellipsis for each gap. */
function pageItems(
  page: number,
  pages: number,
  href: (n: number) => string,
): NonNullable<ActionsModel['pagination']>['items'] {
  const shown = [...new Set([1, page - 1, page, page + 1, pages])]
    .filter((n) => n >= 1 && n <= pages)
    .sort((a, b) => a - b);
  return shown.flatMap((n, i) => [
    ...(i > 0 && n - shown[i - 1]! > 1 ? [{ ellipsis: true as const }] : []),
    { number: n, href: href(n), current: n === page },
  ]);
}

function actionRow(a: ActionRead, agencyNames: Record<string, string>, now: Date, oneAudit: boolean): ActionRow {
  const open = a.status === 'open';
  const overdue = open && a.dueAt < now;
  const latest = a.progress[0];
  return {
    id: a.id,
    title: `Action ${a.number}`,
    kind: a.kind === 'urgent_action' ? 'Urgent action' : 'Recommendation',
    description: a.description,
    ...(oneAudit ? {} : { audit: { href: `/audits/${a.auditId}`, text: a.audit.focus } }),
    owner: agencyNames[a.ownerAgencyId] ?? 'An agency no longer in the directory',
    due: formatDate(a.dueAt),
    status: [
      open ? tag('Open') : a.status === 'closed' ? tag('Closed', 'green') : tag('Cancelled', 'grey'),
      ...(overdue ? [tag('Overdue', 'red')] : []),
    ],
    rag: ragTag(a.rag),
    update: latest?.update ?? '',
    evidence: latest?.impactEvidence ?? '',
    open,
  };
}

export function actionsListPage(view: ActionsView): Page<ActionsModel> {
  const { staff, audit, list } = view;
  const now = view.now ?? new Date();
  const href = (n: number) => actionsListPath(audit?.id, n);
  return {
    template: 'console-actions.njk',
    model: {
      title: audit ? 'Actions of this audit' : 'Actions',
      staff,
      navigation: consoleNavigation(staff, audit ? '/audits' : '/actions'),
      ...(audit ? { backLink: { href: `/audits/${audit.id}`, text: 'Back to the audit' } } : {}),
      errors: view.errors,
      csrf: staff.csrf,
      from: audit?.id ?? 'all',
      page: list.page,
      total: list.total,
      canClose: staff.role === 'business_unit' || staff.role === 'lis',
      oneAudit: !!audit,
      closed: !!view.closed,
      rows: list.actions.map((a) => actionRow(a, view.agencyNames, now, !!audit)),
      pagination:
        list.pages > 1
          ? {
              ...(list.page > 1 ? { previous: { href: href(list.page - 1) } } : {}),
              ...(list.page < list.pages ? { next: { href: href(list.page + 1) } } : {}),
              items: pageItems(list.page, list.pages, href),
            }
          : undefined,
    },
  };
}

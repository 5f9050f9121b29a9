// /audits/:id and its cancel confirmation and trail: where one audit stands, for everyone signed in. Stages,
// dates, counts, agencies and case references only: never a child's identifiers nor a concern's words.
import type { z } from 'zod';
import { STAGES, type Stage, TERMINAL_STAGES } from '../../domain/stages';
import type { Role } from '../../infra/config';
import type { auditState } from '../commands/audits';
import type { SignedIn } from '../sign-in';
import { type Cell, type Errors, fieldId, STAGE_LABELS, stageTag, type Table, type Tag, tag } from './components';
import { formatDate, formatDateTime, type LayoutModel, type Page } from './layout';
import { consoleNavigation, ROLE_LABELS } from './staff';

export type AuditState = Awaited<ReturnType<typeof auditState>>;

/** The stages a task list shows: the lifecycle's, without its two ends. */
type TaskStage = Exclude<Stage, 'completed' | 'cancelled'>;
const TASK_STAGES = STAGES.filter((s): s is TaskStage => !TERMINAL_STAGES.includes(s));

/** Each stage's page (built beside this one): where its task links. */
const STAGE_PAGES: Record<TaskStage, string> = {
  selection: 'cohort',
  invitations: 'invitations',
  awaiting_submissions: 'invitations',
  collation: 'discussion',
  discussion: 'discussion',
  report: 'report',
  practitioner_approval: 'report',
  lis_signoff: 'sign-off',
  action_follow_up: 'actions',
};

/** What was typed into "Raise a concern", kept after a refusal, with what was wrong. */
export interface ConcernForm {
  caseRef: string;
  agencyId: string;
  description: string;
  errors?: Errors;
}

export const CONCERN_ERRORS: Record<string, string> = {
  caseRef: 'Choose a case from this audit, or no particular case',
  agencyId: 'Choose the agency whose lead must be told',
  description: 'Describe the concern, in up to 5,000 characters',
};

/** What was typed into the cancel confirmation, kept after a refusal. */
export interface CancelForm {
  reason: string;
  errors?: Errors;
}

export const CANCEL_ERRORS: Record<string, string> = {
  reason: 'Enter the reason for cancelling this audit, in up to 2,000 characters',
};

/** One message per field a refusal names, in `messages`' words; `fallback` takes a refusal that names none. */
export function formErrors(
  issues: readonly Pick<z.core.$ZodIssue, 'path'>[] | undefined,
  messages: Record<string, string>,
  fallback: { id: string; text: string },
): Errors {
  const ids = [...new Set((issues ?? []).map((i) => fieldId(i.path)))].filter((id) => id in messages);
  return ids.length ? ids.map((id) => ({ id, text: messages[id]! })) : [fallback];
}

export interface AuditView {
  staff: SignedIn;
  audit: AuditState;
  /** Agency names by ID. */
  agencies: Record<string, string>;
  /** When each stage was last entered (the trail's `stage.entered`), oldest first. */
  stagesEntered: { stage: Stage; at: Date }[];
  /** The name each acknowledged escalation's acknowledger gave, by escalation ID. */
  acknowledgers: Record<string, string | null>;
  concern?: ConcernForm;
  /** Why "Send again" was refused, at its button. */
  email?: Errors;
  /** What was just done, for the success banner. */
  done?: 'concern' | 'cancelled' | 'sent-again';
  now?: Date;
}

interface TaskItem {
  title: { text: string };
  href?: string;
  hint?: { text: string };
  status: { tag?: { text: string; classes?: string }; text?: string; classes?: string };
}

export interface AuditModel extends LayoutModel {
  auditId: string;
  stage: Tag;
  tasks: TaskItem[];
  waiting: string[];
  deadlines: Table;
  problems: ProblemsTable;
  escalations: Table;
  /** The business unit's: raise a concern, cancel while open. */
  concern?: {
    csrf: string;
    form: { caseRef: string; agencyId: string; description: string };
    cases: { value: string; text: string; selected?: boolean }[];
    agencies: { value: string; text: string; selected?: boolean }[];
  };
  canCancel: boolean;
  banner?: { heading: string; body: string };
}

const isOpen = (stage: Stage) => !TERMINAL_STAGES.includes(stage);

const canChange = (role: Role) => role === 'business_unit';

export function auditPage(view: AuditView): Page<AuditModel> {
  const { staff, audit, concern } = view;
  const now = view.now ?? new Date();
  const name = (agencyId: string) => view.agencies[agencyId] ?? 'Unknown agency';
  const bu = canChange(staff.role);
  return {
    template: 'audit.njk',
    model: {
      title: audit.focus,
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      backLink: { href: '/audits', text: 'All audits' },
      errors: concern?.errors ?? view.email,
      auditId: audit.id,
      stage: stageTag(audit.stage),
      tasks: tasks(audit, view.stagesEntered),
      waiting: waitingOn(audit, name, now),
      deadlines: deadlines(audit, name, now),
      problems: problems(audit, bu ? staff.csrf : undefined),
      escalations: escalations(audit, name, view.acknowledgers),
      concern: bu
        ? {
            csrf: staff.csrf,
            form: {
              caseRef: concern?.caseRef ?? '',
              agencyId: concern?.agencyId ?? '',
              description: concern?.description ?? '',
            },
            cases: [
              { value: '', text: 'No particular case' },
              ...audit.cohort.map((c) => ({ value: c.caseRef, text: c.caseRef })),
            ].map((o) => ({ ...o, selected: o.value === (concern?.caseRef ?? '') })),
            agencies: [
              { value: '', text: 'Choose an agency' },
              ...Object.entries(view.agencies)
                .sort(([, a], [, b]) => a.localeCompare(b))
                .map(([value, text]) => ({ value, text })),
            ].map((o) => ({ ...o, selected: o.value === (concern?.agencyId ?? '') })),
          }
        : undefined,
      canCancel: bu && isOpen(audit.stage),
      banner: view.done ? BANNERS[view.done] : undefined,
    },
  };
}

const BANNERS = {
  concern: {
    heading: 'Concern raised',
    body: "The agency's lead has been emailed an acknowledgement link; until they acknowledge it, it goes again to them and to the partnership manager.",
  },
  cancelled: {
    heading: 'Audit cancelled',
    body: 'Nothing more is sent for it; what was collected is kept until the retention date.',
  },
  'sent-again': {
    heading: 'Email being sent again',
    body: 'It goes to the address Deep Dive has for it today. Once the mail server takes it, it leaves this list.',
  },
};

/** Each stage with its status: done, in progress, not started, or cancelled; and the dates it ran. */
function tasks(audit: AuditState, entered: AuditView['stagesEntered']): TaskItem[] {
  const startedAt = new Map<Stage, Date>([['selection', new Date(audit.createdAt)]]);
  for (const { stage, at } of entered) startedAt.set(stage, at);
  // A cancelled audit stopped in the last stage it entered before `cancelled`.
  const reached = [...entered].reverse().find((e) => !TERMINAL_STAGES.includes(e.stage))?.stage ?? 'selection';
  const current = audit.stage === 'cancelled' ? reached : audit.stage;
  const at = audit.stage === 'completed' ? TASK_STAGES.length : TASK_STAGES.indexOf(current as TaskStage);
  return TASK_STAGES.map((stage, i) => {
    const started = startedAt.get(stage);
    const ended = TASK_STAGES.slice(i + 1)
      .map((s) => startedAt.get(s))
      .concat(startedAt.get('completed'))
      .find((d) => d !== undefined);
    const href = `/audits/${audit.id}/${STAGE_PAGES[stage]}`;
    const title = { text: STAGE_LABELS[stage] };
    if (i < at) {
      return {
        title,
        href,
        hint: ended ? { text: `Done ${formatDate(ended)}` } : undefined,
        status: { text: 'Done' },
      };
    }
    if (i === at && audit.stage === 'cancelled') {
      return { title, href, status: { tag: { text: 'Cancelled', classes: 'govuk-tag--grey' } } };
    }
    if (i === at) {
      return {
        title,
        href,
        hint: started ? { text: `Since ${formatDate(started)}` } : undefined,
        status: { tag: { text: 'In progress', classes: 'govuk-tag--light-blue' } },
      };
    }
    const status = audit.stage === 'cancelled' ? 'Cancelled' : 'Not started';
    return { title, status: { text: status, classes: 'govuk-task-list__status--cannot-start-yet' } };
  });
}

const list = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

const earliest = (isos: (string | null)[]) => isos.filter((d): d is string => d !== null).sort()[0] ?? null;

/** Who the audit is waiting on now, in words. */
function waitingOn(audit: AuditState, name: (id: string) => string, now: Date): string[] {
  const lines = [...stageWaiting(audit, name, now)];
  for (const e of audit.escalations.filter((x) => x.status === 'open')) {
    lines.push(
      `The lead of ${name(e.agencyId)}: acknowledge an urgent concern${e.acknowledgeBy ? ` by ${formatDateTime(e.acknowledgeBy)}` : ''}.`,
    );
  }
  return lines;
}

function stageWaiting(audit: AuditState, name: (id: string) => string, now: Date): string[] {
  switch (audit.stage) {
    case 'selection': {
      const by = audit.deadlines.invitationsGoBy;
      return [
        `The business unit: check the cohort and send the invitations${by ? ` (they go by themselves on ${formatDate(by)})` : ''}.`,
      ];
    }
    case 'invitations':
      return ['Deep Dive: the invitations are being sent.'];
    case 'awaiting_submissions': {
      const pending = audit.invitations.filter((i) => i.status === 'pending');
      if (!pending.length) return ['Deep Dive: every audit tool is in, and collation starts next.'];
      const from = list([...new Set(pending.map((i) => name(i.agencyId)))].sort());
      const due = earliest(pending.map((i) => i.dueAt));
      return [
        `${pending.length} of ${audit.invitations.length} audit tools have not been submitted, from ${from}${due ? `; the next is due ${formatDate(due)}` : ''}.`,
      ];
    }
    case 'collation':
      return ['Deep Dive: the pack is being collated and circulated to the agencies.'];
    case 'discussion': {
      const d = audit.discussion;
      if (!d) return ['The business unit: schedule the discussion.'];
      if (new Date(d.at) > now)
        return [`The panel: the discussion is on ${formatDateTime(d.at)}, at ${d.location ?? 'a place to be given'}.`];
      return ["The business unit: record the discussion's outcome."];
    }
    case 'report':
      return ['The business unit: submit the summary report for approval.'];
    case 'practitioner_approval': {
      const version = audit.reportVersions[audit.reportVersions.length - 1];
      const pending = version?.approvals.filter((a) => a.status === 'pending') ?? [];
      if (!version || !pending.length) return ['Deep Dive: the approvals are being counted.'];
      const due = earliest(pending.map((a) => a.dueAt));
      return [
        `${pending.length} of ${version.approvals.length} agencies have not yet approved version ${version.version} of the report (${list(pending.map((a) => name(a.agencyId)))})${due ? `; due ${formatDate(due)}` : ''}.`,
      ];
    }
    case 'lis_signoff': {
      const version = audit.reportVersions[audit.reportVersions.length - 1];
      return [`The LIS: sign off version ${version?.version ?? ''} of the report.`];
    }
    case 'action_follow_up': {
      const open = audit.actions.filter((a) => a.status === 'open');
      return [
        `${open.length} of ${audit.actions.length} actions are open, owned by ${list([...new Set(open.map((a) => name(a.ownerAgencyId)))].sort())}; the LIS or the business unit closes each.`,
      ];
    }
    case 'completed':
      return ['Nobody: the audit is completed.'];
    case 'cancelled':
      return ['Nobody: the audit was cancelled.'];
  }
}

const cell = (text: string | number): Cell => ({ text: String(text) });

/** The dates still to be met, earliest first; those already passed shown as overdue. */
function deadlines(audit: AuditState, name: (id: string) => string, now: Date): Table {
  const items: { at: string; what: string }[] = [];
  const open = isOpen(audit.stage);
  if (audit.stage === 'selection' && audit.deadlines.invitationsGoBy) {
    items.push({ at: audit.deadlines.invitationsGoBy, what: 'The invitations go by themselves' });
  }
  if (audit.stage === 'awaiting_submissions') {
    const dues = new Map<string, string[]>();
    for (const i of audit.invitations.filter((x) => x.status === 'pending' && x.dueAt)) {
      dues.set(i.dueAt!, [...(dues.get(i.dueAt!) ?? []), name(i.agencyId)]);
    }
    for (const [at, agencies] of dues) {
      items.push({
        at,
        what: `${agencies.length} audit ${agencies.length === 1 ? 'tool' : 'tools'} due, from ${list([...new Set(agencies)].sort())}`,
      });
    }
    if (audit.deadlines.collationBy)
      items.push({ at: audit.deadlines.collationBy, what: 'Collation starts whatever is missing' });
  }
  if (open && audit.discussion && ['collation', 'discussion'].includes(audit.stage)) {
    items.push({ at: audit.discussion.at, what: 'The discussion' });
  }
  if (audit.stage === 'practitioner_approval') {
    const version = audit.reportVersions[audit.reportVersions.length - 1];
    for (const a of version?.approvals.filter((x) => x.status === 'pending') ?? []) {
      items.push({ at: a.dueAt, what: `${name(a.agencyId)} approves version ${version!.version} of the report` });
    }
  }
  if (open) {
    for (const a of audit.actions.filter((x) => x.status === 'open')) {
      items.push({ at: a.dueAt, what: `Action ${a.number} (${name(a.ownerAgencyId)}) is due` });
    }
  }
  // An urgent escalation outlives its audit.
  for (const e of audit.escalations.filter((x) => x.status === 'open' && x.acknowledgeBy)) {
    items.push({ at: e.acknowledgeBy!, what: `The lead of ${name(e.agencyId)} acknowledges an urgent concern` });
  }
  items.sort((a, b) => a.at.localeCompare(b.at));
  return {
    caption: 'Next deadlines',
    head: ['When', 'What'],
    rows: items.map((d) => [
      { text: formatDateTime(d.at), tags: new Date(d.at) < now ? [tag('Overdue', 'red')] : [] },
      cell(d.what),
    ]),
    empty: 'No deadlines are coming up.',
  };
}

const UNSENT_TAGS: Record<string, Tag> = {
  failed: tag('Refused by the mail server', 'red'),
  refused: tag('Not sent', 'red'),
  unconfirmed: tag('Unconfirmed', 'yellow'),
};

/** An email template's or an activity's name in words: `lisSignoffRequest` → "Lis signoff request". */
const words = (code: string) => {
  const spaced = code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
};

/** The id of an email's "Send again" button: where the error summary points when it is refused. */
export const sendAgainButtonId = (emailId: string) => `send-again-${emailId}`;

/** The problems' table, with the business unit's "Send again" column. */
export interface ProblemsTable extends Omit<Table, 'rows'> {
  /** The business unit's: the forms' CSRF token. */
  csrf?: string;
  rows: {
    cells: Cell[];
    /** The business unit's column: a button, or why there is none. */
    action?: { sendAgain?: { id: string; href: string; what: string }; note?: string };
  }[];
}

type UnsentEmail = AuditState['unsentEmails'][number];

/** Why an email has no "Send again", in the business unit's words. */
const NO_SEND_AGAIN: Record<Exclude<UnsentEmail['sendAgain'], 'available'>, string> = {
  in_progress: 'Being sent again.',
  refused: 'Cannot be sent again: its content was refused, and would be refused again.',
  not_kept:
    'Cannot be sent again from here: for an invitation, use “Send the link again” on the invitations page; otherwise contact the recipient.',
};

function sendAgainAction(auditId: string, e: UnsentEmail): NonNullable<ProblemsTable['rows'][number]['action']> {
  const times = e.sentAgain ? `Sent again ${e.sentAgain === 1 ? 'once' : `${e.sentAgain} times`}, not delivered.` : '';
  if (e.sendAgain !== 'available') return { note: NO_SEND_AGAIN[e.sendAgain] };
  return {
    note: times || undefined,
    sendAgain: {
      id: sendAgainButtonId(e.id),
      href: `/audits/${auditId}/emails/${e.id}/send-again`,
      what: `the ${words(e.template).toLowerCase()} email to ${e.to}`,
    },
  };
}

/** Emails not known to have gone, and steps the workflow cannot do (tried again each day). */
function problems(audit: AuditState, csrf: string | undefined): ProblemsTable {
  const bu = csrf !== undefined;
  return {
    csrf,
    caption: 'Emails that failed or are unconfirmed, and steps that cannot be done',
    head: ['What', 'To', 'Status', 'Since', 'Why', ...(bu ? ['Send again'] : [])],
    rows: [
      ...audit.unsentEmails.map((e) => ({
        cells: [
          cell(`${words(e.template)} email`),
          cell(e.to),
          { tags: [UNSENT_TAGS[e.status] ?? tag(e.status, 'red')] },
          cell(formatDateTime(e.at)),
          cell(e.reason ?? (e.status === 'unconfirmed' ? 'It may have been delivered: check with the recipient.' : '')),
        ],
        action: bu ? sendAgainAction(audit.id, e) : undefined,
      })),
      ...audit.problems.map((p) => ({
        cells: [
          cell(words(p.step.replace(/^email /, ''))),
          cell('—'),
          { tags: [tag('Tried again each day', 'yellow')] },
          cell(formatDateTime(p.since)),
          cell(p.message),
        ],
        action: bu ? {} : undefined,
      })),
    ],
    empty: 'Every email has gone, and every step has been done.',
  };
}

const ESCALATION_SOURCES: Record<string, string> = {
  outcome: 'the discussion',
  submission: 'an audit tool',
  business_unit: 'the business unit',
};

/** Open escalations first: who was told when, and who acknowledged them. */
function escalations(
  audit: AuditState,
  name: (id: string) => string,
  acknowledgers: Record<string, string | null>,
): Table {
  const sorted = [...audit.escalations].sort((a, b) => Number(b.status === 'open') - Number(a.status === 'open'));
  return {
    caption: 'Urgent escalations (the concern itself is shown to its link holder only)',
    head: ['Agency lead told', 'Raised', 'Re-sent', 'Status', 'Acknowledged'],
    rows: sorted.map((e) => [
      cell(name(e.agencyId)),
      cell(`${formatDateTime(e.raisedAt)}, by ${ESCALATION_SOURCES[e.source] ?? e.source}`),
      cell(e.reEscalations ? `${e.reEscalations} times, with the partnership manager` : 'Not yet'),
      e.status === 'open'
        ? { tags: [tag('Open', 'red')], text: e.acknowledgeBy ? ` until ${formatDateTime(e.acknowledgeBy)}` : '' }
        : { tags: [tag('Acknowledged', 'green')] },
      cell(
        e.acknowledgedAt
          ? `${formatDateTime(e.acknowledgedAt)}${acknowledgers[e.id] ? `, by ${acknowledgers[e.id]}` : ''}`
          : '—',
      ),
    ]),
    empty: 'No concern has been raised.',
  };
}

export interface CancelModel extends LayoutModel {
  csrf: string;
  auditId: string;
  reason: string;
}

/** "Cancel this audit": its confirmation, with the reason. */
export function cancelPage(
  staff: SignedIn,
  audit: { id: string; focus: string },
  form?: CancelForm,
): Page<CancelModel> {
  return {
    template: 'audit-cancel.njk',
    model: {
      title: 'Are you sure you want to cancel this audit?',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      backLink: { href: `/audits/${audit.id}`, text: audit.focus },
      errors: form?.errors,
      csrf: staff.csrf,
      auditId: audit.id,
      reason: form?.reason ?? '',
    },
  };
}

/** Trail entries a page shows. */
export const TRAIL_PAGE_SIZE = 50;

export interface TrailEntry {
  at: Date;
  actor: string;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  details: unknown;
}

export interface TrailModel extends LayoutModel {
  caption: string;
  table: Table;
  pagination?: {
    previous?: { href: string };
    next?: { href: string };
    items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[];
  };
}

const LINK_TASKS: Record<string, string> = {
  respond: 'audit tool',
  approve: 'report approval',
  progress: 'action progress',
  acknowledge: 'escalation acknowledgement',
  pack: 'pack',
};

/** Who did it: a person (name and role), an API key (role and hash prefix), an emailed link, or Deep Dive. */
export function trailWho(e: Pick<TrailEntry, 'actor' | 'actorName' | 'actorRole'>): string {
  const [kind, a, b] = e.actor.split(':');
  const role = e.actorRole && e.actorRole in ROLE_LABELS ? ROLE_LABELS[e.actorRole as Role] : e.actorRole;
  if (kind === 'staff') return `${e.actorName ?? 'A person'}${role ? ` (${role})` : ''}`;
  if (kind === 'key' || kind === 'session') return `API key ${b ?? ''} (${role ?? a})`;
  if (kind === 'link') return `Emailed link: ${LINK_TASKS[a ?? ''] ?? a} ${b ?? ''}`.trim();
  if (kind === 'system') return 'Deep Dive';
  if (kind === 'cli') return 'Command line';
  return e.actor;
}

/** The details of an entry (IDs, counts, dates, stages) as `name: value` pairs. */
function trailDetails(details: unknown): string {
  if (!details || typeof details !== 'object') return '';
  return Object.entries(details as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('; ');
}

export function trailPage(
  staff: SignedIn,
  audit: { id: string; focus: string },
  entries: TrailEntry[],
  page: { number: number; total: number },
): Page<TrailModel> {
  const pages = Math.max(1, Math.ceil(page.total / TRAIL_PAGE_SIZE));
  const href = (n: number) => `/audits/${audit.id}/trail${n > 1 ? `?page=${n}` : ''}`;
  // The first, the last and those next to the current; an ellipsis for each gap.
  const shown = [...new Set([1, page.number - 1, page.number, page.number + 1, pages])]
    .filter((n) => n >= 1 && n <= pages)
    .sort((a, b) => a - b);
  const items: NonNullable<TrailModel['pagination']>['items'] = [];
  shown.forEach((n, i) => {
    if (i > 0 && n - shown[i - 1]! > 1) items.push({ ellipsis: true });
    items.push({ number: n, href: href(n), current: n === page.number });
  });
  const first = (page.number - 1) * TRAIL_PAGE_SIZE + 1;
  return {
    template: 'audit-trail.njk',
    model: {
      title: 'Audit trail',
      staff,
      navigation: consoleNavigation(staff, '/audits'),
      backLink: { href: `/audits/${audit.id}`, text: audit.focus },
      caption: page.total
        ? `Entries ${first} to ${first + entries.length - 1} of ${page.total}, newest first`
        : 'Newest first',
      table: {
        caption: `Every decision about “${audit.focus}”: who, what, when`,
        head: ['When', 'Who', 'What', 'Details'],
        rows: entries.map((e) => [
          cell(formatDateTime(e.at)),
          cell(trailWho(e)),
          cell(e.action),
          cell(trailDetails(e.details)),
        ]),
        empty: 'Nothing has been recorded yet.',
      },
      pagination:
        pages > 1
          ? {
              previous: page.number > 1 ? { href: href(page.number - 1) } : undefined,
              next: page.number < pages ? { href: href(page.number + 1) } : undefined,
              items,
            }
          : undefined,
    },
  };
}

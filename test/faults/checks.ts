// What the suite checks after a fault: nothing the API acknowledged is missing from the database, every
// submission is there exactly once, every email went exactly once (or is shown to the business unit as
// not known to be delivered), and no workflow is left running.
import { execFileSync } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import type { Acknowledged, Http } from './http';
import type { AuditRun } from './lifecycle';
import type { Mail, Mailbox } from './mailbox';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each acknowledged request, looked for in the database. Returns those not found, with why. */
export async function lostAcknowledged(db: Db, acknowledged: Acknowledged[]): Promise<string[]> {
  const lost: string[] = [];
  for (const a of acknowledged) {
    const f = a.facts as Record<string, string>;
    const trail = (action: string, key: string, value: string) =>
      db.auditTrailEntry.count({ where: { action, details: { path: [key], equals: value } } });
    let found: boolean;
    switch (a.kind) {
      case 'agency':
        found = (await db.agency.count({ where: { id: f.agencyId } })) === 1;
        break;
      case 'audit':
        found = (await db.audit.count({ where: { id: f.auditId, focus: f.focus } })) === 1;
        break;
      case 'invitations_sent':
        found = (await db.invitation.count({ where: { auditId: f.auditId } })) > 0;
        break;
      case 'discussion':
        found =
          (await db.audit.findUnique({ where: { id: f.auditId } }))?.discussionAt?.toISOString() ===
          new Date(f.at!).toISOString();
        break;
      case 'submission': {
        const invitation = await db.invitation.findUnique({ where: { tokenHash: tokenHash(f.token!) } });
        found =
          invitation?.status === 'submitted' &&
          (await trail('submission.submitted', 'invitationId', invitation.id)) === 1;
        break;
      }
      case 'concern':
        found = (await db.escalation.count({ where: { id: f.escalationId } })) === 1;
        break;
      case 'acknowledgement': {
        const escalation = await db.escalation.findUnique({ where: { tokenHash: tokenHash(f.token!) } });
        found = !!escalation?.acknowledgedAt && escalation.status !== 'open';
        break;
      }
      case 'outcome':
        found = !!(await db.outcome.findUnique({ where: { auditId: f.auditId } }))?.acceptedAt;
        break;
      case 'report':
        found = (await db.reportVersion.count({ where: { id: f.reportVersionId } })) === 1;
        break;
      case 'approval':
        found = (await db.approval.findUnique({ where: { tokenHash: tokenHash(f.token!) } }))?.decision === 'approved';
        break;
      case 'lis_decision':
        found = (await db.lisDecision.count({ where: { auditId: f.auditId, decision: 'approved' } })) === 1;
        break;
      case 'progress': {
        const progress = await db.actionProgress.findUnique({ where: { tokenHash: tokenHash(f.token!) } });
        found = !!progress?.reportedAt && progress.status === 'green';
        break;
      }
      case 'action_closed':
        found = (await db.action.findUnique({ where: { id: f.actionId } }))?.status === 'closed';
        break;
      default:
        throw new Error(`no check for acknowledged ${a.kind}`);
    }
    if (!found) lost.push(`${a.kind}: ${a.method} ${a.path} answered ${a.status} at ${a.at}, ${JSON.stringify(f)}`);
  }
  return lost;
}

/**
 * At completion (before the retention purge): every invitation submitted, one stored submission each,
 * holding what was posted, and one `submission.submitted` entry in the trail each.
 */
export async function checkSubmissions(db: Db, run: AuditRun): Promise<{ stored: number; problems: string[] }> {
  const problems: string[] = [];
  const invitations = await db.invitation.findMany({
    where: { auditId: run.id },
    include: { submission: true },
  });
  for (const invitation of invitations) {
    const entries = await db.auditTrailEntry.count({
      where: { action: 'submission.submitted', details: { path: ['invitationId'], equals: invitation.id } },
    });
    if (invitation.status !== 'submitted') problems.push(`invitation ${invitation.id} is ${invitation.status}`);
    if (!invitation.submission?.submittedAt) problems.push(`invitation ${invitation.id} has no final submission`);
    if (entries !== 1) problems.push(`invitation ${invitation.id} has ${entries} submission.submitted entries`);
  }
  for (const [token, childVoice] of run.submitted) {
    const invitation = invitations.find((i) => i.tokenHash === tokenHash(token));
    const stored = (invitation?.submission?.content as { childVoice?: string } | undefined)?.childVoice;
    if (stored !== childVoice) problems.push(`the submission by ${token.slice(0, 4)}… holds ${String(stored)}`);
  }
  if (run.submitted.size !== invitations.length)
    problems.push(`${invitations.length} invitations, ${run.submitted.size} tools submitted by the driver`);
  return { stored: invitations.filter((i) => i.submission?.submittedAt).length, problems };
}

export interface EmailFigures {
  outbox: number;
  sent: number;
  delivered: number;
  duplicates: number;
  /** `sent` in the outbox but never caught. */
  lost: number;
  /** Stopped mid-send (the worker died): not sent again; delivered or not, listed to the business unit. */
  unconfirmed: number;
  unconfirmedDelivered: number;
  unconfirmedNotShown: number;
  /** pending or sending when all is over. */
  stuck: number;
  failedOrRefused: number;
  /** Caught, but no outbox row has its Message-ID. */
  stray: number;
  problems: string[];
}

export async function checkEmails(
  db: Db,
  http: Http,
  mail: Mailbox,
  runs: AuditRun[],
  key: string,
): Promise<EmailFigures> {
  const ids = runs.map((r) => r.id!);
  const rows = await db.emailOutbox.findMany({ where: { auditId: { in: ids } } });
  const byMessageId = new Map<string, Mail[]>();
  for (const m of mail.all())
    if (m.messageId) byMessageId.set(m.messageId, [...(byMessageId.get(m.messageId) ?? []), m]);
  const known = new Set((await db.emailOutbox.findMany({ select: { messageId: true } })).map((r) => r.messageId));
  const f: EmailFigures = {
    outbox: rows.length,
    sent: 0,
    delivered: 0,
    duplicates: 0,
    lost: 0,
    unconfirmed: 0,
    unconfirmedDelivered: 0,
    unconfirmedNotShown: 0,
    stuck: 0,
    failedOrRefused: 0,
    stray: 0,
    problems: [],
  };
  const shown = new Map<string, Set<string>>();
  for (const row of rows) {
    const copies = byMessageId.get(row.messageId)?.length ?? 0;
    if (copies > 1) {
      f.duplicates += copies - 1;
      f.problems.push(`${row.key} (${row.template}) was delivered ${copies} times`);
    }
    if (copies >= 1) f.delivered++;
    switch (row.status) {
      case 'sent':
        f.sent++;
        if (copies === 0) {
          f.lost++;
          f.problems.push(`${row.key} (${row.template}) is sent in the outbox but was never caught`);
        }
        break;
      case 'unconfirmed': {
        f.unconfirmed++;
        if (copies) f.unconfirmedDelivered++;
        if (!shown.has(row.auditId!)) {
          const res = await http.call('GET', `/api/audits/${row.auditId}`, { key });
          shown.set(row.auditId!, new Set((res.body.unsentEmails ?? []).map((e: { key: string }) => e.key)));
        }
        if (!shown.get(row.auditId!)!.has(row.key)) {
          f.unconfirmedNotShown++;
          f.problems.push(`${row.key} is unconfirmed but not in the audit's unsentEmails`);
        }
        break;
      }
      case 'pending':
      case 'sending':
        f.stuck++;
        f.problems.push(`${row.key} (${row.template}) is still ${row.status} after ${row.attempts} attempts`);
        break;
      default:
        f.failedOrRefused++;
        f.problems.push(`${row.key} (${row.template}) is ${row.status}: ${row.lastError}`);
    }
  }
  for (const [messageId, copies] of byMessageId) {
    if (!known.has(messageId)) {
      f.stray += copies.length;
      f.problems.push(`caught ${messageId} ("${copies[0]!.subject}"), which no outbox row sent`);
    }
  }
  return f;
}

/** Every message caught, by Message-ID: how many were caught more than once. */
export function duplicateMessageIds(mail: Mailbox): { total: number; duplicates: number; withoutId: number } {
  const counts = new Map<string, number>();
  let withoutId = 0;
  for (const m of mail.all()) {
    if (!m.messageId) withoutId++;
    else counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of counts.values()) duplicates += n - 1;
  return { total: mail.all().length, duplicates, withoutId };
}

/** The workflows an audit ran: itself, its actions' follow-ups, its escalations. */
export async function workflowIdsOf(db: Db, runs: AuditRun[]): Promise<string[]> {
  const ids = runs.map((r) => r.id!);
  const [actions, escalations] = await Promise.all([
    db.action.findMany({ where: { auditId: { in: ids } }, select: { id: true } }),
    db.escalation.findMany({ where: { auditId: { in: ids } }, select: { id: true } }),
  ]);
  return [
    ...ids.map((id) => `audit-${id}`),
    ...actions.map((a) => `action-${a.id}`),
    ...escalations.map((e) => `escalation-${e.id}`),
  ];
}

/** Waits until every workflow has closed; returns those that did not close, or closed other than completed. */
export async function unfinishedWorkflows(client: Client, workflowIds: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open: string[] = [];
    for (const id of workflowIds) {
      try {
        const d = await client.workflow.getHandle(id).describe();
        if (d.status.name !== 'COMPLETED') open.push(`${id}: ${d.status.name}`);
      } catch (err) {
        open.push(`${id}: ${(err as Error).message}`);
      }
    }
    if (open.length === 0 || Date.now() > deadline) return open;
    await sleep(2000);
  }
}

/** `temporal workflow list` (the CLI, against the suite's dev server): the workflows still running. */
export function runningWorkflows(cli: string, address: string): { workflowId: string; type: string }[] {
  const out = execFileSync(
    cli,
    [
      'workflow',
      'list',
      '--address',
      address,
      '--namespace',
      'default',
      '--query',
      'ExecutionStatus="Running"',
      '--output',
      'json',
    ],
    { encoding: 'utf8' },
  );
  const parsed = out.trim() ? (JSON.parse(out) as unknown) : [];
  const list = Array.isArray(parsed) ? parsed : [];
  return list.map((w: any) => ({ workflowId: w.execution?.workflowId ?? w.workflowId, type: w.type?.name ?? '' }));
}

/** `temporal workflow describe`, for the report when one is stuck. */
export function describeWorkflow(cli: string, address: string, workflowId: string): string {
  try {
    return execFileSync(cli, ['workflow', 'describe', '--address', address, '--workflow-id', workflowId], {
      encoding: 'utf8',
    });
  } catch (err) {
    return String(err);
  }
}

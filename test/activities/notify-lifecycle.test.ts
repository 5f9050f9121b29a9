// The notify activity for the lifecycle after the submissions — the collated pack, report approval, LIS
// sign-off, the briefing, action follow-up and completion — with a real database and a real SMTP
// catcher. Each email is built from IDs alone: its link must open the row whose tokenHash is stored, and
// nothing a practitioner or the panel wrote, nor any child identifier, may reach it.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { type CaughtMessage, type MailCatcher, startMailCatcher, waitForMessage } from '../../dev/mail-catcher';
import { type Notification, notificationKey } from '../../domain/notifications';
import type { Db } from '../../infra/db';
import { tokenHash } from '../../infra/links';
import { BUSINESS_UNIT_EMAIL, LIS_EMAIL, PUBLIC_URL, realActivities } from '../support/activities';
import { migratedDatabase } from '../support/database';
import { IDENTIFIERS, insertAudit } from '../support/fixtures';

const DAY = 24 * 3600 * 1000;
/** Free text the panel, the BU and practitioners typed: it names a child, so it must never leave the database. */
const DESCRIPTION = 'Review the safety plan for Ottoline Quixleworth at NYC-4716';
const REPORT_TEXT = 'Zephyrine Quixleworth was seen alone at the school gate';
const COMMENTS = 'Please remove the reference to Tobiah Quixleworth';
const BRIEFING_TEXT = 'Marisol said nobody listened to her';
const SECRETS = [...IDENTIFIERS, DESCRIPTION, REPORT_TEXT, COMMENTS, BRIEFING_TEXT];

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
let catcher: MailCatcher;
let acts: ReturnType<typeof realActivities>;
/** "email sent" lines stay out of the output; warnings stay in. */
const logger = new DefaultLogger('WARN');

beforeAll(async () => {
  [database, catcher] = await Promise.all([migratedDatabase(), startMailCatcher({ port: 0 })]);
  db = database.db;
  acts = realActivities(db, catcher.url);
});

afterAll(async () => {
  await catcher?.stop();
  await database?.drop();
});

beforeEach(() => catcher.clear());

/** One notify attempt as a worker would run it; `occasion` gives a repeated purpose a key of its own. */
function notify(auditId: string, notification: Notification, occasion?: string): Promise<void> {
  const key = notificationKey(auditId, notification, occasion);
  return new MockActivityEnvironment(undefined, { logger }).run(acts.notify, { key, auditId, notification });
}

/** Notifies and returns the one email it sent, checked for anything that must not be in an email. */
async function sent(auditId: string, notification: Notification, occasion?: string): Promise<CaughtMessage> {
  const before = catcher.messages().length;
  await notify(auditId, notification, occasion);
  const message = await waitForMessage(catcher, () => catcher.messages().length > before);
  expect(catcher.messages()).toHaveLength(before + 1);
  expectNothingIdentifying(message);
  return message;
}

function expectNothingIdentifying(message: CaughtMessage) {
  for (const part of [message.subject, message.text, message.html]) {
    for (const secret of SECRETS) expect(part).not.toContain(secret);
  }
}

/** The secret of the one link under `${PUBLIC_URL}/<path>/` in the text part (and the same in the HTML). */
function tokenIn(message: CaughtMessage, path: string): string {
  const pattern = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}/${path}/([A-Za-z0-9_-]+)`, 'g');
  const tokens = [...message.text.matchAll(pattern)].map((m) => m[1]!);
  expect(new Set(tokens).size).toBe(1);
  expect(message.html).toContain(`${PUBLIC_URL}/${path}/${tokens[0]}`);
  return tokens[0]!;
}

/** A retryable ApplicationFailure (the workflow's retry policy waits for the row), and no email sent. */
async function expectRetryable(promise: Promise<void>, message: RegExp) {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBeFalsy();
  expect((err as ApplicationFailure).message).toMatch(message);
  expect(catcher.messages()).toHaveLength(0);
}

/** An audit through to action follow-up, as the API and the workflow's activities leave the database. */
async function lifecycleAudit() {
  const { auditId, agencies } = await insertAudit(db, { cohortSize: 2 });
  const discussionAt = new Date(Date.now() + 7 * DAY);
  await db.audit.update({ where: { id: auditId }, data: { discussionAt, discussionLocation: 'Room 4, County Hall' } });
  const content = { workingWell: [REPORT_TEXT], areasForDevelopment: [], themes: [], recommendations: [] };
  const version1 = await db.reportVersion.create({
    data: { auditId, version: 1, content, submittedBy: 'bu', circulatedAt: new Date() },
  });
  const version2 = await db.reportVersion.create({
    data: { auditId, version: 2, content, submittedBy: 'bu', circulatedAt: new Date() },
  });
  await db.approval.create({
    data: {
      reportVersionId: version1.id,
      agencyId: agencies[0]!.id,
      dueAt: new Date(),
      decision: 'changes_requested',
      comments: COMMENTS,
      decidedAt: new Date(),
    },
  });
  const approvalDue = new Date(Date.now() + 14 * DAY);
  const approval = await db.approval.create({
    data: { reportVersionId: version2.id, agencyId: agencies[1]!.id, dueAt: approvalDue },
  });
  return { auditId, agencies, discussionAt, version2, approval, approvalDue };
}

let actionNumber = 0;
async function insertAction(auditId: string, ownerAgencyId: string, opts: { dueAt?: Date; closed?: boolean } = {}) {
  actionNumber += 1;
  return db.action.create({
    data: {
      auditId,
      number: actionNumber,
      kind: 'recommendation',
      description: DESCRIPTION,
      ownerAgencyId,
      dueAt: opts.dueAt ?? new Date(Date.now() + 90 * DAY),
      ...(opts.closed
        ? { status: 'closed' as const, closedAt: new Date(), closedBy: 'lis', rag: 'complete' as const }
        : {}),
    },
  });
}

describe('collated_pack', () => {
  it('sends each agency its own pack link, with the discussion, and stores the link hashed', async () => {
    const { auditId, agencies, discussionAt } = await lifecycleAudit();
    const agency = agencies[1]!;

    const message = await sent(auditId, { purpose: 'collated_pack', agencyId: agency.id });
    expect(message.to).toEqual([agency.contactEmail]);
    expect(message.subject).toMatch(/^Child exploitation deep dive: collated audit tools and the discussion on /);
    expect(message.text).toContain('Where: Room 4, County Hall');
    expect(message.text).toContain(`Agency: ${agency.name}`);
    expect(message.text).toContain(String(discussionAt.getUTCFullYear()));

    const token = tokenIn(message, 'pack');
    const link = await db.packLink.findUniqueOrThrow({ where: { tokenHash: tokenHash(token) } });
    expect(link).toMatchObject({ auditId, agencyId: agency.id });

    // Another agency gets another link; asking again (a retry, a new key) keeps one row per agency, same link.
    const other = await sent(auditId, { purpose: 'collated_pack', agencyId: agencies[0]!.id });
    expect(tokenIn(other, 'pack')).not.toBe(token);
    const again = await sent(auditId, { purpose: 'collated_pack', agencyId: agency.id }, 'again');
    expect(tokenIn(again, 'pack')).toBe(token);
    expect(await db.packLink.count({ where: { auditId } })).toBe(2);
  });

  it('waits (retryably) while the discussion is not scheduled', async () => {
    const { auditId, agencies } = await insertAudit(db, { cohortSize: 1 });
    await expectRetryable(
      notify(auditId, { purpose: 'collated_pack', agencyId: agencies[0]!.id }),
      /no discussion scheduled/,
    );
    expect(await db.packLink.count({ where: { auditId } })).toBe(0);
  });
});

describe('report approval', () => {
  it('asks, reminds, chases and escalates with one link to the approval, stored hashed', async () => {
    const { auditId, agencies, approval, approvalDue } = await lifecycleAudit();
    const agency = agencies[1]!;

    const request = await sent(auditId, { purpose: 'approval_request', approvalId: approval.id, n: 0 });
    expect(request.to).toEqual([agency.contactEmail]);
    expect(request.subject).toMatch(/^Please approve the Child exploitation deep dive summary report by /);
    expect(request.text).toContain('version 2');
    expect(request.text).toContain(String(approvalDue.getUTCFullYear()));
    const token = tokenIn(request, 'approve');
    const stored = await db.approval.findUniqueOrThrow({ where: { id: approval.id } });
    expect(stored.tokenHash).toBe(tokenHash(token));

    const reminder = await sent(auditId, { purpose: 'approval_request', approvalId: approval.id, n: 1 });
    expect(reminder.to).toEqual([agency.contactEmail]);
    expect(reminder.subject).toBe(request.subject);
    expect(tokenIn(reminder, 'approve')).toBe(token);

    const chaser = await sent(auditId, { purpose: 'approval_chaser', approvalId: approval.id, n: 1 });
    expect(chaser.to).toEqual([agency.contactEmail]);
    expect(chaser.subject).toBe('Overdue: your approval of the Child exploitation deep dive summary report');
    expect(tokenIn(chaser, 'approve')).toBe(token);

    const escalation = await sent(auditId, { purpose: 'approval_lead_escalation', approvalId: approval.id });
    expect(escalation.to).toEqual([agency.leadEmail]);
    expect(escalation.subject).toBe(
      `Escalation: approval from ${agency.name} is overdue (Child exploitation deep dive summary report)`,
    );
    expect(tokenIn(escalation, 'approve')).toBe(token);
  });

  it('refuses, for good, an approval of another audit', async () => {
    const { approval } = await lifecycleAudit();
    const { auditId: otherAudit } = await insertAudit(db, { cohortSize: 1 });
    const err: unknown = await notify(otherAudit, { purpose: 'approval_request', approvalId: approval.id, n: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'NotFound', nonRetryable: true });
    expect(catcher.messages()).toHaveLength(0);
  });
});

describe('LIS sign-off and the briefing', () => {
  it("asks the LIS to sign off the version, linking to the audit's sign-off page", async () => {
    const { auditId, version2 } = await lifecycleAudit();
    const message = await sent(auditId, { purpose: 'lis_signoff_request', reportVersionId: version2.id });
    expect(message.to).toEqual([LIS_EMAIL]);
    expect(message.subject).toBe('For LIS sign-off: Child exploitation deep dive summary report');
    expect(message.text).toContain('Version 2 of the anonymised summary report');
    expect(message.text).toContain(`${PUBLIC_URL}/audits/${auditId}/sign-off`);
  });

  it('tells each agency where the briefing is published, once it is', async () => {
    const { auditId, agencies } = await lifecycleAudit();
    const agency = agencies[0]!;
    await expectRetryable(notify(auditId, { purpose: 'briefing_published', agencyId: agency.id }), /no briefing/);

    const slug = `child-exploitation-${auditId.slice(0, 8)}`;
    await db.briefing.create({ data: { auditId, slug, content: { points: [BRIEFING_TEXT] } } });
    const message = await sent(auditId, { purpose: 'briefing_published', agencyId: agency.id });
    expect(message.to).toEqual([agency.contactEmail]);
    expect(message.subject).toBe('7 Point Briefing published: Child exploitation deep dive');
    expect(message.text).toContain(`${PUBLIC_URL}/briefings/${slug}\n`);
  });
});

describe('action follow-up', () => {
  it("asks the owner agency for the quarter's progress through that quarter's row, naming the action by number", async () => {
    const { auditId, agencies } = await lifecycleAudit();
    const owner = agencies[2]!;
    const action = await insertAction(auditId, owner.id);
    const request = { purpose: 'action_progress_request', actionId: action.id, quarter: 1 } as const;
    await expectRetryable(notify(auditId, request), /no progress row for quarter 1/);

    const row = await db.actionProgress.create({ data: { actionId: action.id, quarter: 1 } });
    const message = await sent(auditId, request);
    expect(message.to).toEqual([owner.contactEmail]);
    expect(message.subject).toBe(`Quarterly progress: action ${action.number} of the Child exploitation deep dive`);
    expect(message.text).toContain(`${owner.name} owns action ${action.number}`);
    const token = tokenIn(message, 'progress');
    expect((await db.actionProgress.findUniqueOrThrow({ where: { id: row.id } })).tokenHash).toBe(tokenHash(token));
  });

  it('chases an overdue action through its latest quarter, or a quarter-0 row before the first request', async () => {
    const { auditId, agencies } = await lifecycleAudit();
    const owner = agencies[0]!;
    const action = await insertAction(auditId, owner.id, { dueAt: new Date(Date.now() - DAY) });

    const dueDate = await sent(auditId, { purpose: 'action_overdue', actionId: action.id, n: 0 });
    expect(dueDate.to).toEqual([owner.contactEmail]);
    expect(dueDate.subject).toBe(`Overdue: action ${action.number} of the Child exploitation deep dive`);
    const chase = await db.actionProgress.findUniqueOrThrow({
      where: { actionId_quarter: { actionId: action.id, quarter: 0 } },
    });
    expect(chase.tokenHash).toBe(tokenHash(tokenIn(dueDate, 'progress')));

    await db.actionProgress.create({
      data: { actionId: action.id, quarter: 1, reportedAt: new Date(), status: 'red' },
    });
    const q2 = await db.actionProgress.create({ data: { actionId: action.id, quarter: 2 } });
    const later = await sent(auditId, { purpose: 'action_overdue', actionId: action.id, n: 2 });
    expect(later.to).toEqual([owner.contactEmail]);
    const token = tokenIn(later, 'progress');
    expect((await db.actionProgress.findUniqueOrThrow({ where: { id: q2.id } })).tokenHash).toBe(tokenHash(token));
    expect(await db.actionProgress.count({ where: { actionId: action.id } })).toBe(3);
  });

  it("sums up the audit's actions for the LIS each quarter, in numbers", async () => {
    const { auditId, agencies } = await lifecycleAudit();
    const [a, b] = [agencies[0]!.id, agencies[1]!.id];
    const past = new Date(Date.now() - 10 * DAY);
    const report = async (actionId: string, quarter: number, status: 'red' | 'amber' | 'green' | 'complete') => {
      await db.actionProgress.create({
        data: { actionId, quarter, status, update: DESCRIPTION, reportedAt: new Date() },
      });
      await db.action.update({ where: { id: actionId }, data: { rag: status } });
    };
    // Red, reported this quarter.
    await report((await insertAction(auditId, a)).id, 2, 'red');
    // Amber last quarter, silent this one, and past its due date.
    await report((await insertAction(auditId, b, { dueAt: past })).id, 1, 'amber');
    // Green this quarter.
    await report((await insertAction(auditId, a)).id, 2, 'green');
    // Green last quarter; asked this quarter but not answered.
    const asked = await insertAction(auditId, b);
    await report(asked.id, 1, 'green');
    await db.actionProgress.create({ data: { actionId: asked.id, quarter: 2 } });
    // Reported complete, awaiting the LIS.
    await report((await insertAction(auditId, a)).id, 2, 'complete');
    // Never reported, overdue.
    await insertAction(auditId, b, { dueAt: past });
    // Closed: counted as closed only, even when past their due date.
    await insertAction(auditId, a, { closed: true });
    await insertAction(auditId, b, { closed: true, dueAt: past });
    // Another audit's action is not counted.
    const other = await lifecycleAudit();
    await insertAction(other.auditId, a, { dueAt: past });

    const message = await sent(auditId, { purpose: 'lis_progress_summary', quarter: 2 });
    expect(message.to).toEqual([LIS_EMAIL]);
    expect(message.subject).toMatch(/^Quarterly action progress: Child exploitation deep dive, to /);
    expect(message.text).toContain(
      [
        'Red: 1',
        'Amber: 1',
        'Green: 2',
        'Not reported this quarter: 3',
        'Reported complete, awaiting closure: 1',
        'Overdue: 2',
        'Closed: 2',
      ].join('\n'),
    );
    expect(message.text).toContain(`${PUBLIC_URL}/audits/${auditId}`);
  });
});

describe('audit_completed', () => {
  it('tells the business unit and the LIS, with the number of actions closed and the briefing', async () => {
    const { auditId, agencies } = await lifecycleAudit();
    for (const agency of agencies) await insertAction(auditId, agency.id, { closed: true });
    const slug = `complete-${auditId.slice(0, 8)}`;
    await db.briefing.create({ data: { auditId, slug, content: { points: [BRIEFING_TEXT] } } });

    const bu = await sent(auditId, { purpose: 'audit_completed', recipient: 'business_unit' });
    const lis = await sent(auditId, { purpose: 'audit_completed', recipient: 'lis' });
    expect(bu.to).toEqual([BUSINESS_UNIT_EMAIL]);
    expect(lis.to).toEqual([LIS_EMAIL]);
    for (const message of [bu, lis]) {
      expect(message.subject).toBe('Child exploitation deep dive completed');
      expect(message.text).toContain(`(${agencies.length} in all)`);
      expect(message.text).toContain(`${PUBLIC_URL}/briefings/${slug}\n`);
    }
  });
});

// The tasks of insertAuditWithLinks's audit whose links the business unit can send again (the pack, an
// approval, a progress request, an escalation), made ready for their emails; and a check that a link was
// emailed exactly once. For the JSON routes' test (test/api/link-reissue.test.ts) and the console's
// (test/api/console-links.test.ts).
import type { CaughtMessage, MailCatcher } from '../../dev/mail-catcher';
import type { Db } from '../../infra/db';
import { eventually } from './http';

/** What the emails need (the discussion the pack is for, the escalation's window), and the tasks' IDs. */
export async function readyLinkTasks(db: Db, rows: { auditId: string; agencyId: string; actionId: string }) {
  const { auditId, agencyId, actionId } = rows;
  await db.audit.update({
    where: { id: auditId },
    data: { discussionAt: new Date(Date.now() + 86_400_000), discussionLocation: 'Room 4, County Hall' },
  });
  const escalation = await db.escalation.findFirstOrThrow({ where: { auditId } });
  await db.escalation.update({
    where: { id: escalation.id },
    data: { acknowledgeBy: new Date(Date.now() + 4 * 3_600_000) },
  });
  const approval = await db.approval.findFirstOrThrow({ where: { agencyId, reportVersion: { auditId } } });
  const progress = await db.actionProgress.findFirstOrThrow({ where: { actionId } });
  const agency = await db.agency.findUniqueOrThrow({ where: { id: agencyId } });
  return {
    ids: { approvalId: approval.id, escalationId: escalation.id, progressId: progress.id },
    agency: { name: agency.name, contact: agency.contactEmail, lead: agency.leadEmail },
  };
}

/** The email carrying this link, once one has come and a moment later: never two. */
export async function emailedOnce(catcher: MailCatcher, link: string): Promise<CaughtMessage> {
  const carrying = () => catcher.messages().filter((m) => m.text.includes(link));
  await eventually(() => (carrying().length ? true : undefined), `the email with ${link}`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(carrying()).toHaveLength(1);
  return carrying()[0]!;
}

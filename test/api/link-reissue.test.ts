// "Send the link again" for the pack, approval, progress and acknowledgement links over the JSON API,
// against the real parts (the Temporal dev server, a worker with the real activities, an SMTP catcher): the
// old link answers 410 link_gone at once, the new one opens the task, its holder is emailed once with it,
// and the trail says who did it. A task no longer awaited is refused (409); an unknown one is 404.
import { linkToken, type LinkScope } from '../../infra/links';
import type { CaughtMessage } from '../../dev/mail-catcher';
import { LINK_SECRET } from '../support/activities';
import { KEYS, useAppBed } from '../support/app-bed';
import { insertAuditWithLinks } from '../support/fixtures';
import { eventually } from '../support/http';

const { bed, http } = useAppBed({ temporal: 'dev' });

let rows: Awaited<ReturnType<typeof insertAuditWithLinks>>;
let ids: { approvalId: string; escalationId: string; progressId: string };
let emails: { contact: string; lead: string };

beforeAll(async () => {
  rows = await insertAuditWithLinks(bed.db, 'reissue');
  const { auditId, agencyId, actionId } = rows;
  // What the emails need: the discussion the pack is for, the escalation's window.
  await bed.db.audit.update({
    where: { id: auditId },
    data: { discussionAt: new Date(Date.now() + 86_400_000), discussionLocation: 'Room 4, County Hall' },
  });
  const escalation = await bed.db.escalation.findFirstOrThrow({ where: { auditId } });
  await bed.db.escalation.update({
    where: { id: escalation.id },
    data: { acknowledgeBy: new Date(Date.now() + 4 * 3_600_000) },
  });
  const approval = await bed.db.approval.findFirstOrThrow({ where: { agencyId, reportVersion: { auditId } } });
  const progress = await bed.db.actionProgress.findFirstOrThrow({ where: { actionId } });
  ids = { approvalId: approval.id, escalationId: escalation.id, progressId: progress.id };
  const agency = await bed.db.agency.findUniqueOrThrow({ where: { id: agencyId } });
  emails = { contact: agency.contactEmail, lead: agency.leadEmail };
});

interface Kind {
  kind: 'pack' | 'approve' | 'progress' | 'acknowledge';
  route: () => string;
  scope: () => LinkScope;
  to: () => string;
}

const KINDS: Kind[] = [
  {
    kind: 'pack',
    route: () => `/api/audits/${rows.auditId}/pack/${rows.agencyId}/reissue`,
    scope: () => `pack:${rows.auditId}:${rows.agencyId}`,
    to: () => emails.contact,
  },
  {
    kind: 'approve',
    route: () => `/api/audits/${rows.auditId}/approvals/${ids.approvalId}/reissue`,
    scope: () => `approve:${ids.approvalId}`,
    to: () => emails.contact,
  },
  {
    kind: 'progress',
    route: () => `/api/actions/${rows.actionId}/reissue`,
    scope: () => `progress:${ids.progressId}`,
    to: () => emails.contact,
  },
  {
    kind: 'acknowledge',
    route: () => `/api/audits/${rows.auditId}/escalations/${ids.escalationId}/reissue`,
    scope: () => `acknowledge:${ids.escalationId}`,
    to: () => emails.lead,
  },
];

/** The emails carrying this link, once one has come and a moment later: never two. */
async function emailedOnce(link: string): Promise<CaughtMessage> {
  const carrying = () => bed.catcher.messages().filter((m) => m.text.includes(link));
  await eventually(() => (carrying().length ? true : undefined), `the email with ${link}`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(carrying()).toHaveLength(1);
  return carrying()[0]!;
}

describe('send the link again', () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s: the old link 410 link_gone, the new one works, its holder emailed once, the trail written',
    async (kind, { route, scope, to }) => {
      const old = `/${kind}/${rows.tokens[kind]}`;
      expect((await http.call('GET', old)).status).toBe(200);
      expect((await http.call('POST', route(), { key: KEYS.manager })).status).toBe(403);

      const res = await http.call('POST', route(), { key: KEYS.bu });
      expect(res).toMatchObject({ status: 200, body: { linkVersion: 1 } });
      expect((await http.call('GET', old)).body.error?.code).toBe('link_gone');

      const fresh = `/${kind}/${linkToken(LINK_SECRET, scope(), 1)}`;
      const mail = await emailedOnce(fresh);
      expect(mail.to).toEqual([to()]);
      expect((await http.call('GET', fresh)).status).toBe(200);
      const entries = await bed.db.auditTrailEntry.findMany({
        where: { auditId: rows.auditId, action: `${kind}.link_reissued` },
      });
      expect(entries).toHaveLength(1);
      expect(entries[0]!.details).toMatchObject({ linkVersion: 1 });
      expect(entries[0]!.actorRole).toBe('business_unit');
    },
  );

  it('refuses a task no longer awaited (409) and one it does not know (404)', async () => {
    await bed.db.approval.update({
      where: { id: ids.approvalId },
      data: { decision: 'approved', decidedAt: new Date() },
    });
    await bed.db.escalation.update({
      where: { id: ids.escalationId },
      data: { acknowledgedBy: 'A. Lead', acknowledgedAt: new Date(), status: 'acknowledged' },
    });
    await bed.db.action.update({ where: { id: rows.actionId }, data: { status: 'closed' } });
    for (const kind of ['approve', 'acknowledge', 'progress']) {
      const res = await http.call('POST', KINDS.find((k) => k.kind === kind)!.route(), { key: KEYS.bu });
      expect({ kind, status: res.status, code: res.body.error?.code }).toEqual({
        kind,
        status: 409,
        code: 'wrong_stage',
      });
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/api/audits/${rows.auditId}/pack/${unknown}/reissue`,
      `/api/audits/${rows.auditId}/approvals/${unknown}/reissue`,
      `/api/audits/${rows.auditId}/escalations/not-an-id/reissue`,
      `/api/actions/${unknown}/reissue`,
      `/api/audits/${unknown}/pack/${rows.agencyId}/reissue`,
    ]) {
      expect({ path, status: (await http.call('POST', path, { key: KEYS.bu })).status }).toEqual({ path, status: 404 });
    }
  });
});

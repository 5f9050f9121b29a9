// "Send the link again" for the pack, approval, progress and acknowledgement links over the JSON API,
// against the real parts (the Temporal dev server, a worker with the real activities, an SMTP catcher): the
// old link answers 410 link_gone at once, the new one opens the task, its holder is emailed once with it,
// and the trail says who did it. A task no longer awaited is refused (409); an unknown one is 404.
import { linkToken, type LinkScope } from '../../infra/links';
import { LINK_SECRET } from '../support/activities';
import { KEYS, useAppBed } from '../support/app-bed';
import { insertAuditWithLinks } from '../support/fixtures';
import { emailedOnce, readyLinkTasks } from '../support/link-tasks';

const { bed, http } = useAppBed({ temporal: 'dev' });

let rows: Awaited<ReturnType<typeof insertAuditWithLinks>>;
let ids: { approvalId: string; escalationId: string; progressId: string };
let emails: { contact: string; lead: string };

beforeAll(async () => {
  rows = await insertAuditWithLinks(bed.db, 'reissue');
  const ready = await readyLinkTasks(bed.db, rows);
  ids = ready.ids;
  emails = { contact: ready.agency.contact, lead: ready.agency.lead };
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
      const mail = await emailedOnce(bed.catcher, fresh);
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

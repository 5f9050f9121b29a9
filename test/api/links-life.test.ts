// Emailed links with a life (PRODUCT.md "Data rules"), over HTTP against the real parts: the Temporal dev
// server, a worker with the real activities, an SMTP catcher. A reissued link answers 410 and its new one
// works, the agency emailed once; "Change contact" sends to the new address; a reopened tool is editable
// again and its agency told; each kind of link expires once its task is over and the grace has passed;
// a retried send carries the same link; a rotated LINK_SECRET ends every old link at once.
import { DEFAULT_LINK_LIFE, revokeLinksOfOldSecret } from '../../api/link-life';
import { linkToken, tokenHash } from '../../infra/links';
import { notificationKey } from '../../domain/notifications';
import { noticeWorkflowId, TASK_QUEUE } from '../../workflows/messages';
import type { CaughtMessage } from '../../dev/mail-catcher';
import { LINK_SECRET, realActivities } from '../support/activities';
import { KEYS, useAppBed } from '../support/app-bed';
import { candidates, insertAuditWithLinks } from '../support/fixtures';
import { eventually } from '../support/http';
import { SUBMISSION_TEXT, submissionContent } from '../support/lifecycle';

const { bed, http, agencyIds, serve } = useAppBed({ temporal: 'dev', agencies: true });

const CONTACT = DEFAULT_LINK_LIFE.contactEmail;
const DAY = 24 * 3600 * 1000;
const tokenIn = (m: CaughtMessage) => /\/respond\/([\w-]+)/.exec(m.text)![1]!;
const mailsWith = (subject: string) => bed.catcher.messages().filter((m) => m.subject.includes(subject));
/** Exactly `n` emails with this subject, and still `n` a moment later: none sent twice. */
async function exactly(n: number, subject: string): Promise<CaughtMessage[]> {
  await eventually(() => (mailsWith(subject).length >= n ? true : undefined), `${n} × "${subject}"`);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const found = mailsWith(subject);
  expect(found).toHaveLength(n);
  return found;
}

let auditId: string;
/** Each invitation's emailed token, by invitation ID. */
const tokens = new Map<string, string>();
let childNames: string[];

beforeAll(async () => {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: {
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize: 1,
      candidates: candidates(agencyIds),
    },
  });
  auditId = created.body.id;
  await eventually(async () => {
    const res = await http.call('GET', `/api/audits/${auditId}`, { key: KEYS.bu });
    return res.body.stage === 'invitations' ? true : undefined;
  }, 'the draw');
  expect((await http.call('POST', `/api/audits/${auditId}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  const invitations = await eventually(async () => {
    const rows = await bed.db.invitation.findMany({ where: { auditId } });
    const { stage } = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    return stage === 'awaiting_submissions' && rows.length >= 2 && rows.every((r) => r.tokenHash) ? rows : undefined;
  }, 'the invitations and their links');
  const invited = await eventually(() => {
    const sent = bed.catcher.messages().filter((m) => m.text.includes('/respond/'));
    return sent.length >= invitations.length ? sent : undefined;
  }, 'the invitation emails');
  for (const m of invited) {
    const row = invitations.find((i) => i.tokenHash === tokenHash(tokenIn(m)));
    if (row) tokens.set(row.id, tokenIn(m));
  }
  childNames = (await bed.db.case.findMany({ where: { auditId } })).map((c) => c.childName!).filter(Boolean);
});

/** A stopped link's answer names the business unit's address and nothing about the child, as JSON and as a page. */
async function expectStopped(path: string, code: 'link_gone' | 'link_expired', names = childNames) {
  const json = await http.call('GET', path);
  expect(json).toMatchObject({ status: 410, body: { error: { code } } });
  expect(json.body.error.message).toContain(CONTACT);
  const page = await fetch(`${http.base}${path}`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(410);
  const html = await page.text();
  expect(html).toContain(CONTACT);
  for (const name of names) expect(html).not.toContain(name);
}

const invitationIds = () => [...tokens.keys()];

describe('reissue', () => {
  it('sends a new link once; the old one answers 410 and the new one opens the tool', async () => {
    const [id] = invitationIds();
    const old = tokens.get(id!)!;
    bed.catcher.clear();
    const res = await http.call('POST', `/api/audits/${auditId}/invitations/${id}/reissue`, { key: KEYS.bu, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, linkVersion: 1 });
    await expectStopped(`/respond/${old}`, 'link_gone');

    const [mail] = await exactly(1, 'A new link');
    expect(mail!.to).toEqual([res.body.sentTo]);
    const fresh = tokenIn(mail!);
    expect(fresh).toBe(linkToken(LINK_SECRET, `respond:${id}`, 1));
    expect((await http.call('GET', `/respond/${fresh}`)).status).toBe(200);
    const trail = await bed.db.auditTrailEntry.findMany({ where: { auditId, action: 'invitation.link_reissued' } });
    expect(trail.map((t) => t.details)).toEqual([{ invitationId: id, linkVersion: 1 }]);
    tokens.set(id!, fresh);
  });

  it('a retried send of the same reissue carries the same link and is not emailed again', async () => {
    const [id] = invitationIds();
    const notification = { purpose: 'link_reissued' as const, invitationId: id!, linkVersion: 1 };
    // Another run of the notice (as an activity retry would send it): the same outbox key.
    const again = await bed.env.client.workflow.start('businessUnitNotice', {
      workflowId: `${noticeWorkflowId(notificationKey(auditId, notification))}-again`,
      taskQueue: TASK_QUEUE,
      args: [{ auditId, notification }],
    });
    await again.result();
    expect(mailsWith('A new link')).toHaveLength(1);
    expect((await http.call('GET', `/respond/${tokens.get(id!)!}`)).status).toBe(200);
  });

  it('"Change contact" sends the new link to the new address, and the tool\'s later emails go there too', async () => {
    const [id] = invitationIds();
    const before = tokens.get(id!)!;
    bed.catcher.clear();
    const bad = await http.call('POST', `/api/audits/${auditId}/invitations/${id}/reissue`, {
      key: KEYS.bu,
      body: { contactEmail: 'not an address' },
    });
    expect(bad.status).toBe(400);
    const res = await http.call('POST', `/api/audits/${auditId}/invitations/${id}/reissue`, {
      key: KEYS.bu,
      body: { contactEmail: 'new.contact@agency.test' },
    });
    expect(res.body).toMatchObject({ linkVersion: 2, sentTo: 'new.contact@agency.test' });
    const [mail] = await exactly(1, 'A new link');
    expect(mail!.to).toEqual(['new.contact@agency.test']);
    await expectStopped(`/respond/${before}`, 'link_gone');
    expect((await http.call('GET', `/respond/${tokenIn(mail!)}`)).status).toBe(200);
    expect((await bed.db.invitation.findUniqueOrThrow({ where: { id: id! } })).emailTo).toBe('new.contact@agency.test');
    tokens.set(id!, tokenIn(mail!));
  });

  it('refuses an invitation of another audit (404) and a closed one (409)', async () => {
    const other = '00000000-0000-4000-8000-000000000000';
    expect(
      (await http.call('POST', `/api/audits/${auditId}/invitations/${other}/reissue`, { key: KEYS.bu, body: {} }))
        .status,
    ).toBe(404);
    const [, second] = invitationIds();
    await http.call('POST', `/api/audits/${auditId}/invitations/${second}/no-involvement`, { key: KEYS.bu });
    const closed = await http.call('POST', `/api/audits/${auditId}/invitations/${second}/reissue`, {
      key: KEYS.bu,
      body: {},
    });
    expect(closed.status).toBe(409);
  });
});

describe('reopen', () => {
  const { sections } = submissionContent();

  it('makes a submitted tool editable through its link again, keeps what was submitted, and tells the agency once', async () => {
    const [id] = invitationIds();
    const token = tokens.get(id!)!;
    expect((await http.call('POST', `/respond/${token}`, { body: { sections, submit: true } })).status).toBe(200);
    expect((await http.call('POST', `/respond/${token}`, { body: { sections, submit: true } })).status).toBe(409);
    bed.catcher.clear();

    const noReason = await http.call('POST', `/api/audits/${auditId}/invitations/${id}/reopen`, {
      key: KEYS.bu,
      body: {},
    });
    expect(noReason.status).toBe(400);
    const res = await http.call('POST', `/api/audits/${auditId}/invitations/${id}/reopen`, {
      key: KEYS.bu,
      body: { reason: 'The grades for impact were entered against the wrong area' },
    });
    expect(res).toMatchObject({ status: 200, body: { id, status: 'pending' } });
    const [mail] = await exactly(1, 'open again');
    expect(mail!.to).toEqual(['new.contact@agency.test']);
    expect(mail!.text + mail!.html).not.toContain('wrong area');
    expect(mail!.text + mail!.html).not.toContain(SUBMISSION_TEXT);

    const view = await http.call('GET', `/respond/${token}`);
    expect(view.body).toMatchObject({ status: 'pending', submittedAt: null, content: { sections } });
    const again = await http.call('POST', `/respond/${token}`, { body: { sections, submit: true } });
    expect(again).toMatchObject({ status: 200, body: { saved: true, submitted: true } });
    expect((await bed.db.invitation.findUniqueOrThrow({ where: { id: id! } })).status).toBe('submitted');
    const trail = await bed.db.auditTrailEntry.findMany({ where: { auditId, action: 'invitation.reopened' } });
    expect(trail.map((t) => t.details)).toEqual([
      { invitationId: id, reason: 'The grades for impact were entered against the wrong area' },
    ]);
  });

  it('refuses a tool that is not submitted', async () => {
    const [, second] = invitationIds();
    const res = await http.call('POST', `/api/audits/${auditId}/invitations/${second}/reopen`, {
      key: KEYS.bu,
      body: { reason: 'Closed by mistake' },
    });
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'not_submitted' } } });
  });
});

describe('expiry: a link opens its task until the task is over plus the grace, then 410', () => {
  let rows: Awaited<ReturnType<typeof insertAuditWithLinks>>;
  let names: string[];
  const ago = (ms: number) => new Date(Date.now() - ms);
  const WITHIN = DEFAULT_LINK_LIFE.graceMs - 3600_000;
  const PAST = DEFAULT_LINK_LIFE.graceMs + 3600_000;

  beforeAll(async () => {
    rows = await insertAuditWithLinks(bed.db, 'expiry');
    names = (await bed.db.case.findMany({ where: { auditId: rows.auditId } })).map((c) => c.childName!).filter(Boolean);
  });

  it('an audit-tool link, once collation is over (the pack has gone out)', async () => {
    const path = `/respond/${rows.tokens.respond}`;
    await bed.db.audit.update({ where: { id: rows.auditId }, data: { packCirculatedAt: ago(WITHIN) } });
    expect((await http.call('GET', path)).status).toBe(200);
    await bed.db.audit.update({ where: { id: rows.auditId }, data: { packCirculatedAt: ago(PAST) } });
    await expectStopped(path, 'link_expired', names);
  });

  it('a pack link, a week after the discussion', async () => {
    const path = `/pack/${rows.tokens.pack}`;
    await bed.db.audit.update({ where: { id: rows.auditId }, data: { discussionAt: ago(7 * DAY + WITHIN) } });
    expect((await http.call('GET', path)).status).toBe(200);
    await bed.db.audit.update({ where: { id: rows.auditId }, data: { discussionAt: ago(7 * DAY + PAST) } });
    await expectStopped(path, 'link_expired', names);
  });

  it('an approval link, once its decision is recorded', async () => {
    const path = `/approve/${rows.tokens.approve}`;
    const where = { tokenHash: tokenHash(rows.tokens.approve) };
    await bed.db.approval.update({ where, data: { decision: 'approved', decidedAt: ago(WITHIN) } });
    expect((await http.call('GET', path)).status).toBe(200);
    await bed.db.approval.update({ where, data: { decidedAt: ago(PAST) } });
    await expectStopped(path, 'link_expired', names);
  });

  it("a progress link, when the next quarter's request replaces it", async () => {
    const path = `/progress/${rows.tokens.progress}`;
    const next = await bed.db.actionProgress.create({
      data: { actionId: rows.actionId, quarter: 2, requestedAt: ago(WITHIN) },
    });
    expect((await http.call('GET', path)).status).toBe(200);
    await bed.db.actionProgress.update({ where: { id: next.id }, data: { requestedAt: ago(PAST) } });
    await expectStopped(path, 'link_expired', names);
  });

  it('an acknowledgement link, once acknowledged', async () => {
    const path = `/acknowledge/${rows.tokens.acknowledge}`;
    const where = { tokenHash: tokenHash(rows.tokens.acknowledge) };
    await bed.db.escalation.update({ where, data: { acknowledgedBy: 'A Lead', acknowledgedAt: ago(WITHIN) } });
    expect((await http.call('GET', path)).status).toBe(200);
    await bed.db.escalation.update({ where, data: { acknowledgedAt: ago(PAST) } });
    await expectStopped(path, 'link_expired', names);
  });
});

describe('a cancelled audit', () => {
  it("ends its audit tools', pack's and approvals' links once the grace after the cancellation has passed", async () => {
    const rows = await insertAuditWithLinks(bed.db, 'cancel');
    const names = (await bed.db.case.findMany({ where: { auditId: rows.auditId } })).map((c) => c.childName!);
    // Cancelled as the workflow's activity records it: the stage, and its trail entry with the moment.
    await realActivities(bed.db, bed.catcher.url).closeCancelledAudit({ auditId: rows.auditId });
    // An app whose links' clock is `ahead` of this process's.
    let ahead = 0;
    const later = await serve({ links: { ...DEFAULT_LINK_LIFE, now: () => Date.now() + ahead } });
    const open = async (path: string) => (await later.call('GET', path)).status;
    const stopped = ['respond', 'pack', 'approve'] as const;

    ahead = DEFAULT_LINK_LIFE.graceMs - 3600_000;
    for (const kind of stopped)
      expect({ kind, status: await open(`/${kind}/${rows.tokens[kind]}`) }).toEqual({ kind, status: 200 });
    ahead = DEFAULT_LINK_LIFE.graceMs + 3600_000;
    for (const kind of stopped) {
      const res = await later.call('GET', `/${kind}/${rows.tokens[kind]}`);
      expect({ kind, status: res.status, code: res.body.error?.code }).toEqual({
        kind,
        status: 410,
        code: 'link_expired',
      });
      expect(res.body.error.message).toMatch(/cancelled/);
      for (const name of names) expect(JSON.stringify(res.body)).not.toContain(name);
    }
    // The escalation outlives the cancelled audit: its acknowledgement link still opens.
    expect(await open(`/acknowledge/${rows.tokens.acknowledge}`)).toBe(200);
  });
});

describe('rotating LINK_SECRET', () => {
  it('ends every old link at once, as the API starts with the new secret', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'rotate');
    // The first start records the secret; starting again with it changes nothing.
    await revokeLinksOfOldSecret(bed.db, LINK_SECRET);
    expect(await revokeLinksOfOldSecret(bed.db, LINK_SECRET)).toBe(0);
    expect((await http.call('GET', `/respond/${rows.tokens.respond}`)).status).toBe(200);

    const revoked = await revokeLinksOfOldSecret(bed.db, `${LINK_SECRET}-rotated`);
    expect(revoked).toBeGreaterThanOrEqual(5);
    for (const kind of ['respond', 'approve', 'progress', 'acknowledge', 'pack'] as const) {
      expect({ kind, code: (await http.call('GET', `/${kind}/${rows.tokens[kind]}`)).body.error?.code }).toEqual({
        kind,
        code: 'link_gone',
      });
    }
    expect((await http.call('GET', '/respond/never-a-link-of-this-service')).status).toBe(404);
    expect(await revokeLinksOfOldSecret(bed.db, `${LINK_SECRET}-rotated`)).toBe(0);
  });
});

// "Send again" (api/commands/emails.ts, workflows/resend.ts): the relay refuses one invitation for good, the
// audit page lists it with "Send again", the business unit clicks it (twice), and exactly one new message
// reaches the relay, under a key of its own; the original becomes `resent` and the audit no longer needs
// attention. A refused email, or one sent before the outbox kept what to send again, offers no button and
// is refused 409; the manager is refused 403. Real parts: the Temporal dev server, the database, a worker
// with the real activities, and an SMTP relay of this file's own in place of the catcher.
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { emailIdOf } from '../../activities/email';
import { resendWorkflowId } from '../../api/commands/emails';
import { recordHistory } from '../support/histories';
import { LINK_SECRET } from '../support/activities';
import { KEYS, startDrawnAudit, untilApiStage, useAppBed } from '../support/app-bed';
import { AGENCIES } from '../support/fixtures';
import { eventually } from '../support/http';
import { staffSession, type StaffSession } from '../support/staff-session';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const REFUSED_ONCE = AGENCIES[0].contactEmail;

/** What reached the relay: recipient, subject and Message-ID of each message it took. */
const received: { to: string; subject: string; messageId: string }[] = [];
let relay: SMTPServer;
/** How many more messages to each address the relay refuses for good: the first to the police's contact. */
const refusalsLeft = new Map<string, number>([[REFUSED_ONCE, 1]]);
let bu: StaffSession;
let manager: StaffSession;

beforeAll(async () => {
  // The relay in the catcher's place (the worker's transport finds it on the same port): it refuses the
  // first message to the police's contact for good (a full mailbox), and takes every other.
  const port = bed.catcher.port;
  await bed.catcher.stop();
  relay = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo({ address }, _session, callback) {
      const left = refusalsLeft.get(address) ?? 0;
      if (left > 0) {
        refusalsLeft.set(address, left - 1);
        return callback(Object.assign(new Error('5.2.2 Mailbox full'), { responseCode: 552 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo[0]!.address;
      simpleParser(stream).then(
        (mail) => (received.push({ to, subject: mail.subject ?? '', messageId: mail.messageId ?? '' }), callback()),
        callback,
      );
    },
  });
  await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
  [bu, manager] = await Promise.all([
    staffSession(bed.db, LINK_SECRET, 'business_unit', 'Bea Bailey'),
    staffSession(bed.db, LINK_SECRET, 'manager', 'Max Morgan'),
  ]);
});

afterAll(async () => {
  await new Promise<void>((resolve) => relay.close(() => resolve()));
});

async function asPage(res: Response) {
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), text, $: cheerio.load(text) };
}

const get = async (path: string, as: StaffSession) =>
  asPage(
    await fetch(`${http.base}${path}`, { headers: { accept: BROWSER_ACCEPT, cookie: as.cookie }, redirect: 'manual' }),
  );

/** The page's form post, with the session's CSRF token as the page has it. */
async function post(path: string, as: StaffSession) {
  const csrf = (await get('/audits', as)).$('input[name=_csrf]').first().val() as string;
  return asPage(
    await fetch(`${http.base}${path}`, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: 'manual',
    }),
  );
}

/** The emails table's rows on the audit page: each cell's text, spaces squashed. */
function emailRows({ $ }: Awaited<ReturnType<typeof get>>): string[][] {
  const cells = (tr: Parameters<typeof $>[0]) =>
    $(tr)
      .children('td')
      .map((_i, td) => $(td).text().replace(/\s+/g, ' ').trim())
      .get();
  // map() flattens a returned array: each row's cells are wrapped once more.
  return $('#emails + table tbody tr')
    .map((_i, tr) => [cells(tr)])
    .get();
}

const needsAttention = async (auditId: string) =>
  (await get('/audits?attention=yes', manager)).text.includes(`/audits/${auditId}"`);

let auditId: string;

it('a failed invitation is sent again once from the audit page, and the audit no longer needs attention', async () => {
  auditId = await startDrawnAudit(http, agencyIds);
  expect((await http.call('POST', `/api/audits/${auditId}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  await untilApiStage(http, auditId, 'awaiting_submissions');
  const [failed] = await eventually(async () => {
    const res = await http.call('GET', `/api/audits/${auditId}`, { key: KEYS.manager });
    return res.body.unsentEmails.length ? res.body.unsentEmails : undefined;
  }, 'the refused invitation');
  expect(failed).toMatchObject({
    template: 'invitation',
    to: REFUSED_ONCE,
    status: 'failed',
    reason: '552 5.2.2 Mailbox full',
    sendAgain: 'available',
    sentAgain: 0,
  });
  expect(await needsAttention(auditId)).toBe(true);
  const original = await bed.db.emailOutbox.findUniqueOrThrow({ where: { key: failed.key } });
  expect(original.notification).toMatchObject({ purpose: 'invitation' });

  // The page: the email with "Send again" for the business unit; the manager reads it without the button.
  const page = await get(`/audits/${auditId}`, bu);
  expect(emailRows(page)).toEqual([
    [
      'Invitation email',
      REFUSED_ONCE,
      'Refused by the mail server',
      expect.any(String),
      '552 5.2.2 Mailbox full',
      'Send again the invitation email to ' + REFUSED_ONCE,
    ],
  ]);
  const button = page.$(`#send-again-${failed.id}`);
  expect(button.text().trim()).toMatch(/^Send again/);
  const action = button.closest('form').attr('action')!;
  expect(action).toBe(`/audits/${auditId}/emails/${failed.id}/send-again`);
  expect((await get(`/audits/${auditId}`, manager)).$('button:contains("Send again")')).toHaveLength(0);
  const refused = await post(action, manager);
  expect(refused.status).toBe(403);

  // Clicked twice at once: one is sent, the other told it is on its way already.
  const before = received.filter((m) => m.to === REFUSED_ONCE).length;
  const clicks = await Promise.all([post(action, bu), post(action, bu)]);
  expect(clicks.map((c) => c.status).sort()).toEqual([303, 409]);
  const done = clicks.find((c) => c.status === 303)!;
  expect(done.location).toBe(`/audits/${auditId}?done=sent-again`);
  const twice = clicks.find((c) => c.status === 409)!;
  expect(twice.$('.govuk-error-summary a').attr('href')).toBe(`#send-again-${failed.id}`);

  const again = await eventually(
    () =>
      bed.db.emailOutbox
        .findUnique({ where: { key: `${failed.key}/again/1` } })
        .then((row) => (row?.status === 'sent' ? row : undefined)),
    'the email sent again',
  );
  expect(again).toMatchObject({ template: original.template, recipient: REFUSED_ONCE, resendOf: failed.key });
  const resend = bed.env.client.workflow.getHandle(resendWorkflowId(again.key));
  expect(await resend.result()).toBeUndefined();
  await recordHistory(resend, 'email-sent-again');
  await eventually(
    async () =>
      (await bed.db.emailOutbox.findUniqueOrThrow({ where: { key: failed.key } })).status === 'resent' || undefined,
    'the original marked resent',
  );
  const sentAgain = received.filter((m) => m.to === REFUSED_ONCE).slice(before);
  expect(sentAgain).toHaveLength(1);
  expect(sentAgain[0]!.messageId).toBe(again.messageId);
  // The same template as the other agencies' invitations of this audit got.
  const others = received.filter((m) => m.to !== REFUSED_ONCE && m.subject.includes('please complete an audit tool'));
  expect(others.length).toBeGreaterThan(0);
  expect(sentAgain[0]!.subject).toMatch(/please complete an audit tool/);
  expect(await bed.db.emailOutbox.count({ where: { resendOf: failed.key } })).toBe(1);

  // The audit no longer needs attention; the page says so, and the trail has who asked.
  expect((await http.call('GET', `/api/audits/${auditId}`, { key: KEYS.manager })).body.unsentEmails).toEqual([]);
  expect(await needsAttention(auditId)).toBe(false);
  const after = await get(done.location!, bu);
  expect(after.$('.govuk-notification-banner').text()).toContain('Email being sent again');
  expect(emailRows(after)).toEqual([]);
  const trail = await bed.db.auditTrailEntry.findMany({ where: { auditId, action: 'email.sent_again' } });
  expect(trail).toEqual([
    expect.objectContaining({ actorName: 'Bea Bailey', details: { key: failed.key, attempt: 1 } }),
  ]);
  // Delivered now: a further request is refused.
  const late = await http.call('POST', `/api/audits/${auditId}/emails/${failed.id}/send-again`, { key: KEYS.bu });
  expect(late).toMatchObject({ status: 409, body: { error: { code: 'already_sent' } } });
});

it('a refused email, or one sent before its notification was kept, offers no button and is refused (409)', async () => {
  const key = (what: string) => `audit-${auditId}/${what}`;
  await bed.db.emailOutbox.createMany({
    data: [
      {
        key: key('refused'),
        auditId,
        template: 'invitation',
        recipient: 'audits@health.example',
        messageId: `<refused-${auditId}@test>`,
        status: 'refused',
        lastError: 'a label holds an identifier of a child in the cohort',
        notification: { purpose: 'collated_pack', agencyId: agencyIds[1]! },
      },
      {
        key: key('old'),
        auditId,
        template: 'collatedPack',
        recipient: 'audits@csc.example',
        messageId: `<old-${auditId}@test>`,
        status: 'failed',
        lastError: '550 No such user',
      },
    ],
  });
  const page = await get(`/audits/${auditId}`, bu);
  expect(page.$('#emails + table button')).toHaveLength(0);
  // Written at the same instant: in either order.
  expect(
    emailRows(page)
      .map((r) => r[5])
      .sort(),
  ).toEqual([
    'Cannot be sent again from here: for an invitation, use “Send the link again” on the invitations page; otherwise contact the recipient.',
    'Cannot be sent again: its content was refused, and would be refused again.',
  ]);
  for (const [what, code, why] of [
    ['refused', 'refused_email', 'it would be refused again'],
    ['old', 'not_kept', 'use "Send the link again" for an invitation, or contact the recipient'],
  ] as const) {
    const res = await http.call('POST', `/api/audits/${auditId}/emails/${emailIdOf(key(what))}/send-again`, {
      key: KEYS.bu,
    });
    expect(res).toMatchObject({ status: 409, body: { error: { code } } });
    const shown = await post(`/audits/${auditId}/emails/${emailIdOf(key(what))}/send-again`, bu);
    expect(shown.status).toBe(409);
    expect(shown.$('.govuk-error-summary').text()).toContain(why);
  }
  const unknown = await http.call('POST', `/api/audits/${auditId}/emails/${'f'.repeat(32)}/send-again`, {
    key: KEYS.bu,
  });
  expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  for (const role of ['manager', 'lis'] as const) {
    const res = await http.call('POST', `/api/audits/${auditId}/emails/${emailIdOf(key('old'))}/send-again`, {
      key: KEYS[role],
    });
    expect(res.status).toBe(403);
  }
  expect(await bed.db.emailOutbox.count({ where: { resendOf: { in: [key('refused'), key('old')] } } })).toBe(0);
});

it('an email refused again stays on the page to send again, and the next sending is the second', async () => {
  refusalsLeft.set(REFUSED_ONCE, 1);
  const id = await startDrawnAudit(http, agencyIds);
  expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  const unsent = async () => (await http.call('GET', `/api/audits/${id}`, { key: KEYS.manager })).body.unsentEmails;
  const [failed] = await eventually(async () => ((await unsent()).length ? await unsent() : undefined), 'the refusal');
  const sendAgain = () =>
    http.call('POST', `/api/audits/${id}/emails/${failed.id}/send-again`, { key: KEYS.bu }).then((r) => r.status);
  const statusOf = async (key: string) => (await bed.db.emailOutbox.findUnique({ where: { key } }))?.status;

  // The first sending again is refused too (once every other email of the audit has gone): its own row says
  // so, and the original is still to be sent.
  await eventually(
    async () =>
      (await bed.db.emailOutbox.count({ where: { auditId: id, status: { in: ['pending', 'sending'] } } })) === 0 ||
      undefined,
    'the invitations sent',
  );
  refusalsLeft.set(REFUSED_ONCE, 1);
  expect(await sendAgain()).toBe(202);
  await eventually(async () => (await statusOf(`${failed.key}/again/1`)) === 'failed' || undefined, 'refused again');
  expect(await resendResult(`${failed.key}/again/1`)).toBeUndefined();
  expect(await unsent()).toEqual([
    expect.objectContaining({ key: failed.key, status: 'failed', sendAgain: 'available', sentAgain: 1 }),
  ]);
  expect(await needsAttention(id)).toBe(true);
  const page = await get(`/audits/${id}`, bu);
  expect(page.$(`#send-again-${failed.id}`).text().trim()).toMatch(/^Send again/);

  // The second is delivered, under a key of its own.
  expect(await sendAgain()).toBe(202);
  await eventually(async () => (await statusOf(failed.key)) === 'resent' || undefined, 'the original marked resent');
  expect(await statusOf(`${failed.key}/again/2`)).toBe('sent');
  expect(await unsent()).toEqual([]);
  expect(refusalsLeft.get(REFUSED_ONCE)).toBe(0);
  const trail = await bed.db.auditTrailEntry.findMany({
    where: { auditId: id, action: 'email.sent_again' },
    orderBy: { at: 'asc' },
  });
  expect(trail.map((t) => t.details)).toEqual([
    { key: failed.key, attempt: 1 },
    { key: failed.key, attempt: 2 },
  ]);
});

/** What the sending-again workflow of `key` ended with. */
const resendResult = (key: string) => bed.env.client.workflow.getHandle(resendWorkflowId(key)).result();

// sendEmail over real SMTP and a real database: each key delivered at most once, through crashes,
// outages, rejections and TLS relays.
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { SMTPServer } from 'smtp-server';
import {
  EMAIL_FAILURE,
  emailActivities,
  failedEmails,
  messageIdFor,
  type MailTransport,
  type SendEmailInput,
  type SendEmailResult,
} from '../../activities/email';
import { type MailCatcher, startMailCatcher, waitForMessage } from '../../dev/mail-catcher';
import { loadEmailConfig } from '../../emails';
import { SAMPLES } from '../../emails/samples';
import type { Db } from '../../infra/db';
import { createTransport } from '../../infra/mailer';
import { migratedDatabase } from '../support/database';
import { insertAudit } from '../support/fixtures';

const MAIL_FROM = 'Deep Dive <deep-dive@partnership.example>';

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;
let catcher: MailCatcher;
let logged: { level: LogLevel; message: string; meta?: LogMetadata }[];

beforeAll(async () => {
  database = await migratedDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  catcher = await startMailCatcher({ port: 0 });
  logged = [];
});
afterEach(async () => {
  await catcher.stop();
});

function activities(transport: MailTransport = createTransport(catcher.url)) {
  return emailActivities({ db, transport, mailFrom: MAIL_FROM, email: loadEmailConfig({}) });
}

/** One activity attempt, as a worker would run it, its log lines kept. */
function attempt(input: SendEmailInput, acts = activities()): Promise<SendEmailResult> {
  const keep = (level: LogLevel) => (message: string, meta?: LogMetadata) => void logged.push({ level, message, meta });
  const logger = {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => keep(level)(message, meta),
    trace: keep('TRACE'),
    debug: keep('DEBUG'),
    info: keep('INFO'),
    warn: keep('WARN'),
    error: keep('ERROR'),
  };
  return new MockActivityEnvironment(undefined, { logger }).run(acts.sendEmail, input);
}

let serial = 0;
/** An invitation with a key of its own. */
function invitation(to = 'audits@police.example', auditId?: string): SendEmailInput & { template: 'invitation' } {
  serial += 1;
  return {
    key: `audit-test/invitation/${serial}-${Date.now()}`,
    auditId,
    to,
    template: 'invitation',
    data: SAMPLES.invitation,
  };
}

const rowOf = (key: string) => db.emailOutbox.findUniqueOrThrow({ where: { key } });
const caughtWith = (messageId: string) => catcher.messages().filter((m) => m.messageId === messageId);

test('an email arrives over SMTP with its subject, HTML and text parts, once, however often it is asked for', async () => {
  const input = invitation();
  const messageId = messageIdFor(input.key, MAIL_FROM);

  await expect(attempt(input)).resolves.toEqual({ status: 'sent', messageId });
  const message = await waitForMessage(catcher, (m) => m.messageId === messageId);
  expect(message).toMatchObject({ to: ['audits@police.example'], from: MAIL_FROM.replace('Deep Dive', '"Deep Dive"') });
  expect(message.subject).toBe('Child exploitation deep dive: please complete an audit tool by Friday, 20 March 2026');
  expect(message.text).toContain(`\n${SAMPLES.invitation.link}\n`);
  expect(message.html).toContain(`href="${SAMPLES.invitation.link}"`);

  await expect(attempt(input)).resolves.toEqual({ status: 'already_sent', messageId });
  expect(caughtWith(messageId)).toHaveLength(1);
  expect(await rowOf(input.key)).toMatchObject({
    status: 'sent',
    attempts: 1,
    recipient: 'audits@police.example',
    template: 'invitation',
  });
});

test('a retry after a crash between the relay accepting and the outbox saying sent does not send again', async () => {
  // The first attempt hands the message to the relay, then stalls as a worker that died there would.
  let resume!: () => void;
  const stalled = new Promise<void>((resolve) => (resume = resolve));
  const real = createTransport(catcher.url);
  const dying = activities({ sendMail: async (mail) => (await real.sendMail(mail), await stalled) });
  const input = invitation('audits@health.example', 'audit-crash');
  const messageId = messageIdFor(input.key, MAIL_FROM);

  const first = attempt(input, dying);
  await waitForMessage(catcher, (m) => m.messageId === messageId);
  expect(await rowOf(input.key)).toMatchObject({ status: 'sending' }); // what the crash leaves behind

  // Temporal retries the activity on another worker after its timeout.
  await expect(attempt(input)).resolves.toEqual({ status: 'unconfirmed', messageId });
  expect(await rowOf(input.key)).toMatchObject({ status: 'unconfirmed', attempts: 1 });
  expect(await failedEmails(db, 'audit-crash')).toEqual([
    expect.objectContaining({
      key: input.key,
      template: 'invitation',
      to: 'audits@health.example',
      status: 'unconfirmed',
    }),
  ]);
  expect(logged).toContainEqual(
    expect.objectContaining({
      level: 'WARN',
      message: 'email not resent: an earlier attempt stopped while sending it',
    }),
  );

  // Had the first attempt's worker only been slow, it finishes and the outbox learns the email went.
  resume();
  await expect(first).resolves.toEqual({ status: 'sent', messageId });
  expect(await rowOf(input.key)).toMatchObject({ status: 'sent' });
  expect(await failedEmails(db, 'audit-crash')).toEqual([]);
  expect(caughtWith(messageId)).toHaveLength(1);
});

test('a row a dead worker left `sending` is reported unconfirmed and never sent', async () => {
  const input = invitation();
  const messageId = messageIdFor(input.key, MAIL_FROM);
  await db.emailOutbox.create({
    data: { key: input.key, template: 'invitation', recipient: input.to, messageId, status: 'sending', attempts: 1 },
  });

  await expect(attempt(input)).resolves.toEqual({ status: 'unconfirmed', messageId });
  await expect(attempt(input)).resolves.toEqual({ status: 'unconfirmed', messageId });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(catcher.messages()).toEqual([]);
});

test('two attempts of one key at once deliver it once', async () => {
  const input = invitation();
  const results = await Promise.all([attempt(input), attempt(input)]);
  expect(results.map((r) => r.status).sort()).toEqual(['sent', 'unconfirmed']);
  expect(await rowOf(input.key)).toMatchObject({ status: 'sent' });
  expect(caughtWith(messageIdFor(input.key, MAIL_FROM))).toHaveLength(1);
});

test('an SMTP outage, then recovery on the same port: every email delivered, none twice', async () => {
  const port = catcher.port;
  const acts = activities(); // one transport throughout, as in a worker
  const inputs = [invitation('a@police.example'), invitation('b@health.example'), invitation('c@csc.example')];
  await catcher.stop();

  for (const input of inputs) {
    await expect(attempt(input, acts)).rejects.toMatchObject({ type: EMAIL_FAILURE.deferred, nonRetryable: false });
    await expect(attempt(input, acts)).rejects.toMatchObject({ type: EMAIL_FAILURE.deferred });
    expect(await rowOf(input.key)).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastError: expect.stringContaining('ECONNREFUSED'),
    });
  }

  catcher = await startMailCatcher({ port });
  for (const input of inputs) {
    await expect(attempt(input, acts)).resolves.toMatchObject({ status: 'sent' });
    await expect(attempt(input, acts)).resolves.toMatchObject({ status: 'already_sent' });
    expect(await rowOf(input.key)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  }
  expect(
    catcher
      .messages()
      .map((m) => m.to[0])
      .sort(),
  ).toEqual(['a@police.example', 'b@health.example', 'c@csc.example']);
});

describe('a relay that refuses recipients', () => {
  let relay: SMTPServer;
  let relayUrl: string;
  let rcpts: string[];
  const delivered: string[] = [];

  beforeAll(async () => {
    rcpts = [];
    let greylisted = false;
    relay = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 1000,
      onRcptTo({ address }, _session, callback) {
        rcpts.push(address);
        const refuse = (code: number, text: string) => callback(Object.assign(new Error(text), { responseCode: code }));
        if (address.startsWith('nobody@')) return refuse(550, '5.1.1 No such user');
        if (address.startsWith('greylisted@') && !greylisted)
          return ((greylisted = true), refuse(451, '4.7.1 Try again later'));
        callback();
      },
      onData(stream, session, callback) {
        stream.resume();
        const to = session.envelope.rcptTo[0]!.address;
        // silent@: the relay takes the whole message and then never answers, as one that died there would.
        stream.on('end', () => (delivered.push(to), to.startsWith('silent@') ? undefined : callback()));
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    relayUrl = `smtp://127.0.0.1:${(relay.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  test('a permanent rejection (550) is recorded as failed, shown for the audit, and never tried again', async () => {
    const acts = activities(createTransport(relayUrl));
    const input = invitation('nobody@police.example', 'audit-rejected');

    await expect(attempt(input, acts)).rejects.toMatchObject({ type: EMAIL_FAILURE.rejected, nonRetryable: true });
    expect(await rowOf(input.key)).toMatchObject({ status: 'failed', lastError: '550 5.1.1 No such user' });
    expect(await failedEmails(db, 'audit-rejected')).toEqual([
      {
        id: messageIdFor(input.key, MAIL_FROM).slice(1, 33),
        key: input.key,
        template: 'invitation',
        to: 'nobody@police.example',
        status: 'failed',
        reason: '550 5.1.1 No such user',
        at: expect.any(Date),
        // Sent without the notification it was for (no workflow asked): nothing to send again from.
        sendAgain: 'not_kept',
        sentAgain: 0,
      },
    ]);

    await expect(attempt(input, acts)).rejects.toMatchObject({ type: EMAIL_FAILURE.rejected, nonRetryable: true });
    expect(rcpts.filter((r) => r === 'nobody@police.example')).toHaveLength(1);
  });

  test('a temporary refusal (451) is retried and delivers once', async () => {
    const acts = activities(createTransport(relayUrl));
    const input = invitation('greylisted@health.example');

    await expect(attempt(input, acts)).rejects.toMatchObject({ type: EMAIL_FAILURE.deferred, nonRetryable: false });
    expect(await rowOf(input.key)).toMatchObject({ status: 'pending', lastError: '451 4.7.1 Try again later' });
    await expect(attempt(input, acts)).resolves.toMatchObject({ status: 'sent' });
    expect(delivered.filter((d) => d === 'greylisted@health.example')).toHaveLength(1);
  });
  test('a relay lost after it took the message leaves the email unconfirmed, and it is not sent again', async () => {
    const acts = activities(createTransport(`${relayUrl}/?socketTimeout=300`));
    const input = invitation('silent@police.example', 'audit-lost');

    await expect(attempt(input, acts)).resolves.toMatchObject({ status: 'unconfirmed' });
    expect(await rowOf(input.key)).toMatchObject({ status: 'unconfirmed', lastError: 'Timeout' });
    await expect(attempt(input, acts)).resolves.toMatchObject({ status: 'unconfirmed' });
    expect(delivered.filter((d) => d === 'silent@police.example')).toHaveLength(1);
    expect(await failedEmails(db, 'audit-lost')).toEqual([
      expect.objectContaining({ status: 'unconfirmed', reason: 'Timeout' }),
    ]);
  });
});

test('an email whose label names a child of the cohort is refused, recorded, and not sent', async () => {
  const { auditId } = await insertAudit(db);
  const input = {
    ...invitation('audits@csc.example', auditId),
    data: { ...SAMPLES.invitation, agencyName: 'Zephyrine Quixleworth' },
  };

  await expect(attempt(input)).rejects.toMatchObject({ type: EMAIL_FAILURE.invalid, nonRetryable: true });
  await expect(attempt(input)).rejects.toMatchObject({ type: EMAIL_FAILURE.invalid, nonRetryable: true });
  expect(await failedEmails(db, auditId)).toEqual([
    expect.objectContaining({
      key: input.key,
      status: 'refused',
      reason: 'a label (agency name, audit title or place) holds an identifier of a child in the cohort',
    }),
  ]);

  // The same audit's emails with the agency's own name go.
  await expect(attempt(invitation('audits@csc.example', auditId))).resolves.toMatchObject({ status: 'sent' });
  await waitForMessage(catcher, (m) => m.to[0] === 'audits@csc.example');
  expect(catcher.messages()).toHaveLength(1);
  // The activity's own lines and the SDK's (which carry the failure messages): IDs and keys only.
  expect(logged.map((entry) => entry.message).filter((m) => m.startsWith('email'))).toEqual([
    'email refused',
    'email sent',
  ]);
  for (const entry of logged) expect(JSON.stringify(entry)).not.toMatch(/Zephyrine|Quixleworth|@csc\.example/);
});

test('an address list or a display name instead of one address is refused', async () => {
  for (const to of ['a@police.example, b@police.example', 'Police <a@police.example>', 'not-an-address']) {
    await expect(attempt(invitation(to))).rejects.toMatchObject({
      type: EMAIL_FAILURE.invalid,
      message: expect.stringContaining('to must be one email address'),
    });
  }
});

describe('relays that want TLS and a login', () => {
  let relay: SMTPServer;
  afterEach(async () => {
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  // smtp-server's built-in self-signed certificate stands in for the relay's own.
  async function start(secure: boolean): Promise<{ port: number; logins: string[] }> {
    const logins: string[] = [];
    relay = new SMTPServer({
      secure,
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth({ username, password }, session, callback) {
        if (username !== 'deepdive' || password !== 's3cret') return callback(new Error('Invalid login'));
        if (!session.secure) return callback(new Error('TLS first'));
        logins.push(username);
        callback(null, { user: username });
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    return { port: (relay.server.address() as AddressInfo).port, logins };
  }

  test.each([
    ['smtps://', true, (port: number) => `smtps://deepdive:s3cret@127.0.0.1:${port}/?tls.rejectUnauthorized=false`],
    [
      'STARTTLS',
      false,
      (port: number) => `smtp://deepdive:s3cret@127.0.0.1:${port}/?requireTLS=true&tls.rejectUnauthorized=false`,
    ],
  ])('sends over %s with a login', async (_how, secure, url) => {
    const { port, logins } = await start(secure);
    await expect(attempt(invitation(), activities(createTransport(url(port))))).resolves.toMatchObject({
      status: 'sent',
    });
    expect(logins).toEqual(['deepdive']);
  });
});

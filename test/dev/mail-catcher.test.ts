// The mail catcher over real SMTP (nodemailer), and the /dev/mail router on a real loopback HTTP server.
import express from 'express';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { devMailRouter } from '../../api/dev-mail';
import { type MailCatcher, startMailCatcher, waitForMessage } from '../../dev/mail-catcher';
import { serve } from '../support/http';

const HOSTILE = '<script>alert(1)</script>';

let catcher: MailCatcher;

beforeEach(async () => {
  catcher = await startMailCatcher({ port: 0 });
});

afterEach(async () => {
  await catcher.stop();
});

function send(mail: SendMailOptions, url = catcher.url) {
  return nodemailer.createTransport(url).sendMail({ from: '"Deep Dive" <noreply@deepdive.test>', ...mail });
}

test('a mail sent over SMTP is caught with its recipients, subject, text and HTML', async () => {
  expect(catcher.url).toBe(`smtp://127.0.0.1:${catcher.port}`);
  expect(catcher.port).toBeGreaterThan(0);

  const info = await send({
    to: 'Ana Lead <ana@agency.test>',
    cc: 'bo@agency.test',
    bcc: 'audit-log@deepdive.test',
    subject: 'Audit 42 is ready for review',
    text: 'Hello Ana,\nthe audit is ready.',
    html: '<p>Hello Ana,<br>the audit is <b>ready</b>.</p>',
  });

  const messages = catcher.messages();
  expect(messages).toHaveLength(1);
  const { id, sentAt, ...caught } = messages[0]!;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  expect(new Date(sentAt).toISOString()).toBe(sentAt);
  expect(caught).toEqual({
    to: ['ana@agency.test', 'bo@agency.test', 'audit-log@deepdive.test'],
    from: '"Deep Dive" <noreply@deepdive.test>',
    subject: 'Audit 42 is ready for review',
    text: 'Hello Ana,\nthe audit is ready.',
    html: '<p>Hello Ana,<br>the audit is <b>ready</b>.</p>',
    messageId: info.messageId,
  });
});

test('messages are newest first, the oldest dropped beyond maxMessages, and clear empties the list', async () => {
  const small = await startMailCatcher({ port: 0, maxMessages: 2 });
  try {
    for (const subject of ['first', 'second', 'third'])
      await send({ to: 'x@agency.test', subject, text: subject }, small.url);
    expect(small.messages().map((m) => m.subject)).toEqual(['third', 'second']);
    small.clear();
    expect(small.messages()).toEqual([]);
  } finally {
    await small.stop();
    await small.stop();
  }
});

test('waitForMessage resolves with a message already caught or still to come', async () => {
  await send({ to: 'early@agency.test', subject: 'early', text: 'x' });
  await expect(waitForMessage(catcher, (m) => m.to.includes('early@agency.test'), 1000)).resolves.toMatchObject({
    subject: 'early',
  });

  const later = waitForMessage(catcher, (m) => m.subject === 'later', 5000);
  await send({ to: 'late@agency.test', subject: 'later', text: 'x' });
  await expect(later).resolves.toMatchObject({ to: ['late@agency.test'] });
});

test('waitForMessage times out with a clear error naming what was caught', async () => {
  await send({ to: 'someone@agency.test', subject: 'Not this one', text: 'x' });

  await expect(waitForMessage(catcher, (m) => m.subject === 'Never sent', 200)).rejects.toThrow(
    'waitForMessage: no matching message arrived within 200 ms; caught 1, newest first: "Not this one" to someone@agency.test',
  );
});

describe('the /dev/mail router', () => {
  let http: Awaited<ReturnType<typeof serve>>;

  beforeEach(async () => {
    const app = express();
    app.use('/dev/mail', devMailRouter(catcher));
    http = await serve(app);
  });

  afterEach(async () => {
    await http.close();
  });

  test('GET /dev/mail/messages: newest first, with exactly id, to, subject, text, html, sentAt', async () => {
    await send({ to: 'a@agency.test', subject: 'one', text: 'text one', html: '<p>one</p>' });
    await send({ to: 'b@agency.test', subject: 'two', text: 'text two' });

    const res = await http.call('GET', '/dev/mail/messages');
    expect(res.status).toBe(200);
    const [two, one] = catcher.messages();
    expect(res.body).toEqual([
      // nodemailer ends a single-part body with a line break, and the text keeps it.
      { id: two!.id, to: ['b@agency.test'], subject: 'two', text: 'text two\n', html: '', sentAt: two!.sentAt },
      { id: one!.id, to: ['a@agency.test'], subject: 'one', text: 'text one', html: '<p>one</p>', sentAt: one!.sentAt },
    ]);

    expect((await http.call('DELETE', '/dev/mail/messages')).status).toBe(204);
    expect((await http.call('GET', '/dev/mail/messages')).body).toEqual([]);
  });

  test('GET /dev/mail escapes hostile mail and renders its HTML only sandboxed', async () => {
    await send({
      to: 'victim@agency.test',
      subject: `Hi ${HOSTILE}`,
      text: `Body ${HOSTILE}`,
      html: `<p>Body</p>${HOSTILE}`,
    });
    const [message] = catcher.messages();

    const res = await http.call('GET', '/dev/mail');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const pageHtml = res.body as string;
    expect(pageHtml).not.toContain('<script');
    expect(pageHtml).toContain('<h2 id="message-' + message!.id + '">Hi &lt;script&gt;alert(1)&lt;/script&gt;</h2>');
    expect(pageHtml).toContain('<pre>Body &lt;script&gt;alert(1)&lt;/script&gt;</pre>');
    expect(pageHtml).toContain('<dd>victim@agency.test</dd>');
    expect(pageHtml).toContain(
      '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="&lt;p&gt;Body&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;" title="HTML of Hi &lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    );
    expect(pageHtml).toContain(`<a href="/dev/mail/messages/${message!.id}.html">`);

    const alone = await http.call('GET', `/dev/mail/messages/${message!.id}.html`);
    expect(alone.status).toBe(200);
    // Sandboxed (no script, no same origin); popups allowed so that an email's buttons open their links.
    expect(alone.headers.get('content-security-policy')).toMatch(
      /^sandbox allow-popups allow-popups-to-escape-sandbox;/,
    );
    expect(alone.body).toBe(`<p>Body</p>${HOSTILE}`);

    expect((await http.call('GET', '/dev/mail/messages/no-such-id.html')).status).toBe(404);
  });

  test('GET /dev/mail with nothing caught says so', async () => {
    const res = await http.call('GET', '/dev/mail');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<p>0 messages, newest first.');
  });
});

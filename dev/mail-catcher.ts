// The embedded mail catcher for `npm start` without SMTP_URL: a real SMTP server in this process that
// delivers nothing and keeps what it receives in memory, for the /dev/mail pages and for tests.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMessage {
  id: string;
  /** The envelope recipients: everyone the mail was sent to, Bcc included. */
  to: string[];
  /** The From header as written ("Name <address>"), else the envelope sender. */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** When the catcher received it (ISO 8601). */
  sentAt: string;
  messageId?: string;
}

export type MessageListener = (message: CaughtMessage) => void;

export interface MailCatcher {
  /** smtp://127.0.0.1:<port>, with the port actually bound. */
  url: string;
  port: number;
  /** Newest first. */
  messages(): CaughtMessage[];
  clear(): void;
  /** Idempotent. */
  stop(): Promise<void>;
  /** Called with each message once it is stored; returns the unsubscribe function. */
  onMessage(listener: MessageListener): () => void;
}

export interface MailCatcherOptions {
  /** 0 or undefined: a free port. */
  port?: number;
  host?: string;
  /** Beyond this many, the oldest messages are dropped. Default 1000. */
  maxMessages?: number;
}

/** Keeps one oversized mail from eating the memory the message limit is there to bound. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export async function startMailCatcher(opts: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const maxMessages = opts.maxMessages ?? 1000;
  let caught: CaughtMessage[] = [];
  const listeners = new Set<MessageListener>();

  const keep = (message: CaughtMessage) => {
    caught.unshift(message);
    caught.splice(maxMessages);
    for (const listener of listeners) {
      // A failing listener must neither crash the process (this runs in a promise callback) nor cost the
      // other listeners their call.
      try {
        listener(message);
      } catch (err) {
        console.error('mail catcher: a message listener failed', err);
      }
    }
  };

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    // stop() should not wait the default 30 s for a pooled client that keeps its connection open.
    closeTimeout: 1000,
    onData(stream, session, callback) {
      // Read now: the session's envelope is reset for the next mail once callback() is called.
      const { mailFrom, rcptTo } = session.envelope;
      simpleParser(stream).then(
        (mail) => {
          callback();
          // Over the size limit smtp-server answers 552 itself (rejectOversized); the mail is not kept.
          if (stream.sizeExceeded) return;
          keep({
            id: randomUUID(),
            to: rcptTo.map((recipient) => recipient.address),
            from: mail.from?.text ?? (mailFrom ? mailFrom.address : ''),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: mail.html || '',
            sentAt: new Date().toISOString(),
            messageId: mail.messageId,
          });
        },
        (err: Error) => callback(err),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  return {
    url: `smtp://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    messages: () => [...caught],
    clear: () => {
      caught = [];
    },
    stop: () => (stopping ??= new Promise((resolve) => server.close(() => resolve()))),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * For tests: the first message matching `predicate`, already caught (newest first) or yet to come.
 * Rejects after `timeoutMs` with what was caught instead.
 */
export function waitForMessage(
  catcher: MailCatcher,
  predicate: (message: CaughtMessage) => boolean,
  timeoutMs = 5000,
): Promise<CaughtMessage> {
  const existing = catcher.messages().find(predicate);
  if (existing) return Promise.resolve(existing);

  return new Promise((resolve, reject) => {
    const unsubscribe = catcher.onMessage((message) => {
      if (!predicate(message)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(message);
    });
    const timer = setTimeout(() => {
      unsubscribe();
      const seen = catcher.messages().map((m) => `"${m.subject}" to ${m.to.join(', ')}`);
      reject(
        new Error(
          `waitForMessage: no matching message arrived within ${timeoutMs} ms; ` +
            (seen.length === 0
              ? 'none was caught.'
              : `caught ${seen.length}, newest first: ${seen.slice(0, 5).join('; ')}`),
        ),
      );
    }, timeoutMs);
  });
}

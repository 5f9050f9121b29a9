import nodemailer from 'nodemailer';

/** The SMTP transport: the partnership's relay from SMTP_URL (smtp:// or smtps://, auth in the URL), or the catcher. */
export function createTransport(smtpUrl: string) {
  // Well inside the sending activity's one-minute timeout (nodemailer waits ten minutes by default).
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}
export type Transport = ReturnType<typeof createTransport>;

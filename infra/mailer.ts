import nodemailer from 'nodemailer';

/** The SMTP transport: the partnership's relay from SMTP_URL (smtp:// or smtps://, auth in the URL), or the catcher. */
export function createTransport(smtpUrl: string) {
  return nodemailer.createTransport(smtpUrl);
}
export type Transport = ReturnType<typeof createTransport>;

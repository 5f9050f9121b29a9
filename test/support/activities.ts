import { createActivities } from '../../activities';
import { loadEmailConfig } from '../../emails';
import { createTransport } from '../../infra/mailer';
import type { Db } from '../../infra/db';

export const PUBLIC_URL = 'http://deep-dive.test';
export const BUSINESS_UNIT_EMAIL = 'business-unit@partnership.test';
export const PARTNERSHIP_MANAGER_EMAIL = 'manager@partnership.test';
export const LIS_EMAIL = 'lis@partnership.test';
/** The links in the emails are signed with it; an app under test must know the same one. */
export const LINK_SECRET = 'test-link-secret-0123456789abcdef0123456789';

/** The real activities, sending to the given SMTP server (a catcher in tests). */
export function realActivities(db: Db, smtpUrl: string) {
  return createActivities({
    db,
    transport: createTransport(smtpUrl),
    mailFrom: 'Deep Dive <deep-dive@partnership.test>',
    email: loadEmailConfig({}),
    publicUrl: PUBLIC_URL,
    linkSecret: LINK_SECRET,
    businessUnitEmail: BUSINESS_UNIT_EMAIL,
    partnershipManagerEmail: PARTNERSHIP_MANAGER_EMAIL,
    lisEmail: LIS_EMAIL,
  });
}

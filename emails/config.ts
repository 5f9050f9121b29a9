// The partnership's name, contact address, colour and time zone: who the emails come from and how
// they look. Read once at start-up, like infra/config.ts; README.md lists the variables.
import { z } from 'zod';

const envSchema = z.object({
  PARTNERSHIP_NAME: z.string().trim().min(1).max(120).default('Safeguarding Children Partnership'),
  PARTNERSHIP_CONTACT_EMAIL: z
    .string()
    .regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'a bare address, e.g. safeguarding@partnership.example')
    .default('deep-dive@localhost'),
  PARTNERSHIP_BRAND_COLOUR: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .default('#1d4f91'),
  PARTNERSHIP_TIME_ZONE: z
    .string()
    .default('Europe/London')
    .refine(isTimeZone, 'an IANA time zone, e.g. Europe/London'),
});

export interface EmailConfig {
  partnershipName: string;
  contactEmail: string;
  /** #rrggbb: the header band and the buttons. */
  brandColour: string;
  /** Dates and times in emails are written in this zone, whatever the server's. */
  timeZone: string;
}

export function loadEmailConfig(env: NodeJS.ProcessEnv = process.env): EmailConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid email configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    partnershipName: e.PARTNERSHIP_NAME,
    contactEmail: e.PARTNERSHIP_CONTACT_EMAIL,
    brandColour: e.PARTNERSHIP_BRAND_COLOUR,
    timeZone: e.PARTNERSHIP_TIME_ZONE,
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// A member of staff already signed in, for API-level tests of the console's pages: their row in the staff
// directory and a live session (as api/sign-in.ts stores it after the provider's answer), and the cookie a
// browser would send. The sign-in itself is tested through the real provider (test/api/sign-in.test.ts).
import { createHmac, randomUUID } from 'node:crypto';
import type { Role } from '../../infra/config';
import type { Db } from '../../infra/db';
import { SESSION_COOKIE } from '../../api/sessions';

export interface StaffSession {
  staffId: string;
  name: string;
  /** The Cookie header's value. */
  cookie: string;
}

export async function staffSession(db: Db, secret: string, role: Role, name?: string): Promise<StaffSession> {
  const tag = randomUUID().slice(0, 8);
  const staff = await db.staff.create({
    data: { email: `${role}-${tag}@staff.example`, name: name ?? `Pat ${tag}`, role },
  });
  const sid = randomUUID();
  const expires = new Date(Date.now() + 30 * 60_000);
  const cookie = {
    originalMaxAge: 30 * 60_000,
    expires: expires.toISOString(),
    httpOnly: true,
    path: '/',
    sameSite: 'lax',
  };
  await db.session.create({
    data: { sid, expire: expires, sess: { cookie, staffId: staff.id, signedInAt: Date.now() } },
  });
  // express-session's signed cookie: "s:" then the ID, a dot and its HMAC-SHA256 (base64, unpadded).
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return {
    staffId: staff.id,
    name: staff.name,
    cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`,
  };
}

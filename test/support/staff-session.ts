// A member of staff signed in, for tests of the console's pages over HTTP: their Staff row and a live
// server-side session, as the OpenID sign-in leaves them (test/api/sign-in.test.ts and the browser tests
// go through the real provider), and the session cookie a browser would send, signed as express-session signs it.
import { createHmac, randomUUID } from 'node:crypto';
import type { Role } from '../../infra/config';
import type { Db } from '../../infra/db';
import { SESSION_COOKIE } from '../../api/sessions';

export interface StaffSession {
  staffId: string;
  /** The `cookie` header's value. */
  cookie: string;
}

export async function signedInStaff(db: Db, secret: string, role: Role): Promise<StaffSession> {
  const staff = await db.staff.create({
    data: { email: `${role}.${randomUUID().slice(0, 8)}@partnership.example`, name: `Test ${role}`, role },
  });
  const sid = randomUUID();
  const expires = new Date(Date.now() + 30 * 60_000);
  await db.session.create({
    data: {
      sid,
      expire: expires,
      sess: {
        cookie: {
          originalMaxAge: 30 * 60_000,
          expires: expires.toISOString(),
          httpOnly: true,
          path: '/',
          sameSite: 'lax',
        },
        staffId: staff.id,
        signedInAt: Date.now(),
      },
    },
  });
  // cookie-signature's format: the value, a dot, its HMAC-SHA256 in base64 without padding.
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return { staffId: staff.id, cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}` };
}

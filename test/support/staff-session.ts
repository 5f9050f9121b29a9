// A member of staff signed in, for tests of the console's pages over HTTP: their row in the staff directory,
// the server-side session api/sign-in.ts keeps after the provider's callback, and the signed cookie a browser
// then holds (express-session's `s:<sid>.<HMAC>`). The sign-in itself — the provider, PKCE, the checks — is
// proved in test/api/sign-in.test.ts and, in Chromium, test/browser/staff-sign-in.test.ts.
import { createHmac, randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db';
import type { Role } from '../../infra/config';
import { SESSION_COOKIE } from '../../api/sessions';
import { LINK_SECRET } from './activities';

const IDLE_MS = 30 * 60_000;

export interface StaffSession {
  staff: { id: string; name: string; role: Role };
  /** The Cookie header's value. */
  cookie: string;
}

export async function signedInAs(db: Db, role: Role, name = `Test ${role}`): Promise<StaffSession> {
  const staff = await db.staff.create({
    data: { email: `${role}-${randomUUID().slice(0, 8)}@staff.example`, name, role },
  });
  const sid = randomUUID();
  const expires = new Date(Date.now() + IDLE_MS);
  const sess = {
    cookie: { originalMaxAge: IDLE_MS, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax' },
    staffId: staff.id,
    signedInAt: Date.now(),
  };
  await db.session.create({ data: { sid, sess, expire: expires } });
  const signature = createHmac('sha256', LINK_SECRET).update(sid).digest('base64').replace(/=+$/, '');
  return { staff, cookie: `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}` };
}

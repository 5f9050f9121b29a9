// Staff sessions on the server (express-session), kept in PostgreSQL through Prisma in connect-pg-simple's
// table shape (`session`: sid, sess, expire). Our own small store rather than connect-pg-simple: it needs
// a second connection pool, and the embedded database serves one connection. A session idles out after
// SESSION_IDLE_MINUTES (the cookie and the row are renewed on every request) and ends SESSION_ABSOLUTE_HOURS
// after sign-in whatever happens (api/sign-in.ts checks `signedInAt`). The cookie is HttpOnly,
// SameSite=Lax, and behind https Secure with the `__Host-` prefix.
import { promisify } from 'node:util';
import session, { type SessionData, Store } from 'express-session';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../infra/db';
import type { Prisma } from '../prisma/generated/client';

declare module 'express-session' {
  interface SessionData {
    /** The person signed in (a Staff row). */
    staffId?: string;
    /** When they signed in: the absolute timeout counts from here. */
    signedInAt?: number;
    /** Between /sign-in and its callback: what the provider must send back. */
    oidc?: { state: string; nonce: string; codeVerifier: string; returnTo: string };
  }
}

export interface SessionSettings {
  idleMinutes: number;
  absoluteHours: number;
}

/** express-session's store over the `session` table. */
export class PrismaSessionStore extends Store {
  constructor(private readonly db: Pick<Db, 'session'>) {
    super();
  }

  override get(sid: string, done: (err: unknown, session?: SessionData | null) => void): void {
    this.db.session
      .findUnique({ where: { sid } })
      .then((row) => done(null, row && row.expire > new Date() ? (row.sess as unknown as SessionData) : null))
      .catch(done);
  }

  override set(sid: string, data: SessionData, done?: (err?: unknown) => void): void {
    const expire = expiryOf(data);
    const sess = data as unknown as Prisma.InputJsonValue;
    this.db.session
      .upsert({ where: { sid }, create: { sid, sess, expire }, update: { sess, expire } })
      .then(() => done?.())
      .catch((err: unknown) => done?.(err));
  }

  override touch(sid: string, data: SessionData, done?: (err?: unknown) => void): void {
    this.db.session
      .updateMany({ where: { sid }, data: { expire: expiryOf(data) } })
      .then(() => done?.())
      .catch((err: unknown) => done?.(err));
  }

  override destroy(sid: string, done?: (err?: unknown) => void): void {
    this.db.session
      .deleteMany({ where: { sid } })
      .then(() => done?.())
      .catch((err: unknown) => done?.(err));
  }
}

const expiryOf = (data: SessionData) => new Date(data.cookie?.expires ?? Date.now() + 24 * 3600_000);

/** Ends every session of a person at once (deactivated, or their role changed). */
export async function endSessionsOf(db: Pick<Db, '$executeRaw'>, staffId: string): Promise<number> {
  return db.$executeRaw`DELETE FROM "session" WHERE sess->>'staffId' = ${staffId}`;
}

export const SESSION_COOKIE = 'deep_dive_staff';
/** The cookie's name: with the `__Host-` prefix behind https (Secure, Path=/, no Domain: this host only). */
export const sessionCookieName = (https: boolean) => (https ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);

export function setUpWebSession(opts: {
  db: Pick<Db, 'session'>;
  secret: string;
  https: boolean;
  settings: SessionSettings;
}): RequestHandler {
  return session({
    name: sessionCookieName(opts.https),
    store: new PrismaSessionStore(opts.db),
    secret: opts.secret,
    // Only a session that holds something is stored, and each request renews the idle timeout.
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.https,
      path: '/',
      maxAge: opts.settings.idleMinutes * 60_000,
    },
  });
}

/**
 * The session stored before the redirect that reads it (a draft kept between a form and its check page):
 * express-session saves only as the response ends, and a browser follows a 303 on its headers, so the next
 * page could otherwise find the session as it was.
 */
export const savedSession = (req: Request): Promise<void> => promisify(req.session.save.bind(req.session))();

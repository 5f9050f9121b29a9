// API keys: `Authorization: Bearer <key>`. Keys are compared by their SHA-256, never kept in logs. A key
// is either in API_KEYS (config) or created by `deepdive keys create` and kept hashed in the ApiKey
// table; a revoked stored key is refused at once, in every process, since each request reads its row.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Role } from '../infra/config';
import type { Db } from '../infra/db';
import { HttpError } from './errors';

export interface Principal {
  role: Role;
  /** A short, non-secret label for the audit trail: `staff:<id>`, or role and the first hex of the key's hash. */
  actor: string;
  /** A person's name (signed in to the console); none for an API key. */
  name?: string;
}

/** Who did it, for an audit-trail row: the label, and the person's name and role when a person did. */
export const trailActor = (principal: Principal) => ({
  actor: principal.actor,
  actorName: principal.name ?? null,
  actorRole: principal.role,
});

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** How stale a stored key's `lastUsedAt` may get before a request writes it again. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Sets `req.principal` from the bearer key, or refuses with 401. A request without the header goes on
 * unauthenticated (requireRole refuses it where a role is needed). `db` reads the stored keys; without it
 * only `keys` (API_KEYS) are known.
 */
export function authenticate(keys: { role: Role; key: string }[], db?: Pick<Db, 'apiKey'>): RequestHandler {
  const byHash = new Map(keys.map(({ role, key }) => [hashKey(key), role]));
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const hash = match?.[1] ? hashKey(match[1]) : undefined;
    let role = hash ? byHash.get(hash) : undefined;
    if (hash && !role && db) {
      try {
        role = await storedKeyRole(db, hash);
      } catch (err) {
        return next(err); // the database is down: a 503 from the error handler, not a 401
      }
    }
    if (!hash || !role) return next(new HttpError(401, 'unauthenticated', 'The API key is not valid.'));
    req.principal = { role, actor: `key:${role}:${hash.slice(0, 8)}` };
    next();
  };
}

async function storedKeyRole(db: Pick<Db, 'apiKey'>, keyHash: string): Promise<Role | undefined> {
  const row = await db.apiKey.findUnique({
    where: { keyHash },
    select: { id: true, role: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt) return undefined;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // At most one write a minute per key, however many requests or API processes race here; not
    // awaited: a request never waits for (or fails on) this bookkeeping.
    const staleBefore = new Date(now - LAST_USED_RESOLUTION_MS);
    db.apiKey
      .updateMany({
        where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
        data: { lastUsedAt: new Date(now) },
      })
      .catch(() => undefined);
  }
  return row.role;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal)
      return next(new HttpError(401, 'unauthenticated', 'Send an API key: Authorization: Bearer <key>.'));
    if (!roles.includes(req.principal.role)) {
      return next(new HttpError(403, 'forbidden', `This needs the role ${roles.join(' or ')}.`));
    }
    next();
  };
}

// API keys: `Authorization: Bearer <key>`. Keys are compared by their SHA-256, never kept in logs.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Role } from '../infra/config';
import { HttpError } from './errors';

export interface Principal {
  role: Role;
  /** A short, non-secret label for the audit trail: role and the first hex of the key's hash. */
  actor: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function authenticate(keys: { role: Role; key: string }[]): RequestHandler {
  const byHash = new Map(keys.map(({ role, key }) => [hashKey(key), role]));
  return (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const hash = match?.[1] ? hashKey(match[1]) : undefined;
    const role = hash ? byHash.get(hash) : undefined;
    if (!hash || !role) return next(new HttpError(401, 'unauthenticated', 'The API key is not valid.'));
    req.principal = { role, actor: `key:${role}:${hash.slice(0, 8)}` };
    next();
  };
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

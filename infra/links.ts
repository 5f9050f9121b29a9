// The secret in an emailed link. Derived (HMAC-SHA256 of LINK_SECRET and the task it opens), so every
// email about one task carries the same link however often an activity is retried, and nothing but
// its SHA-256 is stored. 256 bits. After LINK_SECRET is rotated, a link works until the next email
// about its task stores the new link's hash in its place.
import { createHash, createHmac } from 'node:crypto';

export type LinkScope =
  `respond:${string}` | `approve:${string}` | `progress:${string}` | `acknowledge:${string}` | `pack:${string}`;

export function linkToken(secret: string, scope: LinkScope): string {
  return createHmac('sha256', secret).update(scope).digest('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

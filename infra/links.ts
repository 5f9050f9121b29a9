// The secret in an emailed link. Derived (HMAC-SHA256 of LINK_SECRET, the task it opens and the task's link
// version), so every email about one task carries the same link however often an activity is retried, and
// nothing but its SHA-256 is stored. 256 bits. A reissue counts the version up (a new link; the old one is
// revoked); rotating LINK_SECRET revokes every live link at the API's next start (api/link-life.ts).
import { createHash, createHmac } from 'node:crypto';

/** LINK_GRACE's default: how long a link still opens once its task can no longer be done. */
export const DEFAULT_LINK_GRACE = 'P2D';

export type LinkKind = 'respond' | 'approve' | 'progress' | 'acknowledge' | 'pack';

export type LinkScope = `${LinkKind}:${string}`;

/** Version 0 is the task's first link, whose scope has no suffix: links emailed before versions still match. */
export function linkToken(secret: string, scope: LinkScope, version = 0): string {
  return createHmac('sha256', secret)
    .update(version === 0 ? scope : `${scope}#${version}`)
    .digest('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

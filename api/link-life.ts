// An emailed link's life. It opens its task until the task can no longer be done, plus a short grace
// (LINK_GRACE); then it answers 410 `link_expired`. A link the business unit reissued, or one made with a
// LINK_SECRET since rotated, answers 410 `link_gone`. Both say who to ask, and nothing about the child.
import { createHash } from 'node:crypto';
import type { Config } from '../infra/config';
import type { Db } from '../infra/db';
import { DEFAULT_LINK_GRACE, type LinkKind, tokenHash } from '../infra/links';
import { loadEmailConfig } from '../emails';
import { durationMs } from '../domain/timeline';
import { HttpError } from './errors';

export interface LinkLife {
  /** Who a person whose link has stopped should ask: the business unit's address. */
  contactEmail: string;
  /** How long a link still opens once its task can no longer be done. */
  graceMs: number;
  /**
   * The clock that stamps a link's task as done and judges its expiry (ms since the epoch): a test reads
   * it from the time-skipping server, whose clock the workflows' timers follow.
   */
  now: () => number;
}

export const linkLifeOf = (config: Pick<Config, 'businessUnitEmail' | 'email' | 'linkGraceMs'>): LinkLife => ({
  contactEmail: config.businessUnitEmail ?? config.email.contactEmail,
  graceMs: config.linkGraceMs,
  now: Date.now,
});

export const DEFAULT_LINK_LIFE: LinkLife = {
  contactEmail: loadEmailConfig({}).contactEmail,
  graceMs: durationMs(DEFAULT_LINK_GRACE),
  now: Date.now,
};

const askFor = (life: LinkLife) =>
  `If you still need to do this, ask the business unit for a new link: ${life.contactEmail}.`;

export function linkGone(life: LinkLife): HttpError {
  return new HttpError(
    410,
    'link_gone',
    `This link has been replaced by a newer one and no longer works. ${askFor(life)}`,
  );
}

/**
 * 410 `link_expired` once the grace after `endedAt` (the moment the task could no longer be done) has
 * passed; nothing while the task is open.
 */
export function refuseExpired(life: LinkLife, endedAt: Date | null | undefined, why: string): void {
  if (endedAt && life.now() > endedAt.getTime() + life.graceMs) {
    throw new HttpError(410, 'link_expired', `This link has expired: ${why}. ${askFor(life)}`);
  }
}

/**
 * 410 `link_expired` once the grace after the audit's cancellation has passed: its audit tools, pack and
 * approvals can no longer be done. The trail says when the audit entered `cancelled`.
 */
export async function refuseCancelled(db: Db, life: LinkLife, audit: { id: string; stage: string }): Promise<void> {
  if (audit.stage !== 'cancelled') return;
  const cancelled = await db.auditTrailEntry.findFirst({
    where: { auditId: audit.id, action: 'stage.entered', details: { path: ['stage'], equals: 'cancelled' } },
    select: { at: true },
  });
  refuseExpired(life, cancelled?.at, 'the deep dive it was for has been cancelled');
}

/** A token that opens no task: 410 when it was a link that has been stopped, else the route's 404. */
export async function unknownLink(db: Db, life: LinkLife, token: string, notKnown: string): Promise<HttpError> {
  const revoked = await db.revokedLink.findUnique({ where: { tokenHash: tokenHash(token) }, select: { kind: true } });
  return revoked ? linkGone(life) : new HttpError(404, 'not_found', notKnown);
}

/** Where a task's hash lives, per kind of link. */
const LINK_TABLES: [LinkKind, string][] = [
  ['respond', 'Invitation'],
  ['approve', 'Approval'],
  ['progress', 'ActionProgress'],
  ['acknowledge', 'Escalation'],
];

/**
 * Run as the API starts: when LINK_SECRET is not the one the live links were made with, every one of them
 * is revoked at once (answering 410 from then on); each task's next email carries a link of the new
 * secret. The first start only records the secret. Returns how many links were revoked.
 */
export async function revokeLinksOfOldSecret(db: Db, secret: string): Promise<number> {
  const fingerprint = createHash('sha256').update(`link-secret:${secret}`).digest('hex');
  return db.$transaction(async (tx) => {
    const recorded = await tx.linkSecret.createMany({ data: { fingerprint }, skipDuplicates: true });
    if (recorded.count === 1) return 0;
    // The row's lock makes a second API starting at the same moment wait, then find nothing to change.
    const rotated = await tx.linkSecret.updateMany({
      where: { id: 1, fingerprint: { not: fingerprint } },
      data: { fingerprint },
    });
    if (rotated.count === 0) return 0;
    let revoked = 0;
    for (const [kind, table] of [...LINK_TABLES, ['pack', 'PackLink'] as const]) {
      revoked += await tx.$executeRawUnsafe(
        `INSERT INTO "RevokedLink" ("tokenHash", kind, reason)
         SELECT "tokenHash", $1, 'secret_rotated' FROM "${table}" WHERE "tokenHash" IS NOT NULL
         ON CONFLICT DO NOTHING`,
        kind,
      );
    }
    for (const [, table] of LINK_TABLES) {
      await tx.$executeRawUnsafe(`UPDATE "${table}" SET "tokenHash" = NULL WHERE "tokenHash" IS NOT NULL`);
    }
    // A pack link's row is only its hash: the next pack email makes it again.
    await tx.packLink.deleteMany({});
    return revoked;
  });
}

// Every POST of the API is safe to send twice. With an `Idempotency-Key` header, the first request with a
// key does the work and its answer is kept; a retry with the same key gets that answer again, without a
// second effect — also when both arrive at once (the second waits for the first's answer). Keys belong to
// their sender (its API key or person), so two senders never share one. Only a success is kept: a refusal
// changed nothing, so a retry (with the body put right, the dependency back) does the work. Workflow updates sent on behalf of a keyed request carry
// an update ID derived from the key (`updateIdFor`), so that Temporal, too, takes the update once.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../infra/db';
import { HttpError, parse } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** The sender's own `Idempotency-Key`, scoped to the sender, when the request carried one. */
    idempotency?: { scope: string; key: string };
  }
}

/** The header's value: what the OpenAPI document declares on every POST of the API. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** A request still being answered after this long was lost with its process: a retry takes it over. */
const TAKE_OVER_AFTER_MS = 30_000;
const POLL_MS = 50;
/** How long a simultaneous retry waits for the first request's answer before it is told to come back. */
const WAIT_MS = 10_000;

/** The update ID of a keyed request's workflow update: the same for every retry of it. */
export function updateIdFor(req: Request, what: string): { updateId?: string } {
  return req.idempotency ? { updateId: `${what}:${req.idempotency.scope}:${req.idempotency.key}` } : {};
}

export function idempotentPosts(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('idempotency-key');
    if (req.method !== 'POST' || header === undefined) return next();
    try {
      const key = parse(idempotencyKeySchema, header);
      const scope = req.principal?.actor ?? 'anonymous';
      const id = `${scope}:${key}`;
      const fingerprint = createHash('sha256')
        .update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body ?? null)}`)
        .digest('hex');

      const earlier = await claimOrWait(db, id, fingerprint);
      if (earlier) {
        res.set('Idempotent-Replayed', 'true');
        res.status(earlier.status).json(earlier.body);
        return;
      }

      req.idempotency = { scope, key };
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const kept =
          res.statusCode < 300
            ? db.idempotentRequest.updateMany({
                where: { id, status: null },
                data: { status: res.statusCode, body: body as object, completedAt: new Date() },
              })
            : db.idempotentRequest.deleteMany({ where: { id, status: null } });
        // Kept before it is sent: a retry after this answer is lost finds it.
        kept.then(
          () => json(body),
          () => json(body),
        );
        return res;
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}

type Kept = { status: number; body: unknown };

/**
 * Claims the key for this request (undefined: do the work), or returns the answer already given to it. A
 * request with the same key still being answered is waited for; one abandoned by a lost process is taken over.
 */
async function claimOrWait(db: Db, id: string, fingerprint: string): Promise<Kept | undefined> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { count } = await db.idempotentRequest.createMany({ data: [{ id, fingerprint }], skipDuplicates: true });
    if (count === 1) return undefined;
    const row = await db.idempotentRequest.findUnique({ where: { id } });
    if (!row) continue; // the first one failed and let the key go: this one does the work
    if (row.fingerprint !== fingerprint) {
      throw new HttpError(
        409,
        'idempotency_key_reused',
        'This Idempotency-Key was used for a different request: send a new key for a new request.',
      );
    }
    if (row.status !== null) return { status: row.status, body: row.body };
    if (Date.now() - row.createdAt.getTime() > TAKE_OVER_AFTER_MS) {
      const { count: taken } = await db.idempotentRequest.updateMany({
        where: { id, status: null, createdAt: row.createdAt },
        data: { createdAt: new Date() },
      });
      if (taken === 1) return undefined;
    }
    if (Date.now() > deadline) {
      // Not an answer: the first request's is still to come (or its process was lost). Try again shortly.
      throw new HttpError(
        503,
        'request_in_progress',
        'A request with this Idempotency-Key is still being answered: send it again in a moment.',
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

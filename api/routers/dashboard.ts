// /dashboard: every audit for the business unit, managers and the LIS — stage, next deadline, overdue
// items, actions by RAG — and one audit's detail at /dashboard?audit=<id>. Read from the database (the
// stage as the workflow last copied it), so it works while Temporal is down. Never a child's name or
// date of birth, nor any text an agency typed: case references and service levels only.
//
// Reached with an API key (`Authorization: Bearer`) or, in a browser, a session cookie set by the
// sign-in form. The cookie holds the key's hash and issue time signed with an HMAC, never the key; the
// key is checked again on every request, so a revoked key's session ends at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Role } from '../../infra/config';
import type { Db } from '../../infra/db';
import { approvalStatus, escalationStatus, escalationStatusSelect, everyAudit, summariseAudit } from '../audit-reads';
import { authenticate, hashKey, requireRole } from '../auth';
import { HttpError } from '../errors';
import { csrfMatches, csrfToken, noStore, type RateLimit, rateLimited } from '../security';
import { type AuditDetail, type AuditSummary, dashboardPage, detailPage, signInPage } from '../views/dashboard';
import { sendPage, wantsHtml } from '../views/layout';

export interface DashboardDeps {
  db: Db;
  apiKeys: { role: Role; key: string }[];
  /** Signs the session cookie and the forms' CSRF tokens. */
  secret: string;
  /** Secure cookies when the product is reached over https. */
  publicUrl?: string;
  signInRateLimit?: RateLimit;
}

const SESSION_COOKIE = 'deep_dive_session';
const SIGN_IN_COOKIE = 'deep_dive_sign_in';
const SESSION_MS = 12 * 3600 * 1000;
const auditIdSchema = z.uuid();

function parseCookies(req: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

export function dashboardRouter({ db, apiKeys, secret, publicUrl, signInRateLimit }: DashboardDeps): Router {
  const router = Router();
  const secure = publicUrl?.startsWith('https:') ?? false;
  const configured = new Map(apiKeys.map(({ role, key }) => [hashKey(key), role]));
  const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/dashboard' };

  /** The role of a key by its hash, as api/auth.ts knows keys: API_KEYS, or a stored key not revoked. */
  async function roleOf(keyHash: string): Promise<Role | undefined> {
    const role = configured.get(keyHash);
    if (role) return role;
    const row = await db.apiKey.findUnique({ where: { keyHash }, select: { role: true, revokedAt: true } });
    return row && !row.revokedAt ? row.role : undefined;
  }

  const sign = (keyHash: string, issuedAt: number) =>
    createHmac('sha256', secret).update(`dashboard-session:${keyHash}:${issuedAt}`).digest('base64url');

  /** `<key hash>.<issued at>.<HMAC of both>`: never the key itself. */
  const sessionValue = (keyHash: string, issuedAt: number) => `${keyHash}.${issuedAt}.${sign(keyHash, issuedAt)}`;

  /** The key behind a session cookie while the cookie is fresh and the key is still valid. */
  async function sessionKey(value: string | undefined): Promise<{ role: Role; hash: string } | undefined> {
    const match = /^([0-9a-f]{64})\.(\d{1,15})\.([\w-]{43})$/.exec(value ?? '');
    if (!match) return undefined;
    const [, hash, issued, signature] = match as unknown as [string, string, string, string];
    const issuedAt = Number(issued);
    const age = Date.now() - issuedAt;
    if (age < -60_000 || age > SESSION_MS) return undefined;
    if (!timingSafeEqual(Buffer.from(sign(hash, issuedAt)), Buffer.from(signature))) return undefined;
    const role = await roleOf(hash);
    return role && { role, hash };
  }

  router.use(noStore);
  router.use(authenticate(apiKeys, db));
  router.use(async (req, _res, next) => {
    if (req.principal) return next();
    const session = await sessionKey(parseCookies(req).get(SESSION_COOKIE));
    if (session) req.principal = { role: session.role, actor: `session:${session.role}:${session.hash.slice(0, 8)}` };
    next();
  });

  const signInForm = (res: Response, status: number, opts: { next?: string; failed?: boolean }) => {
    // A fresh random value per form, in a SameSite=Strict cookie: a sign-in posted from another site has neither.
    const nonce = randomBytes(16).toString('base64url');
    res.cookie(SIGN_IN_COOKIE, nonce, { ...cookieOptions, maxAge: 3600_000 });
    sendPage(
      res,
      status,
      signInPage({ csrf: csrfToken(secret, `sign-in:${nonce}`), next: opts.next, failed: opts.failed }),
    );
  };

  /** Only a page of the dashboard itself: never a redirect elsewhere. */
  const safeNext = (value: unknown): string | undefined =>
    typeof value === 'string' && /^\/dashboard(?:[/?]|$)/.test(value) && !value.includes('\\') ? value : undefined;

  router.get('/sign-in', (req, res) => {
    signInForm(res, 200, { next: safeNext(req.query.next) });
  });

  router.post('/sign-in', rateLimited(signInRateLimit), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const nonce = parseCookies(req).get(SIGN_IN_COOKIE);
    if (!nonce || !csrfMatches(secret, `sign-in:${nonce}`, body._csrf)) {
      throw new HttpError(403, 'csrf_failed', 'The sign-in form has expired. Go back, reload the page and try again.');
    }
    const next = safeNext(body.next);
    const hash = typeof body.key === 'string' && body.key.trim() ? hashKey(body.key.trim()) : undefined;
    if (!hash || !(await roleOf(hash))) {
      signInForm(res, 401, { next, failed: true });
      return;
    }
    const issuedAt = Date.now();
    res.clearCookie(SIGN_IN_COOKIE, cookieOptions);
    res.cookie(SESSION_COOKIE, sessionValue(hash, issuedAt), { ...cookieOptions, maxAge: SESSION_MS });
    res.redirect(303, next ?? '/dashboard');
  });

  router.post('/sign-out', (req, res) => {
    const session = parseCookies(req).get(SESSION_COOKIE);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!session || !csrfMatches(secret, `session:${session}`, body._csrf)) {
      throw new HttpError(403, 'csrf_failed', 'The sign-out form has expired. Go back, reload the page and try again.');
    }
    res.clearCookie(SESSION_COOKIE, cookieOptions);
    res.redirect(303, '/dashboard/sign-in');
  });

  // A browser without a key or session is sent to sign in; any other client gets the 401.
  router.use((req, res, next) => {
    if (req.principal || !wantsHtml(req) || req.method !== 'GET') return next();
    res.redirect(303, `/dashboard/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
  });

  router.get('/', requireRole('business_unit', 'manager', 'lis'), async (req, res) => {
    const session = parseCookies(req).get(SESSION_COOKIE);
    const signOut = req.get('authorization') || !session ? undefined : csrfToken(secret, `session:${session}`);
    const viewer = { role: req.principal!.role, signOut };
    const auditId = req.query.audit;
    if (auditId === undefined) {
      sendPage(res, 200, dashboardPage(await summaries(db), viewer));
      return;
    }
    const parsed = auditIdSchema.safeParse(auditId);
    const detail = parsed.success ? await auditDetail(db, parsed.data) : undefined;
    if (!detail) throw new HttpError(404, 'not_found', 'There is no audit with this id.');
    sendPage(res, 200, detailPage(detail, viewer));
  });

  return router;
}

/** Every audit, newest first, with what is due next and what is overdue. */
async function summaries(db: Db): Promise<AuditSummary[]> {
  const now = Date.now();
  return (await everyAudit(db)).map((a) => summariseAudit(a, now));
}

/** One audit as the dashboard shows it; undefined when there is none. */
async function auditDetail(db: Db, id: string): Promise<AuditDetail | undefined> {
  const audit = await db.audit.findUnique({
    where: { id },
    select: {
      id: true,
      focus: true,
      focusSource: true,
      stage: true,
      windowFrom: true,
      windowTo: true,
      cohortSize: true,
      discussionAt: true,
      discussionLocation: true,
      packCirculatedAt: true,
      createdAt: true,
      // Case references and service levels only: never a child's identifiers.
      cases: {
        where: { selectedAt: { not: null }, replacedAt: null },
        orderBy: [{ drawOrder: 'asc' }, { caseRef: 'asc' }],
        select: { caseRef: true, serviceLevel: true },
      },
      invitations: {
        orderBy: [{ case: { drawOrder: 'asc' } }, { createdAt: 'asc' }],
        select: {
          agencyId: true,
          status: true,
          dueAt: true,
          case: { select: { caseRef: true } },
          submission: { select: { submittedAt: true, late: true } },
        },
      },
      outcome: { select: { createdAt: true, acceptedAt: true } },
      reportVersions: {
        orderBy: { version: 'asc' },
        select: {
          version: true,
          submittedAt: true,
          circulatedAt: true,
          approvals: {
            orderBy: { createdAt: 'asc' },
            select: { agencyId: true, decision: true, supersededAt: true, dueAt: true, decidedAt: true },
          },
        },
      },
      lisDecisions: { orderBy: { decidedAt: 'asc' }, select: { decision: true, decidedAt: true, acceptedAt: true } },
      escalations: { orderBy: { raisedAt: 'asc' }, select: escalationStatusSelect },
      // Never the description: it may name a child.
      actions: {
        orderBy: { number: 'asc' },
        select: { number: true, kind: true, ownerAgencyId: true, dueAt: true, status: true, rag: true, closedAt: true },
      },
      briefing: { select: { slug: true } },
    },
  });
  if (!audit) return undefined;
  const agencyIds = new Set([
    ...audit.invitations.map((i) => i.agencyId),
    ...audit.reportVersions.flatMap((v) => v.approvals.map((a) => a.agencyId)),
    ...audit.escalations.map((e) => e.agencyId),
    ...audit.actions.map((a) => a.ownerAgencyId),
  ]);
  const agencies = await db.agency.findMany({
    where: { id: { in: [...agencyIds] } },
    select: { id: true, name: true },
  });
  const names = new Map(agencies.map((a) => [a.id, a.name]));
  const agencyName = (agencyId: string) => names.get(agencyId) ?? 'Unknown agency';
  const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;
  return {
    id: audit.id,
    focus: audit.focus,
    focusSource: audit.focusSource,
    stage: audit.stage,
    window: { from: audit.windowFrom.toISOString(), to: audit.windowTo.toISOString() },
    cohortSize: audit.cohortSize,
    createdAt: audit.createdAt.toISOString(),
    cohort: audit.cases,
    invitations: audit.invitations.map((i) => ({
      caseRef: i.case.caseRef,
      agency: agencyName(i.agencyId),
      status: i.status,
      dueAt: iso(i.dueAt),
      submittedAt: iso(i.submission?.submittedAt),
      late: i.submission?.late ?? false,
    })),
    discussion: {
      at: iso(audit.discussionAt),
      location: audit.discussionLocation,
      packCirculatedAt: iso(audit.packCirculatedAt),
      outcomeRecordedAt: iso(audit.outcome?.createdAt),
    },
    reportVersions: audit.reportVersions.map((v) => ({
      version: v.version,
      submittedAt: v.submittedAt.toISOString(),
      circulatedAt: iso(v.circulatedAt),
      approvals: v.approvals.map((a) => ({
        agency: agencyName(a.agencyId),
        status: approvalStatus(a),
        dueAt: a.dueAt.toISOString(),
        decidedAt: iso(a.decidedAt),
      })),
    })),
    lisDecisions: audit.lisDecisions.map((d) => ({ decision: d.decision, decidedAt: d.decidedAt.toISOString() })),
    escalations: audit.escalations.map((e) => ({ agency: agencyName(e.agencyId), ...escalationStatus(e) })),
    actions: audit.actions.map((a) => ({
      number: a.number,
      kind: a.kind,
      owner: agencyName(a.ownerAgencyId),
      dueAt: a.dueAt.toISOString(),
      status: a.status,
      rag: a.rag,
      closedAt: iso(a.closedAt),
    })),
    briefingPath: audit.briefing ? `/briefings/${encodeURIComponent(audit.briefing.slug)}` : null,
  };
}

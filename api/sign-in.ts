// Staff sign in as themselves through the partnership's OpenID Connect provider (Entra ID, Google
// Workspace, Keycloak, GOV.UK One Login… or, under `npm start`, the embedded one in dev/): the
// authorisation code flow with PKCE, a nonce and a state, by `openid-client`. Only a person whose
// *verified* email is in the staff directory, active, is let in; each request checks the row again, so a
// deactivation ends their access at once (api/staff.ts ends their sessions too).
import { Router, type RequestHandler } from 'express';
import * as client from 'openid-client';
import type { Db } from '../infra/db';
import type { Logger } from '../infra/logger';
import type { Role } from '../infra/config';
import { HttpError } from './errors';
import { CSRF_FAILED, csrfMatches, csrfToken } from './security';
import type { SessionSettings } from './sessions';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
}

/** The person signed in, on `req.staff` (and as `req.principal` for the role checks and the trail). */
export interface SignedIn {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The session's CSRF token: every staff form carries it as `_csrf`. */
  csrf: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    staff?: SignedIn;
  }
}

const SCOPE = 'openid email profile';

/** A path on this site to go back to after signing in; anything else is the audits list. */
const safeReturnTo = (value: unknown): string =>
  typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/audits';

export function setUpAuthentication(deps: {
  db: Db;
  oidc?: OidcSettings;
  secret: string;
  settings: SessionSettings;
  /** The session cookie's name (api/sessions.ts), cleared at sign-out. */
  cookieName: string;
  log: Logger;
}): { router: Router; signedIn: RequestHandler } {
  const { db, oidc, secret, settings, cookieName, log } = deps;
  let discovered: Promise<client.Configuration> | undefined;

  /** The provider's metadata, fetched on the first sign-in (and again after a failure). */
  function configuration(): Promise<client.Configuration> {
    if (!oidc) throw new HttpError(503, 'sign_in_unavailable', 'Staff sign-in is not set up on this server.');
    const local = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(oidc.issuer);
    discovered ??= client
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret,
        undefined,
        // Plain http only for a provider on this machine (the embedded one).
        local ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        log.warn({ err: (err as Error).message }, 'the OpenID provider could not be reached');
        throw new HttpError(503, 'sign_in_unavailable', 'The sign-in service cannot be reached. Try again shortly.');
      });
    return discovered;
  }

  const router = Router();

  router.get('/sign-in', async (req, res, next) => {
    const config = await configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const oidcState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier,
      returnTo: safeReturnTo(req.query.returnTo),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: oidc!.redirectUrl,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: oidcState.state,
      nonce: oidcState.nonce,
      // Ask for the password each time: on a shared desk, the next person is not signed in as the last.
      prompt: 'login',
    });
    req.session.oidc = oidcState;
    req.session.save((err) => (err ? next(err) : res.redirect(303, url.href)));
  });

  router.get('/sign-in/callback', async (req, res, next) => {
    const pending = req.session.oidc;
    if (!pending) {
      throw new HttpError(409, 'sign_in_expired', 'That sign-in has expired or was already used. Sign in again.');
    }
    delete req.session.oidc;
    const config = await configuration();
    // The URL the provider sent the browser to, as the provider saw it (behind a proxy too).
    const callbackUrl = new URL(oidc!.redirectUrl);
    callbackUrl.search = new URL(req.originalUrl, 'http://x').search;
    let claims: { email?: unknown; email_verified?: unknown } | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims()!;
      // A provider that keeps the email out of the ID token gives it at the userinfo endpoint.
      const source: object =
        idToken.email === undefined ? await client.fetchUserInfo(config, tokens.access_token, idToken.sub) : idToken;
      claims = source;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'sign-in refused by the OpenID checks');
      throw new HttpError(422, 'sign_in_failed', 'The sign-in could not be completed. Sign in again.');
    }
    const email = typeof claims?.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email || claims?.email_verified !== true) {
      throw new HttpError(403, 'not_staff', 'Your identity provider did not confirm an email address for you.');
    }
    const staff = await db.staff.findUnique({ where: { email } });
    if (!staff || !staff.active) {
      await db.auditTrailEntry.create({
        data: { actor: 'system', action: 'staff.sign_in_refused', details: { known: !!staff } },
      });
      throw new HttpError(
        403,
        'not_staff',
        `${email} is not an active member of staff in Deep Dive. Ask the business unit to add you to the staff directory.`,
      );
    }
    // A new session ID at sign-in: an ID set before (by anyone) is worth nothing after.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.staffId = staff.id;
      req.session.signedInAt = Date.now();
      req.session.save((saveErr) => {
        if (saveErr) return next(saveErr);
        Promise.all([
          db.staff.update({ where: { id: staff.id }, data: { lastSignInAt: new Date() } }),
          db.auditTrailEntry.create({ data: { ...staffActor(staff), action: 'staff.signed_in' } }),
        ]).then(() => res.redirect(303, pending.returnTo), next);
      });
    });
  });

  // Its CSRF token is checked by `staffCsrf`, like every staff form's; a form without one is refused even
  // from someone no longer signed in.
  router.post('/sign-out', async (req, res, next) => {
    const staff = req.staff;
    if (!staff && typeof (req.body as { _csrf?: unknown } | undefined)?._csrf !== 'string') {
      throw new HttpError(403, 'csrf_failed', CSRF_FAILED);
    }
    if (staff) await db.auditTrailEntry.create({ data: { ...staffActor(staff), action: 'staff.signed_out' } });
    req.session.destroy((err) => (err ? next(err) : res.clearCookie(cookieName).redirect(303, '/')));
  });

  /** Sets `req.staff` and `req.principal` from a live session of an active member of staff. */
  const signedIn: RequestHandler = async (req, _res, next) => {
    const { staffId, signedInAt } = req.session ?? {};
    if (!staffId) return next();
    const expired = !signedInAt || Date.now() - signedInAt > settings.absoluteHours * 3600_000;
    const staff = expired ? null : await db.staff.findUnique({ where: { id: staffId } });
    if (!staff?.active) {
      req.session.destroy(() => next());
      return;
    }
    req.staff = {
      id: staff.id,
      email: staff.email,
      name: staff.name,
      role: staff.role,
      csrf: csrfToken(secret, sessionScope(req.sessionID)),
    };
    // An API key sent as well decides what the request is.
    req.principal ??= { role: staff.role, actor: `staff:${staff.id}`, name: staff.name };
    next();
  };

  return { router, signedIn };
}

const sessionScope = (sessionId: string) => `session:${sessionId}`;

/** How a person shows in the audit trail: their ID, and their name and role when they acted. */
export const staffActor = (staff: { id: string; name: string; role: Role }) => ({
  actor: `staff:${staff.id}`,
  actorName: staff.name,
  actorRole: staff.role,
});

/**
 * A staff form's CSRF check: a form post (not JSON) from a signed-in person carries the session's token.
 * Before the page's routes, after `signedIn`.
 */
export function staffCsrf(secret: string): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'POST' || !req.staff || req.is('application/json')) return next();
    const body = req.body as Record<string, unknown> | undefined;
    if (!csrfMatches(secret, sessionScope(req.sessionID), body?._csrf)) {
      return next(new HttpError(403, 'csrf_failed', CSRF_FAILED));
    }
    delete body!._csrf;
    next();
  };
}

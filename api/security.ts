// What keeps the pages safe in a browser: security headers on every response, a CSRF token on every
// form, rate limits per link, per member of staff and per address, and errors as a plain page for a browser.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, type Options, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { HttpError } from './errors';
import { errorPage } from './views/error';
import { isLinkForm, KEPT_STATUSES, keptFormPage, type LinkForm } from './views/kept-form';
import { JSON_ONLY, renderPage, wantsHtml } from './views/layout';
import { TEMPLATE_SCRIPT_HASH } from './views/nunjucks';

/**
 * Helmet's headers with a policy that allows this site's own resources and, inline, only govuk-frontend's
 * one script that marks the page as having JavaScript (by its hash): no other inline script, no inline
 * style. Links carry secrets in their path, so no Referer ever leaves a page.
 */
export function securityHeaders({ https }: { https: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", TEMPLATE_SCRIPT_HASH],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        // Over plain http (development) an upgrade would send the forms nowhere.
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

/** A page behind a secret link, or about one person's audits: never kept by a browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

export interface RateLimit {
  /** Requests per window. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_LINK_RATE_LIMIT: RateLimit = { limit: 60, windowMs: 60_000 };

/**
 * Budgets by who is asking, not by address: an agency's staff share one gateway's address, and so does
 * everyone behind a proxy that TRUST_PROXY does not believe.
 */
export interface RateLimits {
  /** One emailed link's (its token's) own; also what one address may spend on links that are not known. */
  perLink: RateLimit;
  /** One signed-in member of staff's own, on the console. */
  perStaff: RateLimit;
  /** Everything from one address on the link routes: a ceiling high enough for an agency's gateway. */
  perAddress: RateLimit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perLink: DEFAULT_LINK_RATE_LIMIT,
  perStaff: { limit: 300, windowMs: 60_000 },
  perAddress: { limit: 3_000, windowMs: 60_000 },
};

const TRY_AGAIN = 'Wait a minute, then try again.';

/** Refused as a 429 in the error shape (or page), with Retry-After; by client address unless `key` says. */
function limited(
  { limit, windowMs }: RateLimit,
  whose: string,
  options: Partial<Parameters<typeof rateLimit>[0]> = {},
): RequestHandler {
  return rateLimit({
    limit,
    windowMs,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `Too many requests ${whose}. ${TRY_AGAIN}`)),
    ...options,
  });
}

/** Per client address (the console's sign-in). */
export function rateLimited(limit: RateLimit = DEFAULT_LINK_RATE_LIMIT): RequestHandler {
  return limited(limit, 'from this address');
}

/**
 * The emailed-link routes (mounted at /respond, /pack, …: the token is the path's first segment): each
 * link its own budget; each address a high ceiling, and a small budget for links that are not known
 * (404) or no longer work (410), so that guessing tokens stays slow.
 */
export function linkRateLimits(deps: {
  linkRateLimit?: RateLimit;
  config: { rateLimits?: Pick<RateLimits, 'perLink' | 'perAddress'> };
}): RequestHandler[] {
  const limits = { ...DEFAULT_RATE_LIMITS, ...deps.config.rateLimits };
  if (deps.linkRateLimit) limits.perLink = deps.linkRateLimit;
  return [
    limited(limits.perAddress, 'from this address'),
    unknownLinkBudget(limits.perLink),
    limited(limits.perLink, 'for this link', { keyGenerator: (req) => `link:${req.path.split('/')[1] ?? ''}` }),
  ];
}

/**
 * What one address may spend on links that do not work (404, 410), counted once answered: requests on
 * links that work, however many are under way at once behind one gateway, never use it up.
 */
function unknownLinkBudget({ limit, windowMs }: RateLimit): RequestHandler {
  const failed = new Set([404, 410]);
  const store = new MemoryStore();
  store.init({ windowMs } as Options);
  return async (req, res, next) => {
    const key = ipKeyGenerator(req.ip ?? '');
    const spent = await store.get(key);
    if (spent && spent.totalHits >= limit) {
      const resetMs = (spent.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now();
      res.set('Retry-After', String(Math.max(1, Math.ceil(resetMs / 1000))));
      return next(
        new HttpError(429, 'rate_limited', `Too many requests from this address. ${TRY_AGAIN}`),
      );
    }
    res.on('finish', () => {
      if (failed.has(res.statusCode)) void store.increment(key);
    });
    next();
  };
}

/** A signed-in member of staff's own budget on the console; requests without a session are not counted. */
export function staffRateLimit(limit: RateLimit = DEFAULT_RATE_LIMITS.perStaff): RequestHandler {
  return limited(limit, 'from your account', {
    skip: (req) => !req.staff,
    keyGenerator: (req) => `staff:${req.staff!.id}`,
  });
}

/**
 * The pages' forms (application/x-www-form-urlencoded), nested as the JSON bodies are:
 * `sections[recognition][grade]`. Too many fields, or fields nested too deep, are bad input (4xx),
 * which the JSON error handler does not know by itself.
 */
export function formBodies(): RequestHandler {
  const parse = express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 1000 });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      const type = (err as { type?: unknown } | undefined)?.type;
      if (type === 'parameters.too.many') {
        return next(new HttpError(413, 'too_many_fields', 'The form has too many fields.'));
      }
      if (type === 'querystring.parse.rangeError') {
        return next(new HttpError(400, 'malformed_form', 'The form’s fields are nested too deeply.'));
      }
      next(err);
    });
  };
}

/** The token a form carries: HMAC-SHA256 of the link secret and what the form is for. */
export function csrfToken(secret: string, scope: string): string {
  return createHmac('sha256', secret).update(`csrf:${scope}`).digest('base64url');
}

export function csrfMatches(secret: string, scope: string, supplied: unknown): boolean {
  if (typeof supplied !== 'string') return false;
  const expected = Buffer.from(csrfToken(secret, scope));
  const given = Buffer.from(supplied);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A body a cross-site HTML form can send; a JSON body cannot be sent cross-site without CORS. */
export const isFormPost = (req: Request): boolean => !!req.is(['urlencoded', 'multipart', 'text/plain']);

export const CSRF_FAILED =
  'This form has expired or did not come from this site. Go back, reload the page and try again.';

/**
 * For POST /<link>/:token: a form post needs the CSRF token of its link (then dropped from the body,
 * which is the same as the JSON one); a JSON body needs none.
 */
export function linkFormCsrf(secret: string): RequestHandler<{ token: string }> {
  return (req, _res, next) => {
    if (!isFormPost(req)) return next();
    const body = req.body as Record<string, unknown> | undefined;
    if (!csrfMatches(secret, req.params.token, body?._csrf)) {
      return next(new HttpError(403, 'csrf_failed', CSRF_FAILED));
    }
    delete body!._csrf;
    next();
  };
}

/** The emailed link's form a path posts to, and its token; undefined for any other path. */
function linkOf(path: string): { form: LinkForm; token: string } | undefined {
  const [, form, token] = /^\/(\w+)\/([^/]+)$/.exec(path) ?? [];
  if (!form || !token || !isLinkForm(form)) return undefined;
  try {
    return { form, token: decodeURIComponent(token) };
  } catch {
    return undefined; // a bad percent-encoding: no link of ours
  }
}

/**
 * Around the JSON error handler: a browser gets a plain page with the same status and message (and
 * no stack trace); everyone else the JSON, unchanged. The handler's own mapping and logging are reused.
 * A form posted to an emailed link and refused before it could be taken (429, 503, 403) comes back
 * with everything typed in it, in a form that sends it again with a fresh CSRF token.
 */
export function negotiatedErrors(json: ErrorRequestHandler, linkSecret: string): ErrorRequestHandler {
  return (err, req, res, next) => {
    // A request with a JSON body is a program's, whatever it accepts.
    if (!JSON_ONLY.test(req.originalUrl) && !req.is('application/json') && wantsHtml(req)) {
      res.json = (body: { error: { code: string; message: string } }) => {
        const status = res.statusCode;
        const link = req.method === 'POST' && KEPT_STATUSES.has(status) && isFormPost(req) && linkOf(req.path);
        const page = link
          ? keptFormPage({
              ...link,
              status,
              message: body.error.message,
              action: req.path,
              csrf: csrfToken(linkSecret, link.token),
              body: req.body,
            })
          : errorPage(status, body.error.message);
        return res.type('html').send(renderPage(page));
      };
    }
    return json(err, req, res, next);
  };
}

/** Deeper than any body of ours; walking deeper would overflow the stack (a 500). */
const MAX_BODY_DEPTH = 64;

/**
 * What PostgreSQL refuses in text and JSON columns (a 500 if it got there): U+0000, and a lone UTF-16
 * surrogate, which JSON may escape ("\ud800") but no UTF-8 text can hold.
 */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (/\p{Surrogate}/u.test(text)) return 'must be valid Unicode text (a lone surrogate)';
  return undefined;
}

/** The first string (value or key) in a parsed body that PostgreSQL could not store, and why. */
function unstorableAt(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; message: string } | undefined {
  if (path.length > MAX_BODY_DEPTH) throw new HttpError(400, 'too_deeply_nested', 'The body is nested too deeply.');
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message ? { path, message } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorableAt(item, [...path, i]);
      if (found) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const message = unstorable(key);
      const found = message ? { path: [...path, key], message } : unstorableAt(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A body or address with text PostgreSQL cannot store is bad input (400), not a database failure (500).
 * Only a JSON body can carry a lone surrogate: a form's parser (qs) keeps an escape that is not UTF-8
 * (%ED%A0%80) as its literal text, and the query string's turns it into U+FFFD.
 */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  if (/%00/.test(req.url)) {
    return next(new HttpError(400, 'malformed_url', 'The address must not contain the NUL character (%00).'));
  }
  const found = unstorableAt(req.body);
  if (!found) return next();
  next(
    new HttpError(400, 'validation_failed', 'The request is not valid: see details.', [
      { code: 'custom', path: found.path, message: found.message },
    ]),
  );
};

// Rate limits by who is asking, not by address (api/security.ts): each emailed link has its own budget,
// each signed-in member of staff theirs, and one address a ceiling high enough for an agency's gateway, so
// that practitioners behind one address work at once while one link hammering is refused.
import express, { type RequestHandler } from 'express';
import { errorHandler } from '../../api/errors';
import { linkRateLimits, staffRateLimit } from '../../api/security';
import { createLogger } from '../../infra/logger';
import { useAppBed } from '../support/app-bed';
import { insertInvitation } from '../support/fixtures';
import { serve } from '../support/http';
import { tokenHash } from '../../infra/links';

jest.setTimeout(120_000);

// The app as createApp builds it, with the default budgets: 60 a minute per link, 3,000 per address.
const { bed, http, serve: serveApp } = useAppBed({});

let counter = 0;
const linkToken = () => `rate-limit-token-${++counter}-0123456789abcdefghijklmnop`;

/** One practitioner's audit tool link, as JSON. */
const openTool = (base: string, token: string) =>
  fetch(`${base}/respond/${token}`, { headers: { accept: 'application/json' } });

describe('the emailed-link routes', () => {
  it('let 50 practitioners behind one address, each with their own link, work at once without a 429', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 50; i++) tokens.push((await insertInvitation(bed.db, linkToken())).token);
    // Each opens the tool five times, all at once: 250 requests from 127.0.0.1, far past the old 60 per address.
    const statuses = await Promise.all(
      tokens.flatMap((t) => Array.from({ length: 5 }, async () => (await openTool(http.base, t)).status)),
    );
    expect(statuses).toHaveLength(250);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('refuse one link hammering with a 429 and Retry-After, while the others from the same address still work', async () => {
    const app = await serveApp({});
    const { token: hammered } = await insertInvitation(bed.db, linkToken());
    const { token: other } = await insertInvitation(bed.db, linkToken());
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 70; i++) {
      const res = await openTool(app.base, hammered);
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200));
    expect(statuses.slice(60)).toEqual(Array(10).fill(429));
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused!.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/for this link/) },
    });
    // The page for a browser says the same.
    const page = await fetch(`${app.base}/respond/${hammered}`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('Too many requests for this link');
    expect((await openTool(app.base, other)).status).toBe(200);
  });

  it('keep guessing slow: an address gets 60 links that do not work a minute, then a 429', async () => {
    const app = await serveApp({});
    const statuses: number[] = [];
    for (let i = 0; i < 65; i++)
      statuses.push((await openTool(app.base, `guess-${i}-0123456789abcdefghijklmnop`)).status);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(404));
    expect(statuses.slice(60)).toEqual(Array(5).fill(429));
    const refused = await openTool(app.base, 'one-more-guess-0123456789abcdefghijklmnop');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('links that have been stopped', () => {
  it('count against the address as guessing does: a flood of revoked links (410) from one address gets a 429', async () => {
    const app = await serveApp({});
    const dead: string[] = [];
    for (let i = 0; i < 61; i++) {
      const { token } = await insertInvitation(bed.db, linkToken());
      dead.push(token);
    }
    // Revoked as a reissue or a rotated LINK_SECRET revokes them: each answers 410 link_gone.
    await bed.db.revokedLink.createMany({
      data: dead.map((token) => ({ tokenHash: tokenHash(token), kind: 'respond', reason: 'reissued' })),
    });
    await bed.db.invitation.updateMany({
      where: { tokenHash: { in: dead.map(tokenHash) } },
      data: { tokenHash: null },
    });
    const statuses: number[] = [];
    for (const token of dead) statuses.push((await openTool(app.base, token)).status);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(410));
    expect(statuses[60]).toBe(429);
    // Even a link that works is refused from that address until the minute is over.
    const { token: live } = await insertInvitation(bed.db, linkToken());
    expect((await openTool(app.base, live)).status).toBe(429);
  });
});

/** A bare app with the given middleware at `path`, a 200 behind it and the product's error handler. */
async function bareApp(path: string, ...middleware: RequestHandler[]) {
  const app = express();
  app.set('trust proxy', 'loopback');
  // Who is signed in, for the staff budget: here from a header (the console takes it from the session).
  app.use((req, _res, next) => {
    const id = req.get('x-test-staff');
    if (id) req.staff = { id, email: `${id}@dev.local`, name: id, role: 'business_unit', csrf: '' };
    next();
  });
  app.use(path, ...middleware);
  app.get(/.*/, (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler(createLogger('silent')));
  return serve(app);
}

describe('the per-address ceiling', () => {
  it('refuses an address past its ceiling whatever links it uses, counting each address behind a trusted proxy', async () => {
    const app = await bareApp(
      '/respond',
      ...linkRateLimits({
        config: {
          rateLimits: { perLink: { limit: 100, windowMs: 60_000 }, perAddress: { limit: 5, windowMs: 60_000 } },
        },
      }),
    );
    try {
      const from = (ip: string, i: number) =>
        fetch(`${app.base}/respond/token-${i}`, { headers: { 'x-forwarded-for': ip } }).then((r) => r.status);
      const gateway: number[] = [];
      for (let i = 0; i < 7; i++) gateway.push(await from('203.0.113.7', i));
      expect(gateway).toEqual([200, 200, 200, 200, 200, 429, 429]);
      // Another address, behind the same trusted proxy, has its own ceiling.
      expect(await from('203.0.113.8', 99)).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the staff budget', () => {
  it('is each signed-in person’s own: one person past it is refused, another at the same address is not', async () => {
    const app = await bareApp('/', staffRateLimit({ limit: 3, windowMs: 60_000 }));
    try {
      const as = (staff?: string) =>
        fetch(`${app.base}/audits`, { headers: staff ? { 'x-test-staff': staff } : {} }).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          body: (await r.json()) as { error?: { code: string; message: string } },
        }));
      const sam: number[] = [];
      for (let i = 0; i < 4; i++) sam.push((await as('sam')).status);
      expect(sam).toEqual([200, 200, 200, 429]);
      const refused = await as('sam');
      expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect(refused.body.error!.message).toMatch(/from your account/);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      expect((await as('alex')).status).toBe(200);
      // Not signed in (the sign-in pages): not counted against anyone.
      for (let i = 0; i < 5; i++) expect((await as()).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

// Staff sign in as themselves: the real app and a real OpenID provider (the embedded one, dev/oidc-provider.mjs,
// in a process of its own), the authorisation code flow with PKCE followed hop by hop over HTTP, as a
// browser would, with a cookie jar per host. Only an active member of staff whose verified email is in the
// directory is let in; sessions live on the server, get a new ID at sign-in, idle out and end at sign-out,
// at deactivation and after the absolute timeout; every decision names the person.
import * as cheerio from 'cheerio';
import { documentedRoutes, rolesOf } from '../../api/openapi';
import { DEV_STAFF, type EmbeddedOidc, startEmbeddedOidc } from '../../dev/oidc';
import { tokenHash } from '../../infra/links';
import { KEYS, type Served, useAppBed } from '../support/app-bed';
import { insertAuditWithLinks } from '../support/fixtures';
import { freePort } from '../support/ports';
import { signInAs, type StaffBrowser, staffBrowser } from '../support/staff-browser';

const { bed, serve } = useAppBed({ temporal: 'dev', worker: false });
const PASSWORD = 'correct horse battery staple';
/** In the provider, not in the staff directory. */
const STRANGER = { email: 'stranger@dev.local', name: 'Sam Stranger' };
/** In the provider; added to the directory by a test. */
const PAT = { email: 'pat@dev.local', name: 'Pat Page' };

let provider: EmbeddedOidc;
let app: Served;
let secureApp: Served;

beforeAll(async () => {
  const port = await freePort();
  const redirectUrl = `http://127.0.0.1:${port}/sign-in/callback`;
  provider = await startEmbeddedOidc({
    port: 0,
    redirectUrl,
    accounts: [...DEV_STAFF, STRANGER, PAT],
    password: PASSWORD,
  });
  const oidc = {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUrl,
  };
  app = await serve({ oidc, port });
  secureApp = await serve({ oidc, publicUrl: 'https://deep-dive.partnership.example' });
  for (const { email, name, role } of DEV_STAFF) await bed.db.staff.create({ data: { email, name, role } });
});

afterAll(() => provider?.stop());

const browser = staffBrowser;
type Browser = StaffBrowser;

/** From /sign-in through the provider's page and back; the answer of the last hop. */
const signIn = (b: Browser, email: string, password = PASSWORD, from = '/sign-in') =>
  signInAs(b, app.base, email, password, from);

const host = () => new URL(app.base).host;
const csrfOf = (html: string) => cheerio.load(html)('input[name=_csrf]').first().val() as string;

describe('signing in', () => {
  it('takes an active member of staff through the provider to /audits, with a new session ID and a trail entry', async () => {
    const b = browser();
    const page = await signIn(b, 'bu@dev.local');
    expect(page.res.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/audits');
    expect(cheerio.load(page.text)('h1').text()).toBe('Audits');
    expect(page.text).toContain('Bea Bailey (business unit)');

    // The flow: code with PKCE (S256), a state and a nonce; the session ID before the provider is not the one after.
    const authorize = new URL(b.hops.find((h) => h.url.startsWith(`${provider.issuer}/auth?`))!.url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    const sidOf = (cookie: string) => decodeURIComponent(cookie).slice(2).split('.')[0];
    const [before, after] = b.hops
      .flatMap((h) => h.setCookie.filter((c) => c.startsWith('deep_dive_staff=')))
      .map((c) => sidOf(c.split(';')[0]!.split('=')[1]!));
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await bed.db.session.findUnique({ where: { sid: before! } })).toBeNull();

    const staff = await bed.db.staff.findUniqueOrThrow({ where: { email: 'bu@dev.local' } });
    expect(staff.lastSignInAt).not.toBeNull();
    const trail = await bed.db.auditTrailEntry.findFirstOrThrow({
      where: { action: 'staff.signed_in', actor: `staff:${staff.id}` },
    });
    expect(trail).toMatchObject({ actorName: 'Bea Bailey (business unit)', actorRole: 'business_unit' });
  });

  it('sets the session cookie HttpOnly and SameSite=Lax, Secure with the __Host- prefix behind https, and idles it out after 30 minutes', async () => {
    const b = browser();
    await b.request(`${app.base}/sign-in`);
    const plain = b.hops[0]!.setCookie.find((c) => c.startsWith('deep_dive_staff='))!;
    expect(plain).toMatch(/; HttpOnly/i);
    expect(plain).toMatch(/; SameSite=Lax/i);
    expect(plain).not.toMatch(/; Secure/i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(plain)![1]!);
    expect(expires - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    const s = browser();
    // Behind the TLS-terminating proxy (on loopback, which TRUST_PROXY believes by default).
    await s.request(`${secureApp.base}/sign-in`, { headers: { 'x-forwarded-proto': 'https' } });
    const secure = s.hops[0]!.setCookie.find((c) => c.startsWith('__Host-deep_dive_staff='))!;
    expect(secure).toMatch(/; Secure/i);
    expect(secure).toMatch(/; Path=\//i);
    expect(secure).not.toMatch(/; Domain=/i);
  });

  it('keeps the email typed when the password is wrong, and lets nobody in', async () => {
    const b = browser();
    const refused = await signIn(b, 'bu@dev.local', 'not the password');
    expect(refused.res.status).toBe(401);
    const $ = cheerio.load(refused.text);
    expect($('[role=alert]').text()).toContain('not right');
    expect($('#email').val()).toBe('bu@dev.local');
    expect((await b.request(`${app.base}/audits`)).res.status).toBe(303);
  });

  it('refuses someone the provider knows but the staff directory does not, with a page saying what to do', async () => {
    const page = await signIn(browser(), STRANGER.email);
    expect(page.res.status).toBe(403);
    expect(cheerio.load(page.text)('main').text()).toContain('Ask the business unit to add you');
    expect(await bed.db.auditTrailEntry.count({ where: { action: 'staff.sign_in_refused' } })).toBeGreaterThan(0);
  });

  it('sends someone not signed in to sign in, and back to the page they asked for', async () => {
    const b = browser();
    const first = await b.request(`${app.base}/staff`);
    expect(first.res.status).toBe(303);
    expect(first.res.headers.get('location')).toBe('/sign-in?returnTo=%2Fstaff');
    const page = await signIn(b, 'bu@dev.local', PASSWORD, '/sign-in?returnTo=%2Fstaff');
    expect(new URL(page.url).pathname).toBe('/staff');
    // Only a path of this site: anywhere else is the audits list.
    const away = await signIn(browser(), 'bu@dev.local', PASSWORD, '/sign-in?returnTo=https%3A%2F%2Fevil.example');
    expect(new URL(away.url).pathname).toBe('/audits');
  });
});

describe('roles and the staff directory', () => {
  it('lets a manager read the audits but not the staff directory', async () => {
    const b = browser();
    expect((await signIn(b, 'manager@dev.local')).res.status).toBe(200);
    const staff = await b.request(`${app.base}/staff`);
    expect(staff.res.status).toBe(403);
  });

  it('a deactivated person is signed out at once and refused from then on; every change is in the trail', async () => {
    const lis = browser();
    expect((await signIn(lis, 'lis@dev.local')).res.status).toBe(200);
    const lisRow = await bed.db.staff.findUniqueOrThrow({ where: { email: 'lis@dev.local' } });
    expect(
      await bed.db.$queryRaw<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM "session" WHERE sess->>'staffId' = ${lisRow.id}`,
    ).toEqual([{ n: 1n }]);

    const bu = browser();
    const directory = await signIn(bu, 'bu@dev.local', PASSWORD, '/sign-in?returnTo=%2Fstaff');
    const done = await bu.request(`${app.base}/staff`, {
      method: 'POST',
      form: { _csrf: csrfOf(directory.text), action: 'deactivate', staffId: lisRow.id },
    });
    expect(done.res.status).toBe(303);

    expect(
      await bed.db.$queryRaw<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM "session" WHERE sess->>'staffId' = ${lisRow.id}`,
    ).toEqual([{ n: 0n }]);
    expect((await lis.request(`${app.base}/audits`)).res.status).toBe(303);
    const again = await signIn(browser(), 'lis@dev.local');
    expect(again.res.status).toBe(403);
    const bea = await bed.db.staff.findUniqueOrThrow({ where: { email: 'bu@dev.local' } });
    expect(
      await bed.db.auditTrailEntry.findFirstOrThrow({
        where: { action: 'staff.deactivated', actor: `staff:${bea.id}` },
      }),
    ).toMatchObject({ actorName: bea.name, actorRole: 'business_unit', details: { staffId: lisRow.id } });
  });

  it('adds a person, keeping what was typed when it is refused', async () => {
    const bu = browser();
    const directory = await signIn(bu, 'bu@dev.local', PASSWORD, '/sign-in?returnTo=%2Fstaff');
    const csrf = csrfOf(directory.text);
    const bad = await bu.request(`${app.base}/staff`, {
      method: 'POST',
      form: { _csrf: csrf, action: 'add', email: 'not an email', name: 'Pat Price', role: 'manager' },
    });
    expect(bad.res.status).toBe(400);
    const $ = cheerio.load(bad.text);
    expect($('.govuk-error-summary a[href="#email"]').length).toBe(1);
    expect($('#name').val()).toBe('Pat Price');
    const added = await bu.request(`${app.base}/staff`, {
      method: 'POST',
      form: { _csrf: csrf, action: 'add', email: 'Pat.Price@Partnership.example', name: 'Pat Price', role: 'manager' },
    });
    expect(added.res.status).toBe(303);
    expect(await bed.db.staff.findUnique({ where: { email: 'pat.price@partnership.example' } })).toMatchObject({
      role: 'manager',
      active: true,
    });
    // A form without the session's token changes nothing.
    const forged = await bu.request(`${app.base}/staff`, {
      method: 'POST',
      form: { action: 'add', email: 'forged@partnership.example', name: 'Forged', role: 'business_unit' },
    });
    expect(forged.res.status).toBe(403);
    expect(await bed.db.staff.findUnique({ where: { email: 'forged@partnership.example' } })).toBeNull();
  });
});

describe('the console follows the route table', () => {
  it('opens each console page to a person signed in with a role the table gives it, and refuses the others', async () => {
    const pages = documentedRoutes().filter((r) => r.console && r.method === 'get');
    // Every console page in the table, whoever adds it: the table is what this test follows.
    expect(pages.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/audits', '/audits/new', '/staff', '/audits/{id}/report']),
    );
    const rows = await insertAuditWithLinks(bed.db, 'console-pages');
    const concrete = (path: string) =>
      path
        .replace('{id}', path.startsWith('/agencies') ? rows.agencyId : rows.auditId)
        .replace('{invitationId}', rows.invitationId);
    // With nothing to check yet, check your answers sends the person to the form.
    const answers: Record<string, number> = { '/audits/new/check': 303, '/agencies/import/check': 303 };
    for (const account of ['bu@dev.local', 'manager@dev.local']) {
      const b = browser();
      await signIn(b, account);
      const role = (await bed.db.staff.findUniqueOrThrow({ where: { email: account } })).role;
      for (const route of pages) {
        const res = await b.request(`${app.base}${concrete(route.path)}`);
        const allowed = (rolesOf(route.access) ?? []).includes(role);
        expect({ account, path: route.path, status: res.res.status }).toEqual({
          account,
          path: route.path,
          status: allowed ? (answers[route.path] ?? 200) : 403,
        });
      }
    }
  });

  it('a changed role ends the person’s sessions; they sign in again with the new one', async () => {
    const pat = await bed.db.staff.create({ data: { email: PAT.email, name: PAT.name, role: 'manager' } });
    const patBrowser = browser();
    await signIn(patBrowser, PAT.email);
    expect((await patBrowser.request(`${app.base}/staff`)).res.status).toBe(403);

    const bu = browser();
    const directory = await signIn(bu, 'bu@dev.local', PASSWORD, '/sign-in?returnTo=%2Fstaff');
    expect(cheerio.load(directory.text)(`select#role-${pat.id}`).val()).toBe('manager');
    const changed = await bu.request(`${app.base}/staff`, {
      method: 'POST',
      form: { _csrf: csrfOf(directory.text), action: 'role', staffId: pat.id, role: 'business_unit' },
    });
    expect(changed.res.status).toBe(303);
    expect((await bed.db.staff.findUniqueOrThrow({ where: { id: pat.id } })).role).toBe('business_unit');
    const bea = await bed.db.staff.findUniqueOrThrow({ where: { email: 'bu@dev.local' } });
    expect(
      await bed.db.auditTrailEntry.findFirstOrThrow({
        where: { action: 'staff.role_changed', actor: `staff:${bea.id}` },
      }),
    ).toMatchObject({ details: { staffId: pat.id, from: 'manager', to: 'business_unit' } });

    // Pat's session ended with the change; signed in again, the new role opens the directory.
    expect((await patBrowser.request(`${app.base}/audits`)).res.status).toBe(303);
    const again = await signIn(patBrowser, PAT.email, PASSWORD, '/sign-in?returnTo=%2Fstaff');
    expect(again.res.status).toBe(200);
    expect(new URL(again.url).pathname).toBe('/staff');
  });
});

describe('sessions end', () => {
  it('at sign-out, on the server: the same cookie opens nothing after', async () => {
    const b = browser();
    const page = await signIn(b, 'manager@dev.local');
    const sid = decodeURIComponent(b.cookie(host(), 'deep_dive_staff')!).slice(2).split('.')[0]!;
    expect(await bed.db.session.findUnique({ where: { sid } })).not.toBeNull();
    expect((await b.request(`${app.base}/sign-out`, { method: 'POST', form: {} })).res.status).toBe(403);
    const out = await b.request(`${app.base}/sign-out`, { method: 'POST', form: { _csrf: csrfOf(page.text) } });
    expect(out.res.status).toBe(303);
    expect(out.res.headers.get('location')).toBe('/');
    expect(await bed.db.session.findUnique({ where: { sid } })).toBeNull();
    const staff = await bed.db.staff.findUniqueOrThrow({ where: { email: 'manager@dev.local' } });
    expect(
      await bed.db.auditTrailEntry.count({ where: { action: 'staff.signed_out', actor: `staff:${staff.id}` } }),
    ).toBe(1);
  });

  it('ten hours after sign-in, however active the person has been', async () => {
    const b = browser();
    await signIn(b, 'manager@dev.local');
    const sid = decodeURIComponent(b.cookie(host(), 'deep_dive_staff')!).slice(2).split('.')[0]!;
    expect((await b.request(`${app.base}/audits`)).res.status).toBe(200);
    const row = await bed.db.session.findUniqueOrThrow({ where: { sid } });
    const sess = { ...(row.sess as Record<string, unknown>), signedInAt: Date.now() - 10 * 3600_000 - 1000 };
    await bed.db.session.update({ where: { sid }, data: { sess } });
    expect((await b.request(`${app.base}/audits`)).res.status).toBe(303);
    expect(await bed.db.session.findUnique({ where: { sid } })).toBeNull();
  });
});

describe('the access log', () => {
  it('records each view of a page with a child’s identifiers, for the business unit to read', async () => {
    const rows = await insertAuditWithLinks(bed.db, 'access-log');
    const view = await fetch(`${app.base}/respond/${rows.tokens.respond}`, { headers: { accept: 'text/html' } });
    expect(view.status).toBe(200);
    const invitation = await bed.db.invitation.findFirstOrThrow({
      where: { tokenHash: tokenHash(rows.tokens.respond) },
    });
    const read = async () => (await app.call('GET', `/api/audits/${rows.auditId}/access-log`, { key: KEYS.bu })).body;
    let log = await read();
    for (let i = 0; i < 20 && !log.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = await read();
    }
    expect(log).toEqual([
      expect.objectContaining({
        page: 'audit tool',
        actor: `link:respond:${invitation.id}`,
        path: `/respond/invitation:${invitation.id}`,
      }),
    ]);
    expect(JSON.stringify(log)).not.toContain(rows.tokens.respond);
    expect((await app.call('GET', `/api/audits/${rows.auditId}/access-log`, { key: KEYS.manager })).status).toBe(403);
  });
});

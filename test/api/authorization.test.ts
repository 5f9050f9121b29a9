// Who may call what (PRODUCT.md "Interfaces"): every route × every role, no key and a key that is not
// valid, over HTTP against the real app, a real database and the Temporal dev server (on which no
// workflow runs). One table says who each route is for; the matrix is built from it. A caller turned away
// gets 401 (no valid key) or 403 (a role that may not), in the error shape; a caller let through gets the
// route's own answer — here its refusal of an empty body (400; 422 where only a rule beyond the schema refuses it), a read (200), or, for an update to an audit
// whose workflow is not running, 409 — never 401/403.
import type { Role } from '../../infra/config';
import { documentedRoutes, rolesOf } from '../../api/openapi';
import { KEYS, useAppBed } from '../support/app-bed';
import { insertAuditWithLinks } from '../support/fixtures';

const { bed, http } = useAppBed({ temporal: 'dev', worker: false, linkRateLimit: { limit: 10_000, windowMs: 60_000 } });

const CALLERS = ['no key', 'business_unit', 'manager', 'lis', 'invalid key'] as const;
type Caller = (typeof CALLERS)[number];
const KEY_OF: Record<Caller, string | undefined> = {
  'no key': undefined,
  business_unit: KEYS.bu,
  manager: KEYS.manager,
  lis: KEYS.lis,
  'invalid key': 'not-a-key-of-this-server-0123456789',
};

const BU: Role[] = ['business_unit'];
const READERS: Role[] = ['business_unit', 'manager', 'lis'];
const LIS_OR_BU: Role[] = ['lis', 'business_unit'];

/**
 * Who a route is for: API-key roles; anyone (`public`); the holder of an emailed link (`link`, whatever key
 * is sent); a person signed in to the console (`{ console: roles }`).
 */
type Who = Role[] | 'public' | 'link' | { console: Role[] };

type Rows = Awaited<ReturnType<typeof insertAuditWithLinks>>;

interface Row {
  method: 'GET' | 'POST' | 'PATCH';
  // A console page (`{ console: roles }`) is a person's: no API key opens it, every caller here is sent to
  // sign in (303); the roles are proved signed in, in test/api/sign-in.test.ts.
  /** As OpenAPI writes it, to hold the table to the document. */
  route: string;
  who: Who;
  /** The route's answer to a caller let through, with `body` (JSON) when given. */
  allowed: number;
  body?: unknown;
}

const EMPTY = {};
const MATRIX: Row[] = [
  { method: 'GET', route: '/healthz', who: 'public', allowed: 200 },
  { method: 'GET', route: '/api/openapi.json', who: 'public', allowed: 200 },
  { method: 'GET', route: '/favicon.ico', who: 'public', allowed: 204 },
  { method: 'GET', route: '/', who: 'public', allowed: 200 },
  { method: 'GET', route: '/accessibility', who: 'public', allowed: 200 },
  { method: 'GET', route: '/privacy', who: 'public', allowed: 200 },
  { method: 'POST', route: '/api/agencies', who: BU, body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/api/agencies', who: ['business_unit', 'manager'], allowed: 200 },
  { method: 'PATCH', route: '/api/agencies/{id}', who: BU, body: EMPTY, allowed: 422 },
  { method: 'POST', route: '/api/audits', who: BU, body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/api/audits', who: READERS, allowed: 200 },
  { method: 'GET', route: '/api/audits/{id}', who: READERS, allowed: 200 },
  { method: 'GET', route: '/api/audits/{id}/evidence', who: READERS, allowed: 200 },
  { method: 'POST', route: '/api/audits/{id}/cancel', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/cohort/replace', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/invitations/send', who: BU, allowed: 409 },
  { method: 'POST', route: '/api/audits/{id}/deadlines', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/invitations/{invitationId}/no-involvement', who: BU, allowed: 409 },
  // The fixture's audit is still at selection: a reissue is refused for its stage, a reopen first for its body.
  { method: 'POST', route: '/api/audits/{id}/invitations/{invitationId}/reissue', who: BU, body: EMPTY, allowed: 409 },
  { method: 'POST', route: '/api/audits/{id}/invitations/{invitationId}/reopen', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/concerns', who: BU, body: EMPTY, allowed: 400 },
  // No email of the audit has this ID.
  { method: 'POST', route: '/api/audits/{id}/emails/{emailId}/send-again', who: BU, allowed: 404 },
  { method: 'POST', route: '/audits/{id}/emails/{emailId}/send-again', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'POST', route: '/api/audits/{id}/discussion', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/discussion/outcome', who: BU, body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/api/audits/{id}/report/draft', who: BU, allowed: 200 },
  { method: 'POST', route: '/api/audits/{id}/report', who: BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/audits/{id}/lis-decision', who: LIS_OR_BU, body: EMPTY, allowed: 400 },
  { method: 'POST', route: '/api/actions/{actionId}/close', who: LIS_OR_BU, allowed: 409 },
  { method: 'GET', route: '/respond/{token}', who: 'link', allowed: 200 },
  { method: 'POST', route: '/respond/{token}', who: 'link', body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/approve/{token}', who: 'link', allowed: 200 },
  { method: 'POST', route: '/approve/{token}', who: 'link', body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/progress/{token}', who: 'link', allowed: 200 },
  { method: 'POST', route: '/progress/{token}', who: 'link', body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/acknowledge/{token}', who: 'link', allowed: 200 },
  { method: 'POST', route: '/acknowledge/{token}', who: 'link', body: EMPTY, allowed: 400 },
  { method: 'GET', route: '/pack/{token}', who: 'link', allowed: 200 },
  { method: 'GET', route: '/pack/{token}/pdf', who: 'link', allowed: 200 },
  // After the link routes, as a reissue stops the fixture's link; IDs this file has no row for are 404.
  { method: 'POST', route: '/api/audits/{id}/pack/{agencyId}/reissue', who: BU, allowed: 404 },
  { method: 'POST', route: '/api/audits/{id}/approvals/{approvalId}/reissue', who: BU, allowed: 404 },
  { method: 'POST', route: '/api/audits/{id}/escalations/{escalationId}/reissue', who: BU, allowed: 404 },
  { method: 'POST', route: '/api/actions/{actionId}/reissue', who: BU, allowed: 200 },
  { method: 'GET', route: '/briefings/{slug}', who: 'public', allowed: 200 },
  { method: 'GET', route: '/dashboard', who: 'public', allowed: 303 },
  // No OpenID provider behind this app: /sign-in says so (503); a callback without a sign-in begun is a 409;
  // a sign-out form without its token is refused.
  { method: 'GET', route: '/api/audits/{id}/access-log', who: BU, allowed: 200 },
  { method: 'GET', route: '/sign-in', who: 'public', allowed: 503 },
  { method: 'GET', route: '/sign-in/callback', who: 'public', allowed: 409 },
  { method: 'POST', route: '/sign-out', who: 'public', body: EMPTY, allowed: 403 },
  { method: 'GET', route: '/audits', who: { console: READERS }, allowed: 303 },
  { method: 'GET', route: '/staff', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/staff', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/new', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/audits/new', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/new/check', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/audits/new/check', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/concerns', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/cancel', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/cancel', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/trail', who: { console: READERS }, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/cohort', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/cohort/replace', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/cohort/send-invitations', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/discussion', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/discussion', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/discussion/outcome', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/report', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/report', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/report/print', who: { console: READERS }, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/sign-off', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/sign-off', who: { console: LIS_OR_BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/actions', who: { console: READERS }, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/actions', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/actions/{actionId}/close', who: { console: LIS_OR_BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/agencies', who: { console: ['business_unit', 'manager'] }, allowed: 303 },
  { method: 'POST', route: '/agencies', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/agencies/import/check', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/agencies/import/check', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/agencies/{id}', who: { console: BU }, allowed: 303 },
  { method: 'POST', route: '/agencies/{id}', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/invitations', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/invitations', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'GET', route: '/audits/{id}/invitations/{invitationId}', who: { console: READERS }, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/invitations/{invitationId}', who: { console: BU }, body: EMPTY, allowed: 303 },
  { method: 'POST', route: '/audits/{id}/pack/{agencyId}/reissue', who: { console: BU }, body: EMPTY, allowed: 303 },
  {
    method: 'POST',
    route: '/audits/{id}/approvals/{approvalId}/reissue',
    who: { console: BU },
    body: EMPTY,
    allowed: 303,
  },
  {
    method: 'POST',
    route: '/audits/{id}/escalations/{escalationId}/reissue',
    who: { console: BU },
    body: EMPTY,
    allowed: 303,
  },
  { method: 'POST', route: '/actions/{actionId}/reissue', who: { console: BU }, body: EMPTY, allowed: 303 },
];

/** How the OpenAPI document states `who`: the roles, `link` or `public`. */
function documentedAs(who: Who): Role[] | 'link' | 'public' {
  if (typeof who === 'object' && 'console' in who) return [...who.console].sort();
  return typeof who === 'string' ? who : [...who].sort();
}

/** What each caller should get, and the error code of a refusal by who they are. */
function expected(row: Row, caller: Caller): { status: number; code?: string } {
  if (typeof row.who === 'object' && 'console' in row.who) return { status: row.allowed };
  if (caller === 'invalid key' && Array.isArray(row.who)) return { status: 401, code: 'unauthenticated' };
  if (row.who === 'public' || row.who === 'link') return { status: row.allowed };
  if (caller === 'no key') return { status: 401, code: 'unauthenticated' };
  if (row.who.includes(caller as Role)) return { status: row.allowed };
  return { status: 403, code: 'forbidden' };
}

let rows: Rows;

beforeAll(async () => {
  rows = await insertAuditWithLinks(bed.db, 'authz');
});

/** The route with this file's rows in place of its parameters. */
function concrete(route: string): string {
  const values: Record<string, string> = {
    id: route.startsWith('/api/agencies') ? rows.agencyId : rows.auditId,
    invitationId: rows.invitationId,
    actionId: rows.actionId,
    emailId: '0'.repeat(32),
    slug: rows.slug,
    token: rows.tokens[route.split('/')[1] as keyof Rows['tokens']],
  };
  return route.replace(/\{(\w+)\}/g, (_m, name: string) => values[name]!);
}

describe('the table', () => {
  it('covers every route the OpenAPI document lists, with the roles it documents', () => {
    const documented = documentedRoutes();
    expect(MATRIX.map((r) => `${r.method} ${r.route}`).sort()).toEqual(
      documented.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort(),
    );
    for (const doc of documented) {
      const row = MATRIX.find((r) => r.route === doc.path && r.method === doc.method.toUpperCase())!;
      const where = `${row.method} ${row.route}`;
      const roles = rolesOf(doc.access);
      expect({ where, access: roles ? [...roles].sort() : doc.access }).toEqual({
        where,
        access: documentedAs(row.who),
      });
    }
  });

  it('gives a manager no write: every route that changes something is for other roles', () => {
    const writes = MATRIX.filter((r) => r.method !== 'GET' && Array.isArray(r.who));
    for (const row of MATRIX.filter((r) => r.method !== 'GET' && typeof r.who === 'object' && 'console' in r.who))
      expect({ route: row.route, manager: (row.who as { console: Role[] }).console.includes('manager') }).toEqual({
        route: row.route,
        manager: false,
      });
    expect(writes.length).toBeGreaterThan(10);
    for (const row of writes)
      expect({ route: row.route, manager: (row.who as Role[]).includes('manager') }).toEqual({
        route: row.route,
        manager: false,
      });
  });
});

async function call(method: string, path: string, opts: { key?: string; body?: unknown }) {
  const res = await fetch(`${http.base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      accept: 'application/json',
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

describe('every route × every caller', () => {
  it.each(MATRIX.map((row) => [`${row.method} ${row.route}`, row] as const))('%s', async (_name, row) => {
    const path = concrete(row.route);
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const caller of CALLERS) {
      // Redirects are answers here, not followed.
      const res = await call(row.method, path, { key: KEY_OF[caller], body: row.body });
      const { status, code } = expected(row, caller);
      got[caller] = code ? { status: res.status, code: res.body?.error?.code } : res.status;
      want[caller] = code ? { status, code } : status;
      if (status >= 400) expect(typeof res.body?.error?.message).toBe('string');
    }
    expect(got).toEqual(want);
  });

  it('the old dashboard, and every page under it, sends any caller to the audits list', async () => {
    for (const path of ['/dashboard', '/dashboard?audit=1', '/dashboard/sign-in', '/dashboard/a/b']) {
      for (const key of [undefined, KEYS.manager]) {
        const res = await fetch(`${http.base}${path}`, {
          headers: { accept: 'text/html', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          redirect: 'manual',
        });
        expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({
          path,
          status: 303,
          location: '/audits',
        });
      }
    }
  });
});

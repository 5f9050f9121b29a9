// Bad input never breaks the service (PRODUCT.md "Interfaces": never a 500 for bad input). Every route that
// takes a body is sent malformed JSON, bodies that are not objects, missing fields, wrong types at every
// level, unknown fields, bodies over 1 MB, deep nesting, the wrong content type and hostile strings (markup,
// SQL, control characters, NUL, a lone surrogate, very long text) in every string it takes; every route with
// a path parameter gets IDs that are not UUIDs, and worse. Each answer is a 4xx in the documented error shape —
// or, for a hostile string that is only text, an ordinary answer — and never a 5xx. The business unit's
// hostile text comes back escaped on the pages that show it: the discussion's place on /pack (an agency's
// name and an audit's focus on /audits/:id, in test/api/console-audit.test.ts). Against the real app, a
// real database and the Temporal dev
// server (on which no workflow runs, so updates are refused 409 after their input is stored).
import type { Client } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { z } from 'zod';
import { documentedRoutes, ROUTES } from '../../api/openapi';
import { AREAS } from '../../domain/schemas';
import { KEYS, type Served, useAppBed } from '../support/app-bed';
import { candidates, insertAuditWithLinks } from '../support/fixtures';
import { expectOnlyOwnScripts } from '../support/page-scripts';

const { bed, http, serve } = useAppBed({
  temporal: 'dev',
  worker: false,
  linkRateLimit: { limit: 100_000, windowMs: 60_000 },
});

const HOSTILE = {
  script: '<script>alert(1)</script>',
  sql: `'; DROP TABLE "Audit"; --`,
  control: 'bell\u0007 escape\u001b[31m del\u007f',
  nul: 'before\u0000after',
  surrogate: 'lone \ud800 surrogate',
  long: 'x'.repeat(100_000),
};
const DAY = 24 * 3600 * 1000;
const soon = () => new Date(Date.now() + 7 * DAY).toISOString();

type Rows = Awaited<ReturnType<typeof insertAuditWithLinks>>;
let rows: Rows;
let counter = 0;

beforeAll(async () => {
  rows = await insertAuditWithLinks(bed.db, 'bad-input');
});

/** The route with this file's rows in place of its parameters, and `override` in place of one of them. */
function concrete(route: string, override?: { name: string; value: string }): string {
  const values: Record<string, string> = {
    id: route.startsWith('/api/agencies') ? rows.agencyId : rows.auditId,
    invitationId: rows.invitationId,
    actionId: rows.actionId,
    slug: rows.slug,
    token: rows.tokens[route.split('/')[1] as keyof Rows['tokens']],
  };
  return route.replace(/\{(\w+)\}/g, (_m, name: string) =>
    name === override?.name ? override.value : encodeURIComponent(values[name]!),
  );
}

// --- Every route that takes a body, with a body it accepts. -----------------------------------------------

interface BodyRoute {
  method: 'POST' | 'PATCH';
  route: string;
  key?: string;
  valid: () => Record<string, unknown>;
  /** Every field is optional and an empty body means something ("Send the link again"): it reaches the route. */
  emptyIsValid?: true;
}

const BODY_ROUTES: BodyRoute[] = [
  {
    method: 'POST',
    route: '/api/agencies',
    key: KEYS.bu,
    valid: () => ({
      name: `Agency ${++counter}`,
      type: 'voluntary',
      contactEmail: 'audits@agency.example',
      leadEmail: 'lead@agency.example',
    }),
  },
  {
    method: 'PATCH',
    route: '/api/agencies/{id}',
    key: KEYS.bu,
    valid: () => ({ name: `Renamed agency ${++counter}`, leadEmail: 'new-lead@agency.example' }),
  },
  {
    method: 'POST',
    route: '/api/audits',
    key: KEYS.bu,
    valid: () => ({
      focus: 'Neglect',
      focusSource: 'practice_concern',
      candidates: candidates([rows.agencyId]).slice(0, 1),
      discussion: { at: soon(), location: 'Room 4, County Hall' },
    }),
  },
  { method: 'POST', route: '/api/audits/{id}/cancel', key: KEYS.bu, valid: () => ({ reason: 'Started twice' }) },
  {
    method: 'POST',
    route: '/api/audits/{id}/cohort/replace',
    key: KEYS.bu,
    valid: () => ({ caseRef: rows.caseRefs[0], replacementCaseRef: rows.caseRefs[1] }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/deadlines',
    key: KEYS.bu,
    valid: () => ({ dueAt: soon(), invitationId: rows.invitationId }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/invitations/{invitationId}/reissue',
    key: KEYS.bu,
    valid: () => ({ contactEmail: 'new.contact@agency.test' }),
    emptyIsValid: true,
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/invitations/{invitationId}/reopen',
    key: KEYS.bu,
    valid: () => ({ reason: 'The grades were entered against the wrong area' }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/concerns',
    key: KEYS.bu,
    valid: () => ({ agencyId: rows.agencyId, caseRef: rows.caseRefs[0], description: 'Left alone overnight' }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/discussion',
    key: KEYS.bu,
    valid: () => ({ at: soon(), location: 'Room 4, County Hall' }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/discussion/outcome',
    key: KEYS.bu,
    valid: () => {
      // Two objects, not one shared: a test changes one of them.
      const item = () => ({ description: 'Keep one chronology', ownerAgencyId: rows.agencyId, dueAt: soon() });
      return {
        attendance: [{ agencyId: rows.agencyId, present: true }],
        findings: Object.fromEntries(AREAS.map((a) => [a, { grade: 'good', conclusions: 'Risk recognised' }])),
        urgentActions: [item()],
        concerns: [{ caseRef: rows.caseRefs[0], agencyId: rows.agencyId, description: 'Unsafe at home' }],
        recommendations: [item()],
      };
    },
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/report',
    key: KEYS.bu,
    valid: () => ({
      workingWell: ['Timely strategy meetings'],
      areasForDevelopment: ['Recording the voice of the child'],
      themes: ['Information sharing'],
      recommendations: ['Use the escalation protocol'],
    }),
  },
  {
    method: 'POST',
    route: '/api/audits/{id}/lis-decision',
    key: KEYS.lis,
    valid: () => ({ decision: 'returned', comments: 'Say more about impact' }),
  },
  {
    method: 'POST',
    route: '/respond/{token}',
    valid: () => ({
      sections: { recognition: { goodPractice: 'Quick referral', grade: 'good', rationale: 'Acted the same day' } },
      childVoice: 'She said she felt listened to',
      familyInformation: 'Lives with her grandmother',
      history: 'Known since 2019',
      immediateRiskConcern: { description: 'Unsafe at home tonight' },
      submit: false,
    }),
  },
  {
    method: 'POST',
    route: '/approve/{token}',
    valid: () => ({ decision: 'request_changes', comments: 'Add the chronology' }),
  },
  {
    method: 'POST',
    route: '/progress/{token}',
    valid: () => ({ status: 'amber', update: 'Training booked', impactEvidence: 'Ten cases re-audited' }),
  },
  {
    method: 'POST',
    route: '/acknowledge/{token}',
    valid: () => ({ name: 'Pat Lead', actionTaken: 'Visited the family' }),
  },
];

type Path = (string | number)[];
interface Answer {
  status: number;
  body: any;
}

function send(r: BodyRoute, body: unknown, opts: { raw?: string; headers?: Record<string, string> } = {}) {
  return http.call(r.method, concrete(r.route), { key: r.key, body, ...opts });
}

/** A refusal in the documented shape: {"error": {"code", "message", "details"?}}. */
function refusal(res: Answer) {
  const error = res.body?.error;
  return {
    status: res.status,
    shape: typeof error?.code === 'string' && typeof error?.message === 'string',
    code: error?.code as unknown,
  };
}

/** Every leaf (string, number, boolean) of a JSON value, with its path. */
function leaves(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function withAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1)!] = replacement;
  return copy;
}

const samePath = (a: unknown, b: Path) => JSON.stringify(a) === JSON.stringify(b);
const issueAt = (res: Answer, path: Path) =>
  Array.isArray(res.body?.error?.details) &&
  (res.body.error.details as { path?: unknown }[]).some((i) => samePath(i.path, path));

/** A value of another JSON type than this one. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (typeof value === 'number' || typeof value === 'boolean') return 'not the right type';
  if (Array.isArray(value)) return { not: 'an array' };
  return ['not', 'an', 'object'];
}

const cases = BODY_ROUTES.map((r) => [`${r.method} ${r.route}`, r] as const);

describe('the table', () => {
  it('has every route that takes a body', () => {
    const documented = ROUTES.filter((r) => r.body).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(cases.map(([name]) => name).sort()).toEqual(documented.sort());
  });

  it.each(cases)('%s: the valid body is one the route accepts', async (_name, r) => {
    const schema = ROUTES.find((d) => d.path === r.route && d.method.toUpperCase() === r.method)!.body!;
    expect(schema.safeParse(r.valid()).error?.issues).toBeUndefined();
    const res = await send(r, r.valid());
    // Stored, then refused only because no workflow runs here (409), or answered outright.
    expect([200, 201, 409]).toContain(res.status);
    if (res.status === 409) expect(res.body.error.code).not.toBe('validation_failed');
  });
});

/** The fields the document's JSON Schema requires of a route's body. */
function requiredFields(r: (typeof cases)[number][1]): Set<string> {
  const schema = ROUTES.find((d) => d.path === r.route && d.method.toUpperCase() === r.method)!.body!;
  return new Set((z.toJSONSchema(schema, { io: 'input' }) as { required?: string[] }).required ?? []);
}

describe('every route that takes a body', () => {
  it.each(cases)('%s: malformed JSON, and JSON that is not an object, is a 400', async (_name, r) => {
    const raws = ['{"a":', "{'single': 'quotes'}", '{"a": 1} trailing', '{"a": undefined}', '[1, 2,]'];
    for (const raw of raws) {
      const res = await send(r, undefined, { raw, headers: { 'content-type': 'application/json' } });
      expect({ raw, ...refusal(res) }).toEqual({ raw, status: 400, shape: true, code: expect.any(String) });
    }
    // No body at all is read as {}: refused as {} is (next test).
    const none = await send(r, undefined, { raw: '', headers: { 'content-type': 'application/json' } });
    const status = requiredFields(r).size ? 400 : 422;
    if (r.emptyIsValid) expect(none.body.error?.code).not.toBe('validation_failed');
    else expect({ raw: '', ...refusal(none) }).toEqual({ raw: '', status, shape: true, code: 'validation_failed' });
    for (const body of [[], ['a'], 'text', 42, null, true]) {
      const res = await send(r, undefined, { raw: JSON.stringify(body) });
      expect({ body, ...refusal(res) }).toEqual({ body, status: 400, shape: true, code: expect.any(String) });
    }
  });

  it.each(cases)('%s: a body whose Content-Encoding is a lie is a 400', async (_name, r) => {
    const res = await send(r, undefined, {
      raw: '{}',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(refusal(res)).toEqual({ status: 400, shape: true, code: 'unreadable_body' });
  });

  it.each(cases)('%s: an empty object, and each missing required field, is refused naming it', async (_name, r) => {
    const schema = ROUTES.find((d) => d.path === r.route && d.method.toUpperCase() === r.method)!.body!;
    // What the document's JSON Schema requires is a 400; what only a rule beyond it requires (comments
    // when returning a report, at least one field to change) is a 422.
    const required = requiredFields(r);
    const empty = await send(r, {});
    if (r.emptyIsValid) expect(empty.body.error?.code).not.toBe('validation_failed');
    else expect(refusal(empty)).toEqual({ status: required.size ? 400 : 422, shape: true, code: 'validation_failed' });
    for (const field of Object.keys(r.valid())) {
      const body: Record<string, unknown> = r.valid();
      delete body[field];
      const res = await send(r, body);
      if (schema.safeParse(body).success) {
        expect({ field, status: res.status < 500 }).toEqual({ field, status: true });
        continue;
      }
      expect({ field, ...refusal(res), named: issueAt(res, [field]) }).toEqual({
        field,
        status: required.has(field) ? 400 : 422,
        shape: true,
        code: 'validation_failed',
        named: true,
      });
    }
  });

  it.each(cases)('%s: a wrong type at any level is a 400 naming where', async (_name, r) => {
    const valid = r.valid();
    const top = Object.entries(valid).map(([k, v]) => ({ path: [k] as Path, replacement: wrongType(v) }));
    // An operator object where a value belongs (a NoSQL-injection habit) is a wrong type too.
    const deep = leaves(valid).map(({ path }) => ({ path, replacement: { $gt: '' } }));
    for (const { path, replacement } of [...top, ...deep]) {
      const res = await send(r, withAt(r.valid(), path, replacement));
      expect({ path, ...refusal(res), named: issueAt(res, path) }).toEqual({
        path,
        status: 400,
        shape: true,
        code: 'validation_failed',
        named: true,
      });
    }
  });

  it.each(cases)('%s: an unknown field is refused, not quietly stored', async (_name, r) => {
    for (const field of ['id', 'stage', 'role', '__proto__', 'constructor']) {
      const raw = JSON.stringify(r.valid()).replace(/^\{/, `{${JSON.stringify(field)}: {"admin": true},`);
      const res = await send(r, undefined, { raw });
      expect({ field, ...refusal(res) }).toEqual({ field, status: 400, shape: true, code: 'validation_failed' });
    }
  });

  it.each(cases)('%s: a body over 1 MB is a 413, as JSON and as a form', async (_name, r) => {
    const json = await send(r, { ...r.valid(), padding: 'x'.repeat(1_100_000) });
    expect(refusal(json)).toEqual({ status: 413, shape: true, code: 'body_too_large' });
    const form = await send(r, undefined, {
      raw: `padding=${'x'.repeat(1_100_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(refusal(form)).toEqual({ status: 413, shape: true, code: expect.any(String) });
  });

  it.each(cases)('%s: deep nesting, and the wrong content type, are a 4xx', async (_name, r) => {
    const depth = 20_000;
    const nested = await send(r, undefined, { raw: `{"a": ${'['.repeat(depth)}${']'.repeat(depth)}}` });
    expect(refusal(nested)).toEqual({ status: 400, shape: true, code: expect.any(String) });
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await send(r, undefined, { raw: JSON.stringify(r.valid()), headers: { 'content-type': type } });
      const { status, shape } = refusal(res);
      expect({ type, status: status >= 400 && status < 500, shape }).toEqual({ type, status: true, shape: true });
    }
  });

  it.each(cases)('%s: a hostile string is text or a 4xx; unstorable text is a 400 naming where', async (_n, r) => {
    for (const { path, value } of leaves(r.valid())) {
      if (typeof value !== 'string') continue;
      for (const [kind, hostile] of Object.entries(HOSTILE)) {
        const res = await send(r, withAt(r.valid(), path, hostile));
        const where = { path, kind };
        // What PostgreSQL cannot store (a NUL, a lone surrogate) is refused at the edge, naming where.
        if (kind === 'nul' || kind === 'surrogate') {
          expect({ ...where, ...refusal(res), named: issueAt(res, path) }).toEqual({
            ...where,
            status: 400,
            shape: true,
            code: 'validation_failed',
            named: true,
          });
        } else if (res.status >= 400) {
          expect({ ...where, ...refusal(res) }).toEqual({
            ...where,
            status: res.status,
            shape: true,
            code: expect.any(String),
          });
          expect({ ...where, status: res.status < 500 }).toEqual({ ...where, status: true });
        }
      }
    }
  });

  it('stores a SQL-looking string as text', async () => {
    const name = `${HOSTILE.sql} ${++counter}`;
    const created = await http.call('POST', '/api/agencies', {
      key: KEYS.bu,
      body: { name, type: 'other', contactEmail: 'a@agency.example', leadEmail: 'b@agency.example' },
    });
    expect(created.status).toBe(201);
    expect((await bed.db.agency.findUniqueOrThrow({ where: { id: created.body.id } })).name).toBe(name);
    expect(await bed.db.audit.count()).toBeGreaterThan(0);
  });
});

// --- Path parameters. ------------------------------------------------------------------------------------

const BAD_PARAMS = [
  'not-a-uuid',
  '12345',
  '00000000-0000-0000-0000-000000000000',
  encodeURIComponent(HOSTILE.sql),
  encodeURIComponent(HOSTILE.script),
  '%00',
  'a%00b',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%E0%A4%A',
  'x'.repeat(5000),
];

// A console page answers a caller without a session by sending them to sign in: the console's own tests
// (test/api/console-*.test.ts) send its pages these IDs signed in.
const PARAM_ROUTES = documentedRoutes()
  .filter((r) => r.path.includes('{') && !r.console)
  .flatMap((r) =>
    [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => [`${r.method.toUpperCase()} ${r.path} {${m[1]}}`, r, m[1]!] as const),
  );

describe('path parameters', () => {
  it.each(PARAM_ROUTES)('%s: not an ID we issued is a 404 or 400, never a 500', async (_name, route, param) => {
    const method = route.method.toUpperCase();
    const body = BODY_ROUTES.find((b) => b.route === route.path && b.method === method)?.valid();
    const key = route.access === 'link' || route.access === 'public' ? undefined : KEYS.bu;
    for (const value of BAD_PARAMS) {
      const res = await http.call(method, concrete(route.path, { name: param, value }), { key, body });
      const { status, shape, code } = refusal(res);
      // A console page sends a caller not signed in to /sign-in before it reads the path (followed here, to this
      // server's answer that it has no provider); signed in, its IDs are refused so (test/api/console-stages.test.ts).
      const signInFirst = !!route.console && code === 'sign_in_unavailable';
      expect({
        value: value.slice(0, 40),
        status: signInFirst || [400, 404].includes(status),
        shape: signInFirst || shape,
      }).toEqual({
        value: value.slice(0, 40),
        status: true,
        shape: true,
      });
    }
  });
});

// --- What the business unit typed, shown back on the pages. ----------------------------------------------

const BROWSER = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' };

async function page(base: string, path: string, key: string | undefined) {
  const res = await fetch(`${base}${path}`, {
    headers: { ...BROWSER, ...(key ? { authorization: `Bearer ${key}` } : {}) },
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, $: cheerio.load(text) };
}

/** Shown as the text it is: escaped in the source, no element made of it, the same words on screen. */
function expectShownAsText(shown: { text: string; $: cheerio.CheerioAPI }, typed: string) {
  expect(shown.text).not.toContain(typed);
  expect(shown.text).toContain(
    typed
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&#39;'),
  );
  expectOnlyOwnScripts(shown.$);
  expect(shown.$('body').text()).toContain(typed);
}

describe('hostile text the business unit typed, shown on a page', () => {
  /** The app over a stand-in client that accepts every update, so what is posted stays stored. */
  let accepting: Served;
  beforeAll(async () => {
    const client = {
      workflow: { getHandle: () => ({ executeUpdate: () => Promise.resolve({}) }) },
    } as unknown as Client;
    accepting = await serve({ client });
  });

  it('the discussion’s place is escaped on /pack', async () => {
    const location = `${HOSTILE.script} ${HOSTILE.sql} "Room 4"`;
    const res = await accepting.call('POST', `/api/audits/${rows.auditId}/discussion`, {
      key: KEYS.bu,
      body: { at: soon(), location },
    });
    expect(res.status).toBe(200);
    const stored = await bed.db.audit.findUniqueOrThrow({ where: { id: rows.auditId } });
    expect(stored.discussionLocation).toBe(location);

    expectShownAsText(await page(http.base, `/pack/${rows.tokens.pack}`, undefined), location);
    const json = await http.call('GET', `/pack/${rows.tokens.pack}`);
    expect(json.body.audit.discussion.location).toBe(location);
  });
});

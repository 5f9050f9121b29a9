// Hostile input with fast-check: for every route the API's OpenAPI document lists (and every form the
// pages post), requests built from a valid body and then broken — a field dropped, retyped, overlong,
// a NUL, a lone surrogate, prototype keys, deep nesting, the wrong content type or charset, malformed
// JSON, junk and malformed percent-escapes in the path, any key or none — each answered below 500, and
// every refusal in the documented error shape when JSON was asked for.
import fc from 'fast-check';
import { csrfToken } from '../../api/security';
import { AGENCY_TYPES, AREAS, FOCUS_SOURCES, GRADES, TIMELINE_KEYS } from '../../domain/schemas';
import { type CallOptions, type Http, isErrorShape, type Reply } from './http';
import type { Keys } from './lifecycle';

/** Real values the fuzzer mixes in, so that cases get past "not found" into the handlers. */
export interface FuzzTargets {
  auditIds: string[];
  agencyIds: string[];
  invitationIds: string[];
  actionIds: string[];
  caseRefs: string[];
  tokens: Record<'respond' | 'approve' | 'progress' | 'acknowledge' | 'pack', string[]>;
  slugs: string[];
}

export interface RouteResult {
  route: string;
  cases: number;
  /** Of which sent as an HTML form (urlencoded or multipart). */
  forms: number;
  /** By HTTP status (and `headersOver16KB`: an answer whose headers Node's fetch would not read). */
  statuses: Record<string, number>;
  /** Cases answered ≥ 500, or refused outside the error shape. */
  failures: number;
  failure?: string;
  ms: number;
}

interface Case {
  params: Record<string, string>;
  query: string;
  auth: string;
  accept: string;
  encoding: string;
  body: unknown;
  ip: string;
  idempotencyKey?: string;
  cookie?: string;
  csrf: boolean;
}

const DAY = 24 * 3600 * 1000;

// ------------------------------------------------------------------------------------------------
// Values.

const HOSTILE = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066',
  '\ufeff',
  '\r\n\r\n',
  '\'; DROP TABLE "Audit";--',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  '1e309',
  '-0',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
  '275760-09-13T00:00:00.001Z',
  'P',
  'PT',
  'P99999999999999999999Y',
  'PT0.0000001S',
  'x'.repeat(6000),
  '𝕏'.repeat(3000),
  'é'.repeat(21000),
];

const hostileString = fc.constantFrom(...HOSTILE);
const text = (max = 60) =>
  fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: max }) }, hostileString);
const email = fc.oneof({ weight: 3, arbitrary: fc.emailAddress() }, hostileString);
const isoDate = fc
  .date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const isoDateTime = fc.oneof(
  fc.integer({ min: -400, max: 400 }).map((days) => new Date(Date.now() + days * DAY).toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  hostileString,
);
const duration = fc.oneof(
  fc.constantFrom('PT10M', 'P15D', 'PT1S', 'P1Y2M3W4DT5H6M7.5S', 'P0D', 'PT0S', 'P1M'),
  hostileString,
);
const pick = <T>(values: T[], fallback: fc.Arbitrary<T>) =>
  values.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values) }, fallback) : fallback;

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes as the bytes of U+FFFD. */
const encodeSegment = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** A path segment: a real one, a random uuid, or junk (some left as raw, malformed escapes). */
function segment(real: string[]): fc.Arbitrary<string> {
  const junk = fc.oneof(
    fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).map(encodeSegment),
    fc.constantFrom('..', '.', '%', '%E0%A4%A', '%00', '%2F', '%2e%2e', 'null', '-1', '1e9', 'x'.repeat(3000)),
    fc.constantFrom(...HOSTILE.filter((h) => h.length > 0 && h.length < 100)).map(encodeSegment),
    fc
      .base64String({ minLength: 40, maxLength: 48 })
      .map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
  );
  return fc.oneof(
    { weight: real.length ? 4 : 0, arbitrary: real.length ? fc.constantFrom(...real) : fc.constant('x') },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: junk },
  );
}

// ------------------------------------------------------------------------------------------------
// Bodies: a valid one per route, then broken.

function sectionArb() {
  return fc.record(
    {
      goodPractice: text(200),
      areasForDevelopment: text(200),
      recommendations: text(200),
      grade: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GRADES) }, hostileString),
      rationale: text(200),
    },
    { requiredKeys: [] },
  );
}

function validBodies(t: FuzzTargets): Record<string, fc.Arbitrary<unknown>> {
  const agencyId = pick(t.agencyIds, fc.uuid());
  const caseRef = pick(t.caseRefs, text(30));
  const item = fc.record({ description: text(200), ownerAgencyId: agencyId, dueAt: fc.oneof(isoDate, isoDateTime) });
  const agency = fc.record({
    name: text(80),
    type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AGENCY_TYPES) }, hostileString),
    contactEmail: email,
    leadEmail: email,
  });
  return {
    'POST /api/agencies': agency,
    'PATCH /api/agencies/{id}': fc.record(
      { name: text(80), type: fc.constantFrom(...AGENCY_TYPES), contactEmail: email, leadEmail: email },
      { requiredKeys: [] },
    ),
    'POST /api/audits': fc.record(
      {
        focus: text(100),
        focusSource: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FOCUS_SOURCES) }, hostileString),
        window: fc.record({ from: fc.oneof(isoDate, isoDateTime), to: fc.oneof(isoDate, isoDateTime) }),
        cohortSize: fc.oneof(fc.integer({ min: -5, max: 60 }), fc.double()),
        candidates: fc.array(
          fc.record(
            {
              caseRef: text(30),
              serviceLevel: fc.constantFrom(
                'universal',
                'early_help',
                'child_in_need',
                'child_protection',
                'looked_after',
                'x',
              ),
              child: fc.record(
                { name: text(60), dateOfBirth: fc.oneof(isoDate, hostileString), localId: text(20) },
                { requiredKeys: ['name', 'dateOfBirth'] },
              ),
              agencyIds: fc.array(agencyId, { minLength: 0, maxLength: 3 }),
              lastActivityAt: fc.oneof(isoDate, isoDateTime),
            },
            { requiredKeys: ['caseRef', 'serviceLevel', 'child', 'agencyIds', 'lastActivityAt'] },
          ),
          { minLength: 0, maxLength: 4 },
        ),
        discussion: fc.record({ at: isoDateTime, location: text(60) }),
        timeline: fc.dictionary(fc.oneof(fc.constantFrom(...TIMELINE_KEYS), fc.string()), duration, { maxKeys: 3 }),
      },
      { requiredKeys: ['focus', 'focusSource', 'candidates'] },
    ),
    'POST /api/audits/{id}/cancel': fc.record({ reason: text(100) }),
    'POST /api/audits/{id}/cohort/replace': fc.record({ caseRef, replacementCaseRef: caseRef }),
    'POST /api/audits/{id}/deadlines': fc.record(
      { dueAt: isoDateTime, invitationId: pick(t.invitationIds, fc.uuid()) },
      { requiredKeys: ['dueAt'] },
    ),
    'POST /api/audits/{id}/concerns': fc.record(
      { agencyId, caseRef, description: text(200) },
      { requiredKeys: ['agencyId', 'description'] },
    ),
    'POST /api/audits/{id}/discussion': fc.record({ at: isoDateTime, location: text(60) }),
    'POST /api/audits/{id}/discussion/outcome': fc.record({
      attendance: fc.array(fc.record({ agencyId, present: fc.boolean() }), { maxLength: 3 }),
      findings: fc.dictionary(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AREAS) }, fc.string()),
        fc.record({ grade: fc.constantFrom(...GRADES, 'x'), conclusions: text(100) }),
        { maxKeys: 7 },
      ),
      urgentActions: fc.array(item, { maxLength: 2 }),
      concerns: fc.array(
        fc.record({ caseRef, agencyId, description: text(100) }, { requiredKeys: ['caseRef', 'description'] }),
        { maxLength: 2 },
      ),
      recommendations: fc.array(item, { maxLength: 2 }),
    }),
    'POST /api/audits/{id}/report': fc.record({
      workingWell: fc.array(text(100), { maxLength: 3 }),
      areasForDevelopment: fc.array(text(100), { maxLength: 3 }),
      themes: fc.array(text(100), { maxLength: 3 }),
      recommendations: fc.array(text(100), { maxLength: 3 }),
    }),
    'POST /api/audits/{id}/lis-decision': fc.record(
      { decision: fc.constantFrom('approved', 'returned', 'maybe'), comments: text(100) },
      { requiredKeys: ['decision'] },
    ),
    'POST /respond/{token}': fc.record(
      {
        sections: fc.dictionary(
          fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AREAS) }, fc.string()),
          sectionArb(),
          { maxKeys: 7 },
        ),
        childVoice: text(200),
        familyInformation: text(200),
        history: text(200),
        immediateRiskConcern: fc.record({ description: text(100) }),
        submit: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, fc.constantFrom('true', 1, null)),
      },
      { requiredKeys: ['submit'] },
    ),
    'POST /approve/{token}': fc.record(
      { decision: fc.constantFrom('approve', 'request_changes', 'approved', ''), comments: text(100) },
      { requiredKeys: ['decision'] },
    ),
    'POST /progress/{token}': fc.record(
      {
        status: fc.constantFrom('red', 'amber', 'green', 'complete', 'blue'),
        update: text(100),
        impactEvidence: text(100),
      },
      { requiredKeys: ['status', 'update'] },
    ),
    'POST /acknowledge/{token}': fc.record({ name: text(60), actionTaken: text(100) }),
  };
}

/** Every path into a JSON value, to break one of them. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

const wrongValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.jsonValue({ maxDepth: 3 }),
);

/** One change to a valid body: a field dropped, given a wrong value, or an unknown (or prototype) key added. */
function broken(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return valid.chain((body) => {
    const all = paths(body);
    return fc
      .tuple(
        fc.integer({ min: 0, max: all.length - 1 }),
        fc.constantFrom('drop', 'wrong', 'extra'),
        wrongValue,
        fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', ''),
      )
      .map(([i, how, value, key]) => {
        const copy = JSON.parse(JSON.stringify(body ?? null)) as unknown;
        const path = all[i]!;
        if (path.length === 0) return how === 'wrong' ? value : copy;
        let parent = copy as Record<string | number, unknown>;
        for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
        const last = path.at(-1)!;
        if (how === 'drop') delete parent[last];
        else if (how === 'wrong') parent[last] = value;
        else if (parent[last] && typeof parent[last] === 'object')
          (parent[last] as Record<string, unknown>)[key] = value;
        else parent[last] = { [key]: value };
        return copy;
      });
  });
}

function bodyArb(valid: fc.Arbitrary<unknown> | undefined): fc.Arbitrary<unknown> {
  const base = valid ?? fc.constant({});
  return fc.oneof(
    { weight: 3, arbitrary: base },
    { weight: 5, arbitrary: broken(base) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  );
}

// ------------------------------------------------------------------------------------------------
// Requests.

/** How a case sends its body. */
const ENCODINGS = [
  'json',
  'json',
  'json',
  'json',
  'form',
  'form',
  'text',
  'none',
  'malformed',
  'charset',
  'multipart',
  'deep',
  'huge',
  'gzip',
] as const;

/** The form encoding the pages use: sections[recognition][grade]=good. */
function toForm(value: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) toForm(v, prefix ? `${prefix}[${k}]` : k, out);
  } else if (prefix) out.push([prefix, typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value)]);
  return out;
}

function encode(c: Case, token: string | undefined, linkSecret: string): Pick<CallOptions, 'raw' | 'contentType'> {
  const json = () => JSON.stringify(c.body) ?? 'null';
  switch (c.encoding) {
    case 'none':
      return {};
    case 'form': {
      const pairs = toForm(c.body);
      if (c.csrf) pairs.push(['_csrf', token ? csrfToken(linkSecret, token) : 'x']);
      return { raw: new URLSearchParams(pairs).toString(), contentType: 'application/x-www-form-urlencoded' };
    }
    case 'text':
      return { raw: json(), contentType: 'text/plain' };
    case 'malformed':
      return { raw: json().slice(0, Math.max(1, Math.floor(json().length / 2))), contentType: 'application/json' };
    case 'charset':
      return { raw: json(), contentType: 'application/json; charset=utf-16' };
    case 'multipart':
      return {
        raw: `--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n${json()}\r\n--b--\r\n`,
        contentType: 'multipart/form-data; boundary=b',
      };
    case 'deep': {
      const depth = 2000 + (json().length % 5) * 20_000;
      return { raw: '['.repeat(depth) + ']'.repeat(depth), contentType: 'application/json' };
    }
    case 'huge':
      return { raw: JSON.stringify({ pad: 'x'.repeat(1_100_000) }), contentType: 'application/json' };
    case 'gzip':
      return { raw: json(), contentType: 'application/json' };
    default:
      return { raw: json(), contentType: 'application/json' };
  }
}

function caseArb(route: string, params: string[], t: FuzzTargets, valid: fc.Arbitrary<unknown> | undefined) {
  const tokenKind = /^\w+ \/(respond|approve|progress|acknowledge|pack)\//.exec(route)?.[1] as
    keyof FuzzTargets['tokens'] | undefined;
  const allTokens = Object.values(t.tokens).flat();
  const real: Record<string, string[]> = {
    id: route.includes('/agencies/') ? t.agencyIds : t.auditIds,
    invitationId: t.invitationIds,
    actionId: t.actionIds,
    token: tokenKind ? [...t.tokens[tokenKind], ...t.tokens[tokenKind], ...allTokens.slice(0, 4)] : allTokens,
    slug: t.slugs,
  };
  const paramArbs = Object.fromEntries(params.map((p) => [p, segment(real[p] ?? [])]));
  return fc.record<Case>({
    params: fc.record(paramArbs),
    query: fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      {
        weight: 2,
        arbitrary: fc
          .array(
            fc.tuple(
              fc.constantFrom('saved', 'audit', 'next', 'a[]', 'x', '__proto__'),
              // Below Node's 16 KB limit for a request's head (its own 431 is no answer of the app's).
              fc.oneof(fc.string(), segment(t.auditIds), fc.constantFrom(...HOSTILE.filter((h) => h.length <= 1000))),
            ),
            { maxLength: 3 },
          )
          .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '')),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('?%', '?a=%E0%A4%A', '?a[b][c][d][e][f][g]=1', `?${'a=1&'.repeat(2000)}`),
      },
    ),
    auth: fc.constantFrom('bu', 'bu', 'manager', 'lis', 'none', 'bad', 'malformed'),
    accept: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'text/html',
      '*/*',
      'application/xml',
    ),
    encoding: fc.constantFrom(...ENCODINGS),
    body: bodyArb(valid),
    // `random`: an address of its own for each request (fast-check favours 0.0.0.0, whose cases would
    // then share one rate limit); now and then a forwarded address that is not one.
    ip: fc.oneof(
      { weight: 9, arbitrary: fc.constant('random') },
      { weight: 1, arbitrary: fc.constantFrom('not-an-ip', '::1, 1.1.1.1', '999.1.1.1', '') },
    ),
    idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('k'.repeat(250))), { nil: undefined }),
    cookie: fc.option(
      fc.oneof(
        fc.string().map((s) => `deep_dive_staff=${encodeURIComponent(s)}`),
        fc.constant(`deep_dive_staff=s%3A${'a'.repeat(32)}.${'b'.repeat(43)}`),
      ),
      { nil: undefined },
    ),
    csrf: fc.boolean(),
  });
}

async function send(http: Http, method: string, path: string, c: Case, keys: Keys, linkSecret: string): Promise<Reply> {
  let url = path;
  for (const [name, value] of Object.entries(c.params)) url = url.replace(`{${name}}`, value);
  const key = {
    bu: keys.bu,
    manager: keys.manager,
    lis: keys.lis,
    none: undefined,
    bad: 'not-a-key-0123456789abcdef',
    malformed: undefined,
  }[c.auth];
  const headers: Record<string, string> = {};
  if (c.auth === 'malformed') headers.authorization = 'Basic Zm9vOmJhcg==';
  if (c.idempotencyKey !== undefined) headers['idempotency-key'] = c.idempotencyKey;
  if (c.cookie) headers.cookie = c.cookie;
  if (c.encoding === 'gzip') headers['content-encoding'] = 'gzip';
  if (c.ip === '') headers['x-forwarded-for'] = '';
  const token = c.params.token;
  return http.call(method, `${url}${c.query}`, {
    key,
    accept: c.accept,
    ip: clientIp(c),
    headers,
    timeoutMs: 30_000,
    ...(method === 'GET' ? {} : encode(c, token, linkSecret)),
  });
}

const octet = () => 1 + Math.floor(Math.random() * 254);
const clientIp = (c: Case) => (c.ip === 'random' ? `10.${octet()}.${octet()}.${octet()}` : c.ip || undefined);

/** Whether an answer is acceptable: below 500; a refusal to a JSON client in the error shape. */
export function judge(reply: Reply, accept: string, form = false): string | undefined {
  if (reply.status >= 500) return `${reply.status} ${reply.text.slice(0, 300)}`;
  // Node's HTTP parser answers an oversized request line or headers itself, before Express sees it.
  if (reply.status === 431 && reply.text === '') return undefined;
  // A form post (urlencoded, with its CSRF token) that does not validate gets its page back with the errors
  // and what was typed: the browser's answer, whatever it said it accepts.
  if (form && reply.status === 400 && reply.text.includes('<form')) return undefined;
  if (reply.status >= 400) {
    const json = (reply.headers.get('content-type') ?? '').includes('json');
    if (accept === 'application/json' && !json)
      return `${reply.status} refused as ${reply.headers.get('content-type')}, not JSON`;
    if (json && !isErrorShape(reply.body))
      return `${reply.status} refusal not in the error shape: ${reply.text.slice(0, 200)}`;
  }
  return undefined;
}

export interface FuzzOptions {
  http: Http;
  keys: Keys;
  linkSecret: string;
  targets: FuzzTargets;
  /** method + OpenAPI path, e.g. `POST /api/audits/{id}/cancel`. */
  routes: string[];
  runs: number;
  seed: number;
  concurrency: number;
  log: (line: string) => void;
}

export async function fuzzRoutes(o: FuzzOptions): Promise<RouteResult[]> {
  const bodies = validBodies(o.targets);
  const queue = [...o.routes];
  const results: RouteResult[] = [];
  const worker = async () => {
    for (let route = queue.shift(); route; route = queue.shift()) {
      const started = Date.now();
      try {
        results.push(await fuzzRoute(o, route, bodies));
      } catch (err) {
        // fast-check itself failed: the route counts as failed, the others go on.
        results.push({
          route,
          cases: 0,
          forms: 0,
          statuses: {},
          failures: 1,
          ms: Date.now() - started,
          failure: String(err),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return results.sort((a, b) => a.route.localeCompare(b.route));
}

async function fuzzRoute(
  o: FuzzOptions,
  route: string,
  bodies: Record<string, fc.Arbitrary<unknown>>,
): Promise<RouteResult> {
  const started = Date.now();
  const [method, path] = route.split(' ') as [string, string];
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const result: RouteResult = { route, cases: 0, forms: 0, statuses: {}, failures: 0, ms: 0 };
  const arb = caseArb(route, params, o.targets, bodies[route]);
  /** One case: undefined when its answer is acceptable, else what is wrong. */
  const run = async (c: Case, count = true): Promise<string | undefined> => {
    let reply: Reply;
    try {
      reply = await send(o.http, method, path, c, o.keys, o.linkSecret);
    } catch (err) {
      // Node's fetch reads at most 16 KB of response headers: a longer answer is an answer all the same.
      if ((err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_HEADERS_OVERFLOW') {
        if (count) result.statuses.headersOver16KB = (result.statuses.headersOver16KB ?? 0) + 1;
        return undefined;
      }
      return `no answer: ${(err as Error).message}`;
    }
    if (count) result.statuses[reply.status] = (result.statuses[reply.status] ?? 0) + 1;
    return judge(reply, c.accept, method !== 'GET' && c.encoding === 'form');
  };
  // Every case is tried, whatever the earlier ones gave, so that the figures count them all.
  let first: { wrong: string; c: Case } | undefined;
  for (const c of fc.sample(arb, { numRuns: o.runs, seed: o.seed })) {
    result.cases++;
    if (method !== 'GET' && (c.encoding === 'form' || c.encoding === 'multipart')) result.forms++;
    const wrong = await run(c);
    if (wrong) {
      result.failures++;
      first ??= { wrong, c };
    }
  }
  if (result.failures) {
    // Then fast-check finds the first failing case again and shrinks it to a minimal one, for the report.
    const property = fc.asyncProperty(arb, async (c) => {
      const wrong = await run(c, false);
      if (wrong) throw new Error(wrong);
    });
    const outcome = await fc.check(property, { numRuns: o.runs, seed: o.seed, interruptAfterTimeLimit: 60_000 });
    // A failure that depends on timing (two requests racing) may not come back: then the first one as it was.
    const [message, example] =
      outcome.failed && outcome.errorInstance instanceof Error
        ? [outcome.errorInstance.message, outcome.counterexample?.[0]]
        : [`${first!.wrong} (not reproduced on a second pass)`, first!.c];
    result.failure = `${result.failures} of ${result.cases} cases failed; smallest: ${message} — ${JSON.stringify(example)?.slice(0, 700)}`;
    o.log(`fuzz ${route}: FAILED ${result.failure}`);
  }
  result.ms = Date.now() - started;
  return result;
}

// GET /api/openapi.json: valid OpenAPI 3.1, served without a key, listing exactly the routes the app serves
// — read from the app's own router stack, in each shape the app takes (with and without the mail catcher
// and the metrics) — with request schemas that judge a body as the routers' zod schemas do and response
// schemas that real answers meet.
import { randomUUID } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Client } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import type { Express } from 'express';
import type { oas31 } from 'zod-openapi';
import { createApp } from '../../api/app';
import { devMailRouter } from '../../api/dev-mail';
import { createMetrics } from '../../api/metrics';
import { documentedRoutes, type Mounted, rolesOf, ROUTES } from '../../api/openapi';
import type { MailCatcher } from '../../dev/mail-catcher';
import { createAgencySchema, createAuditSchema, respondSchema } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { KEYS, useAppBed } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually, serve } from '../support/http';

/** The real app over the dev server, a worker and the mail catcher (so /dev/mail is mounted). */
const { http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

// --- The routes an Express 5 app serves, from its router stack (router 2.x's listRoutes). ---------------

interface Listed {
  path: string | RegExp;
  methods?: string[];
  router?: Lister;
}
interface Lister {
  listRoutes(): Listed[];
}

/** `/api/audits/:id` as OpenAPI writes it: `/api/audits/{id}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** "METHOD /path" for every route of the app, nested routers included; the automatic HEAD left out. */
function servedRoutes(app: Express): string[] {
  const walk = (router: Lister, prefix: string): string[] =>
    router.listRoutes().flatMap(({ path, methods, router: nested }) => {
      if (typeof path !== 'string') throw new Error(`a route matched by a RegExp (${path}) cannot be documented`);
      const full = `${prefix}/${path}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
      if (nested) return walk(nested, full);
      return methods!.filter((m) => m !== 'HEAD').map((m) => `${m} ${openApiPath(full)}`);
    });
  return walk((app as unknown as { router: Lister }).router, '').sort();
}

function documentedOperations(doc: oas31.OpenAPIObject): string[] {
  return Object.entries(doc.paths ?? {})
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

/** The app in one of its shapes; nothing behind it is reached, since only its routes are read. */
function appMounting({ devMail, metrics }: Mounted): Express {
  const catcher = { messages: () => [], clear: () => undefined } as unknown as MailCatcher;
  return createApp({
    config: {
      apiKeys: [],
      allowCompressedTimelines: false,
      temporal: { address: undefined, namespace: 'default', taskQueue: 'unused' },
    },
    db: {} as Db,
    temporal: {} as Client,
    log: createLogger('silent'),
    transport: { verify: () => Promise.resolve(true) },
    devMail: devMail ? devMailRouter(catcher) : undefined,
    metrics: metrics ? createMetrics() : undefined,
    linkSecret: 'unused-link-secret',
  });
}

async function fetchDocument(base: string): Promise<oas31.OpenAPIObject> {
  const res = await fetch(`${base}/api/openapi.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as oas31.OpenAPIObject;
}

describe('the OpenAPI document', () => {
  it('is served to anyone, even with a stale key, as valid OpenAPI 3.1', async () => {
    const anonymous = await http.call('GET', '/api/openapi.json');
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(anonymous.body.openapi).toBe('3.1.0');
    const stale = await http.call('GET', '/api/openapi.json', { key: 'revoked-key-0123456789abcdef' });
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual(anonymous.body);

    // The validator dereferences in place: give it a copy.
    const validated = await SwaggerParser.validate(structuredClone(anonymous.body));
    expect(validated.info.title).toBe('Deep Dive');
  });

  it.each<[string, Mounted]>([
    ['the app alone', {}],
    ['with the mail catcher', { devMail: true }],
    ['with the metrics', { metrics: true }],
    ['with both', { devMail: true, metrics: true }],
  ])('lists every route the app serves and no other: %s', async (_name, mounted) => {
    const app = appMounting(mounted);
    const served = servedRoutes(app);
    const server = await serve(app);
    try {
      const documented = documentedOperations(await fetchDocument(server.base));
      expect({ undocumented: served.filter((r) => !documented.includes(r)) }).toEqual({ undocumented: [] });
      expect({ notServed: documented.filter((r) => !served.includes(r)) }).toEqual({ notServed: [] });
    } finally {
      await server.close();
    }
    expect(served).toContain('GET /api/openapi.json');
    expect(served.some((r) => r.includes('/dev/mail'))).toBe(!!mounted.devMail);
    expect(served.includes('GET /metrics')).toBe(!!mounted.metrics);
  });

  it('the served app documents its own shape: the mail catcher is mounted here, and listed', async () => {
    const doc = (await http.call('GET', '/api/openapi.json')).body as oas31.OpenAPIObject;
    expect(documentedOperations(doc)).toEqual(servedRoutes(appMounting({ devMail: true })));
  });

  it('links each answer to what a client can do next: operations that exist, every path parameter given', async () => {
    const doc = (await http.call('GET', '/api/openapi.json')).body as oas31.OpenAPIObject;
    const operations = new Map<string, string>();
    for (const [path, item] of Object.entries(doc.paths ?? {}))
      for (const op of Object.values(item) as oas31.OperationObject[])
        if (op?.operationId) operations.set(op.operationId, path);
    const links = Object.values(doc.paths ?? {}).flatMap((item) =>
      (Object.values(item) as oas31.OperationObject[]).flatMap((op) =>
        Object.values(op?.responses ?? {}).flatMap((r) => Object.values((r as oas31.ResponseObject).links ?? {})),
      ),
    ) as oas31.LinkObject[];
    expect(links.length).toBeGreaterThanOrEqual(14);
    for (const link of links) {
      const path = operations.get(link.operationId!);
      expect({ link: link.operationId, exists: !!path }).toEqual({ link: link.operationId, exists: true });
      const params = [...path!.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(Object.keys(link.parameters ?? {}).sort()).toEqual(params);
    }
  });

  it('answers a method a path does not have with 405 and the Allow header the document gives', async () => {
    const doc = (await http.call('GET', '/api/openapi.json')).body as oas31.OpenAPIObject;
    const tried: string[] = [];
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const methods = ['get', 'post', 'put', 'patch', 'delete'].filter((m) => m in item);
      const other = ['delete', 'put', 'patch', 'post'].find((m) => !methods.includes(m))!;
      const url = path.replace(/\{\w+\}/g, randomUUID());
      const res = await http.call(other.toUpperCase(), url, { key: KEYS.bu });
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({
        path,
        status: 405,
        code: 'method_not_allowed',
      });
      const allow = methods.flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]));
      expect(res.headers.get('allow')?.split(', ').sort()).toEqual(allow.sort());
      tried.push(path);
    }
    expect(tried.length).toBe(Object.keys(doc.paths ?? {}).length);
    // A path the app does not have is still a 404.
    expect((await http.call('DELETE', '/api/nowhere', { key: KEYS.bu })).status).toBe(404);
  });

  it('says who may call each route, and every refusal is the documented error shape', async () => {
    const doc = (await http.call('GET', '/api/openapi.json')).body as oas31.OpenAPIObject;
    const error = doc.components!.schemas!.Error as oas31.SchemaObject;
    expect(error.required).toEqual(['error']);
    expect((error.properties!.error as oas31.SchemaObject).required).toEqual(['code', 'message']);

    const errorResponses = doc.components!.responses as Record<string, oas31.ResponseObject>;
    for (const route of documentedRoutes({ devMail: true })) {
      const op = doc.paths![route.path]![route.method] as oas31.OperationObject & { 'x-access': unknown };
      const where = `${route.method.toUpperCase()} ${route.path}`;
      expect({ where, security: Array.isArray(op.security) }).toEqual({ where, security: true });
      const roles = rolesOf(route.access);
      if (roles && route.console) {
        // A person's page: the staff session with those roles; never a 401 (they are sent to sign in).
        expect({ where, roles: op.security![0]!.staffSession }).toEqual({ where, roles });
        expect({ where, has401: '401' in op.responses! }).toEqual({ where, has401: false });
      } else if (roles) {
        expect({ where, roles: op.security![0]!.apiKey }).toEqual({ where, roles });
        expect({ where, has401: '401' in op.responses! }).toEqual({ where, has401: true });
      } else {
        expect({ where, access: op['x-access'] }).toEqual({ where, access: route.access });
      }
      if (route.body) expect({ where, has400: '400' in op.responses! }).toEqual({ where, has400: true });
      for (const [status, response] of Object.entries(op.responses!)) {
        if (Number(status) < 400 || route.path === '/healthz') continue;
        const name = (response as oas31.ReferenceObject).$ref.replace('#/components/responses/', '');
        expect({ where, status, schema: errorResponses[name]?.content?.['application/json']?.schema }).toEqual({
          where,
          status,
          schema: { $ref: '#/components/schemas/Error' },
        });
      }
    }
  });
});

// --- The document's JSON Schemas, checked with a JSON Schema validator against bodies and real answers. -----

function schemaValidator(doc: oas31.OpenAPIObject) {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; formats and OpenAPI's own keywords are not what is checked.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  return (component: string, value: unknown) => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${component}`)!;
    return validate(value) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
  };
}

describe("the document's schemas", () => {
  let check: ReturnType<typeof schemaValidator>;
  beforeAll(async () => {
    check = schemaValidator((await http.call('GET', '/api/openapi.json')).body);
  });

  const agency = {
    name: 'Harbour Housing Association',
    type: 'housing',
    contactEmail: 'audits@housing.example',
    leadEmail: 'lead@housing.example',
  };
  const draft = { sections: { recognition: { grade: 'good' } }, submit: false };

  it.each<[string, { safeParse(v: unknown): { success: boolean } }, unknown[]]>([
    [
      'CreateAgency',
      createAgencySchema,
      [agency, { ...agency, type: 'army' }, { ...agency, id: 'mine' }, { name: agency.name }, []],
    ],
    [
      'CreateAudit',
      createAuditSchema,
      [
        { focus: 'Neglect', focusSource: 'practice_review', candidates: candidates([randomUUID()]) },
        { focus: 'Neglect', focusSource: 'a rumour', candidates: candidates([randomUUID()]) },
        { focus: 'Neglect', focusSource: 'practice_review', candidates: [] },
        { focus: 'Neglect', focusSource: 'practice_review', candidates: candidates(['not-a-uuid']) },
      ],
    ],
    ['Respond', respondSchema, [draft, { ...draft, submit: 'yes' }, { ...draft, stage: 'completed' }, {}]],
  ])('%s judges a body as the router’s zod schema does', (component, schema, bodies) => {
    for (const body of bodies) {
      expect({ body, accepted: check(component, body).length === 0 }).toEqual({
        body,
        accepted: schema.safeParse(body).success,
      });
    }
  });

  it('every request body refuses what no zod schema of ours takes: unknown fields, wrong types', () => {
    const components = ROUTES.filter((r) => r.body).length;
    expect(components).toBeGreaterThanOrEqual(15);
    for (const name of [
      'CreateAgency',
      'UpdateAgency',
      'CreateAudit',
      'CancelAudit',
      'ReplaceCase',
      'ExtendDeadline',
      'RaiseConcern',
      'ScheduleDiscussion',
      'Outcome',
      'ReportVersion',
      'LisDecision',
      'Respond',
      'Approve',
      'Progress',
      'Acknowledge',
    ]) {
      for (const body of [[], 'text', 42, null, { injected: true }]) {
        expect({ name, body, errors: check(name, body).length > 0 }).toEqual({ name, body, errors: true });
      }
    }
  });

  it('real answers meet the response schemas: agency, audit created, audit list, audit state', async () => {
    const created = await http.call('POST', '/api/agencies', { key: KEYS.bu, body: agency });
    expect(created.status).toBe(201);
    expect(check('Agency', created.body)).toEqual([]);
    const agencies = await http.call('GET', '/api/agencies', { key: KEYS.manager });
    for (const row of agencies.body) expect(check('Agency', row)).toEqual([]);

    const started = await http.call('POST', '/api/audits', {
      key: KEYS.bu,
      body: { focus: 'Neglect', focusSource: 'practice_review', candidates: candidates(agencyIds) },
    });
    expect(started.status).toBe(201);
    expect(check('AuditCreated', started.body)).toEqual([]);

    const state = await eventually(async () => {
      const res = await http.call('GET', `/api/audits/${started.body.id}`, { key: KEYS.lis });
      return res.body.cohortRationale ? res : undefined;
    }, 'the cohort draw');
    expect(check('AuditState', state.body)).toEqual([]);
    expect(state.body.cohort.length).toBeGreaterThan(0);

    const list = await http.call('GET', '/api/audits', { key: KEYS.manager });
    for (const row of list.body) expect(check('AuditSummary', row)).toEqual([]);

    const health = await http.call('GET', '/healthz');
    expect(check('Health', health.body)).toEqual([]);

    const refused = await http.call('POST', '/api/agencies', { key: KEYS.bu, body: { name: 42 } });
    expect(refused.status).toBe(400);
    expect(check('Error', refused.body)).toEqual([]);
  });
});

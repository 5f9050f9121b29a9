// PostgreSQL going away under a request is a 503 with Retry-After, not a 500: first the error handler
// given the errors pg, pg-pool and Prisma's driver adapter throw (in the shapes Prisma 7 hands them to a
// route), then the real app over a real connection that is cut, or whose backend is terminated, while a
// query is in flight.
import net from 'node:net';
import express from 'express';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { createApp } from '../../api/app';
import { errorHandler } from '../../api/errors';
import { EMBEDDED_POOL_MAX } from '../../dev/database';
import { createDb, type Db } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { migrateDeploy } from '../../infra/migrate';
import { Prisma } from '../../prisma/generated/client';
import { LINK_SECRET } from '../support/activities';
import { KEYS } from '../support/app-bed';
import { freshDatabase } from '../support/fresh-database';
import { serve } from '../support/http';

const clientVersion = Prisma.prismaVersion.client;

/** What @prisma/adapter-pg makes of a pg DatabaseError (its convertDriverError), for codes it has no kind for. */
const postgresError = (code: string, message: string, severity = 'FATAL') =>
  new DriverAdapterError({
    originalCode: code,
    originalMessage: message,
    kind: 'postgres',
    code,
    severity,
    message,
    detail: undefined,
    column: undefined,
    hint: undefined,
  });

/** A model query's failure as Prisma reports it: P2039, the adapter's error in meta. */
const modelQueryFailed = (driverAdapterError: DriverAdapterError) =>
  new Prisma.PrismaClientKnownRequestError('\nInvalid `db.agency.findMany()` invocation:', {
    code: 'P2039',
    clientVersion,
    meta: { modelName: 'Agency', driverAdapterError },
  });

/** A raw query's ($queryRaw) failure: P2010, the adapter's error in meta. */
const rawQueryFailed = (driverAdapterError: DriverAdapterError) =>
  new Prisma.PrismaClientKnownRequestError(`Raw query failed. Message: \`${driverAdapterError.message}\``, {
    code: 'P2010',
    clientVersion,
    meta: { driverAdapterError },
  });

/** pg's own errors have no code; Prisma passes them on as they are, with its clientVersion added. */
const fromPg = (message: string, options?: ErrorOptions) =>
  Object.assign(new Error(message, options), { clientVersion });

describe('the error handler, given what the database driver throws', () => {
  let current: unknown;
  let http: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const app = express();
    app.get('/fails', (_req, _res, next) => next(current));
    app.use(errorHandler(createLogger('silent')));
    http = await serve(app);
  });
  afterAll(() => http.close());
  const answer = async (err: unknown) => {
    current = err;
    const res = await http.call('GET', '/fails');
    return { status: res.status, code: res.body.error?.code, retryAfter: res.headers.get('retry-after') };
  };

  const unavailable = { status: 503, code: 'unavailable', retryAfter: '5' };

  it.each([
    ['pg: the server went away under a query', fromPg('Connection terminated unexpectedly')],
    [
      'pg-pool: a connection attempt timed out',
      fromPg('Connection terminated due to connection timeout', {
        cause: new Error('Connection terminated unexpectedly'),
      }),
    ],
    ['pg-pool: no connection to be had in time', fromPg('timeout exceeded when trying to connect')],
    ['pg: a client that lost its connection', fromPg('Client has encountered a connection error and is not queryable')],
    [
      'P2039: a model query whose backend was terminated (57P01)',
      modelQueryFailed(postgresError('57P01', 'terminating connection due to administrator command')),
    ],
    [
      'P2010: a raw query cut by a crash of another backend (57P02)',
      rawQueryFailed(postgresError('57P02', 'terminating connection because of crash of another server process')),
    ],
    [
      'P2039: the server is starting up (57P03)',
      modelQueryFailed(postgresError('57P03', 'the database system is starting up')),
    ],
    ['P2039: a connection exception (08006)', modelQueryFailed(postgresError('08006', 'connection failure'))],
    [
      'P2010: a raw query with the server unreachable',
      rawQueryFailed(new DriverAdapterError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })),
    ],
    ['the adapter: the socket was reset', new DriverAdapterError({ kind: 'ConnectionClosed' })],
    [
      'any of them as the cause of another error',
      new Error('saving the submission failed', { cause: fromPg('Connection terminated unexpectedly') }),
    ],
  ])('503 unavailable, Retry-After: %s', async (_what, err) => {
    expect(await answer(err)).toEqual(unavailable);
  });

  it.each([
    [
      'a unique constraint (P2002)',
      new Prisma.PrismaClientKnownRequestError('Unique constraint failed', {
        code: 'P2002',
        clientVersion,
        meta: {
          driverAdapterError: new DriverAdapterError({
            kind: 'UniqueConstraintViolation',
            originalCode: '23505',
            originalMessage: 'duplicate key value violates unique constraint',
          } as never),
        },
      }),
    ],
    [
      'a query the server refused (42P01)',
      modelQueryFailed(postgresError('42P01', 'relation does not exist', 'ERROR')),
    ],
    ['an error that only mentions a connection', new Error('Connection terminated unexpectedly by our own bug!')],
  ])('still a 500: %s', async (_what, err) => {
    expect(await answer(err)).toEqual({ status: 500, code: 'internal', retryAfter: null });
  });
});

/**
 * A TCP proxy in front of the database: `hold()` stops passing on what the clients send (a query then
 * waits), `cut()` closes every connection at once, as a server that goes away does.
 */
async function connectionCutter(target: URL) {
  const sockets = new Set<net.Socket>();
  let holding = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk) => holding || upstream.write(chunk));
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    hold: () => void (holding = true),
    cut() {
      for (const socket of sockets) socket.destroy();
      holding = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the app when PostgreSQL goes away under a request', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let cutter: Awaited<ReturnType<typeof connectionCutter>>;
  let db: Db;
  let http: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    database = await freshDatabase();
    await migrateDeploy(database.url);
    cutter = await connectionCutter(new URL(database.url));
    db = createDb(cutter.url, { poolMax: process.env.TEST_DATABASE_URL ? 5 : EMBEDDED_POOL_MAX });
    http = await serve(
      createApp({
        config: {
          apiKeys: [{ role: 'business_unit', key: KEYS.bu }],
          allowCompressedTimelines: false,
          temporal: { address: undefined, namespace: 'default', taskQueue: 'deep-dive' },
        },
        db,
        temporal: {} as Client,
        log: createLogger('silent'),
        transport: { verify: () => Promise.resolve(true) },
        linkSecret: LINK_SECRET,
      }),
    );
  });
  afterAll(async () => {
    await http?.close();
    await db?.$disconnect();
    await cutter?.close();
    await database?.drop();
  });

  const agencies = () => http.call('GET', '/api/agencies', { key: KEYS.bu });

  it('a query whose connection is cut answers 503 with Retry-After; the next request is served', async () => {
    expect((await agencies()).status).toBe(200);
    cutter.hold();
    const answer = agencies();
    await new Promise((r) => setTimeout(r, 300));
    cutter.cut();
    const res = await answer;
    expect(res).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await agencies()).status).toBe(200);
  });

  // pg_terminate_backend needs a server of its own: PGlite is one backend that every client shares.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'a query whose backend is terminated (57P01) answers 503; the next request is served',
    async () => {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        // The route's query waits behind this lock until its backend is terminated.
        await admin.query('BEGIN');
        await admin.query('LOCK TABLE "Agency" IN ACCESS EXCLUSIVE MODE');
        const answer = agencies();
        let terminated = 0;
        for (let i = 0; i < 100 && !terminated; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const { rows } = await admin.query<{ pid: number }>(
            `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
          );
          terminated = rows.length;
        }
        expect(terminated).toBe(1);
        const res = await answer;
        expect(res).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });
        expect(res.headers.get('retry-after')).toBe('5');
        await admin.query('ROLLBACK');
      } finally {
        await admin.end();
      }
      expect((await agencies()).status).toBe(200);
    },
  );
});

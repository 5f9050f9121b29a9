// One error shape for every refusal: {"error": {"code", "message", "details"?}}. Bad input is a 4xx
// that says what is wrong; a dependency that is down is a 503; only our own bugs are a 500.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FAILURE } from '../workflows/errors';
import type { Logger } from '../infra/logger';

/** The body of every refusal, as clients (the CLI among them) read it. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/**
 * Parses with a zod schema; a failure lists every issue. A body the document's JSON Schema refuses is a 400;
 * one that it allows but that breaks a rule it cannot state (every issue a refinement: a window that ends
 * before it starts, a final submission without grades, a duplicate) is a 422.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const { issues } = result.error;
    if (issues.every((issue) => issue.code === 'custom')) {
      throw new HttpError(422, 'validation_failed', 'The request breaks a rule: see details.', issues);
    }
    throw new HttpError(400, 'validation_failed', 'The request is not valid: see details.', issues);
  }
  return result.data;
}

/**
 * An update to an audit whose row exists. The workflow's refusal becomes the HttpError the API answers, so a
 * command's caller (a console page, say) can tell it from a failure; a missing run means it has ended, refused
 * like a wrong stage.
 */
export async function whileAuditRuns<T>(call: Promise<T>, ended = 'The audit has already ended.'): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new HttpError(409, 'wrong_stage', ended);
    throw workflowRefusal(err) ?? err;
  }
}

/** A workflow update's validator refused it: the stage is wrong (409), or what it names is not there (404). */
function workflowRefusal(err: unknown): HttpError | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type === FAILURE.wrongStage) return new HttpError(409, 'wrong_stage', err.cause.message);
  if (err.cause.type === FAILURE.notFound) return new HttpError(404, 'not_found', err.cause.message);
  return undefined;
}

/**
 * A path the app serves, asked with a method it does not have: 405 with `Allow`, from the route table
 * (api/openapi.ts), so the document and the answer cannot disagree. Before `notFound`.
 */
export function methodNotAllowed(routes: readonly { method: string; path: string }[]): RequestHandler {
  const methods = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    const allowed = methods.get(path) ?? new Set<string>();
    allowed.add(method.toUpperCase());
    if (method === 'get') allowed.add('HEAD');
    methods.set(path, allowed);
  }
  const paths = [...methods].map(([path, allowed]) => ({
    // /api/audits/{id} → ^/api/audits/[^/]+/?$
    pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`),
    allow: [...allowed].join(', '),
  }));
  return (req, res, next) => {
    const found = paths.find((p) => p.pattern.test(req.path));
    if (!found) return next();
    res.set('Allow', found.allow);
    next(new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; allowed: ${found.allow}.`));
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'malformed_json', 'The body is not valid JSON.'],
  'entity.too.large': [413, 'body_too_large', 'The body is too large.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported_charset', 'The body charset is not supported.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted.'],
};

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'P1001',
  'P1002',
  'P1017',
  'P2024',
]);

/**
 * SQLSTATEs of a database that is going away or not there yet: class 08 (connection exception) and
 * 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now). Prisma's driver adapter keeps them as
 * `originalCode` of the DriverAdapterError it puts in `meta.driverAdapterError` (P2010, P2039, …).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;

/** What @prisma/adapter-pg calls a socket that cannot reach, or lost, the server. */
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);

/**
 * pg's and pg-pool's own errors, which carry no code: the server went away under a query ("Connection
 * terminated unexpectedly"), a connection attempt timed out, or the pool waited too long for one.
 */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/;

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  const bodyParserType = (err as { type?: unknown })?.type;
  if (typeof bodyParserType === 'string' && BODY_PARSER_ERRORS[bodyParserType]) {
    const [status, code, message] = BODY_PARSER_ERRORS[bodyParserType];
    return new HttpError(status, code, message);
  }
  // Any other refusal the body parser explains to the client (a gzip body that is not gzip, say).
  const parserStatus = (err as { status?: unknown; expose?: unknown })?.status;
  if (
    typeof parserStatus === 'number' &&
    parserStatus >= 400 &&
    parserStatus < 500 &&
    (err as { expose?: unknown }).expose
  )
    return new HttpError(parserStatus, 'unreadable_body', 'The body could not be read: check its Content-Encoding.');
  // The router could not decode a path parameter (a bad percent-encoding such as %E0%A4%A).
  if (err instanceof URIError) return new HttpError(400, 'malformed_url', 'The address is not valid.');
  if (err instanceof WorkflowNotFoundError) return new HttpError(404, 'not_found', 'No such audit.');
  const refused = workflowRefusal(err);
  if (refused) return refused;
  if (isUnavailable(err)) {
    return new HttpError(503, 'unavailable', 'A service Deep Dive depends on is unavailable; retry shortly.');
  }
  return undefined;
}

function isUnavailable(err: unknown): boolean {
  return causes(err).some((e) => {
    const { code, originalCode, kind, name, message } = e as Record<string, unknown>;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if ([code, originalCode].some((c) => typeof c === 'string' && UNAVAILABLE_SQLSTATE.test(c))) return true;
    if (typeof kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    // gRPC UNAVAILABLE and DEADLINE_EXCEEDED: the Temporal frontend cannot be reached.
    if (code === 14 || code === 4) return true;
    // Only a failure to reach a dependency is a 503; a misconfiguration it reports is our 500.
    return name === 'PrismaClientInitializationError';
  });
}

/**
 * The error and what it wraps: its `cause` chain and, for a Prisma error, the driver adapter's error in
 * `meta.driverAdapterError`, whose `cause` holds the driver's code.
 */
function causes(err: unknown): object[] {
  const found: object[] = [];
  const next: unknown[] = [err];
  while (next.length && found.length < 10) {
    const e = next.shift();
    if (typeof e !== 'object' || e === null || found.includes(e)) continue;
    found.push(e);
    const { cause, meta } = e as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    next.push(cause, meta?.driverAdapterError);
  }
  return found;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = toHttpError(err);
    // The route pattern, never the URL: link routes carry secret tokens.
    const route = (req.route as { path?: string } | undefined)?.path;
    if (!known) log.error({ err, method: req.method, route }, 'unhandled error');
    else if (known.status >= 500) log.warn({ code: known.code, method: req.method, route }, known.message);
    const status = known?.status ?? 500;
    const body: ErrorBody = {
      error: {
        code: known?.code ?? 'internal',
        message: known?.message ?? 'Something went wrong on our side; it has been logged.',
        ...(known?.details !== undefined ? { details: known.details } : {}),
      },
    };
    if (status === 503) res.set('Retry-After', '5');
    res.status(status).json(body);
  };
}

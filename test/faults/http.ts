// Talking to the API process as its users do, and keeping count: every response by status, every 5xx
// with its route, and every request that got a 2xx (or a form's 303) with what it asked for, so that the
// suite can check afterwards that none of them was lost.
import fs from 'node:fs';

export interface CallOptions {
  key?: string;
  /** JSON body. */
  body?: unknown;
  /** An HTML form body (application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  /** A raw body, sent with `contentType`. */
  raw?: string | Buffer;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  /** X-Forwarded-For: the client's address as the API (trusting its loopback proxy) sees it. */
  ip?: string;
  /** Fail the fetch after this long (a hung request is a finding too). */
  timeoutMs?: number;
}

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  ms: number;
}

export interface Acknowledged {
  /** What the suite will look for in the database: e.g. `submission`, `approval`. */
  kind: string;
  method: string;
  path: string;
  status: number;
  at: string;
  /** The facts to check: ids from the request and the answer. */
  facts: Record<string, unknown>;
}

export interface ServerError {
  method: string;
  /** The route pattern (tokens and ids cut out). */
  route: string;
  status: number;
  code?: string;
  /** The Retry-After header: a refusal the client may retry says when. */
  retryAfter: string | null;
  scenario: string;
  at: string;
}

/** Route pattern of a path, for counting: ids and tokens become placeholders. */
export function routeOf(method: string, path: string): string {
  const p = path.split('?')[0]!;
  const pattern = p
    .replace(/^\/(respond|approve|progress|acknowledge|pack|briefings)\/[^/]+/, '/$1/:token')
    .replace(/\/api\/audits\/[^/]+/, '/api/audits/:id')
    .replace(/\/invitations\/[^/]+\/no-involvement/, '/invitations/:invitationId/no-involvement')
    .replace(/\/api\/agencies\/[^/]+/, '/api/agencies/:id')
    .replace(/\/api\/actions\/[^/]+/, '/api/actions/:actionId');
  return `${method} ${pattern}`;
}

export class Http {
  readonly statuses = new Map<number, number>();
  readonly serverErrors: ServerError[] = [];
  readonly acknowledged: Acknowledged[] = [];
  /** Requests that got no answer at all (connection refused or reset): the API was down. */
  networkErrors = 0;
  requests = 0;
  scenario = 'setup';

  constructor(
    readonly base: string,
    private readonly trace?: string,
  ) {}

  async call(method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {
      accept: opts.accept ?? 'application/json',
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
    };
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      if (opts.contentType) headers['content-type'] = opts.contentType;
    } else if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, opts.headers);
    const started = Date.now();
    this.requests++;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 90_000),
      });
    } catch (err) {
      this.networkErrors++;
      throw err;
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON after all: kept as text
      }
    }
    const reply = { status: res.status, body: parsed as any, text, headers: res.headers, ms: Date.now() - started };
    this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500) {
      this.serverErrors.push({
        method,
        route: routeOf(method, path),
        status: res.status,
        code: (parsed as any)?.error?.code,
        retryAfter: res.headers.get('retry-after'),
        scenario: this.scenario,
        at: new Date().toISOString(),
      });
    }
    if (this.trace) {
      fs.appendFileSync(
        this.trace,
        `${new Date().toISOString()} ${this.scenario} ${routeOf(method, path)} ${res.status} ${reply.ms}ms\n`,
      );
    }
    return reply;
  }

  /** Records a request the API acknowledged (2xx, or a form's 303), to be found in the database later. */
  acknowledge(kind: string, method: string, path: string, status: number, facts: Record<string, unknown>): void {
    this.acknowledged.push({ kind, method, path, status, at: new Date().toISOString(), facts });
  }

  count(predicate: (status: number) => boolean): number {
    let n = 0;
    for (const [status, times] of this.statuses) if (predicate(status)) n += times;
    return n;
  }
}

/** The documented error shape: {"error": {"code", "message", "details"?}} and nothing else. */
export function isErrorShape(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return false;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  return (
    typeof code === 'string' && code.length > 0 && typeof message === 'string' && message.length > 0 && !extra.length
  );
}

// The CLI's client of the Deep Dive API: the same requests, validation and error shape as any other
// client's. A refusal's body (api/errors.ts's ErrorBody) becomes an ApiError the CLI prints readably.
import type { ErrorBody } from '../../api/errors';
import { CliError, type Io } from './io';

export const DEFAULT_API = 'http://localhost:3000';

export interface ApiOptions {
  api?: string;
  key?: string;
}

export interface ZodLikeIssue {
  path: (string | number)[];
  message: string;
}

/** A refusal: the HTTP status and the body's `error`. */
export class ApiError extends CliError {
  readonly code: string;
  readonly details?: unknown;

  constructor(
    readonly status: number,
    error: ErrorBody['error'],
  ) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }

  /** The zod issues of a 400 (validation_failed), when it carries them. */
  get issues(): ZodLikeIssue[] {
    if (!Array.isArray(this.details)) return [];
    return (this.details as unknown[]).flatMap((d) => {
      const issue = d as Partial<ZodLikeIssue> | null;
      return issue && typeof issue.message === 'string'
        ? [{ path: Array.isArray(issue.path) ? issue.path : [], message: issue.message }]
        : [];
    });
  }
}

export interface Api {
  base: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
}

/** The API's address: --api, else DEEP_DIVE_API, else PUBLIC_URL, else http://localhost:3000. */
export function apiBase(opts: ApiOptions, env: NodeJS.ProcessEnv): string {
  const base = opts.api ?? env.DEEP_DIVE_API ?? env.PUBLIC_URL ?? DEFAULT_API;
  try {
    const url = new URL(base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new CliError(`--api: "${base}" is not an http(s) URL`);
  }
  return base.replace(/\/+$/, '');
}

export async function createApi(opts: ApiOptions, io: Io): Promise<Api> {
  const base = apiBase(opts, io.env);
  const key =
    opts.key ??
    io.env.DEEP_DIVE_API_KEY ??
    (await io.promptSecret?.('API key (not shown; set DEEP_DIVE_API_KEY not to be asked): '));
  if (!key) {
    throw new CliError(
      'no API key: set DEEP_DIVE_API_KEY (or pass --key <key>); create one with `deepdive keys create`',
    );
  }
  const doFetch = io.fetch ?? fetch;

  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the Deep Dive API at ${base} (${cause?.code ?? cause?.message ?? String(err)}). ` +
          'Is it running? Point --api or DEEP_DIVE_API at it.',
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      // Whatever answered may not be the API: read the body as ErrorBody only where it is one.
      const error = (json as { error?: Partial<Record<keyof ErrorBody['error'], unknown>> } | undefined)?.error;
      const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
      const message =
        typeof error?.message === 'string'
          ? error.message
          : `${method} ${path} answered ${res.status} ${res.statusText}`;
      throw new ApiError(res.status, { code, message: explain(res.status, message), details: error?.details });
    }
    if (json === undefined && text) throw new CliError(`${method} ${path}: the answer is not JSON`);
    return json as T;
  };

  return {
    base,
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
    patch: (path, body) => call('PATCH', path, body),
  };
}

function explain(status: number, message: string): string {
  if (status === 401) return `${message} (401: check --key or DEEP_DIVE_API_KEY; a revoked key is refused)`;
  if (status === 403) return `${message} (403: this key's role may not do this)`;
  if (status === 503) return `${message} (503)`;
  return message;
}

/** An API error for the terminal: its message, then each zod issue on its own line, placed by `locate`. */
export function describeApiError(err: ApiError, locate?: (path: (string | number)[]) => string | undefined): string {
  const lines = [`${err.message}${err.status >= 400 ? ` [${err.status} ${err.code}]` : ''}`];
  for (const issue of err.issues) {
    const at = locate?.(issue.path) ?? (issue.path.length ? issue.path.join('.') : undefined);
    lines.push(`  ${at ? `${at}: ` : ''}${issue.message}`);
  }
  if (!err.issues.length && err.details !== undefined) lines.push(`  ${JSON.stringify(err.details)}`);
  return lines.join('\n');
}

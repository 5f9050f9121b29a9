// Stopping the API cleanly (SIGTERM from `docker compose stop`, Ctrl-C): no new connection is taken,
// requests in flight are answered, then the database, Temporal and SMTP connections are closed. All of
// it within a bound, after which what is still open is cut. The worker's own shutdown is the SDK's
// (worker/main.ts).
import type { Server, ServerResponse } from 'node:http';
import type { Logger } from './logger';

/** Below Docker's default 10 s between SIGTERM and SIGKILL, so that the disconnects still run. */
export const API_SHUTDOWN_TIMEOUT_MS = 8000;

export interface ShutdownOptions {
  server: Server;
  /** Run in order once the server has closed (or the bound is reached): database, Temporal, SMTP. */
  closers: { name: string; close: () => unknown }[];
  /** The bound for the whole shutdown; requests still in flight then are cut. */
  timeoutMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * `clean`: every request in flight was answered and every connection closed in time. `timed_out`:
 * requests were cut at the bound, or a closer did not finish within it.
 */
export async function shutdownGracefully({
  server,
  closers,
  timeoutMs = API_SHUTDOWN_TIMEOUT_MS,
  log,
}: ShutdownOptions): Promise<'clean' | 'timed_out'> {
  const deadline = Date.now() + timeoutMs;
  let clean = true;
  log?.info({ timeoutMs }, 'shutting down: answering the requests in flight');

  // Requests in flight, and any that arrives on a kept-alive connection meanwhile, are answered with
  // `Connection: close`, so that the client does not send another on that connection.
  for (const res of inFlight.get(server) ?? []) if (!res.headersSent) res.setHeader('Connection', 'close');
  server.on('request', (_req, res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle kept-alive connections would otherwise hold server.close() open until they time out.
  server.closeIdleConnections();
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  try {
    if ((await within(closed, deadline - Date.now())) === 'timeout') {
      clean = false;
      log?.warn({ timeoutMs }, 'shutdown: requests still in flight at the bound were cut');
      server.closeAllConnections();
      await within(closed, 1000);
    }
  } finally {
    clearInterval(idleSweep);
  }

  for (const { name, close } of closers) {
    const remaining = Math.max(deadline - Date.now(), 500);
    const outcome = await within(Promise.resolve().then(close), remaining).catch((err: unknown) => err);
    if (outcome === 'timeout' || outcome instanceof Error) {
      clean = false;
      log?.warn(
        { closer: name, error: outcome instanceof Error ? outcome.message : 'did not finish in time' },
        'shutdown: a connection did not close cleanly',
      );
    }
  }
  log?.info({ clean }, 'shut down');
  return clean ? 'clean' : 'timed_out';
}

const inFlight = new WeakMap<Server, Set<ServerResponse>>();

/** Keeps the server's responses in flight, for shutdownGracefully to mark them `Connection: close`. */
export function trackRequests(server: Server): void {
  const open = new Set<ServerResponse>();
  inFlight.set(server, open);
  server.on('request', (_req, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
  });
}

/** Runs `handler` on the first SIGTERM or SIGINT; a second one exits at once. */
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const listener = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    void handler(signal);
  };
  process.on('SIGTERM', listener);
  process.on('SIGINT', listener);
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

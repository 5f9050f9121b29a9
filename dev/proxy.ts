// The cluster's reverse proxy (dev/cluster.ts): one address in front of several API processes, as a
// partnership's load balancer would be. Requests go round-robin; one that cannot reach an API (refused:
// the process is down or restarting) goes to the next, since it never arrived anywhere; when none answers
// the client gets 503 with Retry-After, never a hung or dropped connection. `local` routes (the mail
// catcher's /dev/mail) are answered here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import httpProxy from 'http-proxy';

export interface ReverseProxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface ReverseProxyOptions {
  port: number;
  host: string;
  /** http://127.0.0.1:<port> of each API process. */
  upstreams: string[];
  /** Path prefix → handler answered in this process. */
  local?: Record<string, http.RequestListener>;
}

/** The API refuses bodies far smaller than this: the proxy only has to hold one to resend it. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const RETRY_AFTER_SECONDS = '2';

export async function startReverseProxy(opts: ReverseProxyOptions): Promise<ReverseProxy> {
  // xfwd: the API (TRUST_PROXY=loopback) sees the client's address, as behind any proxy.
  const proxy = httpProxy.createProxyServer({ xfwd: true, proxyTimeout: 120_000 });
  let next = 0;

  const unavailable = (res: http.ServerResponse) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': RETRY_AFTER_SECONDS });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: 'No API process answered; retry shortly.' } }));
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: number) => {
    const target = opts.upstreams[next++ % opts.upstreams.length]!;
    proxy.web(req, res, { target, buffer: Readable.from([body]) }, (err: NodeJS.ErrnoException) => {
      // Refused: the request reached no API, so another may take it. Anything later may have been acted on.
      if (err.code === 'ECONNREFUSED' && tried + 1 < opts.upstreams.length && !res.headersSent)
        forward(req, res, body, tried + 1);
      else unavailable(res);
    });
  };

  const server = http.createServer((req, res) => {
    const local = Object.entries(opts.local ?? {}).find(
      ([prefix]) => req.url === prefix || req.url?.startsWith(`${prefix}/`) || req.url?.startsWith(`${prefix}?`),
    );
    if (local) return local[1](req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: { code: 'body_too_large', message: 'The body is too large.' } }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        proxy.close();
      }),
  };
}

// The cluster's reverse proxy (dev/proxy.ts) in front of stand-in APIs: requests shared round-robin with
// their bodies intact, a refused connection sent on to the other API, 503 with Retry-After when no API
// answers, and the local routes (/dev/mail) answered by the proxy itself.
import http from 'node:http';
import { type ReverseProxy, startReverseProxy } from '../../dev/proxy';
import { freePorts } from '../support/ports';

/** A stand-in API that answers with its name, the body it got and the client address it was told. */
async function standIn(name: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          name,
          method: req.method,
          url: req.url,
          body,
          forwardedFor: req.headers['x-forwarded-for'],
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

interface Answer {
  name: string;
  method: string;
  url: string;
  body: string;
  forwardedFor?: string;
}

const close = (server: http.Server) => new Promise((resolve) => server.close(resolve));

let ports: number[];
let apis: http.Server[];
let proxy: ReverseProxy;

beforeEach(async () => {
  ports = await freePorts(3);
  apis = await Promise.all([standIn('api-1', ports[0]!), standIn('api-2', ports[1]!)]);
  proxy = await startReverseProxy({
    port: ports[2]!,
    host: '127.0.0.1',
    upstreams: [`http://127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[1]}`],
    local: { '/dev/mail': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('caught mail') },
  });
});

afterEach(async () => {
  await proxy.stop();
  await Promise.all(apis.filter((s) => s.listening).map(close));
});

const post = (path: string, body: string) =>
  fetch(`${proxy.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

test('shares requests between the APIs in turn, each with its body and the client address', async () => {
  const answers: Answer[] = [];
  for (let i = 0; i < 4; i++) answers.push((await (await post(`/api/x?i=${i}`, `{"n":${i}}`)).json()) as Answer);
  expect(answers.map((a) => a.name)).toEqual(['api-1', 'api-2', 'api-1', 'api-2']);
  expect(answers.map((a) => [a.method, a.url, a.body])).toEqual(
    [0, 1, 2, 3].map((i) => ['POST', `/api/x?i=${i}`, `{"n":${i}}`]),
  );
  expect(answers[0]!.forwardedFor).toMatch(/127\.0\.0\.1$/);
  expect(proxy.port).toBe(ports[2]);
});

test('a request refused by a stopped API goes to the other, body and all', async () => {
  await close(apis[0]!);
  for (let i = 0; i < 3; i++) {
    const res = await post('/api/audits', `{"try":${i}}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'api-2', body: `{"try":${i}}` });
  }
});

test('with no API answering: 503 with Retry-After in the API error shape, never a dropped connection', async () => {
  await Promise.all(apis.map(close));
  const res = await post('/api/audits', '{}');
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
});

test('the local routes are answered by the proxy itself, other paths with their prefix are not', async () => {
  const mail = await fetch(`${proxy.url}/dev/mail`);
  expect(await mail.text()).toBe('caught mail');
  const other = await fetch(`${proxy.url}/dev/mailbox`);
  expect(((await other.json()) as { name: string }).name).toMatch(/^api-/);
});

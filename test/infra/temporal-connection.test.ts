// Temporal Cloud or a self-hosted cluster by environment: TEMPORAL_TLS_* and TEMPORAL_API_KEY read and
// checked by loadConfig, mapped to the options both the API's client and the worker's NativeConnection
// take, and what those connections then send, seen by a local TLS server standing in for the cluster
// (no real cloud: the handshake, the client certificate, the server name and the API key header).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../infra/config';
import { temporalConnectionOptions, describeConnection } from '../../infra/temporal';

let dir: string;
const file = (name: string) => path.join(dir, name);
const pem = (name: string) => fs.readFileSync(file(name), 'utf8');

/** A CA, a server certificate for temporal.test signed by it, and two client certificates (one from another CA). */
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  const signed = (name: string, by: string, ext: string) => {
    fs.writeFileSync(file(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${by}.pem`,
      '-CAkey',
      `${by}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  try {
    ca('test-ca');
    ca('other-ca');
    signed('server', 'test-ca', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth\n');
    signed('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
    signed('stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  } catch (err) {
    throw new Error(`these tests make their certificates with the openssl command: ${(err as Error).message}`, {
      cause: err,
    });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BASE = { TEMPORAL_ADDRESS: 'deep-dive.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'deep-dive.a1b2c' };
const API_KEY = 'eyJhbGciOiJFUzI1NiJ9.test-temporal-api-key';

describe('loadConfig: TEMPORAL_TLS_* and TEMPORAL_API_KEY', () => {
  test('none set: plain gRPC, as for the bundled server', () => {
    const { temporal } = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(temporal).toEqual({ address: 'temporal:7233', namespace: 'default', taskQueue: 'deep-dive' });
    expect(temporalConnectionOptions(temporal)).toEqual({ address: 'temporal:7233' });
  });

  test('mTLS from file paths: certificate and key read, TLS on', () => {
    const { temporal } = loadConfig({
      ...BASE,
      TEMPORAL_TLS_CERT: file('client.pem'),
      TEMPORAL_TLS_KEY: file('client.key'),
    });
    expect(temporal.namespace).toBe('deep-dive.a1b2c');
    expect(temporal.tls?.clientCert?.cert.toString()).toBe(pem('client.pem'));
    expect(temporal.tls?.clientCert?.key.toString()).toBe(pem('client.key'));
    const options = temporalConnectionOptions(temporal);
    expect(options).toEqual({
      address: BASE.TEMPORAL_ADDRESS,
      tls: { clientCertPair: { crt: Buffer.from(pem('client.pem')), key: Buffer.from(pem('client.key')) } },
    });
    expect(describeConnection(options)).toEqual({ address: BASE.TEMPORAL_ADDRESS, tls: 'mtls', apiKeySet: false });
  });

  test('mTLS from PEM contents, also written on one line with \\n', () => {
    const oneLine = (name: string) => pem(name).trim().split('\n').join('\\n');
    for (const [cert, key] of [
      [pem('client.pem'), pem('client.key')],
      [oneLine('client.pem'), oneLine('client.key')],
    ]) {
      const { temporal } = loadConfig({ ...BASE, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key });
      expect(temporal.tls?.clientCert?.cert.toString().trim()).toBe(pem('client.pem').trim());
      expect(temporal.tls?.clientCert?.key.toString().trim()).toBe(pem('client.key').trim());
    }
  });

  test('CA and server name: the server is checked against that CA under that name', () => {
    const { temporal } = loadConfig({
      TEMPORAL_ADDRESS: '10.0.0.5:7233',
      TEMPORAL_TLS_CA: file('test-ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    });
    expect(temporalConnectionOptions(temporal)).toEqual({
      address: '10.0.0.5:7233',
      tls: { serverRootCACertificate: Buffer.from(pem('test-ca.pem')), serverNameOverride: 'temporal.test' },
    });
  });

  test('an API key alone: TLS on with the system CAs (Temporal Cloud), the key as a bearer token', () => {
    const { temporal } = loadConfig({ ...BASE, TEMPORAL_API_KEY: API_KEY });
    const options = temporalConnectionOptions(temporal);
    expect(options).toEqual({ address: BASE.TEMPORAL_ADDRESS, tls: {}, apiKey: API_KEY });
    expect(JSON.stringify(describeConnection(options))).not.toContain(API_KEY);
  });

  test('TEMPORAL_TLS=true alone: TLS without a client certificate; empty values count as unset', () => {
    const { temporal } = loadConfig({ ...BASE, TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: '', TEMPORAL_API_KEY: ' ' });
    expect(temporalConnectionOptions(temporal)).toEqual({ address: BASE.TEMPORAL_ADDRESS, tls: {} });
  });

  test.each([
    [{ TEMPORAL_TLS_CERT: 'client.pem' }, 'TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY'],
    [{ TEMPORAL_TLS_KEY: 'client.key' }, 'TEMPORAL_TLS_KEY is set without TEMPORAL_TLS_CERT'],
    [
      { TEMPORAL_TLS_CERT: 'client.pem', TEMPORAL_TLS_KEY: 'stranger.key' },
      'TEMPORAL_TLS_KEY is not the private key of TEMPORAL_TLS_CERT',
    ],
    [{ TEMPORAL_TLS_CERT: 'missing.pem', TEMPORAL_TLS_KEY: 'client.key' }, 'TEMPORAL_TLS_CERT: cannot read the file'],
    [{ TEMPORAL_TLS_CERT: 'client.key', TEMPORAL_TLS_KEY: 'client.key' }, 'TEMPORAL_TLS_CERT: not a PEM certificate'],
    [{ TEMPORAL_TLS_CERT: 'client.pem', TEMPORAL_TLS_KEY: 'client.pem' }, 'TEMPORAL_TLS_KEY: not a PEM private key'],
    [{ TEMPORAL_TLS_CA: 'client.key' }, 'TEMPORAL_TLS_CA: not a PEM certificate'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }, 'TEMPORAL_TLS=false, but TEMPORAL_API_KEY needs TLS'],
    [{ TEMPORAL_API_KEY: `Bearer ${API_KEY}` }, 'TEMPORAL_API_KEY: contains a space'],
  ])('%j stops the start: %s', (vars, message) => {
    const env: Record<string, string> = { ...BASE };
    for (const [name, value] of Object.entries(vars)) env[name] = /\.(pem|key)$/.test(value) ? file(value) : value;
    expect(() => loadConfig(env)).toThrow(`Invalid configuration: ${message}`);
  });

  test('a client certificate without TEMPORAL_ADDRESS stops the start (the embedded dev server is plain)', () => {
    expect(() => loadConfig({ TEMPORAL_API_KEY: API_KEY })).toThrow('TEMPORAL_API_KEY needs TEMPORAL_ADDRESS');
  });

  test('an expired client certificate stops the start', () => {
    jest.useFakeTimers({ now: new Date('2199-01-01'), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      expect(() =>
        loadConfig({ ...BASE, TEMPORAL_TLS_CERT: file('client.pem'), TEMPORAL_TLS_KEY: file('client.key') }),
      ).toThrow(/TEMPORAL_TLS_CERT expired on \d{4}-/);
    } finally {
      jest.useRealTimers();
    }
  });

  test('every problem is named at once, with the other settings', () => {
    expect(() =>
      loadConfig({ TEMPORAL_TLS_CERT: file('client.pem'), TRUST_PROXY: 'nonsense', METRICS_PORT: 'x' }),
    ).toThrow(/TEMPORAL_TLS_CERT is set without TEMPORAL_TLS_KEY.*TRUST_PROXY: "nonsense".*METRICS_PORT: "x"/);
  });
});

describe('TRUST_PROXY and METRICS_*', () => {
  test.each([
    [undefined, 'loopback'],
    ['1', 1],
    ['2', 2],
    ['true', true],
    ['false', false],
    ['uniquelocal', 'uniquelocal'],
    ['loopback, 10.0.0.0/8, 172.18.0.1', 'loopback,10.0.0.0/8,172.18.0.1'],
    ['fd00::/8', 'fd00::/8'],
  ])('TRUST_PROXY=%s → %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test.each(['10.0.0.0/8/1', 'proxy.internal', 'loopback;uniquelocal'])('TRUST_PROXY=%s is refused', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow('TRUST_PROXY:');
  });

  test('metrics: off by default (no token, not opened to anyone), no worker exporter', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined, workerBindAddress: undefined });
  });

  test('METRICS_TOKEN or METRICS_PUBLIC=true serve /metrics; METRICS_ENABLED=true alone is refused', () => {
    const token = 'metrics-token-0123456789';
    expect(loadConfig({ METRICS_TOKEN: token }).metrics).toMatchObject({ enabled: true, token });
    expect(loadConfig({ METRICS_PUBLIC: 'true' }).metrics).toMatchObject({ enabled: true, token: undefined });
    expect(loadConfig({ METRICS_PUBLIC: 'false' }).metrics.enabled).toBe(false);
    expect(() => loadConfig({ METRICS_ENABLED: 'true' })).toThrow(
      'METRICS_ENABLED=true needs METRICS_TOKEN, or METRICS_PUBLIC=true',
    );
    expect(() => loadConfig({ METRICS_PUBLIC: 'true', METRICS_TOKEN: token })).toThrow('contradict each other');
  });

  test('METRICS_ENABLED, METRICS_TOKEN, METRICS_PORT', () => {
    const token = 'metrics-token-0123456789';
    expect(loadConfig({ METRICS_ENABLED: 'false', METRICS_TOKEN: token, METRICS_PORT: '9464' }).metrics).toEqual({
      enabled: false,
      token,
      workerBindAddress: '0.0.0.0:9464',
    });
    expect(loadConfig({ METRICS_PORT: '127.0.0.1:9464' }).metrics.workerBindAddress).toBe('127.0.0.1:9464');
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow('METRICS_PORT');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN: at least 16 characters');
  });
});

/**
 * A stand-in for the cluster's frontend: TLS with the server certificate, asking for a client
 * certificate, answering every gRPC call UNAUTHENTICATED after noting what came with it.
 */
async function fakeFrontend() {
  const seen: {
    servername?: string;
    clientCert?: string;
    authorized: boolean;
    authorization?: string;
    path?: string;
  }[] = [];
  const server = http2.createSecureServer({
    key: pem('server.key'),
    cert: pem('server.pem'),
    ca: pem('test-ca.pem'),
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: false,
  });
  server.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    seen.push({
      servername: (socket as (TLSSocket & { servername?: string }) | undefined)?.servername,
      clientCert: socket?.getPeerCertificate()?.subject?.CN as string | undefined,
      authorized: socket?.authorized ?? false,
      authorization: headers.authorization,
      path: headers[':path'],
    });
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'stand-in' },
      { endStream: true },
    );
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.destroy();
    });
  return { address, seen, close };
}

describe('what the connections send, to a stand-in TLS frontend', () => {
  let frontend: Awaited<ReturnType<typeof fakeFrontend>>;
  beforeEach(async () => {
    frontend = await fakeFrontend();
  });
  afterEach(async () => {
    await frontend.close();
  });

  const cloudLike = () =>
    temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: frontend.address,
        TEMPORAL_TLS_CERT: file('client.pem'),
        TEMPORAL_TLS_KEY: file('client.key'),
        TEMPORAL_TLS_CA: file('test-ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
        TEMPORAL_API_KEY: API_KEY,
      }).temporal,
    );

  test("the API's client: mTLS under the server name, trusting the CA, the API key as bearer", async () => {
    // connect() asks GetSystemInfo at once; the stand-in refuses it after noting what came.
    await expect(Connection.connect({ ...cloudLike(), connectTimeout: 5000 })).rejects.toThrow(
      expect.objectContaining({ cause: expect.objectContaining({ details: 'stand-in' }) }),
    );
    expect(frontend.seen.length).toBeGreaterThan(0);
    expect(frontend.seen[0]).toMatchObject({
      servername: 'temporal.test',
      clientCert: 'client',
      authorized: true,
      authorization: `Bearer ${API_KEY}`,
      path: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
    });
  });

  test("the worker's NativeConnection: the same", async () => {
    await expect(NativeConnection.connect(cloudLike())).rejects.toThrow();
    expect(frontend.seen.length).toBeGreaterThan(0);
    expect(frontend.seen[0]).toMatchObject({
      servername: 'temporal.test',
      clientCert: 'client',
      authorized: true,
      authorization: `Bearer ${API_KEY}`,
      path: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
    });
  });

  test('a server whose certificate the CA did not sign is refused before anything is sent', async () => {
    const options = temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: frontend.address,
        TEMPORAL_TLS_CA: file('other-ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
        TEMPORAL_API_KEY: API_KEY,
      }).temporal,
    );
    await expect(NativeConnection.connect(options)).rejects.toThrow();
    expect(frontend.seen).toEqual([]);
  });
});

// Connecting to Temporal: the bundled server, a self-hosted cluster or Temporal Cloud, as the
// environment says (infra/config.ts). The API's Client and the worker's NativeConnection take the same
// options, built here once.
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { TemporalSettings } from './config';

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  /** Absent: plain gRPC. `{}`: TLS checked against the system's CAs. */
  tls?: TLSConfig;
  /** Becomes `Authorization: Bearer <key>` on every call. */
  apiKey?: string;
}

/** The connection options for the configured cluster. */
export function temporalConnectionOptions(
  settings: Pick<TemporalSettings, 'address' | 'tls' | 'apiKey'>,
): TemporalConnectionOptions {
  if (!settings.address) throw new Error('TEMPORAL_ADDRESS is not set');
  const options: TemporalConnectionOptions = { address: settings.address };
  const { tls, apiKey } = settings;
  if (tls) {
    options.tls = {
      ...(tls.clientCert ? { clientCertPair: { crt: tls.clientCert.cert, key: tls.clientCert.key } } : {}),
      ...(tls.serverCa ? { serverRootCACertificate: tls.serverCa } : {}),
      ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    };
  }
  if (apiKey) options.apiKey = apiKey;
  return options;
}

/**
 * A client on `address` (plain gRPC), or on the connection `options` give (TLS, API key) when passed:
 * `connectClient(address, namespace, temporalConnectionOptions(config.temporal))`.
 */
export async function connectClient(
  address: string,
  namespace: string,
  options: Partial<TemporalConnectionOptions> = {},
): Promise<Client> {
  const connection = await Connection.connect({ ...options, address });
  return new Client({ connection, namespace });
}

/** Where a connection goes and how it is secured, for the start-up log line: never the key itself. */
export function describeConnection(options: TemporalConnectionOptions): Record<string, unknown> {
  return {
    address: options.address,
    tls: options.tls ? (options.tls.clientCertPair ? 'mtls' : 'tls') : 'off',
    apiKeySet: Boolean(options.apiKey),
  };
}

// The API as a service of its own (production): every dependency named by the environment. Apply
// migrations before starting it (`npm run migrate`).
import { createApp } from './app';
import { createMetrics } from './metrics';
import { linkLifeOf, revokeLinksOfOldSecret } from './link-life';
import { loadConfig } from '../infra/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { onShutdownSignal, shutdownGracefully, trackRequests } from '../infra/shutdown';
import { connectClient, describeConnection, temporalConnectionOptions } from '../infra/temporal';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel).child({ process: 'api' });
  const { databaseUrl, smtpUrl, linkSecret } = config;
  const address = config.temporal.address;
  if (!databaseUrl || !address || !smtpUrl || !linkSecret || config.apiKeys.length === 0) {
    throw new Error(
      'The API needs DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, LINK_SECRET and API_KEYS (npm start embeds them for development).',
    );
  }
  const db = createDb(databaseUrl);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  const temporal = await connectClient(address, config.temporal.namespace, temporalOptions);
  log.info(
    { temporal: { ...describeConnection(temporalOptions), namespace: config.temporal.namespace } },
    'connected to Temporal',
  );
  const transport = createTransport(smtpUrl);
  const revoked = await revokeLinksOfOldSecret(db, linkSecret);
  if (revoked) log.warn({ revoked }, 'LINK_SECRET has changed: every emailed link made with the old one is revoked');
  const app = createApp({
    config,
    db,
    temporal,
    log,
    transport,
    linkSecret,
    links: linkLifeOf(config),
    metrics: config.metrics.enabled ? createMetrics({ db, processMetrics: true }) : undefined,
    // Staff sign-in: the partnership's provider (OIDC_ISSUER); without one, /sign-in says it is not set up.
    oidc: config.oidc,
    session: config.session,
  });
  const server = app.listen(config.port, () =>
    log.info({ port: config.port, metrics: config.metrics.enabled, trustProxy: config.trustProxy }, 'API listening'),
  );
  trackRequests(server);
  onShutdownSignal(async (signal) => {
    log.info({ signal }, 'stop requested');
    const outcome = await shutdownGracefully({
      server,
      log,
      closers: [
        { name: 'database', close: () => db.$disconnect() },
        { name: 'temporal', close: () => temporal.connection.close() },
        { name: 'smtp', close: () => transport.close() },
      ],
    });
    process.exit(outcome === 'clean' ? 0 : 1);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`API stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

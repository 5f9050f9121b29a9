// The API as a service of its own (production): every dependency named by the environment. Apply
// migrations before starting it (`npm run migrate`).
import { createApp } from './app';
import { loadConfig } from '../infra/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { connectClient } from '../infra/temporal';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const { databaseUrl, smtpUrl, linkSecret } = config;
  const address = config.temporal.address;
  if (!databaseUrl || !address || !smtpUrl || !linkSecret || config.apiKeys.length === 0) {
    throw new Error(
      'The API needs DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, LINK_SECRET and API_KEYS (npm start embeds them for development).',
    );
  }
  const db = createDb(databaseUrl);
  const temporal = await connectClient(address, config.temporal.namespace);
  const transport = createTransport(smtpUrl);
  const app = createApp({
    config,
    db,
    temporal,
    log,
    transport,
    linkSecret,
  });
  const server = app.listen(config.port, () => log.info({ port: config.port }, 'API listening'));
  const stop = () => {
    server.close(() => {
      void Promise.all([db.$disconnect(), temporal.connection.close()]).finally(() => process.exit(0));
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`API stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

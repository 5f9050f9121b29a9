// The worker as a service of its own (production, or `--scale worker=N`): every dependency named by
// the environment, nothing embedded.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { createWorker, installWorkerLogging } from '.';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  installWorkerLogging(log);
  const { databaseUrl, smtpUrl, linkSecret } = config;
  const address = config.temporal.address;
  if (!databaseUrl || !address || !smtpUrl || !linkSecret) {
    throw new Error(
      'The worker needs DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL and LINK_SECRET (npm start embeds them for development).',
    );
  }
  const db = createDb(databaseUrl);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    transport: createTransport(smtpUrl),
    mailFrom: config.mailFrom,
    email: config.email,
    publicUrl: config.publicUrl,
    linkSecret,
    businessUnitEmail: config.businessUnitEmail ?? config.email.contactEmail,
    partnershipManagerEmail: config.partnershipManagerEmail ?? config.email.contactEmail,
    lisEmail: config.lisEmail ?? config.email.contactEmail,
  });
  log.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  // The SDK shuts the worker down on SIGINT/SIGTERM, letting in-flight activities finish.
  await worker.run();
  await connection.close();
  await db.$disconnect();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

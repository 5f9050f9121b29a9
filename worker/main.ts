// The worker as a service of its own (production, or `--scale worker=N`): every dependency named by
// the environment, nothing embedded.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { createDb } from '../infra/db';
import { createLogger } from '../infra/logger';
import { createTransport } from '../infra/mailer';
import { describeConnection, temporalConnectionOptions } from '../infra/temporal';
import { createWorker, installWorkerLogging, WORKER_SHUTDOWN } from '.';
import { builtWorkflowBundle } from './bundle';
import { missingWorkerProcessSettings, workerSizing } from './sizing';

async function main(): Promise<void> {
  const config = loadConfig();
  const sizing = workerSizing();
  const log = createLogger(config.logLevel).child({ process: 'worker' });
  // Before any connection: the SDK's logs to pino, its metrics to METRICS_PORT when set.
  installWorkerLogging(log, { metricsBindAddress: config.metrics.workerBindAddress });
  const { databaseUrl, smtpUrl, linkSecret } = config;
  const address = config.temporal.address;
  if (!databaseUrl || !address || !smtpUrl || !linkSecret) {
    throw new Error(
      'The worker needs DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL and LINK_SECRET (npm start embeds them for development).',
    );
  }
  const db = createDb(databaseUrl);
  const transport = createTransport(smtpUrl);
  const temporalOptions = temporalConnectionOptions(config.temporal);
  // Built with the release, never at start: WORKFLOW_BUNDLE_DIR when the code runs from elsewhere.
  const built = builtWorkflowBundle(process.env.WORKFLOW_BUNDLE_DIR || undefined);
  const connection = await NativeConnection.connect(temporalOptions);
  const worker = await createWorker({
    ...built,
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    transport,
    mailFrom: config.mailFrom,
    email: config.email,
    publicUrl: config.publicUrl,
    linkSecret,
    businessUnitEmail: config.businessUnitEmail ?? config.email.contactEmail,
    partnershipManagerEmail: config.partnershipManagerEmail ?? config.email.contactEmail,
    lisEmail: config.lisEmail ?? config.email.contactEmail,
    shutdown: WORKER_SHUTDOWN,
    sizing,
  });
  log.info(
    {
      taskQueue: config.temporal.taskQueue,
      buildId: built.buildId,
      temporal: { ...describeConnection(temporalOptions), namespace: config.temporal.namespace },
      metrics: config.metrics.workerBindAddress ?? 'off',
      shutdown: WORKER_SHUTDOWN,
      sizing,
    },
    'worker running',
  );
  const missing = missingWorkerProcessSettings();
  if (missing.length > 0)
    log.warn(
      { missing },
      'worker started without its process settings: each cached audit takes about three times the memory (docs/OPERATIONS.md, "Worker memory")',
    );
  // On SIGTERM/SIGINT the SDK stops polling and lets in-flight activities finish (WORKER_SHUTDOWN);
  // run() resolves once they have. Only then are Temporal, the database and SMTP let go, in that order.
  try {
    await worker.run();
  } finally {
    log.info('worker stopped: closing connections');
    await connection.close().catch((err: unknown) => log.warn({ err }, 'closing the Temporal connection failed'));
    await db.$disconnect().catch((err: unknown) => log.warn({ err }, 'closing the database failed'));
    transport.close();
  }
  log.info('worker shut down');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker stopped: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

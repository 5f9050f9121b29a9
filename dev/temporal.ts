// The embedded Temporal dev server for `npm start`: the real server (Temporal CLI `server start-dev`)
// as a child process, its state in a SQLite file so audits survive a restart, its Web UI on its own port.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { stageSearchAttribute } from '../workflows/messages';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace?: string;
}

const READY_TIMEOUT_MS = 60_000;

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const namespace = opts.namespace ?? 'default';
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const logFile = path.join(opts.dataDir, 'temporal-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    opts.cliPath,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(opts.port),
      '--ui-port',
      String(opts.uiPort),
      '--namespace',
      namespace,
      '--db-filename',
      path.join(opts.dataDir, 'temporal.sqlite'),
      '--search-attribute',
      `${stageSearchAttribute.name}=Keyword`,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${opts.port}`;

  try {
    await Promise.race([
      waitUntilServing(address, namespace),
      exited.then((code) => {
        throw new Error(`the Temporal dev server exited (code ${code}) while starting; see ${logFile}`);
      }),
    ]);
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

/** Ready means the namespace answers, not just the port: after a restart on SQLite it can lag. */
async function waitUntilServing(address: string, namespace: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `the Temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS / 1000} s: ${String(lastError)}`,
  );
}

/** SIGINT first, as Ctrl-C would: SIGKILL risks the SQLite state the next start resumes from. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
  await exited;
  clearTimeout(timer);
}

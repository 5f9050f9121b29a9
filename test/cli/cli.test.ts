// The `deepdive` CLI against the real parts (as test/api/audits.test.ts): the Temporal dev server, a
// worker, a real database and the API served on a loopback port. Commands run in-process through
// `run(argv, io)`; one test spawns the built binary.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { type Io, run } from '../../scripts/cli';
import { readSecret } from '../../scripts/cli/prompt';
import { useAppBed } from '../support/app-bed';
import { eventually } from '../support/http';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'docs/examples');
const ENV_KEY = 'cli-test-bu-key-0123456789abcdef';

const { bed, http } = useAppBed({ temporal: 'dev', keys: { bu: ENV_KEY } });
let tmp: string;
let buKey: string;

/** The CLI in-process, pointed at this file's API, database client and a scratch folder. */
async function cli(argv: string[], extraEnv: NodeJS.ProcessEnv = {}, extraIo: Pick<Io, 'promptSecret'> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { DEEP_DIVE_API: http.base, DEEP_DIVE_API_KEY: buKey, ...extraEnv },
    cwd: tmp,
    db: bed.db,
    ...extraIo,
  });
  return { code, stdout, stderr };
}

const write = (name: string, lines: string[]) => {
  fs.writeFileSync(path.join(tmp, name), lines.join('\n') + '\n');
  return name;
};

const agencyCount = async () => bed.db.agency.count();
const auditCount = async () => bed.db.audit.count();
const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600 * 1000).toISOString().slice(0, 10);

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deepdive-cli-'));
  // Every command below runs with a key the CLI itself created.
  const created = await cli(['keys', 'create', '--role', 'business_unit', '--name', 'CLI tests', '--json']);
  expect(created).toMatchObject({ code: 0, stderr: '' });
  buKey = JSON.parse(created.stdout).key;
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('--help', () => {
  it('lists the commands, with an example', async () => {
    const res = await cli(['--help']);
    expect(res.code).toBe(0);
    for (const command of ['agencies', 'audits', 'keys']) expect(res.stdout).toContain(command);
    expect(res.stdout).toContain('Example:');
  });

  it.each([
    [
      ['agencies', 'import'],
      ['name,type,contactEmail,leadEmail', '--dry-run', '--api <url>', '--key <key>'],
    ],
    [
      ['audits', 'start'],
      [
        '--focus <text>',
        '--focus-source <source>',
        'practice_review',
        '--cohort-size <n>',
        'caseRef,serviceLevel,childName',
      ],
    ],
    [['audits', 'list'], ['--json']],
    [
      ['audits', 'show'],
      ['<id>', '--json'],
    ],
    [
      ['keys', 'create'],
      ['--role <role>', 'business_unit', '--name <label>', 'DATABASE_URL'],
    ],
    [['keys', 'list'], ['DATABASE_URL']],
    [['keys', 'revoke'], ['<id>']],
    [
      ['staff', 'add'],
      ['--email <address>', '--role <role>', 'business_unit', 'DATABASE_URL'],
    ],
    [['staff', 'list'], ['--json']],
    [['staff', 'deactivate'], ['<id>']],
  ])('%j explains itself with an example', async (command, expected) => {
    const res = await cli([...command, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: deepdive ${command.join(' ')}`);
    expect(res.stdout).toContain('Example:');
    for (const text of expected) expect(res.stdout).toContain(text);
  });

  it('refuses an unknown command or a missing option with a non-zero exit', async () => {
    const unknown = await cli(['audits', 'frobnicate']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const missing = await cli(['audits', 'start', 'x.csv', '--focus', 'Neglect']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--focus-source <source>' not specified");
  });
});

describe('agencies import', () => {
  it('creates the agencies of a CSV file, and a second import changes nothing', async () => {
    const file = path.join(EXAMPLES, 'agencies.csv');
    const res = await cli(['agencies', 'import', file]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('5 created');
    const agencies = await bed.db.agency.findMany({ orderBy: { name: 'asc' } });
    expect(agencies.map((a) => a.name)).toEqual([
      'Children and Families Service',
      'Early Help Hub',
      'Harrogate Health Trust',
      'North Yorkshire Police',
      'Riverside Academy Trust',
    ]);
    expect(agencies.find((a) => a.name === 'North Yorkshire Police')).toMatchObject({
      type: 'police',
      contactEmail: 'audits@police.example',
      leadEmail: 'lead@police.example',
    });
    // Through the API: its audit trail names the CLI's key.
    const trail = await bed.db.auditTrailEntry.findMany({ where: { action: 'agency.created' } });
    expect(trail).toHaveLength(5);
    expect(trail[0]!.actor).toMatch(/^key:business_unit:[0-9a-f]{8}$/);

    const again = await cli(['agencies', 'import', file, '--json']);
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.agencies.map((a: { action: string }) => a.action)).toEqual(Array(5).fill('unchanged'));
    expect(await agencyCount()).toBe(5);
  });

  it('upserts by name: a changed agency is updated (or, without PATCH on the server, nothing is imported)', async () => {
    const file = write('changed.csv', [
      'name,type,contactEmail,leadEmail',
      'North Yorkshire Police,police,new-audits@police.example,lead@police.example',
      'Youth Justice Service,youth_justice,audits@yjs.example,lead@yjs.example',
    ]);
    const dry = await cli(['agencies', 'import', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/North Yorkshire Police.*would update/);
    expect(dry.stdout).toMatch(/Youth Justice Service.*would create/);
    expect(await agencyCount()).toBe(5);

    const res = await cli(['agencies', 'import', file]);
    const police = () => bed.db.agency.findUniqueOrThrow({ where: { name: 'North Yorkshire Police' } });
    if (res.code === 0) {
      expect(res.stdout).toContain('1 updated');
      expect((await police()).contactEmail).toBe('new-audits@police.example');
      expect(await agencyCount()).toBe(6);
    } else {
      expect(res.stderr).toContain('cannot update agencies');
      expect(res.stderr).toContain('Nothing was imported');
      expect((await police()).contactEmail).toBe('audits@police.example');
      expect(await agencyCount()).toBe(5);

      const createOnly = await cli(['agencies', 'import', file, '--no-update']);
      expect(createOnly.code).toBe(0);
      expect(createOnly.stdout).toMatch(/North Yorkshire Police.*skipped/);
      expect(createOnly.stdout).toMatch(/Youth Justice Service.*created/);
      expect(await agencyCount()).toBe(6);
    }
  });

  it('refuses a bad CSV naming the line, the column and the zod message; nothing is imported', async () => {
    const before = await agencyCount();
    const file = write('bad-agencies.csv', [
      'name,type,contactEmail,leadEmail',
      'Valid Agency,health,a@health.example,b@health.example',
      'Bad Email Agency,police,not-an-email,lead@police.example',
      'Bad Type Agency,fire_brigade,a@fire.example,b@fire.example',
      ',other,a@other.example,b@other.example',
    ]);
    const res = await cli(['agencies', 'import', file]);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('bad-agencies.csv: 3 problems; nothing was imported.');
    expect(res.stderr).toMatch(/bad-agencies\.csv line 3, column contactEmail: Invalid email address/);
    expect(res.stderr).toMatch(/bad-agencies\.csv line 4, column type: Invalid option: expected one of "police"/);
    expect(res.stderr).toMatch(/bad-agencies\.csv line 5, column name: Too small/);
    expect(await agencyCount()).toBe(before);
  });

  it('refuses a malformed file with the line of the fault', async () => {
    const ragged = write('ragged.csv', [
      'name,type,contactEmail,leadEmail',
      'One,police,a@x.example,b@x.example',
      'Two,police,a@x.example',
    ]);
    const res = await cli(['agencies', 'import', ragged]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/ragged\.csv line 3: Invalid Record Length/);

    const columns = write('columns.csv', ['name,kind,contactEmail', 'One,police,a@x.example']);
    const wrong = await cli(['agencies', 'import', columns]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('columns.csv line 1, column kind: unknown column');
    expect(wrong.stderr).toContain('columns.csv line 1, column type: missing column');
    expect(wrong.stderr).toContain('columns.csv line 1, column leadEmail: missing column');

    const missing = await cli(['agencies', 'import', 'no-such.csv']);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no-such.csv: no such file') });
  });

  it('prints the API refusing a key readably', async () => {
    const manager = await cli(['keys', 'create', '--role', 'manager', '--name', 'manager', '--json']);
    const key = JSON.parse(manager.stdout).key;
    const file = write('one-more.csv', [
      'name,type,contactEmail,leadEmail',
      'Probation Service,probation,audits@probation.example,lead@probation.example',
    ]);
    const res = await cli(['agencies', 'import', file, '--key', key]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('This needs the role business_unit');
    expect(res.stderr).toContain('403');

    const wrong = await cli(['audits', 'list', '--key', 'not-a-valid-key-0123456789']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('The API key is not valid');
    expect(wrong.stderr).toContain('401');
  });
});

describe('audits', () => {
  const HEADER = 'caseRef,serviceLevel,childName,childDateOfBirth,childLocalId,agencies,lastActivityAt';

  it('start from the example CSV (agency names) → 201, then `audits show` shows the stage', async () => {
    const res = await cli([
      'audits',
      'start',
      '--focus',
      'Child exploitation',
      '--focus-source',
      'business_plan_priority',
      '--cohort-size',
      '4',
      '--window-from',
      '2026-01-01',
      '--window-to',
      '2026-12-31',
      path.join(EXAMPLES, 'candidates.csv'),
    ]);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const id = /Audit started\s+([0-9a-f-]{36})/.exec(res.stdout)?.[1];
    expect(id).toBeDefined();
    expect(res.stdout).toContain('selection');
    expect(res.stdout).toContain(`deepdive audits show ${id}`);
    const audit = await bed.db.audit.findUniqueOrThrow({ where: { id }, include: { cases: true } });
    expect(audit.cases).toHaveLength(6);
    expect(audit.idempotencyKey).toMatch(/^cli-/);
    const police = await bed.db.agency.findUniqueOrThrow({ where: { name: 'North Yorkshire Police' } });
    expect(audit.cases.find((c) => c.caseRef === 'NYC-1004')?.agencyIds).toContain(police.id);

    const shown = await eventually(async () => {
      const r = await cli(['audits', 'show', id!]);
      return /Stage\s+invitations|Stage\s+awaiting_submissions/.test(r.stdout) ? r : undefined;
    }, 'the cohort draw');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Child exploitation (business_plan_priority)');
    expect(shown.stdout).toContain('Cohort (4 drawn)');
    expect(shown.stdout).toMatch(/NYC-100\d\s+\w+/);
    for (const name of ['Alex Example', 'Billie Sample', '2014-03-02']) expect(shown.stdout).not.toContain(name);

    const json = await cli(['audits', 'show', id!, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, workflowId: `audit-${id}`, stage: expect.any(String) });

    const list = await cli(['audits', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+(invitations|awaiting_submissions)`));
    expect(list.stdout).toContain('Child exploitation');
  });

  it('sends one Idempotency-Key: the same key and file return the same audit', async () => {
    const file = write('idem.csv', [HEADER, `IDEM-1,child_in_need,Ida Em,2015-02-03,,Early Help Hub,${daysAgo(10)}`]);
    const args = ['audits', 'start', '--focus', 'Neglect', '--focus-source', 'practice_concern', '--json'];
    const first = await cli([...args, '--idempotency-key', 'cli-test-1', file]);
    const second = await cli([...args, '--idempotency-key', 'cli-test-1', file]);
    expect(first.code).toBe(0);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
  });

  it('refuses a bad candidates CSV with every line and column; no audit is started', async () => {
    const before = await auditCount();
    const file = write('bad-candidates.csv', [
      HEADER,
      `C-1,child_in_need,Good Line,2014-03-02,,North Yorkshire Police,${daysAgo(5)}`,
      `C-2,adopted,Bad Level,2014-03-02,,North Yorkshire Police,${daysAgo(5)}`,
      `C-3,universal,Bad Date,2014-13-45,,North Yorkshire Police,${daysAgo(5)}`,
      `C-4,universal,Unknown Agency,2014-03-02,,Nowhere Agency;Early Help Hub,${daysAgo(5)}`,
      `C-1,universal,Duplicate,2014-03-02,,Early Help Hub,${daysAgo(5)}`,
      `C-6,universal,No Agencies,2014-03-02,,,${daysAgo(5)}`,
    ]);
    const res = await cli([
      'audits',
      'start',
      '--focus',
      'Neglect',
      '--focus-source',
      'practice_concern',
      '--window-from',
      '2026-01-01',
      file,
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    const err = res.stderr;
    expect(err).toContain('no audit was started');
    expect(err).toContain('--window-from/--window-to: give both');
    expect(err).toMatch(/bad-candidates\.csv line 3, column serviceLevel: Invalid option/);
    expect(err).toMatch(/bad-candidates\.csv line 4, column childDateOfBirth: Invalid ISO date/);
    expect(err).toContain('bad-candidates.csv line 5, column agencies: no agency named "Nowhere Agency"');
    expect(err).toContain('bad-candidates.csv line 6, column caseRef: duplicate caseRef C-1 (line 2)');
    expect(err).toMatch(/bad-candidates\.csv line 7, column agencies: Too small/);
    expect(err).not.toContain('line 2,');
    expect(await auditCount()).toBe(before);
  });

  it("prints the API's own zod refusals readably, placed in the file", async () => {
    const before = await auditCount();
    const unknownId = '0b5c8a9e-4f3c-4a0e-9d8f-0e1c2b3a4d5e';
    const file = write('unknown-id.csv', [HEADER, `U-1,universal,Una Known,2014-03-02,,${unknownId},${daysAgo(5)}`]);
    const args = ['audits', 'start', '--focus', 'Neglect', '--focus-source', 'practice_concern'];
    const res = await cli([...args, file]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('the API refused the audit: Some agencies are not in the directory.');
    expect(res.stderr).toContain(`unknown-id.csv line 2, column agencies: unknown agency ${unknownId}`);

    const old = write('old.csv', [HEADER, 'O-1,universal,Old Case,2010-03-02,,Early Help Hub,2001-01-01']);
    const stale = await cli([...args, old]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('No candidate was active inside the review window.');
    expect(stale.stderr).toMatch(/candidates: no lastActivityAt between/);
    expect(await auditCount()).toBe(before);
  });

  it('show refuses what is not an audit ID, and reports an unknown one', async () => {
    expect((await cli(['audits', 'show', 'nope'])).stderr).toContain('not an audit ID');
    const missing = await cli(['audits', 'show', '0b5c8a9e-4f3c-4a0e-9d8f-0e1c2b3a4d5e']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No such audit.');
  });
});

describe('the deepdive binary', () => {
  /** dist/scripts/cli.js when it is newer than the CLI's sources (CI builds first), else a build of our own. */
  async function binary(): Promise<string> {
    const built = path.join(ROOT, 'dist/scripts/cli.js');
    const dir = path.join(ROOT, 'scripts/cli');
    const sources = [path.join(ROOT, 'scripts/cli.ts'), ...fs.readdirSync(dir).map((f) => path.join(dir, f))];
    const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
    if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newest) return built;
    const outDir = path.join(ROOT, 'test-artifacts/cli-build');
    fs.rmSync(outDir, { recursive: true, force: true });
    // tsc exits non-zero on any type error in the tree, yet still emits: what counts is the file.
    const output = await new Promise<string>((resolve) => {
      const tsc = [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir];
      execFile(process.execPath, tsc, { cwd: ROOT }, (_err, stdout, stderr) => resolve(stdout + stderr));
    });
    const own = path.join(outDir, 'scripts/cli.js');
    if (!fs.existsSync(own)) throw new Error(`the build failed:\n${output}`);
    return own;
  }

  it('runs as a program: help, a refused file (exit 1), a listing over HTTP', async () => {
    const bin = await binary();
    expect(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    // Asynchronously: the API it calls is served by this process.
    const exec = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [bin, ...args],
          {
            cwd: tmp,
            env: { PATH: process.env.PATH, DEEP_DIVE_API: http.base, DEEP_DIVE_API_KEY: ENV_KEY },
            timeout: 30_000,
          },
          (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
        );
      });

    const help = await exec('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: deepdive');

    const bad = await exec(
      'agencies',
      'import',
      write('bin-bad.csv', ['name,type,contactEmail,leadEmail', 'X,police,nope,a@b.example']),
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('bin-bad.csv line 2, column contactEmail: Invalid email address');

    const list = await exec('audits', 'list', '--json');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
  });
});

describe('staff', () => {
  it('adds the first business-unit person, lists the directory, deactivates, and refuses a duplicate or a bad address', async () => {
    const added = await cli([
      'staff',
      'add',
      '--email',
      'Sam.Jones@Partnership.example',
      '--name',
      'Sam Jones',
      '--role',
      'business_unit',
    ]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const row = await bed.db.staff.findUniqueOrThrow({ where: { email: 'sam.jones@partnership.example' } });
    expect(row).toMatchObject({ name: 'Sam Jones', role: 'business_unit', active: true });
    expect(await bed.db.auditTrailEntry.count({ where: { actor: 'cli', action: 'staff.added' } })).toBe(1);

    const again = await cli([
      'staff',
      'add',
      '--email',
      'sam.jones@partnership.example',
      '--name',
      'Sam',
      '--role',
      'lis',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already in the staff directory');
    const bad = await cli(['staff', 'add', '--email', 'nobody', '--name', 'N', '--role', 'lis']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--email');

    const listed = await cli(['staff', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: row.id, active: true, role: 'business_unit' }),
    ]);
    const gone = await cli(['staff', 'deactivate', row.id]);
    expect(gone.code).toBe(0);
    expect((await bed.db.staff.findUniqueOrThrow({ where: { id: row.id } })).active).toBe(false);
  });
});

describe('keys', () => {
  /** The trail entries the CLI wrote about one key, oldest first. */
  const trailOf = (keyId: string) =>
    bed.db.auditTrailEntry.findMany({ where: { details: { path: ['keyId'], equals: keyId } }, orderBy: { id: 'asc' } });

  it('creating and revoking a key each go in the audit trail, by the CLI, naming the key but never showing it', async () => {
    const created = await cli(['keys', 'create', '--role', 'lis', '--name', 'LIS chair (Pat)', '--json']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { id, key } = JSON.parse(created.stdout);
    const { keyHash } = await bed.db.apiKey.findUniqueOrThrow({ where: { id } });

    const revoked = await cli(['keys', 'revoke', id]);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    // Revoking it again changes nothing, so the trail gains nothing.
    expect((await cli(['keys', 'revoke', id])).stdout).toContain('already revoked');

    const trail = await trailOf(id);
    const details = { keyId: id, role: 'lis', label: 'LIS chair (Pat)' };
    expect(trail).toEqual([
      expect.objectContaining({ auditId: null, actor: 'cli', action: 'api_key.created', details }),
      expect.objectContaining({ auditId: null, actor: 'cli', action: 'api_key.revoked', details }),
    ]);
    const written = JSON.stringify(trail, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(written).not.toContain(key);
    expect(written).not.toContain(keyHash);
    expect(written).not.toContain(keyHash.slice(0, 8));
  });
});

describe('the API key', () => {
  const noKey = { DEEP_DIVE_API_KEY: undefined };

  it('is asked for at a terminal when neither the environment nor --key gives it', async () => {
    const questions: string[] = [];
    const promptSecret = (question: string) => {
      questions.push(question);
      return Promise.resolve(buKey);
    };
    const res = await cli(['audits', 'list', '--json'], noKey, { promptSecret });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(questions).toEqual([expect.stringContaining('API key')]);
    // From the environment, nobody is asked.
    questions.length = 0;
    expect((await cli(['audits', 'list', '--json'], {}, { promptSecret })).code).toBe(0);
    expect(questions).toEqual([]);
  });

  it('missing, and no terminal to ask at (or no answer): says how to give one', async () => {
    const res = await cli(['audits', 'list'], noKey);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no API key: set DEEP_DIVE_API_KEY (or pass --key <key>)');
    const unanswered = await cli(['audits', 'list'], noKey, { promptSecret: () => Promise.resolve('') });
    expect(unanswered.stderr).toContain('no API key: set DEEP_DIVE_API_KEY');
  });

  it('is read at the terminal without echo: the question shows, the key never does', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const answer = readSecret('API key: ', input, output);
    input.write('typed-secret-key-0123456789\r');
    expect(await answer).toBe('typed-secret-key-0123456789');
    expect(shown).toBe('API key: \n');

    const closed = new PassThrough();
    const abandoned = readSecret('API key: ', closed, new PassThrough());
    closed.end();
    await expect(abandoned).rejects.toThrow('no API key given');
  });

  it('--help says the environment is safer than --key', async () => {
    const help = (await cli(['audits', 'list', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('default: $DEEP_DIVE_API_KEY, else asked for at a terminal without echo; safer than --key');
  });
});

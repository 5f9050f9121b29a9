// Stored API keys: created by `deepdive keys create` (run in-process here), kept as SHA-256 in the
// ApiKey table, accepted by the API with their role beside the keys of API_KEYS, refused once revoked.
import { hashKey, LAST_USED_RESOLUTION_MS } from '../../api/auth';
import { run } from '../../scripts/cli';
import { useAppBed } from '../support/app-bed';
import { eventually } from '../support/http';

const ENV_KEY = 'env-bu-key-0123456789abcdef';

// No Temporal server: the agency routes never reach it.
const { bed, http } = useAppBed({ keys: { bu: ENV_KEY } });

/** The CLI in-process, on this file's database client (PGlite serves one connection at a time). */
async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; ownDb?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: opts.env ?? {},
    db: opts.ownDb ? undefined : bed.db,
  });
  return { code, stdout, stderr };
}

async function createKey(role: string, name: string): Promise<{ id: string; key: string }> {
  const res = await cli(['keys', 'create', '--role', role, '--name', name, '--json']);
  expect(res).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(res.stdout);
}

const agency = (name: string) => ({
  name,
  type: 'police',
  contactEmail: 'audits@police.example',
  leadEmail: 'lead@police.example',
});

describe('keys created by the CLI', () => {
  it('prints the key once and keeps only its SHA-256', async () => {
    const res = await cli(['keys', 'create', '--role', 'business_unit', '--name', 'BU team']);
    expect(res.code).toBe(0);
    const key = /^ {2}([A-Za-z0-9_-]{43})$/m.exec(res.stdout)?.[1];
    expect(key).toBeDefined();
    expect(res.stdout).toContain('shown this once');
    const row = await bed.db.apiKey.findUnique({ where: { keyHash: hashKey(key!) } });
    expect(row).toMatchObject({ role: 'business_unit', name: 'BU team', revokedAt: null, lastUsedAt: null });
    expect(JSON.stringify(row)).not.toContain(key);
    expect(res.stdout).toContain(`key:business_unit:${row!.keyHash.slice(0, 8)}`);

    const listed = await cli(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(row!.id);
    expect(listed.stdout).toContain('BU team');
    expect(listed.stdout).not.toContain(key);
  });

  it('are written through DATABASE_URL when the CLI runs on its own', async () => {
    const res = await cli(['keys', 'create', '--role', 'lis', '--name', 'own connection', '--json'], {
      env: { DATABASE_URL: bed.dbUrl },
      ownDb: true,
    });
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const { id, key } = JSON.parse(res.stdout);
    expect(await bed.db.apiKey.findUnique({ where: { id } })).toMatchObject({ keyHash: hashKey(key) });
  });

  it('authenticate with their role, beside the keys of API_KEYS', async () => {
    const bu = await createKey('business_unit', 'BU laptop');
    const manager = await createKey('manager', 'Head of service');
    const lis = await createKey('lis', 'LIS chair');

    const created = await http.call('POST', '/api/agencies', { key: bu.key, body: agency('Stored Key Police') });
    expect(created.status).toBe(201);
    const trail = await bed.db.auditTrailEntry.findFirst({ where: { action: 'agency.created' } });
    expect(trail?.actor).toBe(`key:business_unit:${hashKey(bu.key).slice(0, 8)}`);

    expect((await http.call('GET', '/api/agencies', { key: manager.key })).status).toBe(200);
    expect(
      (await http.call('POST', '/api/agencies', { key: manager.key, body: agency('Managers May Not') })).body,
    ).toMatchObject({ error: { code: 'forbidden' } });
    expect((await http.call('GET', '/api/agencies', { key: lis.key })).status).toBe(403);

    expect((await http.call('GET', '/api/agencies', { key: ENV_KEY })).status).toBe(200);
    expect((await http.call('GET', '/api/agencies', { key: 'not-a-key-0123456789abcdef' })).status).toBe(401);
    expect((await http.call('GET', '/api/agencies', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });

  it('are refused with 401 once revoked, from the next request on', async () => {
    const { id, key } = await createKey('business_unit', 'to revoke');
    expect((await http.call('GET', '/api/agencies', { key })).status).toBe(200);

    const revoked = await cli(['keys', 'revoke', id]);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`Revoked key ${id}`) });
    const refused = await http.call('GET', '/api/agencies', { key });
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });

    expect((await cli(['keys', 'revoke', id])).stdout).toContain('already revoked');
    const listed = await cli(['keys', 'list', '--json']);
    expect(JSON.parse(listed.stdout).find((k: { id: string }) => k.id === id).revokedAt).toEqual(expect.any(String));
  });

  it('record their last use at most once a minute', async () => {
    const { id, key } = await createKey('manager', 'last used');
    expect((await http.call('GET', '/api/agencies', { key })).status).toBe(200);
    const first = await eventually(async () => {
      const row = await bed.db.apiKey.findUniqueOrThrow({ where: { id } });
      return row.lastUsedAt ?? undefined;
    }, 'lastUsedAt');

    await http.call('GET', '/api/agencies', { key });
    await new Promise((r) => setTimeout(r, 300));
    expect((await bed.db.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).toEqual(first);

    const longAgo = new Date(Date.now() - LAST_USED_RESOLUTION_MS - 1000);
    await bed.db.apiKey.update({ where: { id }, data: { lastUsedAt: longAgo } });
    await http.call('GET', '/api/agencies', { key });
    await eventually(async () => {
      const row = await bed.db.apiKey.findUniqueOrThrow({ where: { id } });
      return row.lastUsedAt!.getTime() > longAgo.getTime() ? row : undefined;
    }, 'a fresh lastUsedAt');
  });

  it('explain what is wrong with a keys command', async () => {
    const noDb = await cli(['keys', 'list'], { ownDb: true });
    expect(noDb.code).not.toBe(0);
    expect(noDb.stderr).toContain('DATABASE_URL is not set');

    const badRole = await cli(['keys', 'create', '--role', 'admin', '--name', 'x']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/--role.*admin.*business_unit/s);

    const noName = await cli(['keys', 'create', '--role', 'lis']);
    expect(noName.code).not.toBe(0);
    expect(noName.stderr).toContain("required option '--name <label>'");

    const unknown = await cli(['keys', 'revoke', '6f1d0c1e-2a47-4c55-9b0e-3f3a8c9d7e21']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no stored key') });
    const notAnId = await cli(['keys', 'revoke', 'nope']);
    expect(notAnId).toMatchObject({ code: 1, stderr: expect.stringContaining('not a key ID') });
  });
});

// The audit trail and the access log are append-only in the database itself: whoever connects — the
// service through Prisma, or a person with raw SQL — can add rows but never change or remove one, and an
// audit that has a trail cannot be deleted from under it. The retention purge keeps the trail whole.
import { retentionActivities } from '../../activities/retention';
import type { Db } from '../../infra/db';
import { migratedDatabase } from '../support/database';
import { insertAudit } from '../support/fixtures';

let database: Awaited<ReturnType<typeof migratedDatabase>>;
let db: Db;

beforeAll(async () => {
  database = await migratedDatabase();
  db = database.db;
});

afterAll(async () => {
  await database.drop();
});

async function auditWithTrail() {
  const { auditId } = await insertAudit(db);
  const started = await db.auditTrailEntry.create({
    data: { auditId, actor: 'key:business_unit:abc123', action: 'audit.started', details: { cohortSize: 4 } },
  });
  const viewed = await db.accessLogEntry.create({
    data: { auditId, actor: 'staff:s-1', actorName: 'Sam Jones', page: 'cohort', path: `/audits/${auditId}/cohort` },
  });
  return { auditId, started, viewed };
}

describe('the audit trail', () => {
  it('takes new entries, with or without an audit', async () => {
    const { auditId, started } = await auditWithTrail();
    await db.auditTrailEntry.create({ data: { auditId: null, actor: 'cli', action: 'api_key.created' } });
    expect(await db.auditTrailEntry.findUniqueOrThrow({ where: { id: started.id } })).toMatchObject({
      auditId,
      action: 'audit.started',
    });
  });

  it('refuses to change or remove an entry through Prisma', async () => {
    const { started } = await auditWithTrail();
    await expect(
      db.auditTrailEntry.update({ where: { id: started.id }, data: { action: 'audit.cancelled' } }),
    ).rejects.toThrow('"AuditTrailEntry" is append-only: UPDATE refused');
    await expect(db.auditTrailEntry.delete({ where: { id: started.id } })).rejects.toThrow(
      '"AuditTrailEntry" is append-only: DELETE refused',
    );
    await expect(db.auditTrailEntry.deleteMany({})).rejects.toThrow('"AuditTrailEntry" is append-only: DELETE refused');
    expect(await db.auditTrailEntry.findUniqueOrThrow({ where: { id: started.id } })).toEqual(started);
  });

  it('refuses to change, remove or truncate entries through raw SQL', async () => {
    const { started } = await auditWithTrail();
    await expect(
      db.$executeRawUnsafe(`UPDATE "AuditTrailEntry" SET actor = 'someone else' WHERE id = ${started.id}`),
    ).rejects.toThrow('"AuditTrailEntry" is append-only: UPDATE refused');
    await expect(db.$executeRawUnsafe(`DELETE FROM "AuditTrailEntry" WHERE id = ${started.id}`)).rejects.toThrow(
      '"AuditTrailEntry" is append-only: DELETE refused',
    );
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditTrailEntry"`)).rejects.toThrow(
      '"AuditTrailEntry" is append-only: TRUNCATE refused',
    );
    expect(await db.auditTrailEntry.findUniqueOrThrow({ where: { id: started.id } })).toEqual(started);
  });

  it('keeps its audit: an audit with a trail cannot be deleted', async () => {
    const { auditId } = await auditWithTrail();
    await expect(db.audit.delete({ where: { id: auditId } })).rejects.toMatchObject({ code: 'P2003' });
    await expect(db.$executeRawUnsafe(`DELETE FROM "Audit" WHERE id = '${auditId}'`)).rejects.toThrow(
      'AuditTrailEntry_auditId_fkey',
    );
    expect(await db.auditTrailEntry.count({ where: { auditId } })).toBe(1);
  });
});

describe('the access log', () => {
  it('takes new entries', async () => {
    const { auditId } = await auditWithTrail();
    await db.accessLogEntry.create({ data: { auditId, actor: 'link:respond:i-1', page: 'audit tool', path: '/x' } });
    expect(await db.accessLogEntry.count({ where: { auditId } })).toBe(2);
  });

  it('refuses to change or remove an entry through Prisma', async () => {
    const { viewed } = await auditWithTrail();
    await expect(db.accessLogEntry.update({ where: { id: viewed.id }, data: { actorName: 'Nobody' } })).rejects.toThrow(
      '"AccessLogEntry" is append-only: UPDATE refused',
    );
    await expect(db.accessLogEntry.delete({ where: { id: viewed.id } })).rejects.toThrow(
      '"AccessLogEntry" is append-only: DELETE refused',
    );
    expect(await db.accessLogEntry.findUniqueOrThrow({ where: { id: viewed.id } })).toEqual(viewed);
  });

  it('refuses to change, remove or truncate entries through raw SQL', async () => {
    const { viewed } = await auditWithTrail();
    await expect(
      db.$executeRawUnsafe(`UPDATE "AccessLogEntry" SET "actorName" = 'Nobody' WHERE id = ${viewed.id}`),
    ).rejects.toThrow('"AccessLogEntry" is append-only: UPDATE refused');
    await expect(db.$executeRawUnsafe(`DELETE FROM "AccessLogEntry" WHERE id = ${viewed.id}`)).rejects.toThrow(
      '"AccessLogEntry" is append-only: DELETE refused',
    );
    await expect(db.$executeRawUnsafe(`TRUNCATE "AccessLogEntry"`)).rejects.toThrow(
      '"AccessLogEntry" is append-only: TRUNCATE refused',
    );
    expect(await db.accessLogEntry.findUniqueOrThrow({ where: { id: viewed.id } })).toEqual(viewed);
  });
});

describe('the retention purge', () => {
  it('takes the identifiable data and leaves the trail and the access log as they were, adding its own entry', async () => {
    const { auditId, started, viewed } = await auditWithTrail();
    await retentionActivities({ db }).purgeIdentifiableData({ auditId });

    expect((await db.case.findMany({ where: { auditId } })).every((c) => c.childName === null)).toBe(true);
    const trail = await db.auditTrailEntry.findMany({ where: { auditId }, orderBy: { id: 'asc' } });
    expect(trail).toEqual([started, expect.objectContaining({ actor: 'system', action: 'retention.purged' })]);
    expect(await db.accessLogEntry.findMany({ where: { auditId } })).toEqual([viewed]);
  });
});

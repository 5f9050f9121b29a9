import { EMBEDDED_POOL_MAX } from '../../dev/database';
import { createDb, type Db } from '../../infra/db';
import { migrateDeploy } from '../../infra/migrate';
import { freshDatabase } from './fresh-database';

/** A fresh database with the project's migrations applied through the real `prisma migrate deploy`. */
export async function migratedDatabase(): Promise<{ url: string; db: Db; drop(): Promise<void> }> {
  const fresh = await freshDatabase();
  await migrateDeploy(fresh.url);
  const db = createDb(fresh.url, { poolMax: process.env.TEST_DATABASE_URL ? 5 : EMBEDDED_POOL_MAX });
  return {
    url: fresh.url,
    db,
    drop: async () => {
      await db.$disconnect();
      await fresh.drop();
    },
  };
}

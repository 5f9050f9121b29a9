import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client';

export type Db = PrismaClient;

/**
 * Prisma Client over node-postgres. `poolMax` is 1 for the embedded database, which cannot serve two
 * connections safely.
 */
export function createDb(url: string, opts: { poolMax?: number; transactionMaxWaitMs?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: opts.poolMax ?? 10 });
  return new PrismaClient({
    adapter,
    ...(opts.transactionMaxWaitMs ? { transactionOptions: { maxWait: opts.transactionMaxWaitMs } } : {}),
  });
}

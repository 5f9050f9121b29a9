// How many SQL statements a process sends: node-postgres's Client#query, which Prisma's adapter and every
// transaction (BEGIN, COMMIT) go through, counted. A measurement only: the statements run unchanged.
import pg from 'pg';

let sent = 0;
let counting = false;

export function countQueries(): void {
  if (counting) return;
  counting = true;
  type Query = (this: pg.Client, ...args: unknown[]) => unknown;
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  prototype.query = function (...args) {
    sent++;
    return original.apply(this, args);
  };
}

export const queriesSent = (): number => sent;

// GET /healthz: each part Deep Dive needs, checked now, with a short timeout.
import { Router } from 'express';

export type HealthCheck = () => Promise<unknown>;
export interface HealthChecks {
  temporal: HealthCheck;
  database: HealthCheck;
  smtp: HealthCheck;
}

const TIMEOUT_MS = 3000;

async function probe(check: HealthCheck): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(checks: HealthChecks): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [temporal, database, smtp] = await Promise.all([
      probe(checks.temporal),
      probe(checks.database),
      probe(checks.smtp),
    ]);
    const status = temporal === 'ok' && database === 'ok' && smtp === 'ok' ? 'ok' : 'degraded';
    res.status(status === 'ok' ? 200 : 503).json({ status, temporal, database, smtp });
  });
  return router;
}

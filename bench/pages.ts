// Part 6 of `npm run bench` (`--only=pages`): the staff console's pages with many audits in the database.
// The audits are opened through the API as the business unit opens them (part 3's way), and some get
// actions as an LIS sign-off leaves them; then each page is asked for `requests` times, one request at a
// time over loopback with keep-alive, as a person signed in as the business unit, and the time to the
// last byte is recorded: on loopback that is the server's time to render plus a fraction of a millisecond.
import { staffSession } from '../test/support/staff-session';
import { auditBody, createAgencies, openAudits } from './audits';
import { type Latency, latencyOf, mapLimit, now } from './harness';
import type { Stack } from './stack';

export interface PagesOptions {
  audits: number;
  /** Audits that get `actionsPerAudit` open actions (as after sign-off), for the actions list. */
  auditsWithActions: number;
  actionsPerAudit: number;
  requests: number;
  say(line: string): void;
}

export interface PageTiming {
  path: string;
  status: number;
  bytes: number;
  latency: Latency;
}

export interface PagesResult {
  audits: number;
  actions: number;
  requests: number;
  openSeconds: number;
  pages: PageTiming[];
}

/** Open actions on the first `audits` audits, owned by their invited agencies, some overdue. */
async function addActions(stack: Stack, auditIds: string[], perAudit: number): Promise<number> {
  const invitations = await stack.db.invitation.findMany({
    where: { auditId: { in: auditIds } },
    select: { auditId: true, agencyId: true },
  });
  const owners = new Map(invitations.map((i) => [i.auditId, i.agencyId]));
  const day = 24 * 3600_000;
  const rows = auditIds.flatMap((auditId, a) =>
    Array.from({ length: perAudit }, (_, n) => ({
      auditId,
      number: n + 1,
      kind: n === 0 ? ('urgent_action' as const) : ('recommendation' as const),
      description: `Bench action ${n + 1} of audit ${a + 1}`,
      ownerAgencyId: owners.get(auditId)!,
      dueAt: new Date(Date.now() + (n - 1) * 30 * day),
      rag: (['red', 'amber', 'green'] as const)[n % 3],
    })),
  );
  await stack.db.action.createMany({ data: rows });
  return rows.length;
}

export async function pages(stack: Stack, opts: PagesOptions): Promise<PagesResult> {
  const taskQueue = 'bench-pages';
  const worker = await stack.forkWorker('real', taskQueue);
  const api = await stack.serveApi(stack.temporal, taskQueue);
  try {
    const agencies = await createAgencies(api.base, 8);
    opts.say(`  opening ${opts.audits} audits through the API`);
    const opened = now();
    const ids = await openAudits(
      api.base,
      stack.db,
      auditBody(agencies, { cases: 4, agenciesPerCase: 2 }),
      opts.audits,
    );
    const openSeconds = (now() - opened) / 1000;
    const actions = await addActions(stack, ids.slice(0, opts.auditsWithActions), opts.actionsPerAudit);
    // Signed in as the sign-in leaves a person: a session row and its signed cookie.
    const { cookie } = await staffSession(stack.db, stack.linkSecret, 'business_unit');
    const audit = ids[Math.floor(ids.length / 2)]!;
    const paths = [
      '/audits',
      '/audits?page=10',
      '/audits?attention=yes',
      `/audits/${audit}`,
      `/audits/${audit}/cohort`,
      `/audits/${audit}/invitations`,
      `/audits/${audit}/trail`,
      '/actions',
      '/agencies',
    ];
    const timings = await mapLimit(paths, 1, async (path) => {
      const get = async () => {
        const started = now();
        const res = await fetch(`${api.base}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
        const body = await res.arrayBuffer();
        return { ms: now() - started, status: res.status, bytes: body.byteLength };
      };
      for (let i = 0; i < 5; i++) await get(); // warm: templates compiled, query plans cached
      const samples: number[] = [];
      let last = { status: 0, bytes: 0 };
      for (let i = 0; i < opts.requests; i++) {
        const r = await get();
        samples.push(r.ms);
        last = r;
      }
      const latency = latencyOf(samples);
      opts.say(`  ${path}: ${last.status}, p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms`);
      return { path: path.replace(audit, ':id'), status: last.status, bytes: last.bytes, latency };
    });
    return { audits: ids.length, actions, requests: opts.requests, openSeconds, pages: timings };
  } finally {
    await api.close();
    await worker.stop();
  }
}

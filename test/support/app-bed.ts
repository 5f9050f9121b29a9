// The API test bed: the app (createApp) served on a loopback port over a fresh migrated database and,
// when asked, a Temporal server with an SMTP catcher and a worker running the real activities.
//
//   const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });
//
//   it('starts an audit', async () => {
//     const res = await http.call('POST', '/api/audits', { key: KEYS.bu, body: { ... } });
//     ...bed.db, bed.env.client, bed.catcher.messages()
//   });
//
// Options, all optional:
//   temporal       'dev' (the Temporal CLI dev server) or 'time-skipping'; unset: no Temporal server
//   worker         with `temporal`: an SMTP catcher and a worker on `taskQueue` (default true)
//   taskQueue      the worker's and the app's task queue (default TASK_QUEUE)
//   keys           the API keys the app accepts, by role (default KEYS: one for each role)
//   agencies       create the fixture AGENCIES through POST /api/agencies; their ids fill `agencyIds`
//   client         the app's Temporal client (default: the server's, else a stand-in that is never reached)
//   publicUrl      default PUBLIC_URL; linkRateLimit: as in createApp (default 60 a minute)
// useAppBed registers beforeAll/afterAll. `http` (call, base) and `agencyIds` may be kept at module level;
// `bed`'s fields (db, dbUrl, env, catcher) are set once beforeAll has run, so read them in tests and hooks.
// `serve(overrides)`, called in a later beforeAll, serves another app on the same database (e.g. over a
// stand-in client); the bed closes it.
import type { Client } from '@temporalio/client';
import { type AppDeps, createApp } from '../../api/app';
import { devMailRouter } from '../../api/dev-mail';
import type { Role } from '../../infra/config';
import { createLogger } from '../../infra/logger';
import { linkToken } from '../../infra/links';
import { createTransport } from '../../infra/mailer';
import { TASK_QUEUE } from '../../workflows/messages';
import { LINK_SECRET, PUBLIC_URL } from './activities';
import { realParts, type WorkerBed } from './audit-bed';
import { AGENCIES, candidates } from './fixtures';
import { eventually, serve } from './http';

/** One API key for each role; the default `keys`. */
export const KEYS = {
  bu: 'bu-key-0123456789abcdef',
  manager: 'manager-key-0123456789ab',
  lis: 'lis-key-0123456789abcdef',
};
export type Keys = Partial<typeof KEYS>;
const ROLE: Record<keyof typeof KEYS, Role> = { bu: 'business_unit', manager: 'manager', lis: 'lis' };

export type Served = Awaited<ReturnType<typeof serve>>;

/** What may differ between the apps of one bed. */
export interface AppOverrides {
  client?: Client;
  publicUrl?: string;
  linkRateLimit?: AppDeps['linkRateLimit'];
  /** Staff sign-in's provider and session settings (none: /sign-in answers 503). */
  oidc?: AppDeps['oidc'];
  session?: AppDeps['session'];
  /** Serve on this port (an OpenID provider's redirect URL must be known before the app listens). */
  port?: number;
  /** The links' life: their grace and contact, and the clock that ends them (a time-skipping server's). */
  links?: AppDeps['links'];
}

export interface AppBedOptions extends AppOverrides {
  temporal?: 'dev' | 'time-skipping';
  worker?: boolean;
  taskQueue?: string;
  keys?: Keys;
  agencies?: boolean;
}

export interface AppBed {
  /** The fields of the bed, set once beforeAll has run; env and catcher only when asked for. */
  bed: WorkerBed;
  /** The app: `call` speaks JSON to it, `base` is its address. */
  http: Pick<Served, 'call' | 'base'>;
  keys: Keys;
  /** With `agencies`: the ids of AGENCIES, in order, once beforeAll has run. */
  agencyIds: string[];
  /** Serves another app on the same database, the bed's options with `overrides`; closed with the bed. */
  serve(overrides: AppOverrides): Promise<Served>;
}

/** Registers beforeAll/afterAll for this file. */
export function useAppBed(opts: AppBedOptions = {}): AppBed {
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const keys = opts.keys ?? KEYS;
  const parts = realParts({ temporal: opts.temporal, workerOn: opts.worker === false ? undefined : taskQueue });
  const { bed } = parts;
  const agencyIds: string[] = [];
  const served: Served[] = [];
  let main: Served | undefined;
  const http = {
    get base() {
      return main!.base;
    },
    call: (...args: Parameters<Served['call']>) => main!.call(...args),
  };

  function app(overrides: AppOverrides) {
    const { client, publicUrl, linkRateLimit, oidc, session, links } = { ...opts, ...overrides };
    return createApp({
      config: {
        apiKeys: Object.entries(keys).map(([name, key]) => ({ role: ROLE[name as keyof typeof KEYS], key })),
        allowCompressedTimelines: false,
        temporal: { address: undefined, namespace: 'default', taskQueue },
        publicUrl: publicUrl ?? PUBLIC_URL,
      },
      db: bed.db,
      // Without a server the app's routes under test never reach Temporal.
      temporal: client ?? bed.env?.client ?? ({} as Client),
      log: createLogger('silent'),
      transport: bed.catcher ? createTransport(bed.catcher.url) : { verify: () => Promise.resolve(true) },
      devMail: bed.catcher && devMailRouter(bed.catcher),
      linkSecret: LINK_SECRET,
      linkRateLimit,
      oidc,
      session,
      links,
    });
  }

  async function serveApp(overrides: AppOverrides): Promise<Served> {
    const server = await serve(app(overrides), overrides.port);
    served.push(server);
    return server;
  }

  beforeAll(async () => {
    await parts.start();
    main = await serveApp({});
    if (!opts.agencies) return;
    for (const agency of AGENCIES) {
      const res = await http.call('POST', '/api/agencies', { key: keys.bu, body: agency });
      expect(res.status).toBe(201);
      agencyIds.push(res.body.id);
    }
  });

  afterAll(async () => {
    await Promise.all(served.map((server) => server.close()));
    await parts.stop();
  });

  return { bed, http, keys, agencyIds, serve: serveApp };
}

/** The audit as `GET /api/audits/:id` shows it, once it has reached `stage` (within 30 s). */
export function untilApiStage(http: Pick<Served, 'call'>, id: string, stage: string) {
  return eventually(
    async () => {
      const res = await http.call('GET', `/api/audits/${id}`, { key: KEYS.manager });
      return res.body.stage === stage ? res.body : undefined;
    },
    `stage ${stage}`,
    30_000,
  );
}

/** An audit of the fixture candidates started over the API, once its cohort of `cohortSize` is drawn. */
export async function startDrawnAudit(http: Pick<Served, 'call'>, agencyIds: string[], cohortSize = 2) {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: {
      focus: 'Child exploitation',
      focusSource: 'business_plan_priority',
      cohortSize,
      candidates: candidates(agencyIds),
    },
  });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  await untilApiStage(http, id, 'invitations');
  return id;
}

/** Every practitioner of a circulated version approves it through their emailed link. */
export async function approveEvery(http: Pick<Served, 'call'>, approvals: { id: string }[]): Promise<void> {
  for (const approval of approvals) {
    const token = linkToken(LINK_SECRET, `approve:${approval.id}`);
    await eventually(async () => {
      const res = await http.call('POST', `/approve/${token}`, { body: { decision: 'approve' } });
      return res.status === 200 ? res : undefined;
    }, 'the approval link');
  }
}

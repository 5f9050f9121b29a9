// Part 4 of `npm run bench`: how many events each workflow run holds, for the largest audit (10 cases ×
// 8 agencies: 80 invitations) carried through every stage over the API, with its actions followed up
// quarterly for three years (an owner's report every quarter, each action overdue in its third year),
// then closed, completed and purged. Years pass on Temporal's time-skipping test server (env.sleep), the
// defaults of the timeline untouched; the activities are the real ones, on the bench's database.
import { temporal as proto } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Stage } from '../domain/stages';
import { AREAS } from '../domain/schemas';
import { DEFAULT_TIMELINE, nthAfter } from '../domain/timeline';
import { loadEmailConfig } from '../emails';
import { linkToken, tokenHash } from '../infra/links';
import { createTransport } from '../infra/mailer';
import { actionWorkflowId, auditStateQuery, stageSearchAttribute } from '../workflows/messages';
import { auditBody, createAgencies, createAudit, invitationLinks, sendInvitations, submit, untilStage } from './audits';
import { expectStatus, http, mapLimit, waitFor } from './harness';
import { KEYS, PUBLIC_URL, type Stack } from './stack';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;

export interface HistoryOptions {
  cases: number;
  agenciesPerCase: number;
  /** Actions from the discussion, one per agency in turn (half urgent actions, half recommendations). */
  actions: number;
  /** Years of quarterly follow-up before the actions are closed. */
  years: number;
  say(line: string): void;
}

export interface HistoryResult {
  invitations: number;
  actions: number;
  quarters: number;
  /** The audit's one run: its events when it reached each milestone. */
  audit: { milestone: string; events: number }[];
  /** Each action's follow-up: events per run (a run continues as new after four quarters). */
  actionRuns: number[][];
  /** What the follow-up years added to the audit's run, per action and quarter, by event type. */
  followUp: { perActionQuarter: number; kinds: [string, number][] };
  /** The largest run of all. */
  maxEvents: number;
  seconds: number;
}

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

export async function history(stack: Stack, opts: HistoryOptions): Promise<HistoryResult> {
  const started = performance.now();
  const taskQueue = 'bench-history';
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: stack.testServerPath ? { executable: { type: 'existing-path', path: stack.testServerPath } } : {},
  });
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const transport = createTransport(stack.catcher.url);
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { [stageSearchAttribute.name]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: stack.bundles.real },
      activities: createActivities({
        db: stack.db,
        transport,
        mailFrom: 'Deep Dive <deep-dive@bench.test>',
        email: loadEmailConfig({}),
        publicUrl: PUBLIC_URL,
        linkSecret: stack.linkSecret,
        businessUnitEmail: 'business-unit@bench.test',
        partnershipManagerEmail: 'manager@bench.test',
        lisEmail: 'lis@bench.test',
      }),
    });
    running = worker.run();
    const api = await stack.serveApi(env.client, taskQueue);
    const { db } = stack;
    const call = <T>(method: string, path: string, status: number, body?: unknown, key?: string) =>
      expectStatus<T>(
        http(api.base, method, path, { key: key ?? KEYS.business_unit, body }),
        status,
        `${method} ${path}`,
      );

    const agencies = await createAgencies(api.base, opts.agenciesPerCase);
    const auditId = await createAudit(
      api.base,
      auditBody(agencies, { cases: opts.cases, agenciesPerCase: opts.agenciesPerCase }),
    );
    const audit = env.client.workflow.getHandle(`audit-${auditId}`);
    const milestones: HistoryResult['audit'] = [];
    const eventsOf = async (workflowId: string, runId?: string) =>
      (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    const milestone = async (name: string) => {
      milestones.push({ milestone: name, events: (await eventsOf(audit.workflowId)).length });
      opts.say(`    ${name}: ${milestones.at(-1)!.events} events`);
    };
    const stage = (s: Stage) => untilStage(db, [auditId], s, 120_000);
    /** Nothing in flight in these workflows: no activity, no workflow task. */
    const settled = (workflowIds: string[]) =>
      waitFor(
        async () => {
          for (const id of workflowIds) {
            const { raw } = await env.client.workflow.getHandle(id).describe();
            if (raw.pendingActivities?.length || raw.pendingWorkflowTask) return false;
          }
          return true;
        },
        'the workflows to settle',
        120_000,
        100,
      );

    // Selection → invitations → awaiting submissions.
    await stage('invitations');
    await sendInvitations(api.base, auditId);
    await stage('awaiting_submissions');
    await milestone('awaiting_submissions (invitations sent)');

    // Every agency submits over its emailed link → collation.
    const links = (await invitationLinks(db, stack.linkSecret, [auditId])).flat();
    await mapLimit(links, 8, (l) => submit(api.base, l.token));
    await stage('collation');
    await settled([audit.workflowId]);
    await milestone(`collation (${links.length} submissions)`);

    // The discussion in ten days; its outcome once held: the actions.
    const serverNow = () => env.currentTimeMs();
    const meeting = new Date((await serverNow()) + 10 * DAY);
    await call('POST', `/api/audits/${auditId}/discussion`, 200, { at: meeting.toISOString(), location: 'Room 4' });
    await stage('discussion');
    await settled([audit.workflowId]);
    await env.sleep(11 * DAY);
    const dueAt = new Date((await serverNow()) + 2 * 365 * DAY + 10 * DAY).toISOString().slice(0, 10);
    const items = Array.from({ length: opts.actions }, (_, k) => ({
      description: `Agree a shared chronology template (action ${k + 1}).`,
      ownerAgencyId: agencies[k % agencies.length]!,
      dueAt,
    }));
    const half = Math.ceil(items.length / 2);
    await call('POST', `/api/audits/${auditId}/discussion/outcome`, 201, {
      attendance: agencies.map((agencyId) => ({ agencyId, present: true })),
      findings: Object.fromEntries(AREAS.map((a) => [a, { grade: 'good', conclusions: 'Risk was recognised.' }])),
      urgentActions: items.slice(0, half),
      recommendations: items.slice(half),
      concerns: [],
    });
    await milestone('discussion outcome recorded');

    // Report → every practitioner approves over the emailed link → LIS sign-off → action follow-up.
    await stage('report');
    await call('POST', `/api/audits/${auditId}/report`, 201, {
      workingWell: ['Agencies shared information promptly when risk was first recognised.'],
      areasForDevelopment: ['Chronologies were not kept up to date.'],
      themes: ['Information sharing'],
      recommendations: ['Keep a single multi-agency chronology.'],
    });
    await stage('practitioner_approval');
    const approvals = await waitFor(async () => {
      const rows = await db.approval.findMany({
        where: { reportVersion: { auditId } },
        select: { id: true, tokenHash: true },
      });
      return rows.length > 0 && rows.every((r) => r.tokenHash) && rows;
    }, 'the approval requests to go');
    for (const approval of approvals) {
      const token = linkToken(stack.linkSecret, `approve:${approval.id}`);
      if (tokenHash(token) !== approval.tokenHash) throw new Error(`approval ${approval.id}: link not as emailed`);
      await call('POST', `/approve/${token}`, 200, { decision: 'approve' });
    }
    await stage('lis_signoff');
    await call('POST', `/api/audits/${auditId}/lis-decision`, 200, { decision: 'approved' }, KEYS.lis);
    await stage('action_follow_up');
    const following = await audit.query(auditStateQuery);
    const actionIds = following.actions.map((a) => a.actionId);
    const everyWorkflow = [audit.workflowId, ...actionIds.map(actionWorkflowId)];
    await settled(everyWorkflow);
    await milestone(`action_follow_up (${actionIds.length} actions started)`);

    // Quarters: each action's progress request goes, its owner reports over the link; overdue in year 3.
    const followUpFrom = milestones.at(-1)!.events;
    const from = new Date(following.followUpFrom!);
    const quarters = opts.years * 4;
    for (let q = 1; q <= quarters; q++) {
      const at = nthAfter(from, DEFAULT_TIMELINE.followUpInterval, q).getTime() + HOUR;
      await env.sleep(at - (await serverNow()));
      const requests = await waitFor(async () => {
        const rows = await db.actionProgress.findMany({
          where: { action: { auditId }, quarter: q },
          select: { id: true, tokenHash: true },
        });
        return rows.length === actionIds.length && rows.every((r) => r.tokenHash) && rows;
      }, `quarter ${q}'s progress requests`);
      await mapLimit(requests, 4, async (r) => {
        const token = linkToken(stack.linkSecret, `progress:${r.id}`);
        await call('POST', `/progress/${token}`, 200, {
          status: q === quarters ? 'complete' : 'green',
          update: 'On track.',
        });
      });
      await settled(everyWorkflow);
      if (q % 4 === 0) await milestone(`follow-up, year ${q / 4} done`);
    }

    const actionQuarters = Math.max(1, actionIds.length * quarters);
    const kinds = new Map<string, number>();
    for (const e of (await eventsOf(audit.workflowId)).slice(followUpFrom)) {
      const name = (proto.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace('EVENT_TYPE_', '');
      kinds.set(name, (kinds.get(name) ?? 0) + 1);
    }
    const followUp = {
      perActionQuarter: [...kinds.values()].reduce((a, b) => a + b, 0) / actionQuarters,
      kinds: [...kinds]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]): [string, number] => [k.toLowerCase(), n / actionQuarters]),
    };

    // Closed by the LIS → completed; a year later the identifiable data is purged and the run ends.
    for (const id of actionIds) await call('POST', `/api/actions/${id}/close`, 200, undefined, KEYS.lis);
    await stage('completed');
    await settled([audit.workflowId]);
    await milestone('completed');
    await audit.result(); // the time-skipping client skips the retention period
    await milestone('purged, run closed');

    // Each follow-up's runs, from its first (as the audit started it) along each continued-as-new.
    const auditEvents = await eventsOf(audit.workflowId);
    const actionRuns: number[][] = [];
    for (const started of auditEvents) {
      const child = started.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (!child?.workflowId?.startsWith('action-')) continue;
      const runs: number[] = [];
      for (let runId: string | undefined = child.runId ?? undefined; runId;) {
        const events: HistoryEvent[] = await eventsOf(child.workflowId, runId);
        runs.push(events.length);
        runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      actionRuns.push(runs);
    }
    await api.close();
    const maxEvents = Math.max(...milestones.map((m) => m.events), ...actionRuns.flat());
    return {
      invitations: links.length,
      actions: actionIds.length,
      quarters,
      audit: milestones,
      actionRuns,
      followUp,
      maxEvents,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    transport.close();
    await env.teardown();
  }
}

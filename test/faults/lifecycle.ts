// One audit driven through its whole lifecycle over HTTP, as its users would drive it, by the links in
// the emails the catcher caught: agencies, start, invitations, every audit tool (half by JSON, half by
// the HTML form with its CSRF token), the discussion a few seconds ahead and its outcome after it, a
// report, every practitioner's approval, the LIS's, each action's progress and its closure. Every step
// is retried while the API is unreachable or answers 503/429, as a client should; what the API
// acknowledged is recorded for the loss check.
import { STAGES, type Stage } from '../../domain/stages';
import { AREAS } from '../../domain/schemas';
import type { TimelineOverrides } from '../../domain/timeline';
import type { Http, Reply } from './http';
import type { Mailbox } from './mailbox';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 24 * 3600 * 1000;

// Short enough that an email lost to a kill mid-send (the outbox sends at most once) is followed by a
// reminder with the same link within two minutes; long enough that an audit driven promptly sees none.
export const FAULT_TIMELINE: TimelineOverrides = {
  submissionWindow: 'PT2M',
  hardCutOff: 'PT2M',
  approvalWindow: 'PT2M',
  acknowledgementWindow: 'PT1M',
  followUpInterval: 'PT15S',
  retention: 'PT15S',
};

export interface Keys {
  bu: string;
  manager: string;
  lis: string;
}

export interface Child {
  caseRef: string;
  name: string;
  dateOfBirth: string;
  localId: string;
}

export interface AuditRun {
  index: number;
  /** Unique to the run: in every name, address and the focus. */
  label: string;
  focus: string;
  scenario: string;
  children: Child[];
  agencies: { id?: string; name: string; type: string; contactEmail: string; leadEmail: string }[];
  /** Raise an urgent concern (POST /api/audits/:id/concerns) and acknowledge it by its emailed link. */
  concern: boolean;
  id?: string;
  /** Every link token this audit's people were sent and used. */
  tokens: Set<string>;
  /** The same, by kind of link (the fuzzer and the security checks use them). */
  links: Record<'respond' | 'approve' | 'progress' | 'acknowledge', string[]>;
  /** Stop early (fuzz and security targets): once the tools are out, or once actions await progress. */
  until?: 'submissions' | 'follow_up';
  /** The timeline this audit is started with, when not the driver's. */
  timeline?: TimelineOverrides;
  /** respond token → the childVoice it submitted (the check reads it back from the database). */
  submitted: Map<string, string>;
  actions: { id: string; number: number }[];
  /** When the driver first saw each stage (ms since the run started). */
  seen: Partial<Record<Stage, number>>;
  startedAt: number;
  finishedAt?: number;
  error?: string;
}

export interface Driver {
  http: Http;
  mail: Mailbox;
  keys: Keys;
  stages: StagePoller;
  timeline: TimelineOverrides;
  /** How far ahead of "now" the discussion is scheduled. */
  discussionLeadMs: number;
  /**
   * Called once every tool is in and the audit waits for the LIS, before the sign-off that starts its
   * retention clock: the submissions as stored, before the purge may take them.
   */
  beforeSignOff?: (run: AuditRun) => Promise<void>;
  /** The longest one audit may take. */
  timeoutMs: number;
}

const LEVELS = ['universal', 'early_help', 'child_in_need', 'child_protection', 'looked_after'] as const;
const FIRST = ['Zephyrine', 'Tobiah', 'Marisol', 'Evander', 'Quillon', 'Ottoline', 'Perpetua', 'Lysander'];

/** An audit's invented people: distinctive names, dates of birth and local ids, to search every log for. */
export function newRun(index: number, tag: string, scenario: string, concern = false): AuditRun {
  const label = `${tag}-${scenario}-${index}`;
  const children = [0, 1, 2].map((j) => ({
    caseRef: `FLT-${tag}-${scenario.slice(0, 3).toUpperCase()}-${index}-${j}`.toUpperCase(),
    name: `${FIRST[(index + j) % FIRST.length]} Quixfault${tag.replace(/[^a-z]/gi, '')}${index}${'abc'[j]}`,
    dateOfBirth: `201${2 + ((index + j) % 5)}-0${1 + ((index * 3 + j) % 9)}-${10 + ((index * 7 + j) % 18)}`,
    localId: `LID${tag.replace(/[^a-z0-9]/gi, '').toUpperCase()}${scenario.slice(0, 2).toUpperCase()}${index}${j}Q`,
  }));
  const agency = (type: string, short: string) => ({
    name: `Faults ${short} ${label}`,
    type,
    contactEmail: `audit-${short}-${label}@agency.example`.toLowerCase(),
    leadEmail: `lead-${short}-${label}@agency.example`.toLowerCase(),
  });
  return {
    index,
    label,
    focus: `Child exploitation (${label})`,
    scenario,
    children,
    agencies: [agency('police', 'police'), agency('health', 'health')],
    concern,
    tokens: new Set(),
    links: { respond: [], approve: [], progress: [], acknowledge: [] },
    submitted: new Map(),
    actions: [],
    seen: {},
    startedAt: Date.now(),
  };
}

/** One GET /api/audits for every audit being driven (the database's copy of each stage). */
export class StagePoller {
  private readonly stages = new Map<string, Stage>();
  private timer?: NodeJS.Timeout;
  private polling = false;
  lastError?: string;

  constructor(
    private readonly http: Http,
    private readonly key: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 400);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  stage(auditId: string): Stage | undefined {
    return this.stages.get(auditId);
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const res = await this.http.call('GET', '/api/audits', { key: this.key, timeoutMs: 10_000 });
      if (res.status === 200)
        for (const a of res.body as { id: string; stage: Stage }[]) this.stages.set(a.id, a.stage);
    } catch (err) {
      this.lastError = String(err);
    } finally {
      this.polling = false;
    }
  }
}

type Verdict = 'done' | 'retry' | 'fail';

/**
 * Sends until the API gives an answer `judge` accepts: while it is unreachable, or answers 503, 429 or
 * any other 5xx (counted by Http), the same request goes again.
 */
export async function persist(
  what: string,
  send: () => Promise<Reply>,
  judge: (r: Reply) => Verdict = (r) => (r.status < 300 ? 'done' : 'fail'),
  timeoutMs = 5 * 60_000,
): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (let attempt = 1; ; attempt++) {
    if (Date.now() > deadline) throw new Error(`${what}: no acceptable answer within ${timeoutMs} ms; last: ${last}`);
    let reply: Reply;
    try {
      reply = await send();
    } catch (err) {
      last = `no answer (${(err as Error).message})`;
      await sleep(Math.min(2000, 250 * attempt));
      continue;
    }
    last = `${reply.status} ${reply.text.slice(0, 300)}`;
    if (reply.status >= 500 || reply.status === 429) {
      const after = Number(reply.headers.get('retry-after'));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 5000) : 1000);
      continue;
    }
    const verdict = judge(reply);
    if (verdict === 'done') return reply;
    if (verdict === 'fail') throw new Error(`${what}: ${last}`);
    await sleep(1000);
  }
}

const at = (stage: Stage) => STAGES.indexOf(stage);

async function waitStage(d: Driver, run: AuditRun, stage: Stage): Promise<void> {
  const deadline = run.startedAt + d.timeoutMs;
  for (;;) {
    const now = d.stages.stage(run.id!);
    if (now) run.seen[now] ??= Date.now() - run.startedAt;
    if (now === 'cancelled') throw new Error(`audit ${run.label} was cancelled`);
    if (now && at(now) >= at(stage)) return;
    if (Date.now() > deadline)
      throw new Error(`audit ${run.label}: still ${now} after ${d.timeoutMs} ms (waiting for ${stage})`);
    await sleep(250);
  }
}

/** Polls until `probe` returns something (the emails of a step arrive once the worker has sent them). */
async function eventually<T>(
  d: Driver,
  run: AuditRun,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
) {
  const deadline = run.startedAt + d.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`audit ${run.label}: timed out waiting for ${what}`);
    await sleep(300);
  }
}

/** The client address of one person: each agency's practitioners come from their own network. */
const ipOf = (run: AuditRun, who: number) => `10.${run.scenario.length}.${run.index % 250}.${10 + who}`;

async function auditState(d: Driver, run: AuditRun): Promise<any> {
  const res = await persist(`GET audit ${run.label}`, () =>
    d.http.call('GET', `/api/audits/${run.id}`, { key: d.keys.manager, timeoutMs: 30_000 }),
  );
  return res.body;
}

export async function driveAudit(d: Driver, run: AuditRun): Promise<void> {
  run.startedAt = Date.now();
  try {
    await createAgencies(d, run);
    await startAudit(d, run);
    await waitStage(d, run, 'invitations');
    await sendInvitations(d, run);
    await waitStage(d, run, 'awaiting_submissions');
    await scheduleDiscussion(d, run);
    if (run.concern) await raiseConcern(d, run);
    if (run.until === 'submissions') {
      await respondLinks(d, run);
      if (run.concern) await acknowledgeLinks(d, run);
      run.finishedAt = Date.now();
      return;
    }
    await submitTools(d, run);
    if (run.concern) await acknowledgeConcerns(d, run);
    await waitStage(d, run, 'discussion');
    await recordOutcome(d, run);
    await waitStage(d, run, 'report');
    await submitReport(d, run);
    await waitStage(d, run, 'practitioner_approval');
    await approveReport(d, run);
    await waitStage(d, run, 'lis_signoff');
    if (d.beforeSignOff) await d.beforeSignOff(run);
    await signOff(d, run);
    await waitStage(d, run, 'action_follow_up');
    await briefing(d, run);
    if (run.until === 'follow_up') {
      await progressLinks(d, run);
      run.finishedAt = Date.now();
      return;
    }
    await followUpActions(d, run);
    await waitStage(d, run, 'completed');
    run.finishedAt = Date.now();
  } catch (err) {
    run.error = (err as Error).message;
    throw err;
  }
}

async function createAgencies(d: Driver, run: AuditRun): Promise<void> {
  for (const agency of run.agencies) {
    const { id: _id, ...body } = agency;
    const res = await persist(
      `POST /api/agencies ${agency.name}`,
      () => d.http.call('POST', '/api/agencies', { key: d.keys.bu, body }),
      // A retry after a lost answer finds the agency made by the first attempt.
      (r) => (r.status === 201 || (r.status === 409 && r.body?.error?.code === 'already_exists') ? 'done' : 'fail'),
    );
    agency.id = res.status === 201 ? res.body.id : res.body.error.details.id;
    if (res.status === 201) d.http.acknowledge('agency', 'POST', '/api/agencies', res.status, { agencyId: agency.id });
  }
}

async function startAudit(d: Driver, run: AuditRun): Promise<void> {
  const now = Date.now();
  const body = {
    focus: run.focus,
    focusSource: 'practice_concern',
    cohortSize: 2,
    candidates: run.children.map((c, j) => ({
      caseRef: c.caseRef,
      serviceLevel: LEVELS[(run.index + j) % LEVELS.length],
      child: { name: c.name, dateOfBirth: c.dateOfBirth, localId: c.localId },
      agencyIds: run.agencies.map((a) => a.id!),
      lastActivityAt: new Date(now - (10 + j) * DAY).toISOString().slice(0, 10),
    })),
    timeline: run.timeline ?? d.timeline,
  };
  const res = await persist(`POST /api/audits ${run.label}`, () =>
    d.http.call('POST', '/api/audits', { key: d.keys.bu, body, headers: { 'idempotency-key': `faults-${run.label}` } }),
  );
  run.id = res.body.id;
  d.http.acknowledge('audit', 'POST', '/api/audits', res.status, { auditId: run.id, focus: run.focus });
}

async function sendInvitations(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/invitations/send`;
  const res = await persist(
    `send invitations ${run.label}`,
    () => d.http.call('POST', path, { key: d.keys.bu }),
    // 409: a first attempt whose answer was lost has sent them already.
    (r) => (r.status === 202 || (r.status === 409 && r.body?.error?.code === 'wrong_stage') ? 'done' : 'fail'),
  );
  if (res.status === 202) d.http.acknowledge('invitations_sent', 'POST', path, res.status, { auditId: run.id });
}

async function scheduleDiscussion(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/discussion`;
  const at = new Date(Date.now() + d.discussionLeadMs).toISOString();
  const res = await persist(`schedule discussion ${run.label}`, () =>
    d.http.call('POST', path, { key: d.keys.bu, body: { at, location: 'Room 4, County Hall' } }),
  );
  d.http.acknowledge('discussion', 'POST', path, res.status, { auditId: run.id, at });
}

async function raiseConcern(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/concerns`;
  const child = run.children[0]!;
  const res = await persist(`raise concern ${run.label}`, () =>
    d.http.call('POST', path, {
      key: d.keys.bu,
      body: {
        agencyId: run.agencies[0]!.id,
        caseRef: child.caseRef,
        description: `${child.name} was seen with an adult not known to the family`,
      },
    }),
  );
  d.http.acknowledge('concern', 'POST', path, res.status, { escalationId: res.body.id });
}

async function acknowledgeLinks(d: Driver, run: AuditRun): Promise<string[]> {
  const leads = run.agencies.map((a) => a.leadEmail);
  const tokens = await eventually(d, run, 'the acknowledgement email', () => {
    const found = d.mail.links('acknowledge', leads);
    return found.length ? found : undefined;
  });
  run.links.acknowledge = tokens;
  return tokens;
}

/** Every acknowledgement link the agency leads were sent (a retried concern may have made two). */
async function acknowledgeConcerns(d: Driver, run: AuditRun): Promise<void> {
  for (const token of await acknowledgeLinks(d, run)) {
    run.tokens.add(token);
    const ip = ipOf(run, 9);
    const view = await persist(`GET /acknowledge ${run.label}`, () =>
      d.http.call('GET', `/acknowledge/${token}`, { ip }),
    );
    if (view.body.acknowledged) continue;
    const res = await persist(
      `acknowledge ${run.label}`,
      () =>
        d.http.call('POST', `/acknowledge/${token}`, {
          ip,
          body: { name: 'A. Lead', actionTaken: 'Strategy meeting held' },
        }),
      (r) => (r.status === 200 || (r.status === 409 && r.body?.error?.code === 'already_done') ? 'done' : 'fail'),
    );
    if (res.status === 200) d.http.acknowledge('acknowledgement', 'POST', '/acknowledge/:token', res.status, { token });
  }
}

function toolContent(childName: string, token: string) {
  const sections = Object.fromEntries(
    AREAS.map((area) => [
      area,
      {
        goodPractice: `Timely strategy meeting (${area})`,
        areasForDevelopment: 'Chronology not kept up to date',
        recommendations: 'Keep a single chronology',
        grade: 'good',
        rationale: 'Risk was recognised and acted on',
      },
    ]),
  );
  // Names the child, so that any copy of it in a log is a leak of an identifier.
  return { sections, childVoice: `${childName} told the school nurse she felt safe (${token.slice(0, 6)})` };
}

/** Every invitation's link, once its email (or a reminder with the same link) has been caught. */
async function respondLinks(d: Driver, run: AuditRun): Promise<string[]> {
  const state = await eventually(d, run, 'the invitations', async () => {
    const s = await auditState(d, run);
    return s.invitations?.length ? s : undefined;
  });
  const expected: number = state.invitations.length;
  const contacts = run.agencies.map((a) => a.contactEmail);
  const tokens = await eventually(d, run, `${expected} invitation emails`, () => {
    const found = d.mail.links('respond', contacts);
    return found.length >= expected ? found : undefined;
  });
  run.links.respond = tokens;
  return tokens;
}

async function submitTools(d: Driver, run: AuditRun): Promise<void> {
  const tokens = await respondLinks(d, run);
  for (const [i, token] of tokens.entries()) {
    run.tokens.add(token);
    const ip = ipOf(run, i);
    const view = await persist(`GET /respond ${run.label}`, () => d.http.call('GET', `/respond/${token}`, { ip }));
    if (view.body.audit?.title !== run.focus) throw new Error(`a respond link of ${run.label} opened another audit`);
    const child = run.children.find((c) => c.caseRef === view.body.case.caseRef);
    if (!child) throw new Error(`a respond link of ${run.label} shows a child outside its cohort`);
    const content = toolContent(child.name, token);
    if (view.body.submittedAt) {
      run.submitted.set(token, content.childVoice);
      continue;
    }
    // Half by JSON, half by the HTML form (with the CSRF token of its page), as a browser posts it.
    const reply = i % 2 === 0 ? await submitJson(d, token, ip, content) : await submitForm(d, token, ip, content);
    run.submitted.set(token, content.childVoice);
    if (reply)
      d.http.acknowledge('submission', 'POST', '/respond/:token', reply.status, {
        token,
        childVoice: content.childVoice,
      });
  }
}

const alreadySubmitted = (r: Reply) => r.status === 409 && r.body?.error?.code === 'already_submitted';

async function submitJson(d: Driver, token: string, ip: string, content: object): Promise<Reply | undefined> {
  const res = await persist(
    'POST /respond (JSON)',
    () => d.http.call('POST', `/respond/${token}`, { ip, body: { ...content, submit: true } }),
    (r) => ((r.status === 200 && r.body.submitted === true) || alreadySubmitted(r) ? 'done' : 'fail'),
  );
  return res.status === 200 ? res : undefined;
}

async function submitForm(
  d: Driver,
  token: string,
  ip: string,
  content: { sections: Record<string, Record<string, string>>; childVoice: string },
): Promise<Reply | undefined> {
  // A retry after an answer that never came (the API killed mid-request) may find the tool submitted by the
  // attempt that was lost: that is the submission done. On a first attempt the same page fails loudly.
  let attempts = 0;
  const submittedPage = (r: Reply) =>
    attempts > 1 && r.status === 200 && r.text.includes('This audit tool has been submitted');
  const res = await persist(
    'POST /respond (form)',
    async () => {
      attempts++;
      const page = await d.http.call('GET', `/respond/${token}`, { ip, accept: 'text/html' });
      if (page.status !== 200) return page;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
      if (!csrf) return page; // a submitted tool's page has no form: the judge decides (submittedPage)
      const form: Record<string, string> = { _csrf: csrf, childVoice: content.childVoice, submit: 'true' };
      for (const [area, fields] of Object.entries(content.sections))
        for (const [field, value] of Object.entries(fields)) form[`sections[${area}][${field}]`] = value;
      return d.http.call('POST', `/respond/${token}`, { ip, form, accept: 'text/html' });
    },
    (r) =>
      (r.status === 303 && (r.headers.get('location') ?? '').includes('saved=submitted')) ||
      r.status === 409 ||
      submittedPage(r)
        ? 'done'
        : 'fail',
  );
  return res.status === 303 ? res : undefined;
}

async function recordOutcome(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/discussion/outcome`;
  const [a0, a1] = run.agencies.map((a) => a.id!);
  const due = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
  const body = {
    attendance: [
      { agencyId: a0, present: true },
      { agencyId: a1, present: true },
    ],
    findings: Object.fromEntries(
      AREAS.map((a) => [a, { grade: 'good', conclusions: 'Agencies worked together well' }]),
    ),
    urgentActions: [{ description: 'Hold a multi-agency chronology review', ownerAgencyId: a0, dueAt: due }],
    concerns: [],
    // One or two actions per audit.
    recommendations:
      run.index % 2 === 0
        ? [{ description: 'Train staff on the voice of the child', ownerAgencyId: a1, dueAt: due }]
        : [],
  };
  const res = await persist(
    `record outcome ${run.label}`,
    () => d.http.call('POST', path, { key: d.keys.bu, body }),
    (r) => {
      if (r.status === 201) return 'done';
      // The meeting is still to come (clock skew between here and the worker): try again shortly.
      if (r.status === 409 && /once it has been held/.test(r.body?.error?.message ?? '')) return 'retry';
      if (r.status === 409 && r.body?.error?.code === 'already_recorded') return 'done';
      return 'fail';
    },
  );
  if (res.status === 201) d.http.acknowledge('outcome', 'POST', path, res.status, { auditId: run.id });
}

async function submitReport(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/report`;
  const body = {
    workingWell: ['Agencies shared information promptly when risk was first recognised'],
    areasForDevelopment: ['Chronologies were not kept up to date'],
    themes: ['Information sharing'],
    recommendations: ['Keep a single multi-agency chronology'],
  };
  const res = await persist(
    `submit report ${run.label}`,
    () => d.http.call('POST', path, { key: d.keys.bu, body }),
    // 409 after a lost answer: the first version is already out for approval.
    (r) => (r.status === 201 || (r.status === 409 && r.body?.error?.code === 'wrong_stage') ? 'done' : 'fail'),
  );
  if (res.status === 201)
    d.http.acknowledge('report', 'POST', path, res.status, { auditId: run.id, reportVersionId: res.body.id });
}

async function approveReport(d: Driver, run: AuditRun): Promise<void> {
  const state = await auditState(d, run);
  const expected: number = state.reportVersions.at(-1).approvals.length;
  const contacts = run.agencies.map((a) => a.contactEmail);
  const tokens = await eventually(d, run, `${expected} approval emails`, () => {
    const found = d.mail.links('approve', contacts);
    return found.length >= expected ? found : undefined;
  });
  run.links.approve = tokens;
  for (const [i, token] of tokens.entries()) {
    run.tokens.add(token);
    const ip = ipOf(run, 20 + i);
    const view = await persist(`GET /approve ${run.label}`, () => d.http.call('GET', `/approve/${token}`, { ip }));
    if (view.body.audit?.title !== run.focus) throw new Error(`an approve link of ${run.label} opened another audit`);
    if (view.body.decision) continue;
    const res = await persist(
      `approve ${run.label}`,
      () => d.http.call('POST', `/approve/${token}`, { ip, body: { decision: 'approve' } }),
      (r) => (r.status === 200 || (r.status === 409 && r.body?.error?.code === 'already_done') ? 'done' : 'fail'),
    );
    if (res.status === 200) d.http.acknowledge('approval', 'POST', '/approve/:token', res.status, { token });
  }
}

async function signOff(d: Driver, run: AuditRun): Promise<void> {
  const path = `/api/audits/${run.id}/lis-decision`;
  const res = await persist(
    `LIS sign-off ${run.label}`,
    () => d.http.call('POST', path, { key: d.keys.lis, body: { decision: 'approved' } }),
    (r) => {
      if (r.status === 200) return 'done';
      // A first attempt whose answer was lost has moved the audit on.
      const stage = d.stages.stage(run.id!);
      if (r.status === 409 && stage && at(stage) > at('lis_signoff')) return 'done';
      return r.status === 409 ? 'retry' : 'fail';
    },
  );
  if (res.status === 200) d.http.acknowledge('lis_decision', 'POST', path, res.status, { auditId: run.id });
}

async function briefing(d: Driver, run: AuditRun): Promise<void> {
  const state = await eventually(d, run, 'the briefing URL', async () => {
    const s = await auditState(d, run);
    return s.briefingUrl ? s : undefined;
  });
  const path = new URL(state.briefingUrl).pathname;
  const page = await persist(`GET briefing ${run.label}`, () => d.http.call('GET', path, { accept: 'text/html' }));
  for (const child of run.children)
    if (page.text.includes(child.name)) throw new Error(`the briefing of ${run.label} names a child`);
  run.actions = state.actions.map((a: { id: string; number: number }) => ({ id: a.id, number: a.number }));
}

async function followUpActions(d: Driver, run: AuditRun): Promise<void> {
  const numberOf = new Map<string, number>();
  for (const action of run.actions) {
    const owner = await auditState(d, run).then(
      (s) => s.actions.find((a: { id: string }) => a.id === action.id).ownerAgencyId as string,
    );
    const contact = run.agencies.find((a) => a.id === owner)!.contactEmail;
    const ip = ipOf(run, 40 + action.number);
    // The quarter's request: a link for this action (the owner may own two: the page says which).
    const token = await eventually(d, run, `the progress request of action ${action.number}`, async () => {
      for (const t of d.mail.links('progress', [contact])) {
        if (!numberOf.has(t)) {
          const view = await persist('GET /progress', () => d.http.call('GET', `/progress/${t}`, { ip }));
          if (view.status === 200) numberOf.set(t, view.body.action.number);
        }
        if (numberOf.get(t) === action.number) return t;
      }
      return undefined;
    });
    run.tokens.add(token);
    run.links.progress.push(token);
    const res = await persist(
      `report progress ${run.label}`,
      () =>
        d.http.call('POST', `/progress/${token}`, {
          ip,
          body: { status: 'green', update: 'Chronology review held; on track', impactEvidence: 'Audit of ten files' },
        }),
      (r) => (r.status === 200 || (r.status === 409 && r.body?.error?.code === 'already_done') ? 'done' : 'fail'),
    );
    if (res.status === 200) d.http.acknowledge('progress', 'POST', '/progress/:token', res.status, { token });
    const path = `/api/actions/${action.id}/close`;
    const closed = await persist(
      `close action ${run.label}`,
      () => d.http.call('POST', path, { key: d.keys.lis }),
      // 409 after a lost answer: closed by the first attempt (already_closed), or closing (wrong_stage).
      (r) =>
        r.status === 200 || (r.status === 409 && ['already_closed', 'wrong_stage'].includes(r.body?.error?.code))
          ? 'done'
          : 'fail',
    );
    if (closed.status === 200)
      d.http.acknowledge('action_closed', 'POST', path, closed.status, { actionId: action.id });
  }
}

/** The first quarter's progress link of every action (left unanswered: the action stays open). */
async function progressLinks(d: Driver, run: AuditRun): Promise<void> {
  const contacts = run.agencies.map((a) => a.contactEmail);
  run.links.progress = await eventually(d, run, 'the progress requests', () => {
    const found = d.mail.links('progress', contacts);
    return found.length >= run.actions.length ? found : undefined;
  });
}

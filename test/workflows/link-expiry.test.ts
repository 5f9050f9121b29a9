// Each kind of emailed link expires on the time-skipping server: one audit runs its real workflow with the
// real activities and database, driven over HTTP through the app, whose links' clock is the server's. Each
// link opens its task before the task is over, still opens within the grace (LINK_GRACE's default, two
// days), and answers 410 `link_expired` once env.sleep has carried the clock past it — saying whom to ask
// and nothing about the child. The default timelines throughout; time is skipped, never shortened.
import { DEFAULT_LINK_LIFE } from '../../api/link-life';
import { linkToken } from '../../infra/links';
import { actionStateQuery, actionWorkflowId } from '../../workflows/messages';
import { LINK_SECRET } from '../support/activities';
import { approveEvery, KEYS, startDrawnAudit, untilApiStage, useAppBed } from '../support/app-bed';
import { eventually } from '../support/http';
import { submissionContent, SUBMISSION_TEXT } from '../support/lifecycle';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = DEFAULT_LINK_LIFE.graceMs;
const CONCERN = 'Zephyrine Quixleworth may be at immediate risk at home';

/** How far the time-skipping server's clock is ahead of this process's: moved on by each sleep. */
let skipped = 0;
const { bed, http, agencyIds } = useAppBed({
  temporal: 'time-skipping',
  agencies: true,
  links: { ...DEFAULT_LINK_LIFE, now: () => Date.now() + skipped },
});

const serverNow = async () => new Date(await bed.env.currentTimeMs());

/** Skips the server's clock by `ms`, and the links' clock with it. */
async function sleep(ms: number): Promise<void> {
  await bed.env.sleep(ms);
  skipped = (await bed.env.currentTimeMs()) - Date.now();
}

async function sleepUntil(at: Date): Promise<void> {
  const now = await bed.env.currentTimeMs();
  if (at.getTime() > now) await sleep(at.getTime() - now);
}

let auditId: string;
/** What would identify a cohort child: names, dates of birth, local identifiers, and what was typed about them. */
let identifying: string[];

beforeAll(async () => {
  skipped = (await bed.env.currentTimeMs()) - Date.now();
  auditId = await startDrawnAudit(http, agencyIds, 1);
  expect((await http.call('POST', `/api/audits/${auditId}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  await untilApiStage(http, auditId, 'awaiting_submissions');
  const cases = await bed.db.case.findMany({ where: { auditId, selectedAt: { not: null } } });
  identifying = [
    ...cases.flatMap((c) => [c.childName, c.childDob?.toISOString().slice(0, 10), c.childLocalId]),
    'Quixleworth',
    SUBMISSION_TEXT,
  ].filter((v): v is string => !!v);
});

const opens = async (path: string) => (await http.call('GET', path)).status;

/** 410 link_expired as JSON and as a page, naming the business unit's address and nothing about the child. */
async function expectExpired(path: string): Promise<void> {
  const json = await http.call('GET', path);
  expect(json).toMatchObject({ status: 410, body: { error: { code: 'link_expired' } } });
  expect(json.body.error.message).toContain(DEFAULT_LINK_LIFE.contactEmail);
  const page = await fetch(`${http.base}${path}`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(410);
  const html = await page.text();
  expect(html).toContain(DEFAULT_LINK_LIFE.contactEmail);
  for (const shown of [JSON.stringify(json.body), html]) {
    for (const text of identifying) expect(shown).not.toContain(text);
  }
}

/** Opens within the grace after `endedAt` (an hour short of it), then 410 an hour past it. */
async function expectGraceThenExpiry(path: string, endedAt: Date): Promise<void> {
  await sleepUntil(new Date(endedAt.getTime() + GRACE - HOUR));
  expect(await opens(path)).toBe(200);
  await sleepUntil(new Date(endedAt.getTime() + GRACE + HOUR));
  await expectExpired(path);
}

describe('each kind of emailed link expires once its task is over and the grace has passed', () => {
  it('an acknowledgement link, once acknowledged', async () => {
    const raised = await http.call('POST', `/api/audits/${auditId}/concerns`, {
      key: KEYS.bu,
      body: { agencyId: agencyIds[0], description: CONCERN },
    });
    expect(raised.status).toBe(201);
    identifying.push(CONCERN);
    const escalationId: string = raised.body.id;
    await eventually(async () => {
      const row = await bed.db.escalation.findUnique({ where: { id: escalationId } });
      return row?.tokenHash ?? undefined;
    }, 'the acknowledgement email');
    const path = `/acknowledge/${linkToken(LINK_SECRET, `acknowledge:${escalationId}`)}`;
    expect(await opens(path)).toBe(200);

    const acknowledged = await http.call('POST', path, {
      body: { name: 'A. Lead', actionTaken: 'Strategy meeting held the same day' },
    });
    expect(acknowledged.status).toBe(200);
    const { acknowledgedAt } = await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    expect(acknowledgedAt!.getTime()).toBeGreaterThanOrEqual((await serverNow()).getTime() - HOUR);
    await expectGraceThenExpiry(path, acknowledgedAt!);
  });

  let pack: string;
  let discussionAt: Date;

  it('an audit-tool link, once collation is over (the pack has gone out)', async () => {
    const invitations = await bed.db.invitation.findMany({ where: { auditId } });
    const paths = invitations.map((i) => `/respond/${linkToken(LINK_SECRET, `respond:${i.id}`)}`);
    for (const path of paths) expect(await opens(path)).toBe(200);
    const { sections, childVoice } = submissionContent();
    for (const path of paths) {
      expect((await http.call('POST', path, { body: { sections, childVoice, submit: true } })).status).toBe(200);
    }
    await untilApiStage(http, auditId, 'collation');
    // The discussion was held an hour ago: the pack goes out now, and the outcome may be recorded.
    discussionAt = new Date((await serverNow()).getTime() - HOUR);
    const scheduled = await http.call('POST', `/api/audits/${auditId}/discussion`, {
      key: KEYS.bu,
      body: { at: discussionAt.toISOString(), location: 'Room 4, County Hall' },
    });
    expect(scheduled.status).toBe(200);
    await untilApiStage(http, auditId, 'discussion');
    const { packCirculatedAt } = await bed.db.audit.findUniqueOrThrow({ where: { id: auditId } });
    // Still readable (the submitted tool, read-only) until the grace has passed.
    for (const path of paths) expect(await opens(path)).toBe(200);
    await expectGraceThenExpiry(paths[0]!, packCirculatedAt!);
    for (const path of paths.slice(1)) await expectExpired(path);
    pack = `/pack/${linkToken(LINK_SECRET, `pack:${auditId}:${invitations[0]!.agencyId}`)}`;
  });

  it('a pack link, a week after the discussion', async () => {
    expect(await opens(pack)).toBe(200);
    await expectGraceThenExpiry(pack, new Date(discussionAt.getTime() + 7 * DAY));
  });

  let actionId: string;

  it('an approval link, when its version is decided', async () => {
    const outcome = await http.call('POST', `/api/audits/${auditId}/discussion/outcome`, {
      key: KEYS.bu,
      body: {
        attendance: agencyIds.map((agencyId) => ({ agencyId, present: true })),
        findings: Object.fromEntries(
          Object.keys(submissionContent().sections).map((area) => [area, { grade: 'good', conclusions: 'Agreed' }]),
        ),
        urgentActions: [],
        concerns: [],
        // Due long after the quarters below, so that no overdue chase mixes in.
        recommendations: [{ description: 'Keep one chronology', ownerAgencyId: agencyIds[0], dueAt: '2030-06-30' }],
      },
    });
    expect(outcome.status).toBe(201);
    actionId = outcome.body.actions[0].id;
    await untilApiStage(http, auditId, 'report');
    const submitted = await http.call('POST', `/api/audits/${auditId}/report`, {
      key: KEYS.bu,
      body: {
        workingWell: ['Information was shared the same day once risk was recognised.'],
        areasForDevelopment: ['The voice of the child was not consistently recorded.'],
        themes: [],
        recommendations: ['All agencies to keep a single chronology.'],
      },
    });
    expect(submitted.status).toBe(201);
    const circulating = await untilApiStage(http, auditId, 'practitioner_approval');
    const [first, ...others] = circulating.reportVersions[0].approvals as { id: string }[];
    const path = `/approve/${linkToken(LINK_SECRET, `approve:${first!.id}`)}`;
    await eventually(async () => ((await opens(path)) === 200 ? true : undefined), 'the approval link');

    expect((await http.call('POST', path, { body: { decision: 'approve' } })).status).toBe(200);
    const { decidedAt } = await bed.db.approval.findUniqueOrThrow({ where: { id: first!.id } });
    await expectGraceThenExpiry(path, decidedAt!);
    // The others, not yet decided, still open; once they are, the LIS signs the report off.
    await approveEvery(http, others);
    await untilApiStage(http, auditId, 'lis_signoff');
    const signedOff = await http.call('POST', `/api/audits/${auditId}/lis-decision`, {
      key: KEYS.lis,
      body: { decision: 'approved' },
    });
    expect(signedOff.status).toBe(200);
    await untilApiStage(http, auditId, 'action_follow_up');
  });

  it("a progress link, when the next quarter's request replaces it", async () => {
    const followUp = bed.env.client.workflow.getHandle(actionWorkflowId(actionId));
    /** The quarter's request, once the follow-up's timer has asked for it and its email has gone. */
    async function nextQuarter(quarter: number) {
      const now = await bed.env.currentTimeMs();
      const nextReminderAt = await eventually(async () => {
        const state = await followUp.query(actionStateQuery).catch(() => undefined);
        const at = state?.nextReminderAt && Date.parse(state.nextReminderAt);
        return at && at > now ? at : undefined;
      }, 'the follow-up\'s next request');
      await sleepUntil(new Date(nextReminderAt + HOUR));
      return eventually(async () => {
        const row = await bed.db.actionProgress.findUnique({ where: { actionId_quarter: { actionId, quarter } } });
        return row?.tokenHash ? row : undefined;
      }, `quarter ${quarter}'s request`);
    }

    const first = await nextQuarter(1);
    const path = `/progress/${linkToken(LINK_SECRET, `progress:${first.id}`)}`;
    expect(await opens(path)).toBe(200);
    const second = await nextQuarter(2);
    // A quarter after the first: the server's clock, not this process's, stamped it.
    expect(second.requestedAt.getTime() - first.requestedAt.getTime()).toBeGreaterThan(80 * DAY);
    expect(await opens(path)).toBe(200);
    await expectGraceThenExpiry(path, second.requestedAt);
    expect(await opens(`/progress/${linkToken(LINK_SECRET, `progress:${second.id}`)}`)).toBe(200);
  });
});

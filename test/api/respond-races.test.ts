// The audit tool's link under pressure, over HTTP against the real parts (Temporal dev server, database,
// SMTP catcher, worker): many people submitting one tool at once, a submission whose answer was lost
// before the workflow heard of it, and the links of an audit whose identifiable data has been purged.
import { retentionActivities } from '../../activities/retention';
import { tokenHash } from '../../infra/links';
import { auditStateQuery } from '../../workflows/messages';
import { KEYS, untilApiStage, useAppBed } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually } from '../support/http';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

const sections = Object.fromEntries(
  ['recognition', 'assessment', 'planning_intervention', 'joint_working', 'impact', 'overall_quality'].map((a) => [
    a,
    { goodPractice: 'g', areasForDevelopment: 'a', recommendations: 'r', grade: 'good', rationale: 'because' },
  ]),
);

/** An audit in its submission stage, and the token of every emailed audit tool link. */
async function auditAwaitingSubmissions(): Promise<{ id: string; tokens: string[] }> {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: { focus: 'Neglect', focusSource: 'business_plan_priority', candidates: candidates(agencyIds), cohortSize: 2 },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await untilApiStage(http, id, 'invitations');
  bed.catcher.clear();
  expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
  const invitations = (await untilApiStage(http, id, 'awaiting_submissions')).invitations.length as number;
  expect(invitations).toBeGreaterThanOrEqual(2);
  const mails = await eventually(() => {
    const sent = bed.catcher.messages().filter((m) => m.text.includes('/respond/'));
    return Promise.resolve(sent.length === invitations ? sent : undefined);
  }, 'every invitation email');
  return { id, tokens: mails.map((m) => /\/respond\/([\w-]+)/.exec(m.text)![1]!) };
}

const invitationOf = (token: string) => bed.db.invitation.findUniqueOrThrow({ where: { tokenHash: tokenHash(token) } });
const workflowSees = async (auditId: string, invitationId: string) =>
  (await bed.env.client.workflow.getHandle(`audit-${auditId}`).query(auditStateQuery)).invitations.find(
    (i) => i.invitationId === invitationId,
  )?.status;

describe('POST /respond/:token under pressure', () => {
  it('ten people submitting one tool at once: one is answered 200, and what it sent is what is stored', async () => {
    const { id, tokens } = await auditAwaitingSubmissions();
    const token = tokens[0]!;
    const racers = Array.from({ length: 10 }, (_, i) =>
      http.call('POST', `/respond/${token}`, { body: { sections, childVoice: `written by racer ${i}`, submit: true } }),
    );
    const answers = await Promise.all(racers);
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.body.error.code).toBe('already_submitted');
    }
    const invitation = await invitationOf(token);
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: invitation.id } });
    expect((stored.content as { childVoice: string }).childVoice).toBe(`written by racer ${winners[0]}`);
    expect(invitation.status).toBe('submitted');
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId: id, action: 'submission.submitted' },
    });
    expect(trail.filter((t) => (t.details as { invitationId: string }).invitationId === invitation.id)).toHaveLength(1);
    expect(await workflowSees(id, invitation.id)).toBe('submitted');
  });

  it('a draft arriving with the submission never replaces it', async () => {
    const { tokens } = await auditAwaitingSubmissions();
    const token = tokens[0]!;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        http.call('POST', `/respond/${token}`, {
          body: i % 2 ? { sections, childVoice: 'final', submit: true } : { childVoice: 'a draft', submit: false },
        }),
      ),
    );
    expect(answers.every((a) => [200, 409].includes(a.status))).toBe(true);
    const invitation = await invitationOf(token);
    const stored = await bed.db.submission.findUniqueOrThrow({ where: { invitationId: invitation.id } });
    expect(stored.submittedAt).not.toBeNull();
    expect((stored.content as { childVoice: string }).childVoice).toBe('final');
  });

  it('a submission stored but never told to the workflow (the API died in between) reaches it on the retry', async () => {
    const { id, tokens } = await auditAwaitingSubmissions();
    const invitation = await invitationOf(tokens[1]!);
    // What the API's transaction leaves behind when the process dies before it tells the workflow.
    await bed.db.$transaction([
      bed.db.submission.create({
        data: { invitationId: invitation.id, content: { sections }, submittedAt: new Date() },
      }),
      bed.db.invitation.update({ where: { id: invitation.id }, data: { status: 'submitted' } }),
    ]);
    expect(await workflowSees(id, invitation.id)).toBe('pending');
    const retry = await http.call('POST', `/respond/${tokens[1]}`, { body: { sections, submit: true } });
    expect(retry.status).toBe(409);
    expect(retry.body.error.code).toBe('already_submitted');
    expect(await workflowSees(id, invitation.id)).toBe('submitted');
    // And again: the same update, by its ID, changes nothing more.
    expect((await http.call('POST', `/respond/${tokens[1]}`, { body: { sections, submit: true } })).status).toBe(409);
    expect(await workflowSees(id, invitation.id)).toBe('submitted');
  });

  it('once the audit is purged on retention, its tool and pack links take nothing and show nothing (410)', async () => {
    const { id, tokens } = await auditAwaitingSubmissions();
    const [submitted, pending] = tokens;
    expect((await http.call('POST', `/respond/${submitted}`, { body: { sections, submit: true } })).status).toBe(200);
    // The collated pack's link too (as collation would have made it).
    const packToken = 'purged-audit-pack-token-0123456789abcdef';
    const { agencyId } = await invitationOf(pending!);
    await bed.db.packLink.create({ data: { auditId: id, agencyId, tokenHash: tokenHash(packToken) } });
    expect((await http.call('GET', `/pack/${packToken}`)).status).toBe(200);
    await retentionActivities({ db: bed.db }).purgeIdentifiableData({ auditId: id });
    const pack = await http.call('GET', `/pack/${packToken}`);
    expect(pack.status).toBe(410);
    expect(pack.body.error.code).toBe('link_closed');
    expect((await bed.db.audit.findUniqueOrThrow({ where: { id } })).purgedAt).toEqual(expect.any(Date));

    for (const token of [submitted, pending]) {
      const shown = await http.call('GET', `/respond/${token}`);
      expect(shown.status).toBe(410);
      expect(shown.body.error.code).toBe('link_closed');
      const posted = await http.call('POST', `/respond/${token}`, {
        body: { childVoice: 'typed into a purged audit', submit: false },
      });
      expect(posted.status).toBe(410);
    }
    expect(await bed.db.submission.count({ where: { invitation: { auditId: id } } })).toBe(0);
  });
});

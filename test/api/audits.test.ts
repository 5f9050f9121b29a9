// The first vertical slice over HTTP against the real parts: the Temporal dev server, a real database
// (PostgreSQL when TEST_DATABASE_URL is set, PGlite otherwise), a real SMTP catcher, a worker.
import { stageSearchAttribute } from '../../workflows/messages';
import { tokenHash } from '../../infra/links';
import { KEYS, useAppBed } from '../support/app-bed';
import { AGENCIES, candidates } from '../support/fixtures';
import { eventually } from '../support/http';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

const auditBody = () => ({
  focus: 'Child exploitation',
  focusSource: 'business_plan_priority',
  candidates: candidates(agencyIds),
});

describe('starting an audit over HTTP', () => {
  it('reports every part healthy', async () => {
    const res = await http.call('GET', '/healthz');
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', temporal: 'ok', database: 'ok', smtp: 'ok' } });
  });

  it('stores the audit, starts its workflow, draws the cohort and shows the live stage', async () => {
    const created = await http.call('POST', '/api/audits', {
      key: KEYS.bu,
      body: auditBody(),
      headers: { 'idempotency-key': 'start-1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      workflowId: `audit-${created.body.id}`,
      stage: 'selection',
    });

    const audit = await eventually(async () => {
      const res = await http.call('GET', `/api/audits/${created.body.id}`, { key: KEYS.manager });
      return res.body.stage === 'invitations' ? res : undefined;
    }, 'the cohort draw');
    expect(audit.status).toBe(200);
    expect(audit.body.cohort).toHaveLength(4);
    for (const c of audit.body.cohort) expect(Object.keys(c).sort()).toEqual(['caseRef', 'serviceLevel']);
    expect(new Set(audit.body.cohort.map((c: { serviceLevel: string }) => c.serviceLevel)).size).toBe(4);
    expect(audit.body.cohortRationale).toMatchObject({
      seed: expect.any(String),
      eligible: 6,
      serviceLevelsCovered: 4,
    });
    const text = JSON.stringify(audit.body);
    for (const identifier of ['Quixleworth', 'Zephyrine', 'LCS9001']) expect(text).not.toContain(identifier);

    // The Temporal UI and `temporal workflow list` can filter by stage.
    const listed = await eventually(async () => {
      for await (const wf of bed.env.client.workflow.list({ query: `${stageSearchAttribute.name} = "invitations"` })) {
        if (wf.workflowId === created.body.workflowId) return wf;
      }
      return undefined;
    }, 'the visibility record');
    expect(listed.type).toBe('deepDiveAudit');
  });

  it('honours Idempotency-Key: a retry gets the same audit, another body under the same key is refused', async () => {
    const body = auditBody();
    const first = await http.call('POST', '/api/audits', {
      key: KEYS.bu,
      body,
      headers: { 'idempotency-key': 'retry-me' },
    });
    const retry = await http.call('POST', '/api/audits', {
      key: KEYS.bu,
      body,
      headers: { 'idempotency-key': 'retry-me' },
    });
    expect(first.status).toBe(201);
    expect(retry).toMatchObject({ status: 201, body: { id: first.body.id } });
    expect(await bed.db.audit.count({ where: { idempotencyKey: 'retry-me' } })).toBe(1);

    const other = await http.call('POST', '/api/audits', {
      key: KEYS.bu,
      body: { ...body, cohortSize: 2 },
      headers: { 'idempotency-key': 'retry-me' },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('refuses bad input with a 400, and a body naming what is not there with a 422, each saying what is wrong', async () => {
    const missing = await http.call('POST', '/api/audits', { key: KEYS.bu, body: { focus: 'x' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
    const paths = missing.body.error.details.map((d: { path: string[] }) => d.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['focusSource', 'candidates']));

    const malformed = await http.call('POST', '/api/audits', { key: KEYS.bu, raw: '{"focus": ' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });

    const unknownAgency = auditBody();
    unknownAgency.candidates[0]!.agencyIds = ['00000000-0000-4000-8000-000000000000'];
    const unknown = await http.call('POST', '/api/audits', { key: KEYS.bu, body: unknownAgency });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('unknown_reference');
    expect(unknown.body.error.details[0].path).toEqual(['candidates', 0, 'agencyIds', 0]);

    const stale = { ...auditBody(), window: { from: '2020-01-01', to: '2020-06-30' } };
    expect(await http.call('POST', '/api/audits', { key: KEYS.bu, body: stale })).toMatchObject({
      status: 422,
      body: { error: { code: 'empty_pool' } },
    });

    const compressed = { ...auditBody(), timeline: { submissionWindow: 'PT10M' } };
    expect((await http.call('POST', '/api/audits', { key: KEYS.bu, body: compressed })).status).toBe(400);

    expect((await http.call('GET', '/api/audits/not-a-uuid', { key: KEYS.bu })).status).toBe(404);
  });

  it('asks for a key, and lets only the business unit start audits', async () => {
    expect((await http.call('POST', '/api/audits', { body: auditBody() })).status).toBe(401);
    expect((await http.call('POST', '/api/audits', { key: 'wrong-key-0123456789', body: auditBody() })).status).toBe(
      401,
    );
    const manager = await http.call('POST', '/api/audits', { key: KEYS.manager, body: auditBody() });
    expect(manager).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await http.call('POST', '/api/audits', { key: KEYS.lis, body: auditBody() })).status).toBe(403);
  });

  it('cancels with a reason kept in the audit trail, once', async () => {
    const created = await http.call('POST', '/api/audits', { key: KEYS.bu, body: auditBody() });
    const cancel = await http.call('POST', `/api/audits/${created.body.id}/cancel`, {
      key: KEYS.bu,
      body: { reason: 'Started in error' },
    });
    expect(cancel).toMatchObject({ status: 200, body: { stage: 'cancelled' } });
    const again = await http.call('POST', `/api/audits/${created.body.id}/cancel`, {
      key: KEYS.bu,
      body: { reason: 'again' },
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'wrong_stage' } } });
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { auditId: created.body.id, action: 'audit.cancelled' },
    });
    expect(trail).toHaveLength(1);
    expect(trail[0]!.details).toEqual({ reason: 'Started in error' });
  });

  it('runs invitations and submissions over HTTP: replace, send, answer by the emailed link, close, extend', async () => {
    bed.catcher.clear();
    const created = await http.call('POST', '/api/audits', { key: KEYS.bu, body: { ...auditBody(), cohortSize: 2 } });
    const id = created.body.id;
    const drawn = await eventually(async () => {
      const res = await http.call('GET', `/api/audits/${id}`, { key: KEYS.bu });
      return res.body.stage === 'invitations' ? res.body : undefined;
    }, 'the draw');
    expect(drawn.deadlines.invitationsGoBy).toEqual(expect.any(String));

    const undrawn = auditBody()
      .candidates.map((c) => c.caseRef)
      .find((ref) => !drawn.cohort.some((c: { caseRef: string }) => c.caseRef === ref))!;
    const replaced = await http.call('POST', `/api/audits/${id}/cohort/replace`, {
      key: KEYS.bu,
      body: { caseRef: drawn.cohort[0].caseRef, replacementCaseRef: undrawn },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.cohort.map((c: { caseRef: string }) => c.caseRef)).toContain(undrawn);
    expect(
      (
        await http.call('POST', `/api/audits/${id}/cohort/replace`, {
          key: KEYS.bu,
          body: { caseRef: 'NOPE', replacementCaseRef: undrawn },
        })
      ).status,
    ).toBe(404);

    expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(202);
    const audit = await eventually(async () => {
      const res = await http.call('GET', `/api/audits/${id}`, { key: KEYS.bu });
      return res.body.stage === 'awaiting_submissions' ? res.body : undefined;
    }, 'the invitations');
    expect((await http.call('POST', `/api/audits/${id}/invitations/send`, { key: KEYS.bu })).status).toBe(409);
    expect(audit.invitations.length).toBeGreaterThanOrEqual(4);

    const mails = await eventually(() => {
      const sent = bed.catcher.messages().filter((m) => m.text.includes('/respond/'));
      return Promise.resolve(sent.length === audit.invitations.length ? sent : undefined);
    }, 'every invitation email');
    const tokens = mails.map((m) => /\/respond\/([\w-]+)/.exec(m.text)![1]!);

    const [first, second, ...others] = tokens;
    const tool = await http.call('GET', `/respond/${first}`);
    expect(tool.status).toBe(200);
    expect(tool.body.case.child.name).toMatch(/Quixleworth$/);

    const sections = Object.fromEntries(
      ['recognition', 'assessment', 'planning_intervention', 'joint_working', 'impact', 'overall_quality'].map(
        (area) => [
          area,
          {
            goodPractice: 'Timely strategy meeting',
            areasForDevelopment: 'Record the voice of the child',
            recommendations: 'Use the tool',
            grade: 'good',
            rationale: 'Evidence in records',
          },
        ],
      ),
    );
    expect(
      (
        await http.call('POST', `/respond/${first}`, {
          body: { sections: { recognition: sections.recognition }, submit: false },
        })
      ).body,
    ).toEqual({ saved: true, submitted: false });
    const incomplete = await http.call('POST', `/respond/${first}`, {
      body: { sections: { recognition: sections.recognition }, submit: true },
    });
    // The schema allows a partial tool; a final one without every grade breaks a rule: 422.
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toContain(
      'sections.assessment',
    );
    expect(await http.call('POST', `/respond/${first}`, { body: { sections, submit: true } })).toMatchObject({
      status: 200,
      body: { submitted: true, late: false },
    });
    expect((await http.call('POST', `/respond/${first}`, { body: { sections, submit: true } })).status).toBe(409);
    expect((await http.call('GET', '/respond/not-a-real-token')).status).toBe(404);

    const mine = (await http.call('GET', `/api/audits/${id}`, { key: KEYS.manager })).body.invitations;
    expect(mine.filter((i: { status: string }) => i.status === 'submitted')).toHaveLength(1);

    const secondInvitation = await bed.db.invitation.findFirstOrThrow({
      where: { auditId: id, tokenHash: tokenHash(second!) },
    });
    const closed = await http.call('POST', `/api/audits/${id}/invitations/${secondInvitation.id}/no-involvement`, {
      key: KEYS.bu,
    });
    expect(closed.body).toEqual({ id: secondInvitation.id, status: 'no_involvement' });
    expect((await http.call('GET', `/respond/${second}`)).status).toBe(410);

    // An immediate-risk concern in the tool, even in a draft, goes to the agency's lead at once — once.
    const concern = { description: 'Zephyrine Quixleworth said she is afraid to go home tonight' };
    expect(
      (await http.call('POST', `/respond/${others[0]}`, { body: { immediateRiskConcern: concern, submit: false } }))
        .status,
    ).toBe(200);
    expect(
      (await http.call('POST', `/respond/${others[0]}`, { body: { immediateRiskConcern: concern, submit: false } }))
        .status,
    ).toBe(200);
    const urgent = await eventually(() => {
      const sent = bed.catcher.messages().filter((m) => m.subject.startsWith('URGENT'));
      return Promise.resolve(sent.length > 0 ? sent : undefined);
    }, 'the urgent escalation email');
    expect(urgent).toHaveLength(1);
    expect(urgent[0]!.text).toContain('/acknowledge/');
    expect(urgent[0]!.text + urgent[0]!.html).not.toContain('Quixleworth');
    const afterConcern = (await http.call('GET', `/api/audits/${id}`, { key: KEYS.bu })).body;
    expect(await bed.db.escalation.count({ where: { auditId: id, source: 'submission' } })).toBe(1);
    expect(afterConcern.stage).toBe('awaiting_submissions');

    // The business unit can raise one too, about any agency.
    const raised = await http.call('POST', `/api/audits/${id}/concerns`, {
      key: KEYS.bu,
      body: {
        agencyId: agencyIds[0],
        caseRef: audit.invitations[0].caseRef,
        description: 'Unsafe practice seen at the strategy meeting',
      },
    });
    expect(raised).toMatchObject({
      status: 201,
      body: { id: expect.any(String), workflowId: `escalation-${raised.body.id}` },
    });
    expect(
      (
        await http.call('POST', `/api/audits/${id}/concerns`, {
          key: KEYS.manager,
          body: { agencyId: agencyIds[0], description: 'x' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await http.call('POST', `/api/audits/${id}/concerns`, {
          key: KEYS.bu,
          body: { agencyId: 'nope', description: 'x' },
        })
      ).status,
    ).toBe(400);
    const unknownAgency = await http.call('POST', `/api/audits/${id}/concerns`, {
      key: KEYS.bu,
      body: { agencyId: '00000000-0000-4000-8000-000000000000', caseRef: 'NO-SUCH-CASE', description: 'x' },
    });
    expect(unknownAgency).toMatchObject({ status: 422, body: { error: { code: 'unknown_reference' } } });
    expect(unknownAgency.body.error.details.map((d: { path: string[] }) => d.path.join('.'))).toEqual([
      'agencyId',
      'caseRef',
    ]);

    // The business unit's list: every audit with its stage and where its invitations stand.
    const list = await http.call('GET', '/api/audits', { key: KEYS.manager });
    expect(list.status).toBe(200);
    const row = list.body.find((a: { id: string }) => a.id === id);
    expect(row).toMatchObject({
      stage: 'awaiting_submissions',
      focus: 'Child exploitation',
      invitations: { total: audit.invitations.length, open: others.length, overdue: 0 },
    });
    expect(Date.parse(row.nextDeadline)).toBeGreaterThan(Date.now());
    expect(list.body.map((a: { id: string }) => a.id)).toContain(created.body.id);
    expect((await http.call('GET', '/api/audits')).status).toBe(401);

    const dueAt = new Date(Date.now() + 60 * 24 * 3600 * 1000).toISOString();
    const extended = await http.call('POST', `/api/audits/${id}/deadlines`, { key: KEYS.bu, body: { dueAt } });
    expect(extended.status).toBe(200);
    expect(extended.body.invitations).toHaveLength(others.length);
    expect(
      (await http.call('POST', `/api/audits/${id}/deadlines`, { key: KEYS.manager, body: { dueAt } })).status,
    ).toBe(403);
    expect(
      (await http.call('POST', `/api/audits/${id}/deadlines`, { key: KEYS.bu, body: { dueAt: 'tomorrow' } })).status,
    ).toBe(400);
  });
});

describe('the agency directory', () => {
  it('updates an agency (the business unit only), refusing a clash of names, an unknown id and an empty body', async () => {
    const created = await http.call('POST', '/api/agencies', {
      key: KEYS.bu,
      body: {
        name: 'Housing Options',
        type: 'housing',
        contactEmail: 'a@housing.example',
        leadEmail: 'l@housing.example',
      },
    });
    expect(created.status).toBe(201);
    const path = `/api/agencies/${created.body.id}`;
    const moved = await http.call('PATCH', path, { key: KEYS.bu, body: { leadEmail: 'new-lead@housing.example' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: 'Housing Options', leadEmail: 'new-lead@housing.example' });
    expect((await http.call('PATCH', path, { key: KEYS.manager, body: { type: 'other' } })).status).toBe(403);
    const empty = await http.call('PATCH', path, { key: KEYS.bu, body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('validation_failed');
    const clash = await http.call('PATCH', path, { key: KEYS.bu, body: { name: AGENCIES[0].name } });
    expect(clash.status).toBe(409);
    const unknown = await http.call('PATCH', '/api/agencies/00000000-0000-4000-8000-000000000000', {
      key: KEYS.bu,
      body: { type: 'other' },
    });
    expect(unknown.status).toBe(404);
    const trail = await bed.db.auditTrailEntry.findMany({ where: { action: 'agency.updated' } });
    expect(trail.map((t) => t.details)).toEqual([{ agencyId: created.body.id, fields: ['leadEmail'] }]);
  });
});

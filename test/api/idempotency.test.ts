// Every POST of the API is safe to send twice: with the same Idempotency-Key, a retry of a request that
// succeeded gets the first answer again and has no second effect — also when both arrive at once. Over
// HTTP against the Temporal dev server, a real database and a worker.
import { createHash } from 'node:crypto';
import { hashKey } from '../../api/auth';
import { escalationWorkflowId } from '../../workflows/messages';
import { KEYS, useAppBed } from '../support/app-bed';
import { candidates } from '../support/fixtures';
import { eventually } from '../support/http';

const { bed, http, agencyIds } = useAppBed({ temporal: 'dev', agencies: true });

async function auditInInvitations(): Promise<string> {
  const created = await http.call('POST', '/api/audits', {
    key: KEYS.bu,
    body: { focus: 'Child exploitation', focusSource: 'business_plan_priority', candidates: candidates(agencyIds) },
  });
  expect(created.status).toBe(201);
  await eventually(async () => {
    const res = await http.call('GET', `/api/audits/${created.body.id}`, { key: KEYS.manager });
    return res.body.stage === 'invitations' ? res : undefined;
  }, 'the cohort draw');
  return created.body.id as string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const keyed = (key: string, body: unknown) => ({ key: KEYS.bu, body, headers: { 'idempotency-key': key } });

test('a cancel sent twice with one key: the first answer twice, one cancellation in the trail', async () => {
  const id = await auditInInvitations();
  const first = await http.call('POST', `/api/audits/${id}/cancel`, keyed('cancel-1', { reason: 'Duplicate audit' }));
  const again = await http.call('POST', `/api/audits/${id}/cancel`, keyed('cancel-1', { reason: 'Duplicate audit' }));
  expect(first).toMatchObject({ status: 200, body: { id, stage: 'cancelled' } });
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(await bed.db.auditTrailEntry.count({ where: { auditId: id, action: 'audit.cancelled' } })).toBe(1);
  // Without a key, a second cancel is a second request, refused: the audit has been cancelled.
  const unkeyed = await http.call('POST', `/api/audits/${id}/cancel`, { key: KEYS.bu, body: { reason: 'Again' } });
  expect(unkeyed.status).toBe(409);
});

test('a concern retried with its key starts one escalation, not two', async () => {
  const id = await auditInInvitations();
  const body = { agencyId: agencyIds[0], description: 'A child was seen with an adult not known to the family' };
  const first = await http.call('POST', `/api/audits/${id}/concerns`, keyed('concern-1', body));
  const again = await http.call('POST', `/api/audits/${id}/concerns`, keyed('concern-1', body));
  expect(first.status).toBe(201);
  expect(again).toMatchObject({ status: 201, body: first.body });
  expect(await bed.db.escalation.count({ where: { auditId: id } })).toBe(1);
  const described = await bed.env.client.workflow.getHandle(escalationWorkflowId(first.body.id)).describe();
  expect(described.status.name).toBe('RUNNING');
});

test('two requests with one key at the same moment: one effect, and both get the same answer', async () => {
  const id = await auditInInvitations();
  const body = { agencyId: agencyIds[1], description: 'Unsafe practice seen at a home visit' };
  const answers = await Promise.all([
    http.call('POST', `/api/audits/${id}/concerns`, keyed('concern-at-once', body)),
    http.call('POST', `/api/audits/${id}/concerns`, keyed('concern-at-once', body)),
  ]);
  expect(answers.map((a) => a.status)).toEqual([201, 201]);
  expect(answers[1].body).toEqual(answers[0].body);
  expect(await bed.db.escalation.count({ where: { auditId: id } })).toBe(1);
  expect(await bed.db.auditTrailEntry.count({ where: { auditId: id, action: 'concern.raised' } })).toBe(1);
});

test('a key is its sender’s: the same key with another request is refused, a refusal is not kept', async () => {
  const id = await auditInInvitations();
  const sent = await http.call('POST', `/api/audits/${id}/invitations/send`, keyed('send-1', {}));
  expect(sent.status).toBe(202);
  const other = await http.call('POST', `/api/audits/${id}/cancel`, keyed('send-1', { reason: 'Wrong' }));
  expect(other).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });

  // A refused request changed nothing: sent again, put right, with the same key, it is done.
  const bad = await http.call('POST', `/api/audits/${id}/deadlines`, keyed('extend-1', { dueAt: 'soon' }));
  expect(bad.status).toBe(400);
  const stillBad = await http.call('POST', `/api/audits/${id}/deadlines`, keyed('extend-1', { dueAt: 'soon' }));
  expect(stillBad.status).toBe(400);
  expect(stillBad.headers.get('idempotent-replayed')).toBeNull();

  const badKey = await http.call('POST', `/api/audits/${id}/cancel`, keyed('has a space', { reason: 'x' }));
  expect(badKey).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
});

test('a request lost with its process: a retry is told to come back, then takes it over and does the work', async () => {
  const id = await auditInInvitations();
  const body = { reason: 'Started by mistake' };
  const path = `/api/audits/${id}/cancel`;
  // What an API killed mid-request leaves: the key claimed, no answer kept.
  const fingerprint = sha256(`POST ${path}\n${JSON.stringify(body)}`);
  const actor = `key:business_unit:${hashKey(KEYS.bu).slice(0, 8)}`;
  await bed.db.idempotentRequest.create({ data: { id: `${actor}:lost-1`, fingerprint } });

  const meanwhile = await http.call('POST', path, keyed('lost-1', body));
  expect(meanwhile).toMatchObject({ status: 503, body: { error: { code: 'request_in_progress' } } });
  expect(meanwhile.headers.get('retry-after')).toBeTruthy();

  await bed.db.idempotentRequest.update({
    where: { id: `${actor}:lost-1` },
    data: { createdAt: new Date(Date.now() - 31_000) },
  });
  const taken = await http.call('POST', path, keyed('lost-1', body));
  expect(taken).toMatchObject({ status: 200, body: { id, stage: 'cancelled' } });
  expect(await bed.db.auditTrailEntry.count({ where: { auditId: id, action: 'audit.cancelled' } })).toBe(1);
});

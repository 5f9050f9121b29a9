// Text PostgreSQL cannot store is refused at the edge. A lone UTF-16 surrogate ("\ud800") is valid JSON and
// zod takes it, but PostgreSQL's json refuses it (P2007, a 500) and its text columns would get U+FFFD: so it
// is a 400 naming where, like a NUL. A form or a query string cannot carry one: their parsers keep or
// replace a percent-escape that is not UTF-8, which the tests below pin down. Well-formed text (an emoji is
// a surrogate pair) goes through untouched.
import { randomUUID } from 'node:crypto';
import { tokenHash } from '../../infra/links';
import { csrfToken } from '../../api/security';
import { LINK_SECRET } from '../support/activities';
import { KEYS, useAppBed } from '../support/app-bed';
import { insertAudit } from '../support/fixtures';

// No Temporal: every request here is refused before it, or saves a draft, which does not tell a workflow.
const { bed, http } = useAppBed({ linkRateLimit: { limit: 100_000, windowMs: 60_000 } });

const LONE_HIGH = 'seen \ud800 alone';
const LONE_LOW = 'seen \udc00 alone';
const EMOJI = 'seen 😀 at school';
const SURROGATE = 'must be valid Unicode text (a lone surrogate)';

let auditId: string;
let agencyId: string;
let token: string;
let invitationId: string;

beforeAll(async () => {
  const audit = await insertAudit(bed.db);
  auditId = audit.auditId;
  agencyId = audit.agencies[0]!.id;
  const cases = await bed.db.case.findMany({ where: { auditId } });
  token = `unicode-respond-token-${randomUUID()}`;
  invitationId = (
    await bed.db.invitation.create({
      data: { auditId, caseId: cases[0]!.id, agencyId, tokenHash: tokenHash(token) },
    })
  ).id;
});

const draft = () => bed.db.submission.findUnique({ where: { invitationId } });

/** A 400 validation_failed whose one issue names `path` with `message`. */
const refusedAt = (path: (string | number)[], message = SURROGATE) => ({
  status: 400,
  body: {
    error: { code: 'validation_failed', message: expect.any(String), details: [{ code: 'custom', path, message }] },
  },
});

const form = (fields: string) =>
  fetch(`${http.base}/respond/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `${fields}&_csrf=${csrfToken(LINK_SECRET, token)}`,
  });

describe('POST /respond/:token', () => {
  it('a lone surrogate in a JSON value or key is a 400 naming where; nothing is saved', async () => {
    const inValue = await http.call('POST', `/respond/${token}`, {
      body: { sections: { recognition: { goodPractice: LONE_HIGH } }, submit: false },
    });
    expect(inValue).toMatchObject(refusedAt(['sections', 'recognition', 'goodPractice']));
    const inKey = await http.call('POST', `/respond/${token}`, {
      body: { sections: { [`recognition${LONE_LOW}`]: {} }, childVoice: 'fine', submit: false },
    });
    expect(inKey).toMatchObject(refusedAt(['sections', `recognition${LONE_LOW}`]));
    expect(await draft()).toBeNull();
  });

  it('the same in a JSON body sent as UTF-16', async () => {
    const res = await fetch(`${http.base}/respond/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-16le' },
      // The surrogate as a raw code unit, not an escape: UTF-16 can carry it, and the parser decodes it.
      body: Buffer.from(`{"childVoice": "${LONE_HIGH}", "submit": false}`, 'utf16le'),
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject(refusedAt(['childVoice']));
    expect(await draft()).toBeNull();
  });

  it('a surrogate pair (an emoji) is saved as typed', async () => {
    const res = await http.call('POST', `/respond/${token}`, { body: { childVoice: EMOJI, submit: false } });
    expect(res).toMatchObject({ status: 200, body: { saved: true, submitted: false } });
    expect((await draft())!.content).toMatchObject({ childVoice: EMOJI });
  });

  it('a form field with an escape that is not UTF-8 (%ED%A0%80, a surrogate’s bytes) is kept as its literal text', async () => {
    const res = await form('childVoice=%ED%A0%80');
    expect(res.status).toBe(303);
    expect((await draft())!.content).toMatchObject({ childVoice: '%ED%A0%80' });
    // The same field well encoded is decoded as usual.
    expect((await form(`childVoice=${encodeURIComponent(EMOJI)}`)).status).toBe(303);
    expect((await draft())!.content).toMatchObject({ childVoice: EMOJI });
  });

  it('a query string with a surrogate’s bytes is no 500', async () => {
    const res = await fetch(`${http.base}/respond/${token}?saved=%ED%A0%80`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
  });
});

describe('POST /api/agencies', () => {
  const agency = (name: string) => ({
    name,
    type: 'voluntary',
    contactEmail: 'audits@agency.example',
    leadEmail: 'lead@agency.example',
  });

  it('a lone surrogate in the name is a 400 naming it; nothing is stored', async () => {
    const before = await bed.db.agency.count();
    for (const name of [LONE_HIGH, LONE_LOW, `ends high \ud83d`]) {
      const res = await http.call('POST', '/api/agencies', { key: KEYS.bu, body: agency(name) });
      expect(res).toMatchObject(refusedAt(['name']));
    }
    expect(await bed.db.agency.count()).toBe(before);
  });

  it('a NUL is still refused for what it is', async () => {
    const res = await http.call('POST', '/api/agencies', { key: KEYS.bu, body: agency('a\u0000b') });
    expect(res).toMatchObject(refusedAt(['name'], 'must not contain the NUL character (U+0000)'));
  });

  it('an emoji is stored as typed', async () => {
    const name = `${EMOJI} ${randomUUID()}`;
    const res = await http.call('POST', '/api/agencies', { key: KEYS.bu, body: agency(name) });
    expect(res.status).toBe(201);
    expect((await bed.db.agency.findUniqueOrThrow({ where: { id: res.body.id } })).name).toBe(name);
  });
});

describe('POST /api/audits/:id/concerns', () => {
  it('a lone surrogate in the description or the case reference is a 400 naming it; no escalation', async () => {
    const post = (body: unknown) => http.call('POST', `/api/audits/${auditId}/concerns`, { key: KEYS.bu, body });
    expect(await post({ agencyId, description: LONE_HIGH })).toMatchObject(refusedAt(['description']));
    expect(await post({ agencyId, caseRef: 'NYC-\udfff', description: 'At risk' })).toMatchObject(
      refusedAt(['caseRef']),
    );
    expect(await bed.db.escalation.count({ where: { auditId } })).toBe(0);
  });
});

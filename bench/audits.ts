// Audits as the business unit and the agencies make them, over the API: agencies in the directory, an
// audit over a candidate pool of `cases` cases each involving `agenciesPerCase` agencies (all of them
// drawn), its invitations sent, and an agency's complete audit tool posted to its emailed link.
import { randomUUID } from 'node:crypto';
import { SERVICE_LEVELS } from '../domain/cohort';
import { AGENCY_TYPES, AREAS } from '../domain/schemas';
import type { Stage } from '../domain/stages';
import type { Db } from '../infra/db';
import { linkToken, tokenHash } from '../infra/links';
import { expectStatus, http, mapLimit, waitFor } from './harness';
import { KEYS } from './stack';

export interface AuditShape {
  cases: number;
  agenciesPerCase: number;
}

/** `count` agencies in the directory, through POST /api/agencies. */
export async function createAgencies(base: string, count: number): Promise<string[]> {
  const tag = randomUUID().slice(0, 8);
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    4,
    async (i) => {
      const body = await expectStatus<{ id: string }>(
        http(base, 'POST', '/api/agencies', {
          key: KEYS.business_unit,
          body: {
            name: `Bench agency ${i + 1} ${tag}`,
            type: AGENCY_TYPES[i % AGENCY_TYPES.length],
            contactEmail: `audits-${i + 1}@agency.bench`,
            leadEmail: `lead-${i + 1}@agency.bench`,
          },
        }),
        201,
        'POST /api/agencies',
      );
      return body.id;
    },
  );
}

/** A pool of exactly `cases` candidates active last month, so the draw takes them all. */
export function auditBody(agencyIds: string[], shape: AuditShape) {
  const lastMonth = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  return {
    focus: 'Child exploitation',
    focusSource: 'business_plan_priority',
    cohortSize: shape.cases,
    candidates: Array.from({ length: shape.cases }, (_, i) => ({
      caseRef: `BENCH-${i + 1}`,
      serviceLevel: SERVICE_LEVELS[i % SERVICE_LEVELS.length],
      child: { name: `Bench Child ${i + 1}`, dateOfBirth: `2014-0${(i % 9) + 1}-1${i % 10}`, localId: `BL${1000 + i}` },
      agencyIds: Array.from({ length: shape.agenciesPerCase }, (_, k) => agencyIds[(i + k) % agencyIds.length]!),
      lastActivityAt: lastMonth,
    })),
  };
}

/** POST /api/audits: the audit's rows stored and its deepDiveAudit workflow started. */
export async function createAudit(base: string, body: ReturnType<typeof auditBody>): Promise<string> {
  const created = await expectStatus<{ id: string }>(
    http(base, 'POST', '/api/audits', { key: KEYS.business_unit, body }),
    201,
    'POST /api/audits',
  );
  return created.id;
}

export async function sendInvitations(base: string, auditId: string): Promise<void> {
  await expectStatus(
    http(base, 'POST', `/api/audits/${auditId}/invitations/send`, { key: KEYS.business_unit }),
    202,
    'POST /api/audits/:id/invitations/send',
  );
}

/** Every audit has reached `stage` (the database's copy, which the workflow writes as it enters one). */
export async function untilStage(db: Db, auditIds: string[], stage: Stage, timeoutMs = 300_000): Promise<void> {
  await waitFor(
    async () => (await db.audit.count({ where: { id: { in: auditIds }, stage } })) === auditIds.length,
    `${auditIds.length} audit(s) to reach ${stage}`,
    timeoutMs,
    250,
  );
}

/** Creates audits, waits for their draw, sends their invitations and waits until all await submissions. */
export async function openAudits(
  base: string,
  db: Db,
  body: ReturnType<typeof auditBody>,
  count: number,
  opts: {
    concurrency?: number;
    timeoutMs?: number;
    onPhase?: (phase: 'created' | 'drawn' | 'sent' | 'awaiting') => void;
  } = {},
): Promise<string[]> {
  const concurrency = opts.concurrency ?? 20;
  const ids = await mapLimit(Array.from({ length: count }), concurrency, () => createAudit(base, body));
  opts.onPhase?.('created');
  await untilStage(db, ids, 'invitations', opts.timeoutMs);
  opts.onPhase?.('drawn');
  await mapLimit(ids, concurrency, (id) => sendInvitations(base, id));
  opts.onPhase?.('sent');
  await untilStage(db, ids, 'awaiting_submissions', opts.timeoutMs);
  opts.onPhase?.('awaiting');
  return ids;
}

export interface Invitation {
  id: string;
  auditId: string;
  token: string;
}

/**
 * Each invitation's emailed link, derived as the notify activity derives it, and checked against the
 * hash it stored when the invitation's email went.
 */
export async function invitationLinks(db: Db, linkSecret: string, auditIds: string[]): Promise<Invitation[][]> {
  const rows = await db.invitation.findMany({
    where: { auditId: { in: auditIds } },
    select: { id: true, auditId: true, tokenHash: true },
    orderBy: { createdAt: 'asc' },
  });
  const byAudit = new Map<string, Invitation[]>(auditIds.map((id) => [id, []]));
  for (const row of rows) {
    const token = linkToken(linkSecret, `respond:${row.id}`);
    if (row.tokenHash !== tokenHash(token))
      throw new Error(`invitation ${row.id}: no emailed link with the bench's secret (was its email sent?)`);
    byAudit.get(row.auditId)!.push({ id: row.id, auditId: row.auditId, token });
  }
  return [...byAudit.values()];
}

/** A complete audit tool, as an agency submits it: every area graded with a rationale. */
export function submissionBody() {
  const sections = Object.fromEntries(
    AREAS.map((area) => [
      area,
      {
        goodPractice: `Information was shared promptly with partners (${area}).`,
        areasForDevelopment: 'The chronology was not kept up to date.',
        recommendations: 'Keep a single multi-agency chronology.',
        grade: 'good',
        rationale: 'Risk was recognised and acted on within timescales.',
      },
    ]),
  );
  return { sections, childVoice: 'The child said they felt listened to by their school.', submit: true };
}

const SUBMISSION = JSON.stringify(submissionBody());

/** POST /respond/:token with a final submission; resolves when the API answered 200 `submitted`. */
export async function submit(base: string, token: string): Promise<void> {
  const res = await fetch(`${base}/respond/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: SUBMISSION,
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"submitted":true'))
    throw new Error(`POST /respond: HTTP ${res.status} ${text.slice(0, 300)}`);
}

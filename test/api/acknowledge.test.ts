// GET·POST /acknowledge/:token against a real urgent escalation: the workflow on the time-skipping
// server with the real activities, a real database and a real SMTP catcher. The link comes from the
// email to the agency lead. The acknowledgement is stored in the Escalation row before the workflow
// is told; the workflow's activity then closes the row and the escalation ends.
import type { Client } from '@temporalio/client';
import * as cheerio from 'cheerio';
import { csrfToken } from '../../api/security';
import { tokenHash } from '../../infra/links';
import { urgentEscalation } from '../../workflows';
import { escalationStateQuery, escalationWorkflowId } from '../../workflows/messages';
import { LINK_SECRET } from '../support/activities';
import { useAppBed } from '../support/app-bed';
import { insertAudit } from '../support/fixtures';
import { expectOnlyOwnScripts } from '../support/page-scripts';

jest.setTimeout(180_000);

const TASK_QUEUE = 'acknowledge-test';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,*/*;q=0.8';
const CONCERN = 'Ottoline Quixleworth was left alone overnight <script>alert(1)</script>';

/** What the Escalation row held at the moment the API told the workflow. */
const atUpdate: { acknowledgedBy: string | null; actionTaken: string | null; status: string }[] = [];

/** The real client, looking at the row just before each update goes to the workflow. */
const watching = {
  workflow: {
    getHandle: (workflowId: string) => {
      const handle = bed.env.client.workflow.getHandle(workflowId);
      return {
        executeUpdate: async (def: unknown, opts: { args: [{ escalationId: string }] }) => {
          const row = await bed.db.escalation.findUniqueOrThrow({ where: { id: opts.args[0].escalationId } });
          atUpdate.push({ acknowledgedBy: row.acknowledgedBy, actionTaken: row.actionTaken, status: row.status });
          return handle.executeUpdate(def as never, opts as never);
        },
      };
    },
  },
} as unknown as Client;

const { bed, http } = useAppBed({ temporal: 'time-skipping', taskQueue: TASK_QUEUE, client: watching });

beforeEach(() => {
  atUpdate.length = 0;
});

/** As the API raises one: the row first, then its workflow; resolves with the link the lead was emailed. */
async function escalated() {
  const { auditId, agencies } = await insertAudit(bed.db, { cohortSize: 1 });
  const agency = agencies[0]!;
  const kase = await bed.db.case.findFirstOrThrow({ where: { auditId } });
  const row = await bed.db.escalation.create({
    data: { auditId, agencyId: agency.id, caseId: kase.id, source: 'submission', concern: CONCERN },
  });
  const handle = await bed.env.client.workflow.start(urgentEscalation, {
    taskQueue: TASK_QUEUE,
    workflowId: escalationWorkflowId(row.id),
    args: [{ escalationId: row.id, auditId }],
  });
  let token: string | undefined;
  for (let i = 0; i < 300 && !token; i++) {
    const mail = bed.catcher.messages().find((m) => m.subject.startsWith('URGENT:') && m.subject.includes(agency.name));
    token = mail && /\/acknowledge\/([\w-]+)/.exec(mail.text)?.[1];
    if (!token) await new Promise((r) => setTimeout(r, 100));
  }
  if (!token) throw new Error('the agency lead was never emailed');
  return { auditId, agency, escalationId: row.id, handle, token };
}

async function browse(path: string) {
  const res = await fetch(`${http.base}${path}`, { headers: { accept: BROWSER_ACCEPT }, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, $: cheerio.load(text) };
}

async function postForm(path: string, fields: [string, string][]) {
  const res = await fetch(`${http.base}${path}`, {
    method: 'POST',
    headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, $: cheerio.load(text) };
}

describe('GET /acknowledge/:token', () => {
  it('shows the concern to the link holder with the agency, when it was raised and when it must be acknowledged', async () => {
    const { agency, escalationId, token } = await escalated();
    const row = await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } });

    const json = await http.call('GET', `/acknowledge/${token}`);
    expect(json.status).toBe(200);
    expect(json.headers.get('cache-control')).toBe('no-store');
    expect(json.body).toEqual({
      audit: { title: 'Child exploitation' },
      agency: { name: agency.name },
      concern: CONCERN,
      raisedAt: row.raisedAt.toISOString(),
      acknowledgeBy: row.acknowledgeBy!.toISOString(),
      acknowledged: null,
    });

    const page = await browse(`/acknowledge/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const { $ } = page;
    expect($('h1').text()).toBe('Urgent safeguarding concern');
    expect($('#concern .app-prose').text()).toBe(CONCERN);
    expectOnlyOwnScripts($);
    expect($('main').text()).toContain(agency.name);
    expect($('input#name').attr('name')).toBe('name');
    expect($('label[for=name]').text().trim()).toBe('Your name');
    expect($('textarea#actionTaken').attr('name')).toBe('actionTaken');
    expect($('label[for=actionTaken]').text().trim()).toBe('Action taken');
    expect($('input[name=_csrf]').attr('value')).toBe(csrfToken(LINK_SECRET, token));
  });

  it('an unknown link is a 404, as JSON or as a plain page', async () => {
    const json = await http.call('GET', '/acknowledge/unknown-token-0123456789abcdefghijklmnop');
    expect(json.status).toBe(404);
    expect(json.body.error.code).toBe('not_found');
    const page = await browse('/acknowledge/unknown-token-0123456789abcdefghijklmnop');
    expect(page.status).toBe(404);
    expect(page.$('main').text()).toContain('This link is not known');
    expect(page.text).not.toMatch(/\bat \S+ \(|node_modules/);
  });
});

describe('POST /acknowledge/:token', () => {
  it('stores who acknowledged and the action taken first, then tells the workflow, which closes the escalation', async () => {
    const { escalationId, handle, token } = await escalated();
    const path = `/acknowledge/${token}`;

    const forged = await postForm(path, [
      ['name', 'Dana Whitlock'],
      ['actionTaken', 'Seen today'],
    ]);
    expect(forged.status).toBe(403);

    const incomplete = await postForm(path, [
      ['_csrf', csrfToken(LINK_SECRET, token)],
      ['name', ' '],
      ['actionTaken', 'Seen today'],
    ]);
    expect(incomplete.status).toBe(400);
    expect(incomplete.$('.govuk-error-summary a').attr('href')).toBe('#name');
    expect(incomplete.$('textarea#actionTaken').text()).toBe('Seen today');
    expect(await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({
      status: 'open',
      acknowledgedBy: null,
    });
    expect(atUpdate).toEqual([]);

    const posted = await postForm(path, [
      ['_csrf', csrfToken(LINK_SECRET, token)],
      ['name', 'Dana Whitlock'],
      ['actionTaken', 'Strategy discussion held; the child was seen today "><img src=x onerror=alert(1)>'],
    ]);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(`${path}?saved=1`);

    // Stored before the workflow heard of it; closed by the workflow's activity.
    expect(atUpdate).toEqual([
      {
        acknowledgedBy: 'Dana Whitlock',
        actionTaken: 'Strategy discussion held; the child was seen today "><img src=x onerror=alert(1)>',
        status: 'open',
      },
    ]);
    // The workflow answers at once and closes the row before it ends (PATCHES.handlersReturnAtOnce).
    const state = await handle.result();
    const row = await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    expect(row.status).toBe('acknowledged');
    expect(row.acknowledgedAt).not.toBeNull();
    expect(state.acknowledgedAt).toBe(row.acknowledgedAt!.toISOString());
    expect((await handle.query(escalationStateQuery)).acknowledgedAt).toBeDefined();
    const trail = await bed.db.auditTrailEntry.findMany({
      where: { details: { path: ['escalationId'], equals: escalationId } },
      orderBy: { id: 'asc' },
    });
    expect(trail.map((t) => [t.actor, t.action])).toEqual([
      [`link:acknowledge:${escalationId}`, 'escalation.acknowledged'],
      ['system', 'escalation.closed'],
    ]);

    const page = await browse(posted.headers.get('location')!);
    expect(page.$('.govuk-notification-banner--success h3').text().trim()).toBe(
      'Thank you: the concern has been acknowledged',
    );
    expect(page.$('form')).toHaveLength(0);
    expect(page.$('main').text()).toContain('Dana Whitlock');
    expect(page.$('img')).toHaveLength(0);
    expectOnlyOwnScripts(page.$);

    const again = await postForm(path, [
      ['_csrf', csrfToken(LINK_SECRET, token)],
      ['name', 'Someone else'],
      ['actionTaken', 'Again'],
    ]);
    expect(again.status).toBe(409);
    expect(again.$('main').text()).toContain('already been acknowledged');
    const json = await http.call('POST', path, { body: { name: 'Someone else', actionTaken: 'Again' } });
    expect(json.status).toBe(409);
    expect(json.body.error.code).toBe('already_done');
    expect((await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } })).acknowledgedBy).toBe(
      'Dana Whitlock',
    );
  });

  it('takes JSON without a CSRF token, and validates it: name 1–200, action taken 1–5000', async () => {
    const { escalationId, handle, token } = await escalated();
    const path = `/acknowledge/${token}`;
    for (const body of [
      { name: 'x'.repeat(201), actionTaken: 'Seen' },
      { name: 'Dana', actionTaken: '' },
      { name: 'Dana', actionTaken: 'x'.repeat(5001) },
      { name: 'Dana', actionTaken: 'Seen', extra: true },
    ]) {
      const res = await http.call('POST', path, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const res = await http.call('POST', path, { body: { name: 'Dana Whitlock', actionTaken: 'Seen today' } });
    expect(res.status).toBe(200);
    const { acknowledgedAt } = await handle.result();
    const row = await bed.db.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    expect(res.body).toEqual({ saved: true, acknowledgedAt: row.acknowledgedAt!.toISOString() });
    expect(row).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'Dana Whitlock', actionTaken: 'Seen today' });
    expect(acknowledgedAt).toBe(row.acknowledgedAt!.toISOString());
  });

  it('with no workflow left to tell, the acknowledgement is stored and the row closed all the same', async () => {
    const { auditId, agencies } = await insertAudit(bed.db, { cohortSize: 1 });
    const token = 'orphaned-acknowledgement-token-0123456789abcdef';
    const row = await bed.db.escalation.create({
      data: {
        auditId,
        agencyId: agencies[0]!.id,
        source: 'business_unit',
        concern: CONCERN,
        tokenHash: tokenHash(token),
      },
    });
    const res = await http.call('POST', `/acknowledge/${token}`, { body: { name: 'Dana', actionTaken: 'Called' } });
    expect(res.status).toBe(200);
    expect(await bed.db.escalation.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'Dana',
    });
  });
});

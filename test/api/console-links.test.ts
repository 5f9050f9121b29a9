// "Send the link again" on the console's pages for the pack (discussion page), an approval (report page), an
// action's progress request (its audit's actions list) and an escalation's acknowledgement (audit page), as a
// browser without script uses them, against the real parts (the Temporal dev server, a worker with the real
// activities, an SMTP catcher): each button is the business unit's only; posting it does what the JSON route
// does (the old link 410 link_gone, the new one emailed once); a task no longer awaited, posted from a stale
// page, is the page again with the error summary at that row's button.
import * as cheerio from 'cheerio';
import { linkToken, type LinkScope } from '../../infra/links';
import { LINK_SECRET } from '../support/activities';
import { useAppBed } from '../support/app-bed';
import { insertAuditWithLinks } from '../support/fixtures';
import { emailedOnce, readyLinkTasks } from '../support/link-tasks';
import { staffSession, type StaffSession } from '../support/staff-session';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const { bed, http } = useAppBed({ temporal: 'dev' });

let rows: Awaited<ReturnType<typeof insertAuditWithLinks>>;
let ids: { approvalId: string; escalationId: string; progressId: string };
let agencyName: string;
let bu: StaffSession;
let manager: StaffSession;
let lis: StaffSession;

beforeAll(async () => {
  rows = await insertAuditWithLinks(bed.db, 'console-links');
  const ready = await readyLinkTasks(bed.db, rows);
  ids = ready.ids;
  agencyName = ready.agency.name;
  [bu, manager, lis] = await Promise.all([
    staffSession(bed.db, LINK_SECRET, 'business_unit'),
    staffSession(bed.db, LINK_SECRET, 'manager'),
    staffSession(bed.db, LINK_SECRET, 'lis'),
  ]);
});

interface Page {
  status: number;
  location: string | null;
  $: cheerio.CheerioAPI;
}

async function asPage(res: Response): Promise<Page> {
  return { status: res.status, location: res.headers.get('location'), $: cheerio.load(await res.text()) };
}

const get = async (path: string, as: StaffSession) =>
  asPage(
    await fetch(`${http.base}${path}`, { headers: { accept: BROWSER_ACCEPT, cookie: as.cookie }, redirect: 'manual' }),
  );

/** The forms of the page's "Send the link again" buttons, with each button's accessible name. */
const buttons = (page: Page) =>
  page
    .$('form button')
    .filter((_i, b) => page.$(b).text().trim().startsWith('Send the link again'))
    .toArray()
    .map((b) => {
      const form = page.$(b).closest('form');
      return {
        name: page.$(b).text().replace(/\s+/g, ' ').trim(),
        id: page.$(b).attr('id')!,
        action: form.attr('action')!,
        fields: Object.fromEntries(
          form
            .find('input[type=hidden]')
            .toArray()
            .map((i) => [page.$(i).attr('name')!, page.$(i).attr('value') ?? '']),
        ),
      };
    });

/** What a browser posts when the button is pressed: the form's hidden fields, its CSRF token among them. */
async function press(button: ReturnType<typeof buttons>[number], as: StaffSession): Promise<Page> {
  return asPage(
    await fetch(`${http.base}${button.action}`, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(button.fields).toString(),
      redirect: 'manual',
    }),
  );
}

interface Kind {
  kind: 'pack' | 'approve' | 'progress' | 'acknowledge';
  page: () => string;
  /** The button's accessible name: it says which row it is. */
  name: () => RegExp;
  scope: () => LinkScope;
}

const KINDS: Kind[] = [
  {
    kind: 'pack',
    page: () => `/audits/${rows.auditId}/discussion`,
    name: () => new RegExp(`^Send the link again: pack for ${agencyName}$`),
    scope: () => `pack:${rows.auditId}:${rows.agencyId}`,
  },
  {
    kind: 'approve',
    page: () => `/audits/${rows.auditId}/report`,
    name: () => new RegExp(`^Send the link again: approval of version \\d+ by ${agencyName}$`),
    scope: () => `approve:${ids.approvalId}`,
  },
  {
    kind: 'progress',
    page: () => `/audits/${rows.auditId}/actions`,
    name: () => /^Send the link again: (Urgent action|Recommendation) \d+, .+$/,
    scope: () => `progress:${ids.progressId}`,
  },
  {
    kind: 'acknowledge',
    page: () => `/audits/${rows.auditId}`,
    name: () => new RegExp(`^Send the link again: escalation to ${agencyName}, raised .+$`),
    scope: () => `acknowledge:${ids.escalationId}`,
  },
];

describe('"Send the link again" in the console', () => {
  it.each(KINDS.map((k) => [k.kind, k] as const))(
    '%s: the business unit’s button sends a new link once and stops the old; the manager and the LIS have none',
    async (kind, { page, name, scope }) => {
      const shown = await get(page(), bu);
      expect(shown.status).toBe(200);
      const [button, ...others] = buttons(shown);
      expect(others).toEqual([]);
      expect(button!.name).toMatch(name());

      for (const reader of [manager, lis]) {
        const theirs = await get(page(), reader);
        expect({ status: theirs.status, buttons: buttons(theirs) }).toEqual({ status: 200, buttons: [] });
        // Their session's own CSRF token, so the refusal is for the role, not the form.
        const csrf = theirs.$('input[name=_csrf]').first().val() as string;
        expect((await press({ ...button!, fields: { ...button!.fields, _csrf: csrf } }, reader)).status).toBe(403);
      }

      const old = `/${kind}/${rows.tokens[kind]}`;
      expect((await http.call('GET', old)).status).toBe(200);
      const done = await press(button!, bu);
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${page()}?linkSent=1`);
      expect((await http.call('GET', old)).body.error?.code).toBe('link_gone');
      const fresh = `/${kind}/${linkToken(LINK_SECRET, scope(), 1)}`;
      await emailedOnce(bed.catcher, fresh);
      expect((await http.call('GET', fresh)).status).toBe(200);
      const trail = await bed.db.auditTrailEntry.findMany({
        where: { auditId: rows.auditId, action: `${kind}.link_reissued`, actor: `staff:${bu.staffId}` },
      });
      expect(trail).toHaveLength(1);

      const after = await get(done.location!, bu);
      expect(after.$('.govuk-notification-banner--success').text()).toContain(
        'A new link has been sent; the old one no longer works',
      );
    },
  );

  it('shows a refusal from a stale page (an escalation acknowledged meanwhile) in the error summary at its button', async () => {
    const stale = buttons(await get(`/audits/${rows.auditId}`, bu));
    expect(stale).toHaveLength(1);
    await bed.db.escalation.update({
      where: { id: ids.escalationId },
      data: { acknowledgedBy: 'A. Lead', acknowledgedAt: new Date(), status: 'acknowledged' },
    });
    const sent = bed.catcher.messages().length;

    const refused = await press(stale[0]!, bu);
    expect(refused.status).toBe(409);
    const summary = refused.$('.govuk-error-summary');
    expect(summary.find('h2').text().trim()).toBe('There is a problem');
    expect(summary.find('a').attr('href')).toBe(`#${stale[0]!.id}`);
    expect(summary.find('a').text()).toContain('This concern has been acknowledged.');
    // The audit page as it is now: no button for a link that cannot go again, and nothing sent.
    expect(refused.$('h1').text()).toBe((await get(`/audits/${rows.auditId}`, bu)).$('h1').text());
    expect(buttons(refused)).toEqual([]);
    expect(refused.$('.govuk-notification-banner--success')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(bed.catcher.messages()).toHaveLength(sent);
  });

  it('shows no button where the link could not be used: a decided approval, a closed action, a pack read a week after the discussion', async () => {
    await bed.db.audit.update({
      where: { id: rows.auditId },
      data: { discussionAt: new Date(Date.now() - 8 * 86_400_000) },
    });
    await bed.db.approval.update({
      where: { id: ids.approvalId },
      data: { decision: 'approved', decidedAt: new Date() },
    });
    await bed.db.action.update({ where: { id: rows.actionId }, data: { status: 'closed' } });
    expect(buttons(await get(`/audits/${rows.auditId}/discussion`, bu))).toEqual([]);
    expect(buttons(await get(`/audits/${rows.auditId}/report`, bu))).toEqual([]);
    expect(buttons(await get(`/audits/${rows.auditId}/actions`, bu))).toEqual([]);
  });
});

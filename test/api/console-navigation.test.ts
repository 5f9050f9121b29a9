// The console's service navigation per role: each role is shown the sections it may open, and every link it
// is shown opens (200) — none leads to a refusal. Signed in as each role, over HTTP as a browser would.
import * as cheerio from 'cheerio';
import type { Role } from '../../infra/config';
import { LINK_SECRET } from '../support/activities';
import { useAppBed } from '../support/app-bed';
import { staffSession } from '../support/staff-session';

const { bed, http } = useAppBed();

const get = (cookie: string, path: string) =>
  fetch(`${http.base}${path}`, { redirect: 'manual', headers: { accept: 'text/html', cookie } });

const EXPECTED: Record<Role, string[]> = {
  business_unit: ['Audits', 'Actions', 'Agencies', 'Staff'],
  lis: ['Audits', 'Actions'],
  manager: ['Audits', 'Actions', 'Agencies'],
};

it.each(Object.entries(EXPECTED) as [Role, string[]][])(
  'the %s is shown %j, and each link opens',
  async (role, sections) => {
    const { cookie } = await staffSession(bed.db, LINK_SECRET, role);
    const home = await get(cookie, '/audits');
    expect(home.status).toBe(200);
    const $ = cheerio.load(await home.text());
    const links = $('.govuk-service-navigation__list a.govuk-service-navigation__link')
      .map((_i, a) => ({ text: $(a).text().trim(), href: $(a).attr('href')! }))
      .get();
    expect(links.map((l) => l.text)).toEqual(sections);
    expect(links.map((l) => l.href)).toEqual(sections.map((s) => `/${s.toLowerCase()}`));
    for (const { href } of links) expect([href, (await get(cookie, href)).status]).toEqual([href, 200]);
  },
);

it('a section a role is not shown is one it is refused', async () => {
  for (const [role, sections] of Object.entries(EXPECTED) as [Role, string[]][]) {
    const { cookie } = await staffSession(bed.db, LINK_SECRET, role);
    const hidden = EXPECTED.business_unit.filter((s) => !sections.includes(s));
    for (const section of hidden) {
      const href = `/${section.toLowerCase()}`;
      expect([role, href, (await get(cookie, href)).status]).toEqual([role, href, 403]);
    }
  }
});

// Every email of the process: valid MJML, an HTML and a plain-text part carrying the link, the
// partnership's configuration, and MJML compiled once per template.
import mjml2html from 'mjml';
import { createRenderer, loadEmailConfig, mjmlOf, TEMPLATE_NAMES, type TemplateName } from '../../emails';
import { SAMPLES } from '../../emails/samples';

// Counts compilations; the real MJML does the work.
jest.mock('mjml', () => jest.fn(jest.requireActual<typeof mjml2html>('mjml')));
const compilations = mjml2html as unknown as jest.Mock;

const config = loadEmailConfig({});
/** The emails that ask nothing of their recipient, so carry no link to a task. */
const NOTICES: TemplateName[] = ['auditCancelled'];

describe.each(TEMPLATE_NAMES)('the %s email', (name: TemplateName) => {
  test('is MJML without a single error at validationLevel strict', async () => {
    const { errors, html } = await mjml2html(mjmlOf(name, config), { validationLevel: 'strict' });
    expect(errors).toEqual([]);
    expect(html).toMatch(/^<!doctype html>/i);
  });

  test('has a subject, an HTML part linking to the task, and a plain-text part with the link in full', async () => {
    const email = await createRenderer(config).render(name, SAMPLES[name]);
    const { link } = SAMPLES[name] as { link?: string };

    expect(email.subject.length).toBeGreaterThan(10);
    expect(email.html).toContain(`<title>${email.subject}</title>`);
    if (NOTICES.includes(name)) {
      // Asks nothing, so links to nothing but the partnership's address.
      expect(link).toBeUndefined();
      expect(email.html).not.toMatch(/href="https?:/);
    } else {
      expect(email.html).toContain(`href="${link}"`);
      expect(email.text).toContain(`\n${link}\n`);
    }
    for (const part of [email.subject, email.html, email.text]) expect(part).not.toMatch(/\{\{|\}\}/);
    expect(email.text).toContain('Questions to Safeguarding Children Partnership: deep-dive@localhost.');
  });
});

test('a renderer compiles each template once, however many emails it renders', async () => {
  const renderer = createRenderer(config);
  compilations.mockClear();
  for (let i = 0; i < 3; i++) {
    for (const name of TEMPLATE_NAMES) await renderer.render(name, SAMPLES[name]);
  }
  expect(compilations).toHaveBeenCalledTimes(TEMPLATE_NAMES.length);
});

test('the partnership name, contact address, colour and time zone come from the environment', async () => {
  const custom = loadEmailConfig({
    PARTNERSHIP_NAME: 'North Yorkshire Safeguarding Children Partnership',
    PARTNERSHIP_CONTACT_EMAIL: 'nyscp@northyorks.example',
    PARTNERSHIP_BRAND_COLOUR: '#6A1B9A',
    PARTNERSHIP_TIME_ZONE: 'Pacific/Auckland',
  });
  // 23:30 UTC on 1 July is 11:30 on 2 July in Auckland.
  const email = await createRenderer(custom).render('invitation', {
    ...SAMPLES.invitation,
    dueAt: '2026-07-01T23:30:00Z',
  });

  expect(email.text).toMatch(/^North Yorkshire Safeguarding Children Partnership\n/);
  expect(email.text).toContain('Due: Thursday, 2 July 2026\n');
  expect(email.text).toContain(
    'Questions to North Yorkshire Safeguarding Children Partnership: nyscp@northyorks.example.',
  );
  expect(email.html).toContain('href="mailto:nyscp@northyorks.example"');
  expect(email.html).toContain('background:#6A1B9A');
});

test('dates are the partnership’s local dates, British Summer Time included', async () => {
  // 23:30 UTC on 1 July is 00:30 on 2 July in London.
  const email = await createRenderer(config).render('collatedPack', {
    ...SAMPLES.collatedPack,
    discussionAt: '2026-07-01T23:30:00Z',
  });
  expect(email.text).toContain('When: Thursday, 2 July 2026 at 00:30\n');
});

test('text on the brand colour stays readable: white on dark colours, near-black on light ones', async () => {
  const onBrand = async (colour: string) => {
    const { html } = await createRenderer(loadEmailConfig({ PARTNERSHIP_BRAND_COLOUR: colour })).render(
      'briefingPublished',
      SAMPLES.briefingPublished,
    );
    return {
      band: /color:(#\w+);"\s*>Safeguarding Children Partnership</.exec(html)?.[1],
      button: new RegExp(`background:${colour};color:(#\\w+);`).exec(html)?.[1],
    };
  };
  expect(await onBrand('#003366')).toEqual({ band: '#ffffff', button: '#ffffff' });
  expect(await onBrand('#FFDD00')).toEqual({ band: '#111111', button: '#111111' });
});

test('invalid email configuration is refused at start-up, naming the variable', () => {
  expect(() => loadEmailConfig({ PARTNERSHIP_BRAND_COLOUR: 'red' })).toThrow(
    /PARTNERSHIP_BRAND_COLOUR: a colour as #rrggbb/,
  );
  expect(() => loadEmailConfig({ PARTNERSHIP_CONTACT_EMAIL: 'Partnership <a@b.example>' })).toThrow(
    /PARTNERSHIP_CONTACT_EMAIL/,
  );
  expect(() => loadEmailConfig({ PARTNERSHIP_TIME_ZONE: 'Mars/Olympus' })).toThrow(/PARTNERSHIP_TIME_ZONE/);
  expect(() => loadEmailConfig({ PARTNERSHIP_NAME: '  ' })).toThrow(/PARTNERSHIP_NAME/);
  expect(loadEmailConfig({})).toEqual({
    partnershipName: 'Safeguarding Children Partnership',
    contactEmail: 'deep-dive@localhost',
    brandColour: '#1d4f91',
    timeZone: 'Europe/London',
  });
});

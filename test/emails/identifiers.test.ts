// No case content in any email: every template is rendered with hostile and identifying data in each of
// its fields, and with identifying fields smuggled in beside them.
import { createRenderer, EmailInputError, loadEmailConfig, TEMPLATE_NAMES, type TemplateName } from '../../emails';
import { SAMPLES } from '../../emails/samples';
import { IDENTIFIERS } from '../support/fixtures';

const CHILD = 'Zephyrine Quixleworth'; // a child of the fixtures' cohort
const HOSTILE = `<script>alert("${CHILD}")</script>`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;Zephyrine Quixleworth&quot;)&lt;/script&gt;';

/**
 * The only fields whose text an email shows as given: names the partnership chose. Every other field is a
 * link, a date, a number or a fixed choice, and refuses text. Adding a field here is a decision: it is
 * where a child's name could be misplaced, and only the cohort check (below) then stands in the way.
 */
const LABEL_FIELDS = ['auditTitle', 'agencyName', 'location'];

const renderer = createRenderer(loadEmailConfig({}));
const render = (name: TemplateName, data: object, forbidden: string[] = []) =>
  renderer.render(name, data as never, { forbidden });
const parts = (email: { subject: string; html: string; text: string }) => [email.subject, email.html, email.text];

describe.each(TEMPLATE_NAMES)('the %s email', (name: TemplateName) => {
  const fields = Object.keys(SAMPLES[name]);

  test('shows nothing identifying with realistic data, and nothing of fields it does not declare', async () => {
    const smuggled = {
      ...SAMPLES[name],
      childName: CHILD,
      dateOfBirth: '2010-02-10',
      localId: 'LCS900100',
      caseRef: 'NYC-4711',
      description: `Action for ${CHILD}: review the plan`,
      notes: `${CHILD} said she felt unsafe at home`,
    };
    for (const part of parts(await render(name, smuggled))) {
      for (const identifier of IDENTIFIERS) expect(part).not.toContain(identifier);
    }
  });

  test.each(fields)('with a child’s name in %s: refused, or shown escaped only if it is a label', async (field) => {
    const rendering = render(name, { ...SAMPLES[name], [field]: HOSTILE });
    if (!LABEL_FIELDS.includes(field)) {
      await expect(rendering).rejects.toThrow(EmailInputError);
      await expect(rendering).rejects.toThrow(new RegExp(`^${field} must be`));
      return;
    }
    const email = await rendering;
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).toContain(HOSTILE_ESCAPED);
    expect(email.subject + email.text).not.toMatch(/&lt;|&quot;/); // the text parts are not HTML
  });

  test('with the cohort’s identifiers known, a child’s name in any field is refused', async () => {
    for (const field of fields) {
      const rendering = render(name, { ...SAMPLES[name], [field]: `${CHILD}` }, ['NYC-4711', CHILD]);
      await expect(rendering).rejects.toThrow(EmailInputError);
      await expect(rendering).rejects.not.toThrow(CHILD); // the refusal does not repeat what it refused
    }
  });
});

test('the cohort check matches whole words in any case and spacing, so no agency is blocked by a short name', async () => {
  const data = { ...SAMPLES.invitation, agencyName: 'Ashfield Health Visiting' };
  await expect(render('invitation', data, ['Ash', 'Field'])).resolves.toHaveProperty('subject');
  await expect(render('invitation', data, ['ashfield   HEALTH'])).rejects.toThrow(
    'a label (agency name, audit title or place) holds an identifier of a child in the cohort',
  );
  await expect(
    render('invitation', { ...data, auditTitle: 'Missing from care (nyc-4711)' }, ['NYC-4711']),
  ).rejects.toThrow(EmailInputError);
});

test('HTML special characters in labels are escaped in the HTML part and plain in the others', async () => {
  const email = await render('collatedPack', { ...SAMPLES.collatedPack, location: `Tom & Jerry's "Room" <b>1</b>` });
  expect(email.html).toContain('Tom &amp; Jerry&#39;s &quot;Room&quot; &lt;b&gt;1&lt;/b&gt;');
  expect(email.text).toContain(`Where: Tom & Jerry's "Room" <b>1</b>\n`);
});

test('a label cannot pull in another slot, nor break the subject onto a new header line', async () => {
  const email = await render('invitation', { ...SAMPLES.invitation, agencyName: '{{link}}' });
  expect(email.text).toContain('Agency: {{link}}\n');
  await expect(
    render('invitation', { ...SAMPLES.invitation, auditTitle: 'Focus\r\nBcc: all@example.com' }),
  ).rejects.toThrow('auditTitle must be one line of 1 to 120 characters');
  await expect(render('invitation', { ...SAMPLES.invitation, agencyName: 'x'.repeat(121) })).rejects.toThrow(
    EmailInputError,
  );
});

test('links must be absolute http(s) links without credentials, and cannot break out of the href', async () => {
  for (const link of [
    'javascript:alert(1)',
    '/respond/abc',
    'https://user:pw@deepdive.example/respond/abc',
    'data:text/html,x',
  ]) {
    await expect(render('invitation', { ...SAMPLES.invitation, link })).rejects.toThrow(
      'link must be an absolute http(s) link',
    );
  }
  const email = await render('invitation', {
    ...SAMPLES.invitation,
    link: 'https://deepdive.example/respond/a"onmouseover="alert(1)',
  });
  expect(email.html).not.toContain('"onmouseover');
  expect(email.html).toContain('href="https://deepdive.example/respond/a%22onmouseover=%22alert(1)"');
});

// Rendering: MJML → HTML once per template (the slow part: milliseconds), then per email only a substitution
// of escaped slot values into the cached HTML, and the plain-text part from the same blocks.
import mjml2html from 'mjml';
import type { EmailConfig } from './config';
import { dateFormats, EmailInputError, Fields } from './fields';
import { escapeHtml, layoutMjml, layoutText } from './layout';
import { type TemplateData, type TemplateName, templates } from './registry';
import type { Block, EmailTemplate } from './template';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderOptions {
  /**
   * The cohort's identifiers (children's names, local IDs, case references): rendering is refused if a
   * label holds one. Labels are the only place free-ish text reaches an email.
   */
  forbidden?: readonly string[];
}

export type Renderer = ReturnType<typeof createRenderer>;

/** Renders every template with one partnership's configuration; compiled HTML is cached per renderer. */
export function createRenderer(config: EmailConfig) {
  const compiled = new Map<TemplateName, Promise<string>>();
  const formats = dateFormats(config.timeZone);

  return {
    async render<N extends TemplateName>(
      name: N,
      data: TemplateData<N>,
      options: RenderOptions = {},
    ): Promise<RenderedEmail> {
      const template = templates[name] as EmailTemplate<TemplateData<N>>;
      const fields = new Fields(formats);
      const own = template.slots(data, fields);
      refuseIdentifiers(fields.labels, options.forbidden ?? []);

      const layout = { partnership: config.partnershipName, contactEmail: config.contactEmail };
      const subject = fill(template.subject, { ...own, ...layout }, same);
      const values = { ...own, ...layout, subject };

      let html = compiled.get(name);
      if (!html) {
        html = compile(mjmlOf(name, config));
        compiled.set(name, html);
      }
      return {
        subject,
        html: fill(await html, values, escapeHtml),
        text: layoutText(
          fill(template.heading, values, same),
          template.body.map((b) => fillBlock(b, values)),
          config,
        ),
      };
    },
  };
}

/** A template's MJML source with its slots in place (what is compiled and cached). */
export function mjmlOf(name: TemplateName, config: EmailConfig): string {
  const template = templates[name];
  return layoutMjml(template.heading, template.body, config.brandColour);
}

async function compile(mjml: string): Promise<string> {
  // strict: a template MJML finds fault with never renders at all.
  const { html } = await mjml2html(mjml, { validationLevel: 'strict', keepComments: false });
  return html;
}

const same = (text: string) => text;

/** Replaces each {{slot}}; a slot without a value is a bug in the template, so it throws. */
function fill(text: string, values: Record<string, string>, encode: (value: string) => string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the slot {{${name}}}`);
    return encode(value);
  });
}

function fillBlock(block: Block, values: Record<string, string>): Block {
  const f = (text: string) => fill(text, values, same);
  switch (block.kind) {
    case 'paragraph':
      return { kind: 'paragraph', text: f(block.text) };
    case 'button':
      return { kind: 'button', label: f(block.label), href: f(block.href) };
    case 'facts':
      return { kind: 'facts', rows: block.rows.map(([label, value]) => [f(label), f(value)] as const) };
  }
}

function refuseIdentifiers(labels: readonly string[], forbidden: readonly string[]): void {
  const words = (text: string) =>
    ` ${text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean)
      .join(' ')} `;
  for (const identifier of forbidden) {
    const needle = words(identifier);
    // Whole words only, so that a child called "Ash" does not stop mail to "Ashfield Health".
    if (needle.trim() !== '' && labels.some((label) => words(label).includes(needle))) {
      throw new EmailInputError(
        'a label (agency name, audit title or place) holds an identifier of a child in the cohort',
      );
    }
  }
}

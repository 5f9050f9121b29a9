// What a template is: fixed wording with {{slots}}, and a function from its typed input to the slots'
// text. The wording never depends on the input, so each template's MJML is compiled once with the
// slots in place and every email after that is a substitution (see render.ts).
import type { Fields } from './fields';

/** One piece of an email body. Text may hold {{slot}}s; the layout writes each kind as HTML and as text. */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'button'; label: string; href: string }
  | { kind: 'facts'; rows: readonly (readonly [label: string, value: string])[] };

export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
/** `href` is a slot holding a link, e.g. '{{link}}'. */
export const button = (label: string, href: string): Block => ({ kind: 'button', label, href });
export const facts = (...rows: (readonly [string, string])[]): Block => ({ kind: 'facts', rows });

export interface EmailTemplate<Data> {
  subject: string;
  heading: string;
  body: readonly Block[];
  /** The text of each slot, from the input's checked fields. Nothing else of the input is shown. */
  slots(data: Data, fields: Fields): Record<string, string>;
}

/** Types a template against its input. */
export function defineTemplate<Data>(template: EmailTemplate<Data>): EmailTemplate<Data> {
  return template;
}

// "Send the link again" on the console's pages, for the links that are not an audit tool's: the collated
// pack's (discussion page), an approval's (report page), an action's progress request (actions page) and an
// escalation's acknowledgement (audit page). The part of a page's model its buttons and banner are drawn from.
import type { Errors } from './components';
import type { LayoutModel, Page } from './layout';

/** One "Send the link again" button: where it posts and whose link it is (its hidden text). */
export interface LinkButton {
  /** The button's id, which a refusal's error summary links to. */
  id: string;
  /** The ID of its row (an agency's, an approval's, an action's, an escalation's). */
  row: string;
  href: string;
  /** Which row it is, for a screen reader: the accessible name is unique on the page. */
  what: string;
  /** Hidden fields the route needs besides the CSRF token (which list to go back to). */
  fields?: Record<string, string>;
}

export interface LinksModel {
  /** The section's heading, for the pages that list the links apart from their rows. */
  heading: string;
  buttons: LinkButton[];
  /** The same buttons by the ID of their row (an action's), for a page that puts each in its row. */
  byRow: Record<string, LinkButton>;
  csrf: string;
  /** A link was just sent again (the redirect after the button). */
  sent: boolean;
}

export const linkButtonId = (rowId: string) => `send-link-${rowId}`;

/** The page with its buttons, and a refusal of one of them in its error summary. */
export function withLinks<M extends LayoutModel>(
  page: Page<M>,
  links: LinksModel,
  refused: Errors | undefined,
): Page<M & { links: LinksModel }> {
  const errors = [...(page.model.errors ?? []), ...(refused ?? [])];
  return { ...page, model: { ...page.model, errors: errors.length ? errors : undefined, links } };
}

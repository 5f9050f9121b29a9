// Stage 4: the collated pack goes to every participating agency with the discussion's date and place.
import type { IsoDateTime, Label, Link } from '../fields';
import { button, defineTemplate, facts, paragraph } from '../template';

export interface CollatedPackData {
  auditTitle: Label;
  agencyName: Label;
  discussionAt: IsoDateTime;
  /** Where the discussion is held, as the business unit scheduled it (a room, or "Online"). */
  location: Label;
  link: Link;
}

export const collatedPack = defineTemplate<CollatedPackData>({
  subject: '{{audit}} deep dive: collated audit tools and the discussion on {{when}}',
  heading: 'The audit discussion',
  body: [
    paragraph(
      'The audit tools for the {{audit}} deep dive have been collated into one pack. Please read it before the ' +
        'multi-agency audit discussion, and send someone from {{agency}} who can speak to your tools.',
    ),
    facts(['When', '{{when}}'], ['Where', '{{where}}'], ['Agency', '{{agency}}']),
    button('Read the collated pack', '{{link}}'),
    paragraph(
      "The pack is restricted: treat it in strict confidence, in line with the partnership's information sharing guidance.",
    ),
  ],
  slots: (d, f) => ({
    audit: f.label(d, 'auditTitle'),
    agency: f.label(d, 'agencyName'),
    when: f.dateTime(d, 'discussionAt'),
    where: f.label(d, 'location'),
    link: f.link(d, 'link'),
  }),
});

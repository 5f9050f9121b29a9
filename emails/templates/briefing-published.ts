// Stage 8: the 7 Point Briefing is public; the participating agencies are told where.
import type { Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface BriefingPublishedData {
  auditTitle: Label;
  /** The public briefing page. */
  link: Link;
}

export const briefingPublished = defineTemplate<BriefingPublishedData>({
  subject: '7 Point Briefing published: {{audit}} deep dive',
  heading: 'The 7 Point Briefing is published',
  body: [
    paragraph(
      'The Learning and Improvement Subgroup has signed off the {{audit}} deep dive, and its 7 Point Briefing is ' +
        'now published. Please share it with practitioners and managers in your agency, so that the learning reaches them.',
    ),
    button('Read the 7 Point Briefing', '{{link}}'),
  ],
  slots: (d, f) => ({ audit: f.label(d, 'auditTitle'), link: f.link(d, 'link') }),
});

// Stage 10: every action is closed, so the audit is complete.
import type { Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface AuditCompletedData {
  auditTitle: Label;
  actionsClosed: number;
  /** The public 7 Point Briefing. */
  link: Link;
}

export const auditCompleted = defineTemplate<AuditCompletedData>({
  subject: '{{audit}} deep dive completed',
  heading: 'The deep dive is complete',
  body: [
    paragraph(
      'Every action and recommendation of the {{audit}} deep dive is closed ({{closed}} in all), so the audit is complete. ' +
        'Thank you to everyone who took part.',
    ),
    paragraph(
      "The children's details and the audit tools are deleted on the retention schedule; the anonymised report, " +
        'the 7 Point Briefing and the history of the actions are kept.',
    ),
    button('Read the 7 Point Briefing', '{{link}}'),
  ],
  slots: (d, f) => ({ audit: f.label(d, 'auditTitle'), closed: f.count(d, 'actionsClosed'), link: f.link(d, 'link') }),
});

// Stage 8: the approved report goes to the Learning and Improvement Subgroup for sign-off.
import type { Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface LisSignoffData {
  auditTitle: Label;
  version: number;
  link: Link;
}

export const lisSignoffRequest = defineTemplate<LisSignoffData>({
  subject: 'For LIS sign-off: {{audit}} deep dive summary report',
  heading: 'A summary report is ready for sign-off',
  body: [
    paragraph(
      'Version {{version}} of the anonymised summary report of the {{audit}} deep dive has been approved by the ' +
        'practitioners who took part. The Learning and Improvement Subgroup is asked to approve it, or return it with comments.',
    ),
    paragraph(
      'On approval its recommendations and actions join the LIS workplan and the 7 Point Briefing is published.',
    ),
    button('Review the report', '{{link}}'),
  ],
  slots: (d, f) => ({ audit: f.label(d, 'auditTitle'), version: f.count(d, 'version'), link: f.link(d, 'link') }),
});

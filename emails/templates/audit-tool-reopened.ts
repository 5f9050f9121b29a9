// Stage 3: the business unit reopened a submitted audit tool so that the agency can correct it.
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const auditToolReopened = defineTemplate<AgencyTask>({
  subject: 'Your {{audit}} deep dive audit tool is open again',
  heading: 'Your audit tool is open again',
  body: [
    paragraph(
      'The business unit has reopened the audit tool {{agency}} submitted for the {{audit}} deep dive, so that it can be changed.',
    ),
    paragraph('What you submitted is kept as a draft. Open the link, make the changes and submit it again.'),
    button('Open the audit tool', '{{link}}'),
  ],
  slots: agencyTaskSlots,
});

// Stage 3: the business unit sent the audit tool's link again ("Send the link again", "Change contact").
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const linkReissued = defineTemplate<AgencyTask>({
  subject: 'A new link to your {{audit}} deep dive audit tool',
  heading: 'Your audit tool has a new link',
  body: [
    paragraph(
      'The business unit has sent {{agency}} a new link to the audit tool for the {{audit}} deep dive, due on {{due}}.',
    ),
    paragraph('Any earlier link to it no longer works. Anything already saved is kept: open the new link to carry on.'),
    button('Open the audit tool', '{{link}}'),
  ],
  slots: agencyTaskSlots,
});

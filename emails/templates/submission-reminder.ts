// Stage 3: before the deadline (5 and 1 working days ahead).
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const submissionReminder = defineTemplate<AgencyTask>({
  subject: 'Reminder: {{audit}} deep dive audit tool due {{due}}',
  heading: 'Your audit tool is due soon',
  body: [
    paragraph('The audit tool {{agency}} was asked to complete for the {{audit}} deep dive is due on {{due}}.'),
    paragraph('If you have started it, your draft is saved: open the link to finish and submit it.'),
    button('Open the audit tool', '{{link}}'),
  ],
  slots: agencyTaskSlots,
});

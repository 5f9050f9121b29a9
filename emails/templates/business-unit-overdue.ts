// Stage 3: the business unit hears of each audit tool that passes its deadline.
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const businessUnitOverdue = defineTemplate<AgencyTask>({
  subject: 'Overdue: audit tool from {{agency}} ({{audit}} deep dive)',
  heading: 'An audit tool is overdue',
  body: [
    paragraph(
      'The audit tool requested from {{agency}} for the {{audit}} deep dive was due on {{due}} and has not been ' +
        'submitted. The agency is being chased; you can extend the deadline or record that the agency had no involvement.',
    ),
    button('View the audit', '{{link}}'),
  ],
  slots: agencyTaskSlots,
});

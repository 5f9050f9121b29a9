// Stage 3: five working days overdue, to the agency lead.
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const submissionLeadEscalation = defineTemplate<AgencyTask>({
  subject: 'Escalation: an audit tool from {{agency}} is overdue ({{audit}} deep dive)',
  heading: 'An audit tool from your agency is overdue',
  body: [
    paragraph(
      'You are receiving this as the lead for {{agency}}. An audit tool your agency was asked to complete for the ' +
        '{{audit}} deep dive was due on {{due}} and is still outstanding after reminders to your audit contact.',
    ),
    paragraph('Please make sure it is completed. The link opens the tool, which shows the child it is about.'),
    button('Open the audit tool', '{{link}}'),
  ],
  slots: agencyTaskSlots,
});

// Stage 3: after the deadline (1 and 3 working days overdue).
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export const submissionChaser = defineTemplate<AgencyTask>({
  subject: 'Overdue: {{audit}} deep dive audit tool was due {{due}}',
  heading: 'Your audit tool is overdue',
  body: [
    paragraph(
      'The audit tool {{agency}} was asked to complete for the {{audit}} deep dive was due on {{due}} and has not ' +
        'been submitted. Please submit it as soon as you can: a late submission is still used.',
    ),
    button('Open the audit tool', '{{link}}'),
    paragraph(
      'If your agency had no involvement with this child, tell the business unit at {{contactEmail}} so that it can close the request.',
    ),
  ],
  slots: agencyTaskSlots,
});

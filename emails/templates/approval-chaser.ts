// Stage 7: a practitioner's approval is overdue.
import { button, defineTemplate, paragraph } from '../template';
import { type ApprovalData, approvalSlots } from './approval-request';

export const approvalChaser = defineTemplate<ApprovalData>({
  subject: 'Overdue: your approval of the {{audit}} deep dive summary report',
  heading: 'Your approval of the summary report is overdue',
  body: [
    paragraph(
      'Your approval of version {{version}} of the {{audit}} deep dive summary report was due on {{due}}. ' +
        'Please approve it or request changes: the report cannot go to the Learning and Improvement Subgroup without it.',
    ),
    button('Read and approve the report', '{{link}}'),
  ],
  slots: approvalSlots,
});

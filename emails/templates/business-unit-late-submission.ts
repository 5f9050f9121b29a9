// Stage 3 and after: a submission after its deadline is kept, and the business unit is told.
import { type AgencyTask, agencyTaskSlots, type IsoDateTime } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface LateSubmissionData extends AgencyTask {
  submittedAt: IsoDateTime;
}

export const businessUnitLateSubmission = defineTemplate<LateSubmissionData>({
  subject: 'Late submission from {{agency}} ({{audit}} deep dive)',
  heading: 'An audit tool arrived late',
  body: [
    paragraph(
      '{{agency}} submitted its audit tool for the {{audit}} deep dive on {{submitted}}, after its deadline of ' +
        '{{due}}. It is stored with the audit and marked as late.',
    ),
    button('View the audit', '{{link}}'),
  ],
  slots: (d, f) => ({ ...agencyTaskSlots(d, f), submitted: f.dateTime(d, 'submittedAt') }),
});

// Urgent escalation, unacknowledged in its window: sent again, to the lead and the partnership manager.
import { button, defineTemplate, paragraph } from '../template';
import { type UrgentConcernData, urgentConcernSlots } from './urgent-escalation';

export interface UrgentReEscalationData extends UrgentConcernData {
  /** 1 for the first re-escalation, then 2, 3… until someone acknowledges. */
  reminderNumber: number;
}

export const urgentReEscalation = defineTemplate<UrgentReEscalationData>({
  subject: 'URGENT, not acknowledged: a concern for {{agency}} to act on ({{audit}} deep dive)',
  heading: 'Urgent: a concern is still not acknowledged',
  body: [
    paragraph(
      'A concern about immediate risk to a child or adult, or about unsafe practice, was raised on {{raised}} ' +
        'during the {{audit}} deep dive for {{agency}} to act on, and nobody has acknowledged it yet. ' +
        'This is reminder {{reminder}}; it goes to the agency lead and to the partnership manager.',
    ),
    paragraph('Open the link to read the concern, then acknowledge it with the action taken, by {{by}}.'),
    button('Read and acknowledge the concern', '{{link}}'),
  ],
  slots: (d, f) => ({ ...urgentConcernSlots(d, f), reminder: f.count(d, 'reminderNumber') }),
});

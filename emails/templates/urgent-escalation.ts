// Urgent escalation: a concern about immediate risk or unsafe practice goes to the agency lead at once.
import type { Fields, IsoDateTime, Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface UrgentConcernData {
  auditTitle: Label;
  agencyName: Label;
  raisedAt: IsoDateTime;
  acknowledgeBy: IsoDateTime;
  link: Link;
}

export function urgentConcernSlots(d: UrgentConcernData, f: Fields): Record<string, string> {
  return {
    audit: f.label(d, 'auditTitle'),
    agency: f.label(d, 'agencyName'),
    raised: f.dateTime(d, 'raisedAt'),
    by: f.dateTime(d, 'acknowledgeBy'),
    link: f.link(d, 'link'),
  };
}

export const urgentEscalation = defineTemplate<UrgentConcernData>({
  subject: 'URGENT: a concern for {{agency}} to act on ({{audit}} deep dive)',
  heading: 'Urgent: a concern needs your action',
  body: [
    paragraph(
      'You are receiving this as the lead for {{agency}}. On {{raised}}, during the {{audit}} deep dive, a concern ' +
        'about immediate risk to a child or adult, or about unsafe practice, was raised for your agency to act on.',
    ),
    paragraph(
      'Open the link to read the concern, then acknowledge it with the action taken, by {{by}}. ' +
        'If it is not acknowledged by then, it is sent again and escalated to the partnership manager.',
    ),
    button('Read and acknowledge the concern', '{{link}}'),
  ],
  slots: urgentConcernSlots,
});

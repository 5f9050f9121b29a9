// Stage 7: still no approval after the chasers, to the agency lead.
import type { Label } from '../fields';
import { button, defineTemplate, paragraph } from '../template';
import { type ApprovalData, approvalSlots } from './approval-request';

export interface ApprovalEscalationData extends ApprovalData {
  agencyName: Label;
}

export const approvalLeadEscalation = defineTemplate<ApprovalEscalationData>({
  subject: 'Escalation: approval from {{agency}} is overdue ({{audit}} deep dive summary report)',
  heading: "Your agency's approval of a report is overdue",
  body: [
    paragraph(
      'You are receiving this as the lead for {{agency}}. Your agency was asked to approve version {{version}} of ' +
        'the {{audit}} deep dive summary report by {{due}}, and has not answered after reminders.',
    ),
    paragraph('Please make sure the practitioner who took part approves it or requests changes.'),
    button('Read and approve the report', '{{link}}'),
  ],
  slots: (d, f) => ({ ...approvalSlots(d, f), agency: f.label(d, 'agencyName') }),
});

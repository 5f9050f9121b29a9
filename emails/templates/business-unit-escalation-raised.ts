// Any stage: the business unit hears of each escalation to an agency lead.
import type { Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

const REASONS = {
  audit_tool_overdue: 'an audit tool from the agency is overdue',
  approval_overdue: "the agency's approval of the summary report is overdue",
  urgent_concern: 'an urgent concern needs the agency to act and acknowledge it',
} as const;

export interface EscalationRaisedData {
  auditTitle: Label;
  agencyName: Label;
  reason: keyof typeof REASONS;
  link: Link;
}

export const businessUnitEscalationRaised = defineTemplate<EscalationRaisedData>({
  subject: 'Escalated to the {{agency}} lead ({{audit}} deep dive)',
  heading: 'An escalation was raised',
  body: [
    paragraph('The lead for {{agency}} has been emailed about the {{audit}} deep dive because {{reason}}.'),
    button('View the audit', '{{link}}'),
  ],
  slots: (d, f) => ({
    audit: f.label(d, 'auditTitle'),
    agency: f.label(d, 'agencyName'),
    reason: f.choice(d, 'reason', REASONS),
    link: f.link(d, 'link'),
  }),
});

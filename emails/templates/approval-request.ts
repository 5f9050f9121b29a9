// Stage 7: each participating practitioner is asked to approve a version of the summary report.
import type { Fields, IsoDateTime, Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

export interface ApprovalData {
  auditTitle: Label;
  /** The report version circulated (1, 2, …): approvals attach to a version. */
  version: number;
  dueAt: IsoDateTime;
  link: Link;
}

export function approvalSlots(d: ApprovalData, f: Fields): Record<string, string> {
  return {
    audit: f.label(d, 'auditTitle'),
    version: f.count(d, 'version'),
    due: f.date(d, 'dueAt'),
    link: f.link(d, 'link'),
  };
}

export const approvalRequest = defineTemplate<ApprovalData>({
  subject: 'Please approve the {{audit}} deep dive summary report by {{due}}',
  heading: 'The summary report is ready for your approval',
  body: [
    paragraph(
      'The anonymised summary report of the {{audit}} deep dive is ready. As a practitioner who took part, please ' +
        'read version {{version}} and either approve it or request changes, by {{due}}.',
    ),
    button('Read and approve the report', '{{link}}'),
    paragraph('Silence is not taken as approval: if we have not heard from you by then we will be in touch.'),
  ],
  slots: approvalSlots,
});

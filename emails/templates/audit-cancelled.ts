// Any stage: the business unit cancelled the audit. Every agency that was asked for something hears that
// nothing more is needed of it, and that what it sent is kept.
import type { Label } from '../fields';
import { defineTemplate, paragraph } from '../template';

export interface AuditCancelledData {
  auditTitle: Label;
  agencyName: Label;
}

export const auditCancelled = defineTemplate<AuditCancelledData>({
  subject: '{{audit}} deep dive cancelled: no further action needed',
  heading: 'The deep dive has been cancelled',
  body: [
    paragraph(
      'The business unit has cancelled the {{audit}} deep dive. {{agency}} needs to take no further action for it: ' +
        'any link you were sent for it no longer asks anything of you.',
    ),
    paragraph('What your agency has already sent is kept, on the partnership’s retention schedule.'),
  ],
  slots: (d, f) => ({ audit: f.label(d, 'auditTitle'), agency: f.label(d, 'agencyName') }),
});

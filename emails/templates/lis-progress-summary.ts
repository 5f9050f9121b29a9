// Stage 9: each quarter the LIS gets the state of every action of an audit, in numbers.
import type { IsoDateTime, Label, Link } from '../fields';
import { button, defineTemplate, facts, paragraph } from '../template';

export interface LisProgressSummaryData {
  auditTitle: Label;
  /** The end of the quarter reported on. */
  periodEnd: IsoDateTime;
  /** Open actions by their latest RAG status; `notReported`: no update this quarter. */
  red: number;
  amber: number;
  green: number;
  notReported: number;
  /** Reported complete, waiting for the LIS to close them. */
  awaitingClosure: number;
  /** Open and past their due date (also counted above). */
  overdue: number;
  closed: number;
  link: Link;
}

export const lisProgressSummary = defineTemplate<LisProgressSummaryData>({
  subject: 'Quarterly action progress: {{audit}} deep dive, to {{end}}',
  heading: 'Quarterly action progress',
  body: [
    paragraph(
      'Where the actions and recommendations of the {{audit}} deep dive stood on {{end}}, as their owner agencies reported them:',
    ),
    facts(
      ['Red', '{{red}}'],
      ['Amber', '{{amber}}'],
      ['Green', '{{green}}'],
      ['Not reported this quarter', '{{notReported}}'],
      ['Reported complete, awaiting closure', '{{awaitingClosure}}'],
      ['Overdue', '{{overdue}}'],
      ['Closed', '{{closed}}'],
    ),
    paragraph('Only the LIS, or the business unit on its behalf, closes an action.'),
    button('Review the actions', '{{link}}'),
  ],
  slots: (d, f) => ({
    audit: f.label(d, 'auditTitle'),
    end: f.date(d, 'periodEnd'),
    red: f.count(d, 'red'),
    amber: f.count(d, 'amber'),
    green: f.count(d, 'green'),
    notReported: f.count(d, 'notReported'),
    awaitingClosure: f.count(d, 'awaitingClosure'),
    overdue: f.count(d, 'overdue'),
    closed: f.count(d, 'closed'),
    link: f.link(d, 'link'),
  }),
});

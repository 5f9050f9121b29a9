// Stage 9: each quarter, the owner agency reports progress on each open action.
import type { Fields, IsoDateTime, Label, Link } from '../fields';
import { button, defineTemplate, paragraph } from '../template';

/**
 * An action is named by its number within the audit, never by its description: the panel wrote that,
 * and it may name a child.
 */
export interface ActionData {
  auditTitle: Label;
  agencyName: Label;
  actionNumber: number;
  dueAt: IsoDateTime;
  link: Link;
}

export function actionSlots(d: ActionData, f: Fields): Record<string, string> {
  return {
    audit: f.label(d, 'auditTitle'),
    agency: f.label(d, 'agencyName'),
    action: f.count(d, 'actionNumber'),
    due: f.date(d, 'dueAt'),
    link: f.link(d, 'link'),
  };
}

export const actionProgressRequest = defineTemplate<ActionData>({
  subject: 'Quarterly progress: action {{action}} of the {{audit}} deep dive',
  heading: 'Please report progress on an action',
  body: [
    paragraph(
      '{{agency}} owns action {{action}} of the {{audit}} deep dive, due on {{due}}. Please report its progress this ' +
        'quarter: a RAG status, an update and any evidence of impact. The link shows the action.',
    ),
    button('Report progress', '{{link}}'),
    paragraph('You will be asked each quarter until the Learning and Improvement Subgroup closes the action.'),
  ],
  slots: actionSlots,
});

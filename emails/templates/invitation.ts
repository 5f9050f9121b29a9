// Stage 2: each agency contact is asked to complete the audit tool for one child.
import { type AgencyTask, agencyTaskSlots } from '../fields';
import { button, defineTemplate, facts, paragraph } from '../template';

export interface InvitationData extends AgencyTask {
  /** This tool's number among the agency's tools in this audit (one per child it worked with). */
  toolNumber: number;
  toolCount: number;
}

export const invitation = defineTemplate<InvitationData>({
  subject: '{{audit}} deep dive: please complete an audit tool by {{due}}',
  heading: 'Please complete an audit tool',
  body: [
    paragraph(
      '{{partnership}} is holding a multi-agency deep dive audit on {{audit}}. Children were selected at random, ' +
        'and {{agency}} worked with one of them: please complete the single-agency audit tool for that child.',
    ),
    paragraph(
      'The link opens the tool for that child alone and shows who the child is. You can save a draft and come ' +
        'back to it; each section asks for good practice, areas for development and recommendations.',
    ),
    button('Open the audit tool', '{{link}}'),
    facts(['Agency', '{{agency}}'], ['Audit tool', '{{tool}} of {{tools}} for your agency'], ['Due', '{{due}}']),
    paragraph(
      'Your agency will also be invited to the multi-agency audit discussion, where the completed tools are considered together.',
    ),
  ],
  slots: (d, f) => ({ ...agencyTaskSlots(d, f), tool: f.count(d, 'toolNumber'), tools: f.count(d, 'toolCount') }),
});

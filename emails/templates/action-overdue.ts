// Stage 9: an action is past its due date and not closed.
import { button, defineTemplate, paragraph } from '../template';
import { type ActionData, actionSlots } from './action-progress-request';

export const actionOverdue = defineTemplate<ActionData>({
  subject: 'Overdue: action {{action}} of the {{audit}} deep dive',
  heading: 'An action is overdue',
  body: [
    paragraph(
      'Action {{action}} of the {{audit}} deep dive, owned by {{agency}}, was due on {{due}} and has not been closed. ' +
        'Please report where it stands, or that it is complete, through the link.',
    ),
    button('Report progress', '{{link}}'),
  ],
  slots: actionSlots,
});

// The route table's rows (api/openapi.ts ROUTES) for the console's "Send the link again" buttons of
// ./console-links.ts: the same commands as the JSON routes reissuePackLink, reissueApprovalLink,
// reissueAcknowledgementLink and reissueProgressLink.
import { z } from 'zod';
import type { Role } from '../../infra/config';
import type { RouteDoc } from '../openapi';

const BU: readonly Role[] = ['business_unit'];

const BUTTONS = [
  {
    path: '/audits/{id}/pack/{agencyId}/reissue',
    operationId: 'consoleReissuePackLink',
    what: "a participating agency's link to the collated pack (as reissuePackLink)",
    page: 'the discussion page',
  },
  {
    path: '/audits/{id}/approvals/{approvalId}/reissue',
    operationId: 'consoleReissueApprovalLink',
    what: "a practitioner's link to approve a report version (as reissueApprovalLink)",
    page: 'the report page',
  },
  {
    path: '/audits/{id}/escalations/{escalationId}/reissue',
    operationId: 'consoleReissueAcknowledgementLink',
    what: "the agency lead's link to acknowledge an urgent concern (as reissueAcknowledgementLink)",
    page: 'the audit page',
  },
  {
    path: '/actions/{actionId}/reissue',
    operationId: 'consoleReissueProgressLink',
    what: "an open action's link to report this quarter's progress (as reissueProgressLink)",
    page: 'the list it was on',
  },
];

export const CONSOLE_LINKS_ROUTES: RouteDoc[] = BUTTONS.map(({ path, operationId, what, page }) => ({
  method: 'post',
  path,
  operationId,
  summary: `The console: "Send the link again" for ${what}`,
  tag: 'console',
  access: BU,
  console: true,
  form: path.startsWith('/actions')
    ? z.object({
        _csrf: z.string(),
        from: z.string().meta({ description: '`all`, or the audit’s ID: the list to go back to.' }),
        page: z.coerce.number().int().min(1).meta({ description: 'The page of that list.' }),
      })
    : z.object({ _csrf: z.string() }),
  // A refusal (409) is the page again, with the error summary at the row's button.
  success: [{ status: 303, description: `Sent: back to ${page} (not signed in: to /sign-in).` }],
  errors: path.startsWith('/actions') ? [400, 404, 409] : [404, 409],
}));

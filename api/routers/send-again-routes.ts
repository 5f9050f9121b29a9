// The route table's rows (api/openapi.ts ROUTES) for "Send again" (api/commands/emails.ts): the JSON route
// and the audit page's button. An email's key has slashes, so the path names it by its ID: the hex hash its
// Message-ID is made of, as `unsentEmails[].id` of GET /api/audits/{id} gives it.
import { z } from 'zod';
import type { Role } from '../../infra/config';
import type { RouteDoc } from '../openapi';

const BU: readonly Role[] = ['business_unit'];

const emailId = z
  .string()
  .regex(/^[0-9a-f]{32}$/)
  .meta({ description: "The email's ID: `unsentEmails[].id` of GET /api/audits/{id}." });

export const SEND_AGAIN_ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/audits/{id}/emails/{emailId}/send-again',
    operationId: 'sendEmailAgain',
    summary:
      'Send a failed or unconfirmed email again (not a refused one: it would be refused again), to the address its purpose has today',
    tag: 'audits',
    access: BU,
    params: { emailId },
    success: [
      {
        status: 202,
        description:
          'On its way, under a key of its own (`<key>/again/<attempt>`); once it is sent the email is `resent` and leaves `unsentEmails`.',
        json: z.object({ id: z.string(), key: z.string(), attempt: z.number().int(), sending: z.literal(true) }),
      },
    ],
    errors: [404, 409],
  },
  {
    method: 'post',
    path: '/audits/{id}/emails/{emailId}/send-again',
    operationId: 'consoleSendEmailAgain',
    summary: 'The console: "Send again" beside a failed or unconfirmed email on the audit page (as sendEmailAgain)',
    tag: 'console',
    access: BU,
    console: true,
    params: { emailId },
    form: z.object({ _csrf: z.string() }),
    // A refusal (409) is the audit page again, with the error summary.
    success: [{ status: 303, description: 'Sending: back to the audit page (not signed in: to /sign-in).' }],
    errors: [404, 409],
  },
];

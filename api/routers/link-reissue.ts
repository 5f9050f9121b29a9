// "Send the link again" over the JSON API for the pack, approval, progress and acknowledgement links
// (api/commands/link-reissue.ts), business unit only; the audit tool's is with the invitations.
import { Router } from 'express';
import { requireRole } from '../auth';
import type { NoticeDeps } from '../commands/invitations';
import {
  reissueAcknowledgementLink,
  reissueApprovalLink,
  reissuePackLink,
  reissueProgressLink,
} from '../commands/link-reissue';

export function linkReissueRouter(deps: NoticeDeps): Router {
  const router = Router();
  const businessUnit = requireRole('business_unit');
  const param = (value: unknown) => String(value);

  router.post('/audits/:id/pack/:agencyId/reissue', businessUnit, async (req, res) => {
    res.json(await reissuePackLink(deps, req.principal!, param(req.params.id), param(req.params.agencyId)));
  });
  router.post('/audits/:id/approvals/:approvalId/reissue', businessUnit, async (req, res) => {
    res.json(await reissueApprovalLink(deps, req.principal!, param(req.params.id), param(req.params.approvalId)));
  });
  router.post('/audits/:id/escalations/:escalationId/reissue', businessUnit, async (req, res) => {
    res.json(
      await reissueAcknowledgementLink(deps, req.principal!, param(req.params.id), param(req.params.escalationId)),
    );
  });
  router.post('/actions/:actionId/reissue', businessUnit, async (req, res) => {
    res.json(await reissueProgressLink(deps, req.principal!, param(req.params.actionId)));
  });

  return router;
}

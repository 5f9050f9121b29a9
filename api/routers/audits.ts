// Audits over the JSON API: start one, read where it is, cancel it; and the business unit's and the LIS's part
// of stages 4–9. Each route is a thin adapter over its command (api/commands/): the path's IDs, the caller, the
// update ID its Idempotency-Key gives; the answer's status and headers.
import { type Request, Router } from 'express';
import { auditSummaries } from '../audit-reads';
import { requireRole } from '../auth';
import {
  auditAccessLog,
  auditEvidencePack,
  auditState,
  cancelAudit,
  replaceCase,
  startAudit,
} from '../commands/audits';
import { raiseConcern } from '../commands/concerns';
import type { CommandDeps } from '../commands/deps';
import { recordOutcome, scheduleDiscussion } from '../commands/discussion';
import {
  extendDeadline,
  recordNoInvolvement,
  reissueLink,
  reopenInvitation,
  sendInvitations,
} from '../commands/invitations';
import { sendEmailAgain } from '../commands/emails';
import { decideLis, draftReport, submitReportVersion } from '../commands/report';
import { parse } from '../errors';
import { idempotencyKeySchema, updateIdFor } from '../idempotency';

/** The path's audit ID: a `:name` segment is always one string (Express's types allow a wildcard's array too). */
const auditId = (req: Request) => String(req.params.id);
const toolOf = (req: Request) => ({ auditId: auditId(req), invitationId: String(req.params.invitationId) });

export function auditsRouter(deps: CommandDeps): Router {
  const router = Router();
  const businessUnit = requireRole('business_unit');
  const readers = requireRole('business_unit', 'manager', 'lis');

  router.post('/', businessUnit, async (req, res) => {
    const idempotencyKey = parse(idempotencyKeySchema.optional(), req.get('idempotency-key'));
    res.status(201).json(await startAudit(deps, req.principal!, req.body, { idempotencyKey }));
  });

  /** Every audit, newest first, from the database's copy of the stage: no Temporal round trip per row. */
  router.get('/', readers, async (_req, res) => {
    res.json(await auditSummaries(deps.db));
  });

  router.get('/:id', readers, async (req, res) => {
    res.json(await auditState(deps, auditId(req)));
  });

  router.get('/:id/access-log', businessUnit, async (req, res) => {
    res.json(await auditAccessLog(deps, auditId(req)));
  });

  router.get('/:id/evidence', readers, async (req, res) => {
    const pack = await auditEvidencePack(deps, auditId(req));
    res.set('Cache-Control', 'no-store');
    res.attachment(`deep-dive-evidence-${pack.audit.id}.json`);
    res.json(pack);
  });

  router.post('/:id/cancel', businessUnit, async (req, res) => {
    res.json(await cancelAudit(deps, req.principal!, auditId(req), req.body, updateIdFor(req, 'cancel')));
  });

  router.post('/:id/cohort/replace', businessUnit, async (req, res) => {
    res.json(await replaceCase(deps, req.principal!, auditId(req), req.body, updateIdFor(req, 'replace-case')));
  });

  router.post('/:id/invitations/send', businessUnit, async (req, res) => {
    res
      .status(202)
      .json(await sendInvitations(deps, req.principal!, auditId(req), updateIdFor(req, 'send-invitations')));
  });

  router.post('/:id/deadlines', businessUnit, async (req, res) => {
    res.json(await extendDeadline(deps, req.principal!, auditId(req), req.body, updateIdFor(req, 'extend')));
  });

  router.post('/:id/invitations/:invitationId/no-involvement', businessUnit, async (req, res) => {
    const invitationId = String(req.params.invitationId);
    res.json(
      await recordNoInvolvement(deps, req.principal!, auditId(req), invitationId, updateIdFor(req, 'no-involvement')),
    );
  });

  router.post('/:id/invitations/:invitationId/reissue', businessUnit, async (req, res) => {
    res.json(await reissueLink(deps, req.principal!, toolOf(req), req.body));
  });

  router.post('/:id/invitations/:invitationId/reopen', businessUnit, async (req, res) => {
    res.json(await reopenInvitation(deps, req.principal!, toolOf(req), req.body));
  });

  router.post('/:id/emails/:emailId/send-again', businessUnit, async (req, res) => {
    res.status(202).json(await sendEmailAgain(deps, req.principal!, auditId(req), String(req.params.emailId)));
  });

  router.post('/:id/concerns', businessUnit, async (req, res) => {
    res.status(201).json(await raiseConcern(deps, req.principal!, auditId(req), req.body));
  });

  router.post('/:id/discussion', businessUnit, async (req, res) => {
    res.json(await scheduleDiscussion(deps, req.principal!, auditId(req), req.body, updateIdFor(req, 'discussion')));
  });

  router.post('/:id/discussion/outcome', businessUnit, async (req, res) => {
    res
      .status(201)
      .json(await recordOutcome(deps, req.principal!, auditId(req), req.body, updateIdFor(req, 'outcome')));
  });

  router.get('/:id/report/draft', businessUnit, async (req, res) => {
    const draft = await draftReport(deps, auditId(req));
    res.set('Cache-Control', 'no-store');
    res.json(draft);
  });

  router.post('/:id/report', businessUnit, async (req, res) => {
    res.status(201).json(await submitReportVersion(deps, req.principal!, auditId(req), req.body));
  });

  router.post('/:id/lis-decision', requireRole('lis', 'business_unit'), async (req, res) => {
    res.json(await decideLis(deps, req.principal!, auditId(req), req.body));
  });

  return router;
}

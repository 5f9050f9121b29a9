// Concerns about a child's immediate safety: raised by the business unit at any time (or by an agency in its
// audit tool, api/routers/respond.ts), each starts an urgent escalation to the agency's lead.
import { raiseConcernSchema } from '../../domain/schemas';
import { escalationWorkflowId, raiseConcernUpdate } from '../../workflows/messages';
import type { Client } from '@temporalio/client';
import type { Principal } from '../auth';
import { HttpError, parse, whileAuditRuns } from '../errors';
import { type AuditDeps, findAudit, recordTrail } from './deps';

export async function raiseConcern(deps: AuditDeps, actor: Principal, auditId: string, input: unknown) {
  const { db } = deps;
  const audit = await findAudit(db, auditId);
  const body = parse(raiseConcernSchema, input);
  const [agency, drawnCase] = await Promise.all([
    db.agency.findUnique({ where: { id: body.agencyId } }),
    body.caseRef ? db.case.findFirst({ where: { auditId: audit.id, caseRef: body.caseRef } }) : null,
  ]);
  // Well-formed, but naming what is not there: 422, where the issue is (the audit is there).
  const unknown = [
    ...(agency ? [] : [{ path: ['agencyId'], message: `unknown agency ${body.agencyId}` }]),
    ...(body.caseRef && !drawnCase
      ? [{ path: ['caseRef'], message: `${body.caseRef} is not a case in this audit` }]
      : []),
  ];
  if (unknown.length || !agency) {
    throw new HttpError(
      422,
      'unknown_reference',
      'The concern names an agency or case this audit does not have.',
      unknown,
    );
  }
  const escalation = await db.escalation.create({
    data: {
      auditId: audit.id,
      caseId: drawnCase?.id,
      agencyId: agency.id,
      source: 'business_unit',
      concern: body.description,
    },
  });
  await recordTrail(db, audit.id, actor, 'concern.raised', { escalationId: escalation.id });
  await startEscalation(deps.temporal, audit.workflowId, escalation.id);
  return { id: escalation.id, workflowId: escalationWorkflowId(escalation.id) };
}

/** Starts the urgent escalation of a stored concern; an audit that has ended cannot, and says so. */
export async function startEscalation(temporal: Client, workflowId: string, escalationId: string): Promise<void> {
  await whileAuditRuns(
    temporal.workflow
      .getHandle(workflowId)
      .executeUpdate(raiseConcernUpdate, { args: [{ escalationId }], updateId: `concern-${escalationId}` }),
    'The audit has ended: telephone the agency lead about this concern.',
  );
}

// What the API does at each step of the later stages, for workflow tests: store what the person typed,
// then tell the workflow — the same order as the routers, without HTTP in between.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { AREAS } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import {
  acknowledgeEscalationUpdate,
  actionProgressUpdate,
  actionWorkflowId,
  approvalDecisionUpdate,
  type AuditState,
  auditStateQuery,
  closeActionUpdate,
  escalationStateQuery,
  escalationWorkflowId,
  lisDecisionUpdate,
  type Rag,
  recordOutcomeUpdate,
  scheduleDiscussionUpdate,
  submissionReceivedUpdate,
  submitReportVersionUpdate,
} from '../../workflows/messages';
import type { AuditHandle } from './audit-bed';

/** Case content as an agency would type it; it names a child, so any leak of it is a leak of an identifier. */
export const SUBMISSION_TEXT = 'Zephyrine Quixleworth told the school nurse she was frightened at home';
export const OUTCOME_TEXT = 'Tobiah Quixleworth needs a strategy discussion this week';
export const REPORT_TEXT = 'Agencies shared information promptly when risk was first recognised';

export function submissionContent() {
  const sections = Object.fromEntries(
    AREAS.map((area) => [
      area,
      {
        goodPractice: `${SUBMISSION_TEXT} (${area})`,
        areasForDevelopment: 'Chronology not kept up to date',
        recommendations: 'Keep a single chronology',
        grade: 'good',
        rationale: 'Risk was recognised and acted on',
      },
    ]),
  );
  return { sections, childVoice: SUBMISSION_TEXT };
}

export function lifecycle(db: Db, client: Client, handle: AuditHandle) {
  const state = () => handle.query(auditStateQuery);
  return {
    state,

    /** Every open invitation answered with a stored, final submission. */
    async submitAll(): Promise<void> {
      for (const invitation of (await state()).invitations.filter((i) => i.status === 'pending')) {
        // As the API does: the submission and the invitation's status in one go, before the workflow is told.
        await db.$transaction([
          db.submission.create({
            data: { invitationId: invitation.invitationId, content: submissionContent(), submittedAt: new Date() },
          }),
          db.invitation.update({ where: { id: invitation.invitationId }, data: { status: 'submitted' } }),
        ]);
        await handle.executeUpdate(submissionReceivedUpdate, { args: [{ invitationId: invitation.invitationId }] });
      }
    },

    async scheduleDiscussion(auditId: string, at: Date): Promise<AuditState> {
      await db.audit.update({
        where: { id: auditId },
        data: { discussionAt: at, discussionLocation: 'Room 4, County Hall' },
      });
      return handle.executeUpdate(scheduleDiscussionUpdate, { args: [{ at: at.toISOString() }] });
    },

    /** Stores the outcome (as the API does) and asks the workflow to take it. */
    async recordOutcome(
      auditId: string,
      outcome: {
        urgentActions: { ownerAgencyId: string; dueAt: Date }[];
        recommendations: { ownerAgencyId: string; dueAt: Date }[];
        concerns: { caseRef: string }[];
      },
    ): Promise<AuditState> {
      const content = {
        attendance: [],
        findings: Object.fromEntries(AREAS.map((a) => [a, { grade: 'good', conclusions: OUTCOME_TEXT }])),
        urgentActions: outcome.urgentActions.map((a) => ({
          ...a,
          description: OUTCOME_TEXT,
          dueAt: a.dueAt.toISOString(),
        })),
        recommendations: outcome.recommendations.map((a) => ({
          ...a,
          description: OUTCOME_TEXT,
          dueAt: a.dueAt.toISOString(),
        })),
        concerns: outcome.concerns.map((c) => ({ ...c, description: OUTCOME_TEXT })),
      };
      await db.outcome.upsert({
        where: { auditId },
        create: { auditId, content, recordedBy: 'test' },
        update: { content },
      });
      return handle.executeUpdate(recordOutcomeUpdate);
    },

    async submitReport(auditId: string): Promise<string> {
      const version = (await db.reportVersion.count({ where: { auditId } })) + 1;
      const row = await db.reportVersion.create({
        data: {
          auditId,
          version,
          submittedBy: 'test',
          content: { workingWell: [REPORT_TEXT], areasForDevelopment: [], themes: [], recommendations: [] },
        },
      });
      await handle.executeUpdate(submitReportVersionUpdate, { args: [{ reportVersionId: row.id }] });
      return row.id;
    },

    async decide(approvalId: string, decision: 'approved' | 'changes_requested'): Promise<void> {
      await db.approval.update({
        where: { id: approvalId },
        data: { decision, decidedAt: new Date(), comments: decision === 'approved' ? null : REPORT_TEXT },
      });
      await handle.executeUpdate(approvalDecisionUpdate, { args: [{ approvalId, decision }] });
    },

    async approveAll(): Promise<void> {
      const latest = (await state()).reportVersions.at(-1)!;
      for (const approval of latest.approvals) await this.decide(approval.approvalId, 'approved');
    },

    async lisDecide(auditId: string, decision: 'approved' | 'returned'): Promise<void> {
      const latest = (await state()).reportVersions.at(-1)!;
      const row = await db.lisDecision.create({
        data: { auditId, reportVersionId: latest.reportVersionId, decision, decidedBy: 'test:lis' },
      });
      await handle.executeUpdate(lisDecisionUpdate, { args: [{ lisDecisionId: row.id, decision }] });
    },

    /** The lead follows the link in the first email (so waits for it to go) and acknowledges. */
    async acknowledge(escalationId: string): Promise<void> {
      const escalation = client.workflow.getHandle(escalationWorkflowId(escalationId));
      // The audit starts it after its update has answered (PATCHES.handlersReturnAtOnce): not there at first.
      const emailed = () =>
        escalation.query(escalationStateQuery).then(
          (s) => !!s.nextReEscalationAt,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        );
      for (let i = 0; i < 100 && !(await emailed()); i++) await new Promise((r) => setTimeout(r, 100));
      await db.escalation.update({
        where: { id: escalationId },
        data: { acknowledgedBy: 'A. Lead', actionTaken: 'Strategy meeting held' },
      });
      await escalation.executeUpdate(acknowledgeEscalationUpdate, { args: [{ escalationId }] });
    },
  };
}

/** The owner's progress report on an action's latest request, stored first as the /progress route does. */
export async function reportProgress(db: Db, client: Client, actionId: string, status: Rag): Promise<void> {
  const request = await db.actionProgress.findFirstOrThrow({ where: { actionId }, orderBy: { quarter: 'desc' } });
  await db.actionProgress.update({
    where: { id: request.id },
    data: { status, update: 'On track', reportedAt: new Date() },
  });
  await client.workflow
    .getHandle(actionWorkflowId(actionId))
    .executeUpdate(actionProgressUpdate, { args: [{ progressId: request.id, status }] });
}

export async function closeAction(client: Client, actionId: string): Promise<void> {
  await client.workflow.getHandle(actionWorkflowId(actionId)).executeUpdate(closeActionUpdate);
}

// Every message the audit workflow understands. The API, the worker and the tests import these same
// objects, so a name is written once.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { ServiceLevel } from '../domain/cohort';
import type { Stage } from '../domain/stages';

export const TASK_QUEUE = 'deep-dive';

/** Lets the Temporal UI and `temporal workflow list` filter audits by stage. */
export const stageSearchAttribute = defineSearchAttributeKey('DeepDiveStage', 'KEYWORD');

export const auditWorkflowId = (auditId: string): string => `audit-${auditId}`;

/** IDs and orchestration state only: no child identifier, no free text. */
export interface AuditState {
  auditId: string;
  stage: Stage;
  cohort: { caseId: string; serviceLevel: ServiceLevel }[];
  cohortSeed?: string;
  cancelled: boolean;
}

export const auditStateQuery = defineQuery<AuditState>('auditState');

/** The reason itself is stored in the audit trail by the API before this is sent. */
export const cancelAuditUpdate = defineUpdate<AuditState>('cancelAudit');

// The deep dive audit, one workflow per audit, reading like the process: each stage lives in its own
// module beside this one.
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Stage } from '../domain/stages';
import { wrongStage } from './errors';
import { auditStateQuery, type AuditState, cancelAuditUpdate, stageSearchAttribute } from './messages';
import { selectCohort } from './selection';

export interface DeepDiveAuditInput {
  auditId: string;
}

const TERMINAL: readonly Stage[] = ['completed', 'cancelled'];

export async function deepDiveAudit(input: DeepDiveAuditInput): Promise<AuditState> {
  const state: AuditState = { auditId: input.auditId, stage: 'selection', cohort: [], cancelled: false };

  setHandler(auditStateQuery, () => state);
  setHandler(
    cancelAuditUpdate,
    () => {
      state.cancelled = true;
      enterStage(state, 'cancelled');
      return state;
    },
    {
      validator: () => {
        if (TERMINAL.includes(state.stage)) throw wrongStage('cancel', state.stage);
      },
    },
  );

  await selectCohort(state);
  if (state.cancelled) return state;
  enterStage(state, 'invitations');

  // The stages after selection (invitations onwards) arrive with the lifecycle issue; until then the
  // audit waits here, visible in its stage, until it is cancelled.
  await condition(() => state.cancelled);
  return state;
}

function enterStage(state: AuditState, stage: Stage): void {
  state.stage = stage;
  upsertSearchAttributes([{ key: stageSearchAttribute, value: stage }]);
}

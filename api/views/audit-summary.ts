// An audit at a glance, as the audits list (and the dashboard before it) shows it: its stage, what is
// overdue, and how its open actions stand. Counts and dates only: no child's identifiers.
import type { Stage } from '../../domain/stages';
import { RAG_LABELS, type RagStatus, STAGE_LABELS, type Tag, tag } from './components';

export interface AuditSummary {
  id: string;
  focus: string;
  stage: Stage;
  createdAt: string;
  nextDeadline: string | null;
  overdue: { submissions: number; approvals: number; actions: number; escalations: number };
  openEscalations: number;
  rag: Record<RagStatus | 'none' | 'closed', number>;
}

/** A table cell: tags, then text. */
export interface Cell {
  tags?: Tag[];
  text?: string;
}

export const stageTag = (stage: Stage): Tag =>
  tag(STAGE_LABELS[stage], stage === 'cancelled' ? 'grey' : stage === 'completed' ? 'green' : undefined);

export function overdueCell(o: AuditSummary['overdue']): Cell {
  const parts = (
    [
      [o.submissions, 'submission', 'submissions'],
      [o.approvals, 'approval', 'approvals'],
      [o.actions, 'action', 'actions'],
      [o.escalations, 'unacknowledged escalation', 'unacknowledged escalations'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return parts.length ? { tags: [tag('Overdue', 'red')], text: parts.join(', ') } : { text: 'None' };
}

const RAG_COLOURS = { red: 'red', amber: 'yellow', green: 'green', complete: 'green' } as const;

export function ragCell(rag: AuditSummary['rag']): Cell {
  const tags = (['red', 'amber', 'green', 'complete'] as const)
    .filter((r) => rag[r] > 0)
    .map((r) => tag(`${RAG_LABELS[r]} ${rag[r]}`, RAG_COLOURS[r]));
  const more = [rag.none ? `${rag.none} not reported` : '', rag.closed ? `${rag.closed} closed` : '']
    .filter(Boolean)
    .join(', ');
  return tags.length || more ? { tags, text: more } : { text: 'No actions' };
}

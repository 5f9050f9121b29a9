/** The audit's stages, in the order the process runs them (PRODUCT.md, "The lifecycle"). */
export const STAGES = [
  'selection',
  'invitations',
  'awaiting_submissions',
  'collation',
  'discussion',
  'report',
  'practitioner_approval',
  'lis_signoff',
  'action_follow_up',
  'completed',
  'cancelled',
] as const;

export type Stage = (typeof STAGES)[number];

/** Where an audit ends: nothing moves it out of either. */
export const TERMINAL_STAGES: Stage[] = ['completed', 'cancelled'];

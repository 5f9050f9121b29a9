// Every patch the workflows have taken: a change to the commands a workflow issues goes behind
// `patched(<name>)`, so that an audit started by an earlier release replays the path it took then.
// Append only. A patch is retired in two releases, once no open workflow can still be on its old path
// (docs/OPERATIONS.md, "Patches"): first `deprecatePatch(<name>)` with the old branch deleted, then the call.
export const PATCHES = {
  /**
   * 0.2.0 — a cancel always wins. The stages run in one cancellation scope that the cancel cancels, so no
   * stage code runs past its next await; the stage is `cancelled` for good (state, search attribute,
   * database), open actions show `cancelled`, and every agency that was asked for something is told.
   * Taken when the cancel arrives, so audits open before 0.2.0 get it too.
   */
  cancelAlwaysWins: 'cancel-always-wins',
  /**
   * 0.3.0 — update handlers change state and return (workflows/steps.ts `chores`): the pack sent again when
   * the discussion moves, a late submission's notice, an escalation's start, and the database writes of
   * no involvement, an extension, a LIS decision, a closed action and an acknowledgement are done by the
   * workflow after the handler has answered. The replacement of a case and the taking of the outcome, whose
   * answers are the rows they make, wait their turn. Taken when such an update arrives.
   */
  handlersReturnAtOnce: 'handlers-return-at-once',
  /**
   * 0.3.0 — a step that cannot be done (a row not there: `NotFound`, Prisma P2025) is recorded as the
   * audit's problem, shown to the business unit and tried again daily (workflows/steps.ts `steadily`),
   * instead of failing the whole workflow. Taken when such a failure happens.
   */
  stepsFailVisibly: 'steps-fail-visibly',
  /**
   * 0.4.0 — the identifiable tier is purged a retention period after the LIS signs the report off, while
   * the actions are still followed up, instead of a retention period after the last action closes (which
   * may be years later). The timer starts at sign-off, outside the stages' scope, so a later cancel does
   * not put it off. A cancel before sign-off purges a retention period after the cancel, as before. Taken
   * at sign-off.
   */
  purgeAfterSignOff: 'purge-after-sign-off',
} as const;

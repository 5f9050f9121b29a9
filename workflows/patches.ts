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
} as const;

// @ts-check
// The run's count as the very last lines of the output, in the plain form CI reads in any language
// ("Tests: N passed, N failed"): jest's own summary goes to standard error and is written by a reporter that
// jest always adds after ours, so the count is written when the process exits, after everything else.
class CountReporter {
  /**
   * @param {unknown} _contexts
   * @param {import('@jest/test-result').AggregatedResult} results
   */
  onRunComplete(_contexts, results) {
    const broken = results.numRuntimeErrorTestSuites;
    const suites =
      `Test Suites: ${results.numPassedTestSuites} passed, ${results.numFailedTestSuites} failed` +
      `${broken ? ` (${broken} could not run)` : ''}, ${results.numTotalTestSuites} total`;
    const tests =
      `Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed` +
      `${results.numPendingTests ? `, ${results.numPendingTests} skipped` : ''}`;
    process.once('exit', () => process.stdout.write(`\n${suites}\n${tests}\n`));
  }
  getLastError() {
    return undefined;
  }
}
module.exports = CountReporter;

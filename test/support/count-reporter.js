// @ts-check
// The run's count as the very last line on standard output, whatever order the terminal interleaves jest's
// own summary (written to standard error) with other output: CI reads the count from the last lines.
class CountReporter {
  /**
   * @param {unknown} _contexts
   * @param {import('@jest/test-result').AggregatedResult} results
   */
  onRunComplete(_contexts, results) {
    const parts = [];
    if (results.numFailedTests) parts.push(`${results.numFailedTests} failed`);
    if (results.numPendingTests) parts.push(`${results.numPendingTests} skipped`);
    parts.push(`${results.numPassedTests} passed`, `${results.numTotalTests} total`);
    const broken = results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\nTest Suites: ${results.numFailedTestSuites ? `${results.numFailedTestSuites} failed, ` : ''}` +
        `${results.numPassedTestSuites} passed, ${results.numTotalTestSuites} total` +
        `${broken ? ` (${broken} could not run)` : ''}\nTests: ${parts.join(', ')}\n`,
    );
  }
  getLastError() {
    return undefined;
  }
}
module.exports = CountReporter;

// @ts-check
// One jest run, two projects: `npm test` runs both and prints one count.
//   tests   test/**/*.test.ts — unit, workflow (time-skipping), API, browser and CLI tests;
//   faults  test/faults/*.faults.ts — the reliability suite: real processes killed and restarted, every
//           route fuzzed; minutes long (`npm run test:faults` runs it alone, `--selectProjects tests` skips it).
const faults = require('./test/faults/jest.config');

/** @type {import('jest').Config} */
module.exports = {
  // Jest reads the timeout from here, not from a project (the fault suite sets its own, in its file).
  testTimeout: 60_000,
  // Jest's summary goes to standard error; the count reporter repeats it as the last line of standard output.
  reporters: ['default', '<rootDir>/test/support/count-reporter.js'],
  projects: [
    {
      displayName: 'tests',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
      // openid-client and what it imports are ES modules only: compiled for jest as our code is (Node itself
      // loads them with require(), from 20.19 on).
      transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFiles: ['<rootDir>/test/setup-logging.ts'],
    },
    { displayName: 'faults', ...faults },
  ],
};

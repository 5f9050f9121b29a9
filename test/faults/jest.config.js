// @ts-check
// The fault suite's project (see jest.config.js at the root): it starts and kills real processes and takes
// minutes. `npm test` runs it with the rest; `npm run test:faults` runs it alone.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
};

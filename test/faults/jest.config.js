// @ts-check
// The fault suite (`npm run test:faults`): its own jest run, since it starts and kills real processes and
// takes minutes. `npm test` does not match its files (*.faults.ts).
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  testTimeout: 15 * 60_000,
  maxWorkers: 1,
};

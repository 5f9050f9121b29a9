#!/usr/bin/env node
// @ts-check
// `npm run contract`: schemathesis against a running product's own OpenAPI document, with every check
// (settings: schemathesis.toml). The API is $DEEP_DIVE_API (else http://localhost:3000), the business unit's
// key $DEEP_DIVE_API_KEY (npm start prints one); further arguments go to `st run` (e.g. --max-examples 100).
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ensureSchemathesis } = require('./tools');

const api = (process.env.DEEP_DIVE_API ?? 'http://localhost:3000').replace(/\/+$/, '');
const key = process.env.DEEP_DIVE_API_KEY;
if (!key) {
  process.stderr.write('npm run contract: set DEEP_DIVE_API_KEY to a business_unit key (npm start prints one)\n');
  process.exit(2);
}
const args = ['run', `${api}/api/openapi.json`, '--checks', 'all', '--header', `Authorization: Bearer ${key}`];
const run = spawnSync(ensureSchemathesis(), [...args, ...process.argv.slice(2)], {
  cwd: path.join(__dirname, '..'),
  stdio: 'inherit',
});
process.exit(run.status ?? 1);

// docs/RELIABILITY.md has two writers: the dev server's suite (writeReport, the whole file) and the cluster's
// (writeEngineSection, its own section). Each must leave the other's part as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EngineReport, type Report, type ScenarioFigures, writeEngineSection, writeReport } from './report';

const figures = (name: string, audits: number): ScenarioFigures => ({
  name,
  audits,
  completed: audits,
  faults: `${name} fault`,
  acknowledged: 10,
  lost: 0,
  submissions: 4,
  submissionsLost: 0,
  workflows: audits,
  stuck: 0,
  ms: 1000,
  notes: [],
  extra: {},
});

const devReport = (started: string): Report => ({
  started,
  finished: started,
  seed: 1,
  setup: { buildMs: 0, built: false, stackMs: 0 },
  scenarios: [figures('dev scenario', 3)],
  fuzz: [{ route: 'GET /', cases: 1, forms: 0, failures: 0, statuses: { 200: 1 }, ms: 1 }],
  security: [],
  findings: [],
  totals: {
    kills: 0,
    audits: 3,
    auditsCompleted: 3,
    submissionsLost: 0,
    duplicateEmails: 0,
    fiveHundreds: 0,
    serviceUnavailable: 0,
  },
});

const clusterReport = (faults: string): EngineReport => ({
  title: 'On the cluster',
  intro: 'Cluster figures.',
  started: '2026-01-01T00:00:00.000Z',
  finished: '2026-01-01T00:10:00.000Z',
  summary: [['audits completed', '2 / 2']],
  scenarios: [{ ...figures('cluster scenario', 2), faults }],
  findings: [],
});

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-md-'));
  file = path.join(dir, 'RELIABILITY.md');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("the cluster's section goes in before How to run, and the dev suite's rewrite keeps it", () => {
  writeReport(devReport('2026-01-01T00:00:00.000Z'), file, dir);
  writeEngineSection(clusterReport('history SIGKILLed'), file);
  let text = fs.readFileSync(file, 'utf8');
  expect(text.indexOf('## On the cluster')).toBeGreaterThan(text.indexOf('## Security checks'));
  expect(text.indexOf('## On the cluster')).toBeLessThan(text.indexOf('## How to run'));
  expect(text).toContain('| cluster scenario | history SIGKILLed |');

  writeReport(devReport('2026-02-02T00:00:00.000Z'), file, dir);
  text = fs.readFileSync(file, 'utf8');
  expect(text).toContain('| cluster scenario | history SIGKILLed |');
  expect(text.match(/## On the cluster/g)).toHaveLength(1);
  // The dev suite's history keeps both of its runs.
  expect(text).toContain('| 2026-02-02T00:00:00.000Z |');
  expect(text).toContain('| 2026-01-01T00:00:00.000Z |');
});

test("the cluster's rewrite replaces only its own section", () => {
  writeReport(devReport('2026-01-01T00:00:00.000Z'), file, dir);
  writeEngineSection(clusterReport('first run'), file);
  const before = fs.readFileSync(file, 'utf8');
  writeEngineSection(clusterReport('second run'), file);
  const after = fs.readFileSync(file, 'utf8');
  expect(after).not.toContain('first run');
  expect(after).toContain('| cluster scenario | second run |');
  expect(after.match(/## On the cluster/g)).toHaveLength(1);
  // Everything outside the section is as it was.
  const outside = (text: string) => text.replace(/<!-- engine: cluster[\s\S]*<!-- \/engine: cluster -->/, '');
  expect(outside(after)).toBe(outside(before));
});

// The bench's figures with a column per engine: a run on one engine replaces its own figures in
// docs/BENCHMARKS.json and the section still shows the other engine's last ones beside them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Results, section, withEngineResults, writeEngineResults } from '../../bench/report';
import type { Engine } from '../../bench/stack';
import type { ThroughputResult } from '../../bench/throughput';

function throughput(perSecond: number, p99: number): ThroughputResult {
  const latency = { p50: p99 / 2, p95: p99 - 10, p99, max: p99 + 10, mean: p99 / 2 };
  return {
    load: { ok: 400, failed: 0, failures: [], seconds: 400 / perSecond, perSecond, latency },
    cpu: { wall: 3, cpu: { 'bench process (API, load)': 0.4, worker: 1.2, 'Temporal server': 2.4 } },
    setupSeconds: 10,
    history: { perUpdate: 5, kinds: { 'workflow task': 3, update: 2 } },
    timings: { workflowTask: { queued: 60, run: 25, count: 80 }, activity: { queued: 0, run: 0, count: 0 } },
    queries: { api: 0, worker: 0 },
    profiles: [],
  };
}

function run(engine: Engine, rate: number, date: string): Results {
  return {
    temporalEngine: engine,
    temporal: `Temporal of the ${engine} kind`,
    machine: 'a test machine',
    command: engine === 'cluster' ? 'npm run bench -- --engine=cluster' : 'npm run bench',
    date: new Date(date),
    seconds: 300,
    loadAverage: [1, 1, 1],
    settings: { workflows: 50, perWorkflow: 8, clients: 50, warmupAudits: 5 },
    engine: [
      { ...throughput(rate, 500), variant: 'bare', when: 'before' },
      { ...throughput(rate, 520), variant: 'bare', when: 'after' },
    ],
    full: { ...throughput(rate * 0.7, 750), collationSeconds: 0.1 },
  };
}

describe('the bench report with a column per engine', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
    file = path.join(dir, 'BENCHMARKS.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps the dev server's figures when only the cluster is run again, and shows both side by side", async () => {
    await writeEngineResults(file, withEngineResults(file, run('dev', 138.0, '2026-12-01T03:00:00Z')));
    await writeEngineResults(file, withEngineResults(file, run('cluster', 90.0, '2026-12-02T03:00:00Z')));
    const store = withEngineResults(file, run('cluster', 111.0, '2026-12-03T03:00:00Z'));

    expect(Object.keys(store).sort()).toEqual(['cluster', 'dev']);
    expect(store.dev!.date).toEqual(new Date('2026-12-01T03:00:00Z'));
    expect(store.dev!.engine![0]!.load.perSecond).toBe(138.0);
    expect(store.cluster!.engine![0]!.load.perSecond).toBe(111.0);

    const text = section(store);
    const row = text.split('\n').find((line) => line.startsWith('| 1. engine, update only (before)'))!;
    const header = text.split('\n')[text.split('\n').indexOf(row) - 2]!;
    expect(header).toMatch(/throughput: dev server \| +throughput: cluster \|/);
    expect(row).toMatch(/138\.0 updates\/s \(1\.00 ×\) \| +111\.0 updates\/s \(1\.00 ×\) \|/);
    expect(row).toMatch(/250 \/ 490 \/ 500 \/ 510 ms/);
    expect(text).toContain('| full path ≥ 0.5 × engine baseline');
    expect(text).toMatch(/0\.70 ×, met \| +0\.70 ×, met \|/);
    expect(text).toContain('**dev server**: `npm run bench` on 2026-12-01 03:00 UTC');
    expect(text).toContain('**cluster**: `npm run bench -- --engine=cluster` on 2026-12-03 03:00 UTC');
    expect(text).not.toContain('90.0 updates/s');
  });

  it("shows one engine's column alone when the other has never run, '—' for a figure only one engine has", () => {
    const clusterOnly = withEngineResults(file, run('cluster', 90.0, '2026-12-02T03:00:00Z'));
    const text = section(clusterOnly);
    expect(text).toMatch(/\| run +\| +throughput: cluster \|/);
    expect(text).not.toContain('dev server |');

    const dev = run('dev', 138.0, '2026-12-01T03:00:00Z');
    delete dev.full;
    const both = section({ dev, cluster: clusterOnly.cluster });
    const fullRow = both.split('\n').find((line) => line.startsWith('| 2. full path'))!;
    expect(fullRow).toMatch(/\| +— \| +63\.0 submissions\/s \(0\.70 ×\) \|/);
  });
});

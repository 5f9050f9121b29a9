// Open audits survive every deploy: every history any release recorded still replays against today's
// workflow code, and none of them has been changed or taken away since it was committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, historyFiles, MANIFEST, readHistory, readManifest, sha256 } from '../support/histories';
import { workflowBundle } from '../support/temporal';

const manifest = readManifest();

test('the first release’s ten histories are the baseline, listed in the manifest', () => {
  expect(manifest.filter((e) => e.file.startsWith('0.1.0/')).length).toBe(10);
});

test('every history in the manifest is there, byte for byte as committed', () => {
  const changed = manifest.filter(({ file, sha256: expected }) => {
    const at = path.join(HISTORIES_DIR, file);
    return !fs.existsSync(at) || sha256(fs.readFileSync(at)) !== expected;
  });
  expect(changed.map((e) => e.file)).toEqual([]);
});

test('every history on disk is in the manifest, so that it is checked and replayed', () => {
  expect(historyFiles()).toEqual(manifest.map((e) => e.file).sort());
});

test('the manifest has only ever grown: no commit took a line out of it', () => {
  // Every line a commit removed from the manifest; a fixture's line changes only if the fixture did.
  const patches = execFileSync('git', ['log', '--format=', '-p', '--', path.basename(MANIFEST)], {
    cwd: HISTORIES_DIR,
    encoding: 'utf8',
  });
  const removed = patches.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
  expect(removed).toEqual([]);
});

test.each(manifest.map((e) => e.file))('replays %s', async (file) => {
  await Worker.runReplayHistory({ workflowBundle: workflowBundle() }, readHistory(file), file);
});

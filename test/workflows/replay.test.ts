// Versioning safety: every recorded history still replays against today's workflow code.
import fs from 'node:fs';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, readHistory } from '../support/histories';
import { workflowBundle } from '../support/temporal';

const recorded = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.history.bin'));

test('there are recorded histories to replay', () => {
  expect(recorded.length).toBeGreaterThanOrEqual(5);
});

test.each(recorded)('replays %s', async (file) => {
  await Worker.runReplayHistory(
    { workflowBundle: workflowBundle() },
    readHistory(file),
    file.replace(/\.history\.bin$/, ''),
  );
});

// Recorded histories of the lifecycle tests, replayed by test/workflows/replay.test.ts so that a
// change to workflow code that would break a running audit fails CI. Re-record deliberately with
// `RECORD_HISTORIES=1 npm test` (after a change behind patched(), keep the old ones too). Stored as
// the protobuf encoding: under jest the JSON helpers meet two copies of protobufjs.
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  const bytes = temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish();
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.history.bin`), bytes);
}

export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file)));
}

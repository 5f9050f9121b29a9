// Recorded histories, replayed by test/workflows/replay.test.ts so that a change to workflow code that
// would break an open audit fails CI. They are kept by release — `test/fixtures/histories/<version>/` holds
// what that release's code recorded — and listed with their SHA-256 in MANIFEST.sha256. A history, once
// committed, is never changed or deleted, only added to: `RECORD_HISTORIES=1 npm test` writes the current
// release's histories that do not exist yet (never over one that does) and appends them to the manifest.
// Stored as the protobuf encoding: under jest the JSON helpers meet two copies of protobufjs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { version as RELEASE } from '../../package.json';

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
export const MANIFEST = path.join(HISTORIES_DIR, 'MANIFEST.sha256');
export { RELEASE };

export interface ManifestEntry {
  sha256: string;
  /** `<release>/<name>.history.bin`, relative to HISTORIES_DIR. */
  file: string;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The manifest's lines, in the `sha256sum` format (`<hash>  <file>`), so `sha256sum -c` checks them too. */
export function readManifest(): ManifestEntry[] {
  return fs
    .readFileSync(MANIFEST, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, hash, file] = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line) ?? [];
      if (!hash || !file) throw new Error(`MANIFEST.sha256: not a "<sha256>  <file>" line: ${line}`);
      return { sha256: hash, file };
    });
}

/** Every history file under HISTORIES_DIR, as `<release>/<name>.history.bin`. */
export function historyFiles(): string[] {
  return fs
    .readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(HISTORIES_DIR, d.name))
        .filter((f) => f.endsWith('.history.bin'))
        .map((f) => `${d.name}/${f}`),
    )
    .sort();
}

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = `${RELEASE}/${name}.history.bin`;
  const target = path.join(HISTORIES_DIR, file);
  // Append-only: a history this release has recorded already stays as it was committed.
  if (fs.existsSync(target)) return;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const bytes = temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish();
  fs.writeFileSync(target, bytes);
  fs.appendFileSync(MANIFEST, `${sha256(bytes)}  ${file}\n`);
}

export function readHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.decode(fs.readFileSync(path.join(HISTORIES_DIR, file)));
}

import fs from 'node:fs';
import path from 'node:path';

/** The stand-in for Prisma's native schema engine: the Wasm engine behind the same stdin/stdout protocol. */
export const WASM_SCHEMA_ENGINE = path.join(__dirname, 'schema-engine.js');

/** Where the Prisma CLI looks for a native `schema-engine-<platform>` binary when no variable names one. */
export function nativeSchemaEngine(): string | undefined {
  const dirs: string[] = [];
  try {
    dirs.push(path.dirname(require.resolve('@prisma/engines/package.json')));
  } catch {
    // not installed: no native engine there
  }
  try {
    const prisma = path.dirname(require.resolve('prisma/package.json'));
    dirs.push(prisma, path.join(prisma, 'runtime'));
  } catch {
    // not installed
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^schema-engine-[\w.-]+$/.test(name) || /\.(gz|sha256|sig|tmp|lock)$/.test(name)) continue;
      const file = path.join(dir, name);
      if (fs.statSync(file).isFile() && fs.statSync(file).size > 0) return file;
    }
  }
  return undefined;
}

/**
 * Called from prisma.config.ts, before the CLI resolves its engine: unless an engine binary is already
 * named (PRISMA_SCHEMA_ENGINE_BINARY) or a native one was downloaded, point the CLI at schema-engine.js,
 * so that it neither tries to download one (impossible offline) nor fails for want of one.
 */
export function useWasmSchemaEngineWhenNoNativeOne(): void {
  if (process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.env.PRISMA_MIGRATION_ENGINE_BINARY) return;
  if (nativeSchemaEngine()) return;
  try {
    fs.accessSync(WASM_SCHEMA_ENGINE, fs.constants.X_OK);
  } catch {
    fs.chmodSync(WASM_SCHEMA_ENGINE, 0o755); // the CLI spawns it directly; a checkout may lose the bit
  }
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = WASM_SCHEMA_ENGINE;
}

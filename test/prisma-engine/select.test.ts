import fs from 'node:fs';
import path from 'node:path';
import { nativeSchemaEngine, useWasmSchemaEngineWhenNoNativeOne, WASM_SCHEMA_ENGINE } from '../../prisma/engine/select';

const VARIABLES = ['PRISMA_SCHEMA_ENGINE_BINARY', 'PRISMA_MIGRATION_ENGINE_BINARY'] as const;

describe('useWasmSchemaEngineWhenNoNativeOne', () => {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  beforeEach(() => VARIABLES.forEach((name) => delete process.env[name]));
  afterAll(() => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test('leaves an engine named by PRISMA_SCHEMA_ENGINE_BINARY alone', () => {
    process.env.PRISMA_SCHEMA_ENGINE_BINARY = '/opt/some/schema-engine';
    useWasmSchemaEngineWhenNoNativeOne();
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe('/opt/some/schema-engine');
  });

  test('names the executable schema-engine.js when no native engine was downloaded (none can be, offline)', () => {
    const native = nativeSchemaEngine();
    useWasmSchemaEngineWhenNoNativeOne();
    if (native) {
      expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBeUndefined(); // the CLI finds the native one
      return;
    }
    expect(process.env.PRISMA_SCHEMA_ENGINE_BINARY).toBe(WASM_SCHEMA_ENGINE);
    expect(path.isAbsolute(WASM_SCHEMA_ENGINE)).toBe(true);
    expect(fs.readFileSync(WASM_SCHEMA_ENGINE, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(() => fs.accessSync(WASM_SCHEMA_ENGINE, fs.constants.X_OK)).not.toThrow();
  });
});

import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { useWasmSchemaEngineWhenNoNativeOne } from './prisma/engine/select';

useWasmSchemaEngineWhenNoNativeOne();

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: {
    url: process.env.DATABASE_URL ?? '',
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});

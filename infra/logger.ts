import pino from 'pino';

/** One logger for the process. Log IDs, never child identifiers or what a practitioner wrote. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ level, base: { service: 'deep-dive' } });
}
export type Logger = ReturnType<typeof createLogger>;

// What a CLI command may touch: its output streams, its environment, fetch, the database. Injected, so
// that tests run the CLI in-process.
import type { Db } from '../../infra/db';

export interface Output {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Relative file arguments are read from here; process.cwd() when unset. */
  cwd?: string;
  fetch?: typeof fetch;
  /** A database client to use instead of connecting to DATABASE_URL (the keys commands); left open. */
  db?: Db;
  /** Asks for a secret without echoing it; present only when a person is at a terminal (stdin a TTY). */
  promptSecret?: (question: string) => Promise<string>;
}

/** A failure the user can act on: printed as `error: <message>`, then the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const writeLine = (out: Output, line = ''): void => {
  out.write(`${line}\n`);
};

// What every command module gets: the injected io and printing helpers.
import { type Command, Option } from 'commander';
import { type Io, writeLine } from './io';

export interface Ctx {
  io: Io;
  out(text?: string): void;
  json(value: unknown): void;
}

export function context(io: Io): Ctx {
  return {
    io,
    out: (text = '') => writeLine(io.stdout, text),
    json: (value) => writeLine(io.stdout, JSON.stringify(value, null, 2)),
  };
}

/** --api and --key, on every command that calls the API. */
export function withApiOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--api <url>',
        'the Deep Dive API (default: $DEEP_DIVE_API, else $PUBLIC_URL, else http://localhost:3000)',
      ),
    )
    .addOption(
      new Option(
        '--key <key>',
        'an API key (default: $DEEP_DIVE_API_KEY, else asked for at a terminal without echo; safer than --key, ' +
          'which shell history and `ps` show)',
      ),
    );
}

export const example = (...lines: string[]): string => `\nExample:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;

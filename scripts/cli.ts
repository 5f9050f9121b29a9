#!/usr/bin/env node
// `deepdive`: the business unit's command line. Agencies and audits go through the running API (the same
// validation, roles, Idempotency-Key and audit trail as every other client); API keys are written to the
// database directly. `run(argv, io)` is the whole CLI, so that tests drive it in-process.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerAgencies } from './cli/agencies';
import { registerAudits } from './cli/audits';
import { context, example } from './cli/context';
import { CliError, type Io, writeLine } from './cli/io';
import { registerKeys } from './cli/keys';
import { readSecret } from './cli/prompt';
import { registerStaff } from './cli/staff';

export type { Io } from './cli/io';

export function buildProgram(io: Io): Command {
  const program = new Command('deepdive')
    .description(
      'Deep Dive multi-agency audits from the command line: import the agency directory, start an audit from a ' +
        'candidate pool, follow audits, and manage API keys.',
    )
    .version(version(), '-V, --version')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run the command with --help for its usage and an example)')
    .addHelpText(
      'after',
      example(
        '$ export DEEP_DIVE_API=http://localhost:3000 DEEP_DIVE_API_KEY=<a business_unit key>',
        '$ deepdive agencies import docs/examples/agencies.csv',
        '$ deepdive audits start --focus "Child exploitation" --focus-source business_plan_priority \\',
        '    docs/examples/candidates.csv',
        '$ deepdive audits list',
        '$ DATABASE_URL=postgresql://… deepdive keys create --role manager --name "Head of service"',
      ) + '\nRun `deepdive <command> <subcommand> --help` for the details of each.\n',
    );
  const ctx = context(io);
  registerAgencies(program, ctx);
  registerAudits(program, ctx);
  registerKeys(program, ctx);
  registerStaff(program, ctx);
  return program;
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    // Commander has already printed its own (usage errors, help, version).
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      writeLine(io.stderr, `error: ${err.message}`);
      return err.exitCode;
    }
    writeLine(io.stderr, `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  }
}

function version(): string {
  // From the source tree (scripts/) or a build (dist/scripts/): the nearest package.json above.
  for (let dir = path.join(__dirname, '..'), i = 0; i < 4; dir = path.dirname(dir), i++) {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not here
    }
  }
  return 'unknown';
}

if (require.main === module) {
  const promptSecret = process.stdin.isTTY ? (question: string) => readSecret(question) : undefined;
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, promptSecret }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

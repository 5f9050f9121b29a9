// Asking a person at a terminal for a secret (the API key) without echoing it: a key typed or pasted here
// stays out of the shell's history and of `ps`, which a key given with --key does not.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './io';

/** Writes `question` to `output`, then reads one line from `input` with nothing echoed. */
export function readSecret(
  question: string,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  // readline echoes what is typed to its output: give it one that drops everything.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = readline.createInterface({ input, output: silent, terminal: true });
  output.write(question);
  return new Promise((resolve, reject) => {
    let answered = false;
    rl.question('', (answer) => {
      answered = true;
      rl.close();
      resolve(answer.trim());
    });
    // Ctrl-C (raw mode turns it into a keypress) and Ctrl-D end the prompt without an answer.
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      output.write('\n');
      if (!answered) reject(new CliError('no API key given'));
    });
  });
}

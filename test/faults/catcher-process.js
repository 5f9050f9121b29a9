#!/usr/bin/env node
// @ts-check
// The development mail catcher (dev/mail-catcher.ts, built into dist/) in a process of its own, so that
// the fault suite can stop and restart the SMTP relay. Each message is appended to CATCHER_FILE as one
// JSON line as soon as it is kept, so that what was caught survives the catcher's restarts.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { startMailCatcher } = require(path.join(__dirname, '../../dist/dev/mail-catcher.js'));

const port = Number(process.env.CATCHER_PORT);
const file = process.env.CATCHER_FILE;
if (!port || !file) {
  process.stderr.write('catcher-process: set CATCHER_PORT and CATCHER_FILE\n');
  process.exit(2);
}

/** @param {any} message */
function record(message) {
  const line = {
    id: message.id,
    messageId: message.messageId ?? null,
    to: message.to,
    subject: message.subject,
    text: message.text,
    sentAt: message.sentAt,
    pid: process.pid,
  };
  fs.appendFileSync(/** @type {string} */ (file), JSON.stringify(line) + '\n');
}

// dev/mail-catcher.ts adds no 'error' listener to its SMTPServer once it listens, so a client whose
// connection resets mid-session (a worker SIGKILLed while sending) throws an unhandled 'error' event that
// ends the process. A real relay shrugs that off: so does this one, and says so in its log, which the
// suite counts (reported as a bug in dev/mail-catcher.ts).
const SURVIVABLE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
process.on('uncaughtException', (/** @type {NodeJS.ErrnoException} */ err) => {
  if (err && SURVIVABLE.has(/** @type {string} */ (err.code))) {
    process.stdout.write(`catcher ${process.pid}: unhandled SMTPServer error survived: ${err.code}\n`);
    return;
  }
  process.stderr.write(`catcher-process: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});

startMailCatcher({ port, maxMessages: 10 }).then(
  (/** @type {any} */ catcher) => {
    catcher.onMessage(record);
    process.stdout.write(`catcher ${process.pid} listening on ${catcher.url}\n`);
    const stop = (/** @type {string} */ signal) => {
      process.stdout.write(`catcher ${process.pid}: ${signal}, stopping\n`);
      catcher.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  },
  (/** @type {Error} */ err) => {
    process.stderr.write(`catcher-process: ${err.message}\n`);
    process.exit(1);
  },
);

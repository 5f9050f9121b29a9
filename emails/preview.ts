// `npm run emails:preview`: every template rendered with the sample data, as .html and .txt files to
// open in a browser or a text editor.
import fs from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/migrate';
import { loadEmailConfig } from './config';
import { TEMPLATE_NAMES } from './registry';
import { createRenderer } from './render';
import { SAMPLES } from './samples';

export const PREVIEW_DIR = path.join(PROJECT_ROOT, 'test-artifacts', 'email-preview');

/** Writes `<template>.html` and `<template>.txt` (subject on the first line) for every template. */
export async function writePreviews(dir = PREVIEW_DIR): Promise<string[]> {
  const renderer = createRenderer(loadEmailConfig());
  await fs.mkdir(dir, { recursive: true });
  for (const name of TEMPLATE_NAMES) {
    const email = await renderer.render(name, SAMPLES[name]);
    await fs.writeFile(path.join(dir, `${name}.html`), email.html);
    await fs.writeFile(path.join(dir, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
  }
  return TEMPLATE_NAMES.map((name) => path.join(dir, `${name}.html`));
}

if (require.main === module) {
  writePreviews().then(
    (files) => console.log(`${files.length} emails rendered to ${path.relative(process.cwd(), PREVIEW_DIR)}/`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

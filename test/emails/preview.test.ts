// `npm run emails:preview` writes every email; three of them are opened in Chromium and kept as
// screenshots under test-artifacts/ for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { TEMPLATE_NAMES, type TemplateName } from '../../emails';
import { PREVIEW_DIR, writePreviews } from '../../emails/preview';
import { SAMPLES } from '../../emails/samples';

const SCREENSHOT_DIR = path.join(PREVIEW_DIR, '..', 'email-screenshots');
const SHOWN: TemplateName[] = ['invitation', 'urgentEscalation', 'lisProgressSummary'];

let browser: Browser;
let files: string[];

beforeAll(async () => {
  files = await writePreviews();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

test('every template is written as .html and .txt, the text with its subject and link', () => {
  expect(files).toHaveLength(TEMPLATE_NAMES.length);
  for (const name of TEMPLATE_NAMES) {
    const text = fs.readFileSync(path.join(PREVIEW_DIR, `${name}.txt`), 'utf8');
    expect(text).toMatch(/^Subject: \S/);
    expect(text).toContain((SAMPLES[name] as { link?: string }).link ?? 'Questions to');
    expect(fs.readFileSync(path.join(PREVIEW_DIR, `${name}.html`), 'utf8')).toMatch(/^<!doctype html>/i);
  }
});

test.each(SHOWN)(
  'the %s email renders in Chromium, loads nothing from the network, and is kept as a screenshot',
  async (name) => {
    const page = await browser.newPage({ viewport: { width: 640, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    try {
      const file = path.join(PREVIEW_DIR, `${name}.html`);
      await page.goto(`file://${file}`);

      await expect(page.locator('h1').textContent()).resolves.toBeTruthy();
      const button = page.locator(`a[href="${(SAMPLES[name] as { link: string }).link}"]`).first();
      expect(await button.isVisible()).toBe(true);
      expect(requests).toEqual([`file://${file}`]); // no remote fonts, images or trackers

      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const screenshot = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
    } finally {
      await page.close();
    }
  },
);

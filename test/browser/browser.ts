// What the real-browser tests share: the whole product started as `npm start` starts it (embedded
// Temporal dev server and mail catcher, on free ports and a temporary DATA_DIR; a fresh database on
// TEST_DATABASE_URL's server when that is set, else the embedded PGlite), Debian's Chromium driven by
// playwright-core, every page watched for console errors, uncaught exceptions and CSP violations, and
// a full-page screenshot of each page kept under test-artifacts/screenshots/, and axe-core's WCAG 2.2 A
// and AA rules run on a page (`expectNoAxeViolations`), its results kept under test-artifacts/axe/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Running, startDeepDive } from '../../scripts/start';
import type { Role } from '../../infra/config';
import { freshDatabase } from '../support/fresh-database';
import { callJson, eventually } from '../support/http';
import { freePorts } from '../support/ports';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');
export const AXE_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts', 'axe');

/** Chromium as CI has it; a machine without it fails here, saying what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${CHROMIUM}: apt-get install chromium (bash .ci/run installs it).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Product {
  running: Running;
  /** http://localhost:<port>, as the emailed links have it. */
  base: string;
  key(role: Role): string;
  stop(): Promise<void>;
}

/** The product on its embedded defaults, in this process; only the database may come from TEST_DATABASE_URL. */
export async function startProduct(): Promise<Product> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-browser-'));
  const database = process.env.TEST_DATABASE_URL ? await freshDatabase() : undefined;
  const {
    DATABASE_URL: _d,
    TEMPORAL_ADDRESS: _t,
    SMTP_URL: _s,
    API_KEYS: _k,
    PUBLIC_URL: _p,
    LINK_SECRET: _l,
    ...inherited
  } = process.env;
  // Six different ports, chosen together: the product's own and its embedded parts'.
  const [port, databasePort, smtpPort, temporalPort, temporalUiPort, oidcPort] = await freePorts(6);
  let running: Running | undefined;
  try {
    running = await startDeepDive({
      ...inherited,
      ...(database ? { DATABASE_URL: database.url } : {}),
      DATA_DIR: dataDir,
      // A real port, not 0: the links in the emails are built from it.
      PORT: String(port),
      EMBEDDED_DATABASE_PORT: String(databasePort),
      EMBEDDED_SMTP_PORT: String(smtpPort),
      EMBEDDED_TEMPORAL_PORT: String(temporalPort),
      EMBEDDED_TEMPORAL_UI_PORT: String(temporalUiPort),
      EMBEDDED_OIDC_PORT: String(oidcPort),
      LOG_LEVEL: 'warn',
    });
  } catch (err) {
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const started = running;
  return {
    running: started,
    base: `http://localhost:${port}`,
    key: (role) => started.apiKeys.find((k) => k.role === role)!.key,
    stop: async () => {
      await started.stop();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Something a page did that a person's browser would have complained about. */
export interface Problem {
  url: string;
  kind: 'console error' | 'uncaught exception' | 'CSP violation';
  text: string;
}

/** The CSP listener every page gets, before any of its own content runs (injected by DevTools, not subject to the CSP). */
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__reportCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});`;

/** Collects the problems of every page it opens, and the screenshots it takes. */
export class Recorder {
  readonly problems: Problem[] = [];
  readonly screenshots: string[] = [];
  private readonly since = Date.now();

  /** `dir`: where the screenshots go (a journey keeps its own set apart). */
  constructor(private readonly dir = SCREENSHOT_DIR) {}

  /** A fresh browser context (no cookies), every page of it watched. */
  async context(browser: Browser): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-GB' });
    // A step that waits for something that never comes fails well inside the test's time.
    context.setDefaultTimeout(10_000);
    await context.exposeBinding('__reportCspViolation', ({ page }, text: string) => {
      this.problems.push({ url: page.url(), kind: 'CSP violation', text });
    });
    await context.addInitScript({ content: CSP_LISTENER });
    context.on('page', (page) => {
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        // "Failed to load resource" does not say which: its location does.
        const { url } = message.location();
        const text = url && url !== page.url() ? `${message.text()}: ${url}` : message.text();
        this.problems.push({ url: page.url(), kind: 'console error', text });
      });
      page.on('pageerror', (error) => {
        this.problems.push({ url: page.url(), kind: 'uncaught exception', text: error.message });
      });
    });
    return context;
  }

  /**
   * Proof that the watching works on this page: an inline style (which the CSP forbids) put in by hand
   * is reported as a violation, and that report is then taken back out of the problems.
   */
  async expectWatching(page: Page): Promise<void> {
    const before = this.problems.length;
    await page.evaluate(
      `document.body.insertAdjacentHTML('beforeend', '<p id="csp-probe" style="color:red">probe</p>')`,
    );
    for (let i = 0; i < 50 && !this.problems.slice(before).some((p) => p.kind === 'CSP violation'); i++) {
      await page.waitForTimeout(100);
    }
    const seen = this.problems.splice(before);
    expect(seen.filter((p) => p.kind === 'CSP violation').map((p) => p.text)).toEqual([
      expect.stringContaining('style-src'),
    ]);
  }

  /** Chromium logs a page answered with a refusal as a console error: expected once, for that page. */
  async takeRefusal(page: Page, status: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const at = this.problems.findIndex((p) => p.text.includes(`status of ${status}`));
      if (at >= 0) {
        this.problems.splice(at, 1);
        return;
      }
      await page.waitForTimeout(50);
    }
    throw new Error(`Chromium never logged the ${status} of ${page.url()}`);
  }

  /** A full-page screenshot of what the page shows now, as <dir>/<name>.png (test-artifacts/screenshots/). */
  async shot(page: Page, name: string): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    this.screenshots.push(file);
    return file;
  }

  /** Each screenshot was written by this run and has something in it. */
  expectScreenshots(): void {
    expect(this.screenshots.length).toBeGreaterThan(0);
    for (const file of this.screenshots) {
      const stat = fs.statSync(file);
      expect([file, stat.size > 0, stat.mtimeMs >= this.since - 1000]).toEqual([file, true, true]);
    }
  }
}

/** What the page shows as text (its <body>, as a person reads it). */
export const bodyText = (page: Page): Promise<string> => page.locator('body').innerText();

/** The WCAG 2.0, 2.1 and 2.2 level A and AA rules: what the accessibility statement says the pages meet. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeCounts {
  label: string;
  url: string;
  violations: number;
  passes: number;
  incomplete: number;
}

interface AxeResult {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG 2.2 A and AA rules on what the page shows now; fails on any violation, naming each
 * rule and where. axe is evaluated through DevTools (as CSP_LISTENER is): an inline script of ours would
 * break the CSP under test. Full results go to test-artifacts/axe/<label>.json.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<AxeCounts> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate<{ violations: AxeResult[]; passes: AxeResult[]; incomplete: AxeResult[] }>(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_TAGS)} }, resultTypes: ['violations'] })`,
  );
  fs.mkdirSync(AXE_DIR, { recursive: true });
  fs.writeFileSync(path.join(AXE_DIR, `${label}.json`), JSON.stringify({ url: page.url(), ...results }, null, 2));
  expect({
    label,
    violations: results.violations.map(
      (v) => `${v.id} (${v.impact ?? 'unknown'}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`,
    ),
  }).toEqual({ label, violations: [] });
  return {
    label,
    url: page.url(),
    violations: results.violations.length,
    passes: results.passes.length,
    incomplete: results.incomplete.length,
  };
}

/** On the OpenID provider's own page: its fields and button, as a person fills them in. */
export async function signInWith(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * A fresh browser context as `email`, signed in through the provider's own page by way of `path` (the app
 * sends there to sign in and back), on `path` once in.
 */
export async function signedInPage(
  recorder: Recorder,
  browser: Browser,
  at: { base: string; issuer: string; password: string },
  email: string,
  path: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await recorder.context(browser);
  const page = await context.newPage();
  await page.goto(`${at.base}${path}`);
  await page.waitForURL(`${at.issuer}/**`);
  await signInWith(page, email, at.password);
  await page.waitForURL(`${at.base}${path}`);
  return { context, page };
}

/** Where the product's embedded provider signs its development accounts in (for `signedInPage`). */
export const devSignIn = (product: Product) => ({
  base: product.base,
  issuer: product.running.devStaff!.issuer,
  password: product.running.devStaff!.password,
});

/** A full-page screenshot of the page as `<prefix>-<label>`, and axe-core's rules on it. */
export const checkPage = (recorder: Recorder, prefix: string) => async (page: Page, label: string) => {
  await recorder.shot(page, `${prefix}-${label}`);
  return expectNoAxeViolations(page, `${prefix}-${label}`);
};

/** The product's JSON API as the business unit (its API key). */
export const businessUnitApi = (product: Product) => (method: string, path: string, body?: unknown) =>
  callJson(product.base, method, path, { key: product.key('business_unit'), body });

/**
 * An audit started through the API as the business unit would start it, its agencies added first, once it
 * has reached `stage` (the draw done: 'invitations'). Its ID and the agencies' IDs.
 */
export async function auditThroughApi(
  product: Product,
  opts: {
    agencies: readonly object[];
    audit: (agencyIds: string[]) => Record<string, unknown>;
    stage?: string;
  },
): Promise<{ auditId: string; agencyIds: string[] }> {
  const api = businessUnitApi(product);
  const agencyIds: string[] = [];
  for (const agency of opts.agencies) {
    const created = await api('POST', '/api/agencies', agency);
    expect(created.status).toBe(201);
    agencyIds.push(created.body.id);
  }
  const started = await api('POST', '/api/audits', opts.audit(agencyIds));
  expect(started.status).toBe(201);
  const auditId: string = started.body.id;
  await untilStage(product, auditId, opts.stage ?? 'invitations');
  return { auditId, agencyIds };
}

/** Waits for the audit's workflow to reach `stage`, as its API reports it. */
export const untilStage = (product: Product, auditId: string, stage: string) =>
  eventually(
    async () =>
      (await businessUnitApi(product)('GET', `/api/audits/${auditId}`)).body.stage === stage ? true : undefined,
    `stage ${stage}`,
    60_000,
  );

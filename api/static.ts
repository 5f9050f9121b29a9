// The pages' static resources: govuk-frontend's compiled CSS and JS, its fonts and images, and our own
// module that starts its components (api/assets). What a page links to sits under a path that changes
// with govuk-frontend's version and our files' contents, so browsers keep it for a year unasked.
// Middleware only (no routes): these are files, not operations of the OpenAPI document.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { GOVUK_DIST } from './views/nunjucks';

const OWN_ASSETS = path.join(__dirname, 'assets');
const GOVUK_FILES = new Set(['/govuk-frontend.min.css', '/govuk-frontend.min.js']);

const govukVersion = (): string =>
  (JSON.parse(fs.readFileSync(path.join(GOVUK_DIST, '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;

const ownHash = (): string => {
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(OWN_ASSETS).sort()) {
    hash.update(file).update(fs.readFileSync(path.join(OWN_ASSETS, file)));
  }
  return hash.digest('hex').slice(0, 10);
};

/** Where the layout links its stylesheets and scripts: `/assets/<govuk-frontend version>-<hash of ours>`. */
export const ASSET_PATH = `/assets/${govukVersion()}-${ownHash()}`;

const versioned = { immutable: true, maxAge: '365d', index: false, redirect: false } as const;

/** Mounted once, before the routers: `app.use(setUpStaticResources())`. */
export function setUpStaticResources(): Router {
  const router = express.Router();
  router.use(ASSET_PATH, express.static(OWN_ASSETS, versioned));
  const govuk = express.static(GOVUK_DIST, versioned);
  router.use(ASSET_PATH, (req, res, next) => (GOVUK_FILES.has(req.path) ? govuk(req, res, next) : next()));
  // The compiled CSS asks for its fonts and images at these fixed paths; the fonts' names carry a hash.
  router.use('/assets/fonts', express.static(path.join(GOVUK_DIST, 'assets', 'fonts'), versioned));
  router.use(
    '/assets/images',
    express.static(path.join(GOVUK_DIST, 'assets', 'images'), { ...versioned, immutable: false, maxAge: '1d' }),
  );
  return router;
}

// `npm run build`: the pages' templates and our own static files go next to the compiled code, where
// api/views/nunjucks.ts and api/static.ts look for them (the Docker image keeps only dist/).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const dir of ['api/views/templates', 'api/assets']) {
  fs.cpSync(path.join(root, dir), path.join(root, 'dist', dir), { recursive: true });
}

// /dev/mail: what the embedded mail catcher caught, as a page for people and as JSON for tests. Mail is
// hostile input: every string on the page is escaped and a message's HTML is only rendered sandboxed.
import { type Router, Router as createRouter } from 'express';
import type { CaughtMessage, MailCatcher } from '../dev/mail-catcher';
import { HttpError } from './errors';

/** The page's own policy; a srcdoc iframe inherits it, so mail HTML gets no scripts and no requests. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
/** A message's HTML on its own: an opaque origin without scripts, whatever the mail contains. */
// Popups allowed, so that an email's buttons (target=_blank) open their links as a mail client would.
const MESSAGE_POLICY = `sandbox allow-popups allow-popups-to-escape-sandbox; ${PAGE_POLICY}`;

export function devMailRouter(catcher: MailCatcher): Router {
  const router = createRouter();

  router.get('/', (req, res) => {
    res.set('Content-Security-Policy', PAGE_POLICY).type('html').send(page(catcher.messages(), req.baseUrl));
  });

  router.get('/messages', (_req, res) => {
    res.json(
      catcher.messages().map(({ id, to, subject, text, html, sentAt }) => ({ id, to, subject, text, html, sentAt })),
    );
  });

  router.delete('/messages', (_req, res) => {
    catcher.clear();
    res.status(204).end();
  });

  router.get('/messages/:id.html', (req, res) => {
    const message = catcher.messages().find((m) => m.id === req.params.id);
    if (!message?.html) throw new HttpError(404, 'not_found', 'No such message, or it has no HTML.');
    res.set('Content-Security-Policy', MESSAGE_POLICY).type('html').send(message.html);
  });

  return router;
}

function page(messages: CaughtMessage[], baseUrl: string): string {
  const count = messages.length === 1 ? '1 message' : `${messages.length} messages`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Caught mail · Deep Dive</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
article { border-top: 1px solid #888; padding: 1rem 0; }
dt { font-weight: bold; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 0.5rem; }
iframe { width: 100%; height: 24rem; border: 1px solid #888; }
</style>
</head>
<body>
<h1>Caught mail</h1>
<p>${count}, newest first. Nothing here was delivered. <a href="${escapeHtml(baseUrl)}/messages">As JSON</a></p>
${messages.map((message) => article(message, baseUrl)).join('\n')}
</body>
</html>
`;
}

function article(message: CaughtMessage, baseUrl: string): string {
  const subject = message.subject || '(no subject)';
  const headingId = `message-${message.id}`;
  const htmlUrl = `${baseUrl}/messages/${encodeURIComponent(message.id)}.html`;
  const html = message.html
    ? `<h3>HTML</h3>
<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(message.html)}" title="HTML of ${escapeHtml(subject)}"></iframe>
<p><a href="${escapeHtml(htmlUrl)}">Open the HTML on its own</a></p>`
    : '';
  return `<article aria-labelledby="${escapeHtml(headingId)}">
<h2 id="${escapeHtml(headingId)}">${escapeHtml(subject)}</h2>
<dl>
<dt>To</dt><dd>${escapeHtml(message.to.join(', '))}</dd>
<dt>Sent at</dt><dd><time datetime="${escapeHtml(message.sentAt)}">${escapeHtml(message.sentAt)}</time></dd>
</dl>
<h3>Text</h3>
<pre>${escapeHtml(message.text)}</pre>
${html}
</article>`;
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

// The page a browser gets when something is refused: the status in words and the same message the JSON
// carries. Never a stack trace.
import { html } from './html';
import type { PageOptions } from './layout';

const TITLES: Record<number, string> = {
  400: 'There is a problem with what was sent',
  401: 'You need to sign in',
  403: 'This cannot be done from here',
  404: 'Page not found',
  409: 'This cannot be done now',
  410: 'This link has closed',
  413: 'What was sent is too large',
  415: 'What was sent could not be read',
  422: 'This needs changing first',
  429: 'Too many requests',
  503: 'Sorry, the service is unavailable',
};

export function errorPage(status: number, message: string): PageOptions {
  const title =
    TITLES[status] ?? (status >= 500 ? 'Sorry, there is a problem with the service' : 'This cannot be done');
  return {
    title,
    main: html`<h1>${title}</h1>
      <p class="lead">${message}</p>
      ${status >= 500 ? html`<p>Try again in a few minutes.</p>` : ''}`,
  };
}

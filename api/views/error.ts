// The page a browser gets when something is refused: the status in words and the same message the JSON
// carries. Never a stack trace.
import type { LayoutModel, Page } from './layout';

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

export interface ErrorModel extends LayoutModel {
  message: string;
  /** A server's own trouble: it says to try again later. */
  tryAgain: boolean;
}

export const errorTitle = (status: number): string =>
  TITLES[status] ?? (status >= 500 ? 'Sorry, there is a problem with the service' : 'This cannot be done');

export function errorPage(status: number, message: string): Page<ErrorModel> {
  return { template: 'error.njk', model: { title: errorTitle(status), message, tryAgain: status >= 500 } };
}

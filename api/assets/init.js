// Starts govuk-frontend's components (character counts, the error summary's focus, the header menu).
// A module from this site, so the Content-Security-Policy needs no inline script for it; browsers too
// old for modules never run it, and the pages work without it.
import { initAll } from './govuk-frontend.min.js';

initAll();

// The 7 Point Briefing as a clean page that prints on its own: seven numbered points, nothing else.
import type { BriefingView } from '../routers/briefings';
import { html } from './html';
import { formatDate, type PageOptions } from './layout';

const texts = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? [value]
      : [];

const point = (heading: string, value: unknown) => {
  const items = texts(value);
  const body =
    items.length === 1
      ? html`<p class="text">${items[0]}</p>`
      : items.length
        ? html`<ul>
            ${items.map((i) => html`<li class="text">${i}</li>`)}
          </ul>`
        : html`<p class="hint">None recorded.</p>`;
  return html`<li>
    <h2>${heading}</h2>
    ${body}
  </li>`;
};

export function briefingPage({ briefing, publishedAt }: BriefingView): PageOptions {
  const title = `7 Point Briefing: ${briefing.focus}`;
  return {
    title,
    index: true,
    main: html`<span class="caption">Deep dive multi-agency audit · published ${formatDate(publishedAt)}</span>
      <h1>${title}</h1>
      <ol class="points">
        ${point('1. The focus', briefing.focus)} ${point('2. Why it mattered', briefing.whyItMattered)}
        ${point('3. What was done', briefing.whatWasDone)} ${point('4. What worked well', briefing.whatWorkedWell)}
        ${point('5. What must improve', briefing.whatMustImprove)}
        ${point('6. Recommendations', briefing.recommendations)}
        ${point('7. What practitioners should do now', briefing.whatPractitionersShouldDoNow)}
      </ol>
      <p class="no-print">To keep a copy, print this page or save it as a PDF from your browser.</p>`,
  };
}

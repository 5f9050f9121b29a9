// The 7 Point Briefing as a clean page that prints on its own: seven numbered points, nothing else.
import type { SevenPointBriefing } from '../../domain/briefing';
import { formatDate, type LayoutModel, type Page } from './layout';

/** A published briefing (GET /briefings/:slug as JSON too). */
export interface BriefingView {
  slug: string;
  publishedAt: string;
  briefing: SevenPointBriefing;
}

const texts = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? [value]
      : [];

export interface BriefingModel extends LayoutModel {
  publishedOn: string;
  points: { heading: string; items: string[] }[];
}

export function briefingPage({ briefing, publishedAt }: BriefingView): Page<BriefingModel> {
  const points: [string, unknown][] = [
    ['1. The focus', briefing.focus],
    ['2. Why it mattered', briefing.whyItMattered],
    ['3. What was done', briefing.whatWasDone],
    ['4. What worked well', briefing.whatWorkedWell],
    ['5. What must improve', briefing.whatMustImprove],
    ['6. Recommendations', briefing.recommendations],
    ['7. What practitioners should do now', briefing.whatPractitionersShouldDoNow],
  ];
  return {
    template: 'briefing.njk',
    model: {
      title: `7 Point Briefing: ${briefing.focus}`,
      index: true,
      publishedOn: formatDate(publishedAt),
      points: points.map(([heading, value]) => ({ heading, items: texts(value) })),
    },
  };
}

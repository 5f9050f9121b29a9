// The service's public pages: the start page, the accessibility statement and the privacy notice. Their
// words are in their templates; the partnership's name and address come from the layout's model.
import { DEFAULT_TIMELINE } from '../../domain/timeline';
import type { LayoutModel, Page } from './layout';

export interface PrivacyModel extends LayoutModel {
  /** "12 months": how long identifiable data is kept after the report's sign-off (or a cancel): RETENTION_MONTHS. */
  retention: string;
}

export const startPage = (): Page => ({
  template: 'start.njk',
  model: { title: 'Deep Dive Multi-Agency Audits', index: true },
});

export const accessibilityPage = (): Page => ({
  template: 'accessibility.njk',
  model: { title: 'Accessibility statement for Deep Dive', index: true },
});

export function privacyPage(retentionMonths?: number): Page<PrivacyModel> {
  const retention = retentionMonths === undefined ? DEFAULT_TIMELINE.retention : { months: retentionMonths };
  return {
    template: 'privacy.njk',
    model: {
      title: 'Privacy notice for Deep Dive',
      index: true,
      retention: 'months' in retention ? `${retention.months} months` : 'the period the partnership has set',
    },
  };
}

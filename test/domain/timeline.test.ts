import {
  deadlineAfter,
  deadlineSchedule,
  DEFAULT_TIMELINE,
  durationMs,
  fixTimeline,
  resolveTimeline,
  shift,
} from '../../domain/timeline';
import { loadConfig } from '../../infra/config';
import { privacyPage } from '../../api/views/public';

describe('the audit timeline', () => {
  it('sets the submission deadline 15 working days on, at close of business, over a bank holiday', () => {
    const invitedAt = new Date('2026-04-16T10:00:00Z'); // Thursday; early May bank holiday inside
    expect(deadlineAfter(invitedAt, DEFAULT_TIMELINE.submissions.window).toISOString()).toBe(
      '2026-05-08T16:00:00.000Z',
    ); // 17:00 BST
  });

  it('places reminders, chasers and the lead escalation on working days around the deadline', () => {
    const dueAt = new Date('2026-05-08T16:00:00Z'); // Friday
    const schedule = deadlineSchedule(dueAt, DEFAULT_TIMELINE.submissions).map((s) => [
      s.kind,
      s.n,
      s.at.toISOString(),
    ]);
    expect(schedule).toEqual([
      ['reminder', 1, '2026-04-30T08:00:00.000Z'], // 5 working days before: Mon 4 May is a bank holiday
      ['reminder', 2, '2026-05-07T08:00:00.000Z'],
      ['chaser', 1, '2026-05-11T08:00:00.000Z'],
      ['chaser', 2, '2026-05-13T08:00:00.000Z'],
      ['lead_escalation', 1, '2026-05-15T08:00:00.000Z'],
    ]);
  });

  it('scales reminders and chasers with a compressed window', () => {
    const timeline = resolveTimeline({ submissionWindow: 'PT15M' });
    expect(timeline.submissions.window).toEqual({ ms: 15 * 60_000 });
    expect(timeline.submissions.remindersBefore).toEqual([{ ms: 5 * 60_000 }, { ms: 60_000 }]);
    expect(timeline.submissions.leadEscalationAfter).toEqual({ ms: 5 * 60_000 });
    expect(timeline.hardCutOff).toEqual({ ms: 10 * 60_000 });
    expect(timeline.cohortReview).toEqual({ ms: 2 * 60_000 });
    expect(resolveTimeline({ submissionWindow: 'PT15M', hardCutOff: 'PT2M' }).hardCutOff).toEqual({ ms: 2 * 60_000 });
    expect(resolveTimeline().approval).toBe(DEFAULT_TIMELINE.approval);
  });

  it('reads ISO-8601 durations', () => {
    expect(durationMs('PT10M')).toBe(600_000);
    expect(durationMs('P1DT2H')).toBe(26 * 3_600_000);
    expect(durationMs('PT0.5S')).toBe(500);
    expect(() => durationMs('ten minutes')).toThrow('not an ISO-8601 duration');
  });
});

describe('retention, as the operator sets it (RETENTION_MONTHS)', () => {
  it('is 12 months unless set; 6 fixed in an audit purges it 6 calendar months after sign-off', () => {
    expect(loadConfig({}).retentionMonths).toBe(12);
    expect(loadConfig({ RETENTION_MONTHS: '6' }).retentionMonths).toBe(6);
    expect(() => loadConfig({ RETENTION_MONTHS: 'half a year' })).toThrow(/RETENTION_MONTHS/);
    expect(fixTimeline().retention).toEqual({ months: 12 });
    const fixed = fixTimeline(undefined, 6);
    expect(fixed.retention).toEqual({ months: 6 });
    // Only retention differs from today's defaults; what the workflow's purge timer counts from sign-off.
    expect({ ...fixed, retention: DEFAULT_TIMELINE.retention }).toEqual(DEFAULT_TIMELINE);
    const signedOff = new Date('2027-03-15T10:00:00Z');
    expect(shift(signedOff, fixed.retention, 1).toISOString().slice(0, 10)).toBe('2027-09-15');
    // The privacy notice says what the operator set.
    expect(privacyPage().model.retention).toBe('12 months');
    expect(privacyPage(6).model.retention).toBe('6 months');
    // A compressed timeline's own retention (demos) wins.
    expect(fixTimeline({ retention: 'PT1H' }, 6).retention).toEqual({ ms: 3_600_000 });
  });
});

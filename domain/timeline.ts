// Every duration of an audit in one object: the working-day defaults of PRODUCT.md, or wall-clock
// overrides (demos, training, tests) from which reminders and chasers scale. Stage code asks this
// module for instants and never holds a literal duration.
//
// An audit's timeline is fixed when it starts (`fixTimeline`, carried in the workflow's input): its
// durations and the calendar edition its working days are counted in. A default changed later, or a bank
// holiday proclaimed later, never moves an open audit's deadlines, however often its workflow is replayed.
import { addWorkingDays, atLondonTime, CURRENT_CALENDAR, londonDate } from './calendar';
import type { TIMELINE_KEYS } from './schemas';

/**
 * A length of time: working days in England & Wales (counted in calendar edition `calendar`; absent, the
 * first edition, as every audit of release 0.1.0 counted them), calendar months, or wall-clock milliseconds.
 */
export type Span = { workingDays: number; calendar?: number } | { months: number } | { ms: number };

export type TimelineOverrides = Partial<Record<(typeof TIMELINE_KEYS)[number], string>>;

/** One deadline with what happens around it (reminders before, chasers and a lead escalation after). */
export interface DeadlinePlan {
  window: Span;
  remindersBefore: Span[];
  chasersAfter: Span[];
  leadEscalationAfter: Span;
}

export interface Timeline {
  /** After the draw, how long the business unit has to replace cases before invitations go by themselves. */
  cohortReview: Span;
  submissions: DeadlinePlan;
  /** After the submission deadline, collation starts whatever is missing. */
  hardCutOff: Span;
  approval: DeadlinePlan;
  acknowledgementWindow: Span;
  followUpInterval: Span;
  retention: Span;
}

/** Close of business for a deadline; 09:00 for the messages around it (London time). */
const DEADLINE_HOUR = 17;
const MESSAGE_HOUR = 9;

/**
 * Release 0.1.0's durations, on the first calendar edition: the timeline of every audit started before
 * timelines were fixed at start. Never change it; when a default changes, DEFAULT_TIMELINE gets new
 * durations of its own.
 */
export const TIMELINE_0_1_0: Timeline = {
  cohortReview: { workingDays: 2 },
  submissions: {
    window: { workingDays: 15 },
    remindersBefore: [{ workingDays: 5 }, { workingDays: 1 }],
    chasersAfter: [{ workingDays: 1 }, { workingDays: 3 }],
    leadEscalationAfter: { workingDays: 5 },
  },
  hardCutOff: { workingDays: 10 },
  approval: {
    window: { workingDays: 10 },
    remindersBefore: [{ workingDays: 3 }, { workingDays: 1 }],
    chasersAfter: [{ workingDays: 1 }, { workingDays: 3 }],
    leadEscalationAfter: { workingDays: 5 },
  },
  acknowledgementWindow: { ms: 4 * 3_600_000 },
  followUpInterval: { months: 3 },
  retention: { months: 12 },
};

/** Every working-day span of `timeline` counted in calendar edition `calendar`. */
function onCalendar(timeline: Timeline, calendar: number): Timeline {
  const span = (s: Span): Span => ('workingDays' in s ? { workingDays: s.workingDays, calendar } : s);
  const plan = (p: DeadlinePlan): DeadlinePlan => ({
    window: span(p.window),
    remindersBefore: p.remindersBefore.map(span),
    chasersAfter: p.chasersAfter.map(span),
    leadEscalationAfter: span(p.leadEscalationAfter),
  });
  return {
    cohortReview: span(timeline.cohortReview),
    submissions: plan(timeline.submissions),
    hardCutOff: span(timeline.hardCutOff),
    approval: plan(timeline.approval),
    acknowledgementWindow: span(timeline.acknowledgementWindow),
    followUpInterval: span(timeline.followUpInterval),
    retention: span(timeline.retention),
  };
}

/** The defaults of PRODUCT.md an audit starting now is given, on today's calendar edition. */
export const DEFAULT_TIMELINE: Timeline = onCalendar(TIMELINE_0_1_0, CURRENT_CALENDAR);

/** ISO-8601 duration → milliseconds (a month is 30 days and a year 365 here: overrides are for demos). */
export function durationMs(iso: string): number {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
    iso,
  );
  if (!m) throw new Error(`not an ISO-8601 duration: ${iso}`);
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** Scales a plan's surrounding messages with its window: a 10-minute window gets reminders at 10 × 5/15 … */
function scaled(plan: DeadlinePlan, windowMs: number): DeadlinePlan {
  const base = (plan.window as { workingDays: number }).workingDays;
  const part = (span: Span) => ({ ms: Math.round((windowMs * (span as { workingDays: number }).workingDays) / base) });
  return {
    window: { ms: windowMs },
    remindersBefore: plan.remindersBefore.map(part),
    chasersAfter: plan.chasersAfter.map(part),
    leadEscalationAfter: part(plan.leadEscalationAfter),
  };
}

/** The overrides applied to a base timeline: today's defaults unless told (an audit of 0.1.0: TIMELINE_0_1_0). */
export function resolveTimeline(overrides: TimelineOverrides = {}, base: Timeline = DEFAULT_TIMELINE): Timeline {
  const t = base;
  const ms = (key: keyof TimelineOverrides) => (overrides[key] ? durationMs(overrides[key]) : undefined);
  const submissionMs = ms('submissionWindow');
  const approvalMs = ms('approvalWindow');
  const cutOffMs = ms('hardCutOff');
  return {
    cohortReview: submissionMs ? { ms: Math.round((submissionMs * 2) / 15) } : t.cohortReview,
    submissions: submissionMs ? scaled(t.submissions, submissionMs) : t.submissions,
    hardCutOff: cutOffMs
      ? { ms: cutOffMs }
      : submissionMs
        ? { ms: Math.round((submissionMs * 10) / 15) }
        : t.hardCutOff,
    approval: approvalMs ? scaled(t.approval, approvalMs) : t.approval,
    acknowledgementWindow: ms('acknowledgementWindow') ? { ms: ms('acknowledgementWindow')! } : t.acknowledgementWindow,
    followUpInterval: ms('followUpInterval') ? { ms: ms('followUpInterval')! } : t.followUpInterval,
    retention: ms('retention') ? { ms: ms('retention')! } : t.retention,
  };
}

/**
 * The timeline an audit starting now is given, fixed for its whole life: what its workflow's input carries.
 * `retentionMonths` is the operator's RETENTION_MONTHS (a `retention` override, for demos, wins over it).
 */
export const fixTimeline = (overrides?: TimelineOverrides, retentionMonths?: number): Timeline =>
  resolveTimeline(
    overrides,
    retentionMonths === undefined ? DEFAULT_TIMELINE : { ...DEFAULT_TIMELINE, retention: { months: retentionMonths } },
  );

/**
 * The timeline of a workflow: the one fixed at its start, or — started before 0.2.0 fixed them — release
 * 0.1.0's defaults with its overrides, exactly as it counted then.
 */
export const timelineOf = (input: { fixedTimeline?: Timeline; timeline?: TimelineOverrides }): Timeline =>
  input.fixedTimeline ?? resolveTimeline(input.timeline, TIMELINE_0_1_0);

const FIRST_CALENDAR = 1;

function addMonths(instant: Date, months: number): Date {
  const d = new Date(instant.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** The deadline `span` after `from`: close of business on the last working day, or plain arithmetic. */
export function deadlineAfter(from: Date, span: Span): Date {
  if ('workingDays' in span) {
    const day = addWorkingDays(londonDate(from), span.workingDays, span.calendar ?? FIRST_CALENDAR);
    return atLondonTime(day, DEADLINE_HOUR);
  }
  return shift(from, span, 1);
}

/** A moment `span` before (-1) or after (+1) `instant`; working-day moments fall at 09:00 London. */
export function shift(instant: Date, span: Span, direction: 1 | -1): Date {
  if ('workingDays' in span) {
    const day = addWorkingDays(londonDate(instant), direction * span.workingDays, span.calendar ?? FIRST_CALENDAR);
    return atLondonTime(day, MESSAGE_HOUR);
  }
  if ('months' in span) return addMonths(instant, direction * span.months);
  return new Date(instant.getTime() + direction * span.ms);
}

export type ScheduledKind = 'reminder' | 'chaser' | 'lead_escalation';

/** What happens around one deadline, in time order. */
export function deadlineSchedule(dueAt: Date, plan: DeadlinePlan): { kind: ScheduledKind; at: Date; n: number }[] {
  return [
    ...plan.remindersBefore.map((span, i) => ({ kind: 'reminder' as const, at: shift(dueAt, span, -1), n: i + 1 })),
    ...plan.chasersAfter.map((span, i) => ({ kind: 'chaser' as const, at: shift(dueAt, span, 1), n: i + 1 })),
    { kind: 'lead_escalation' as const, at: shift(dueAt, plan.leadEscalationAfter, 1), n: 1 },
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The n-th moment `span` apart counted from `from` (n = 1 is one span on): the quarters of follow-up. */
export function nthAfter(from: Date, span: Span, n: number): Date {
  if ('months' in span) return addMonths(from, span.months * n);
  if ('ms' in span) return new Date(from.getTime() + span.ms * n);
  return shift(from, { ...span, workingDays: span.workingDays * n }, 1);
}

// An open audit's deadlines never move: a bank holiday proclaimed after an audit started, or a default
// changed, leaves the working days its workflow counts — replayed years later — as they were. The
// audit's timeline is fixed in its input when it starts, with the calendar edition it counts in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { CALENDAR_EDITIONS } from '../../domain/calendar-editions';
import { addWorkingDays, CURRENT_CALENDAR, isWorkingDay, londonDate } from '../../domain/calendar';
import { DEFAULT_TIMELINE, deadlineAfter, fixTimeline, TIMELINE_0_1_0, timelineOf } from '../../domain/timeline';
import { readHistory } from '../support/histories';

jest.setTimeout(180_000);

/** A recorded audit that waited for its submissions over three weeks of working days. */
const HISTORY = '0.1.0/silence-then-late-submission.history.bin';
const history = readHistory(HISTORY);
const startedAt = new Date(Number(history.events[0]!.eventTime!.seconds) * 1000);

/** A working day a week into the audit's submission window, made a bank holiday. */
const proclaimed = (() => {
  let day = addWorkingDays(londonDate(startedAt), 5, 1);
  while (!isWorkingDay(day, 1)) day = addWorkingDays(day, 1, 1);
  return day;
})();

/** The workflow bundle with calendar-editions.ts replaced by `editions`. */
async function bundleWith(editions: unknown): Promise<{ code: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deep-dive-calendar-'));
  const replacement = path.join(dir, 'calendar-editions.js');
  fs.writeFileSync(replacement, `exports.CALENDAR_EDITIONS = ${JSON.stringify(editions)};\n`);
  const real = path.resolve(__dirname, '../../domain/calendar-editions');
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as object), [real]: replacement } },
    }),
  });
}

const replay = async (bundle: { code: string }) =>
  Worker.runReplayHistory({ workflowBundle: bundle }, history, 'calendar-pinning');

test('an audit starting now counts working days in today’s calendar edition, fixed in its input', () => {
  const fixed = fixTimeline();
  expect(fixed.submissions.window).toEqual({ workingDays: 15, calendar: CURRENT_CALENDAR });
  expect(fixed).toEqual(DEFAULT_TIMELINE);
  // A workflow reads its own: the one fixed at its start, or release 0.1.0's for an audit started before.
  expect(timelineOf({ fixedTimeline: fixed })).toBe(fixed);
  expect(timelineOf({})).toEqual(TIMELINE_0_1_0);
});

test('release 0.1.0’s timeline and the first calendar edition are as every open audit of 0.1.0 counted them', () => {
  expect(TIMELINE_0_1_0.submissions.window).toEqual({ workingDays: 15 });
  expect(TIMELINE_0_1_0.submissions.remindersBefore).toEqual([{ workingDays: 5 }, { workingDays: 1 }]);
  expect(TIMELINE_0_1_0.hardCutOff).toEqual({ workingDays: 10 });
  expect(TIMELINE_0_1_0.approval.window).toEqual({ workingDays: 10 });
  expect(TIMELINE_0_1_0.followUpInterval).toEqual({ months: 3 });
  expect(TIMELINE_0_1_0.retention).toEqual({ months: 12 });
  expect(CALENDAR_EDITIONS[0]!.oneOff).toEqual([
    '1999-12-31',
    '2002-06-03',
    '2011-04-29',
    '2012-06-05',
    '2022-06-03',
    '2022-09-19',
    '2023-05-08',
  ]);
  expect(CALENDAR_EDITIONS[0]!.movedEarlyMay).toEqual({ 1995: '1995-05-08', 2020: '2020-05-08' });
  expect(CALENDAR_EDITIONS[0]!.movedSpring).toEqual({ 2002: '2002-06-04', 2012: '2012-06-04', 2022: '2022-06-02' });
});

describe('a bank holiday proclaimed inside a recorded audit’s submission window', () => {
  const last = CALENDAR_EDITIONS.at(-1)!;
  const withHoliday = (e: (typeof CALENDAR_EDITIONS)[number]) => ({ ...e, oneOff: [...e.oneOff, proclaimed] });

  test('falls inside it: between the audit’s start and its submission deadline', () => {
    const deadline = londonDate(deadlineAfter(startedAt, TIMELINE_0_1_0.submissions.window));
    expect(proclaimed > londonDate(startedAt)).toBe(true);
    expect(proclaimed < deadline).toBe(true);
  });

  test('as a new edition, leaves the recorded audit replaying exactly as it ran', async () => {
    await expect(replay(await bundleWith([...CALENDAR_EDITIONS, withHoliday(last)]))).resolves.toBeUndefined();
  });

  test('written into the edition the audit counts in, would break its replay (why editions are append-only)', async () => {
    const rewritten = [withHoliday(CALENDAR_EDITIONS[0]!), ...CALENDAR_EDITIONS.slice(1)];
    await expect(replay(await bundleWith(rewritten))).rejects.toThrow(/[Nn]ondetermin/);
  });
});

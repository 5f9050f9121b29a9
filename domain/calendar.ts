// Working days in England & Wales, computed (not a hand list that runs out): weekends, the statutory
// bank holidays with their substitute days, Easter from the Gregorian computus, and the one-off
// holidays proclaimed so far (calendar-editions.ts: an audit counts with the edition it started with).
// Every date here is a calendar date in Europe/London, 'YYYY-MM-DD'. Pure: the workflows use it for
// every due date, reminder, chaser and escalation.
import { CALENDAR_EDITIONS } from './calendar-editions';

export type LocalDate = string;

const LONDON = 'Europe/London';

/** The edition of the proclaimed holidays an audit starting now is given; 1 is the first. */
export const CURRENT_CALENDAR = CALENDAR_EDITIONS.length;

function edition(n: number) {
  const found = CALENDAR_EDITIONS[n - 1];
  if (!found) throw new RangeError(`no calendar edition ${n}: editions 1 to ${CURRENT_CALENDAR} exist`);
  return found;
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number): LocalDate => `${y}-${pad(m)}-${pad(d)}`;
const parts = (date: LocalDate) => date.split('-').map(Number) as [number, number, number];
/** Days since the epoch, as a UTC date: arithmetic on calendar dates with no time zone in it. */
const dayNumber = (date: LocalDate) => Date.UTC(...toUtcArgs(date)) / 86_400_000;
const toUtcArgs = (date: LocalDate): [number, number, number] => {
  const [y, m, d] = parts(date);
  return [y, m - 1, d];
};
const fromDayNumber = (n: number): LocalDate => new Date(n * 86_400_000).toISOString().slice(0, 10);

export const addDays = (date: LocalDate, days: number): LocalDate => fromDayNumber(dayNumber(date) + days);
/** 0 = Sunday … 6 = Saturday */
export const weekday = (date: LocalDate): number => new Date(dayNumber(date) * 86_400_000).getUTCDay();
const isWeekend = (date: LocalDate) => weekday(date) === 0 || weekday(date) === 6;

/** Easter Sunday (Gregorian), by the anonymous algorithm of 1876 (Meeus/Jones/Butcher). */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

function firstMonday(year: number, month: number): LocalDate {
  const first = iso(year, month, 1);
  return addDays(first, (8 - weekday(first)) % 7);
}

function lastMonday(year: number, month: number): LocalDate {
  const last = addDays(iso(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1), -1);
  return addDays(last, -((weekday(last) + 6) % 7));
}

/** The next weekday on or after `date` that is not already taken. */
function substitute(date: LocalDate, taken: Set<LocalDate>): LocalDate {
  let day = date;
  while (isWeekend(day) || taken.has(day)) day = addDays(day, 1);
  return day;
}

const cache = new Map<string, Set<LocalDate>>();

/** The bank holidays of England & Wales in `year`, as observed (substitute days included), in a calendar edition. */
export function bankHolidays(year: number, calendar = CURRENT_CALENDAR): Set<LocalDate> {
  const cached = cache.get(`${calendar}/${year}`);
  if (cached) return cached;
  const { oneOff, movedEarlyMay, movedSpring } = edition(calendar);
  const easter = easterSunday(year);
  const days = new Set<LocalDate>([
    addDays(easter, -2),
    addDays(easter, 1),
    movedEarlyMay[year] ?? firstMonday(year, 5),
    movedSpring[year] ?? lastMonday(year, 5),
    lastMonday(year, 8),
    ...oneOff.filter((d) => d.startsWith(`${year}-`)),
  ]);
  // New Year's Day, Christmas and Boxing Day move to the next free weekday when they fall at a weekend.
  for (const fixed of [iso(year, 1, 1), iso(year, 12, 25), iso(year, 12, 26)]) days.add(substitute(fixed, days));
  cache.set(`${calendar}/${year}`, days);
  return days;
}

export function isWorkingDay(date: LocalDate, calendar = CURRENT_CALENDAR): boolean {
  return !isWeekend(date) && !bankHolidays(parts(date)[0], calendar).has(date);
}

/** `n` working days after `date` (before it when negative); `date` itself never counts. */
export function addWorkingDays(date: LocalDate, n: number, calendar = CURRENT_CALENDAR): LocalDate {
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0;) {
    day = addDays(day, step);
    if (isWorkingDay(day, calendar)) left--;
  }
  return day;
}

/** The London calendar date of an instant. */
export function londonDate(instant: Date): LocalDate {
  const p = new Intl.DateTimeFormat('en-GB', {
    timeZone: LONDON,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => p.find((x) => x.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The instant of a London wall-clock time on a date (GMT or BST as it applies that day). */
export function atLondonTime(date: LocalDate, hour: number, minute = 0): Date {
  const guess = Date.UTC(...toUtcArgs(date), hour, minute);
  // London is UTC+0 or UTC+1: read London's clock at the guess and correct by the difference.
  const p = new Intl.DateTimeFormat('en-GB', {
    timeZone: LONDON,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(guess));
  const shownHour = Number(p.find((x) => x.type === 'hour')!.value);
  const offsetHours = (shownHour - hour + 24) % 24;
  return new Date(guess - offsetHours * 3_600_000);
}

// Working days in England & Wales, computed (not a hand list that runs out): weekends, the statutory
// bank holidays with their substitute days, Easter from the Gregorian computus, and the one-off
// holidays proclaimed so far. Every date here is a calendar date in Europe/London, 'YYYY-MM-DD'.
// Pure: the workflows use it for every due date, reminder, chaser and escalation.

export type LocalDate = string;

const LONDON = 'Europe/London';

/** Proclaimed one-off bank holidays, and the years a fixed holiday moved for one. */
const ONE_OFF: readonly LocalDate[] = [
  '1999-12-31', // millennium
  '2002-06-03', // golden jubilee
  '2011-04-29', // royal wedding
  '2012-06-05', // diamond jubilee
  '2022-06-03', // platinum jubilee
  '2022-09-19', // state funeral of Queen Elizabeth II
  '2023-05-08', // coronation of King Charles III
];
const MOVED_EARLY_MAY: Record<number, LocalDate> = { 1995: '1995-05-08', 2020: '2020-05-08' };
const MOVED_SPRING: Record<number, LocalDate> = { 2002: '2002-06-04', 2012: '2012-06-04', 2022: '2022-06-02' };

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

const cache = new Map<number, Set<LocalDate>>();

/** The bank holidays of England & Wales in `year`, as observed (substitute days included). */
export function bankHolidays(year: number): Set<LocalDate> {
  const cached = cache.get(year);
  if (cached) return cached;
  const easter = easterSunday(year);
  const days = new Set<LocalDate>([
    addDays(easter, -2),
    addDays(easter, 1),
    MOVED_EARLY_MAY[year] ?? firstMonday(year, 5),
    MOVED_SPRING[year] ?? lastMonday(year, 5),
    lastMonday(year, 8),
    ...ONE_OFF.filter((d) => d.startsWith(`${year}-`)),
  ]);
  // New Year's Day, Christmas and Boxing Day move to the next free weekday when they fall at a weekend.
  for (const fixed of [iso(year, 1, 1), iso(year, 12, 25), iso(year, 12, 26)]) days.add(substitute(fixed, days));
  cache.set(year, days);
  return days;
}

export function isWorkingDay(date: LocalDate): boolean {
  return !isWeekend(date) && !bankHolidays(parts(date)[0]).has(date);
}

/** `n` working days after `date` (before it when negative); `date` itself never counts. */
export function addWorkingDays(date: LocalDate, n: number): LocalDate {
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0;) {
    day = addDays(day, step);
    if (isWorkingDay(day)) left--;
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

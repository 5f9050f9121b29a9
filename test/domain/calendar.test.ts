import {
  addWorkingDays,
  atLondonTime,
  bankHolidays,
  easterSunday,
  isWorkingDay,
  londonDate,
} from '../../domain/calendar';

// Published by the UK government (gov.uk/bank-holidays) for England and Wales.
const PUBLISHED: Record<number, string[]> = {
  2020: [
    '2020-01-01',
    '2020-04-10',
    '2020-04-13',
    '2020-05-08',
    '2020-05-25',
    '2020-08-31',
    '2020-12-25',
    '2020-12-28',
  ],
  2021: [
    '2021-01-01',
    '2021-04-02',
    '2021-04-05',
    '2021-05-03',
    '2021-05-31',
    '2021-08-30',
    '2021-12-27',
    '2021-12-28',
  ],
  2022: [
    '2022-01-03',
    '2022-04-15',
    '2022-04-18',
    '2022-05-02',
    '2022-06-02',
    '2022-06-03',
    '2022-08-29',
    '2022-09-19',
    '2022-12-26',
    '2022-12-27',
  ],
  2023: [
    '2023-01-02',
    '2023-04-07',
    '2023-04-10',
    '2023-05-01',
    '2023-05-08',
    '2023-05-29',
    '2023-08-28',
    '2023-12-25',
    '2023-12-26',
  ],
  2024: [
    '2024-01-01',
    '2024-03-29',
    '2024-04-01',
    '2024-05-06',
    '2024-05-27',
    '2024-08-26',
    '2024-12-25',
    '2024-12-26',
  ],
  2025: [
    '2025-01-01',
    '2025-04-18',
    '2025-04-21',
    '2025-05-05',
    '2025-05-26',
    '2025-08-25',
    '2025-12-25',
    '2025-12-26',
  ],
  2026: [
    '2026-01-01',
    '2026-04-03',
    '2026-04-06',
    '2026-05-04',
    '2026-05-25',
    '2026-08-31',
    '2026-12-25',
    '2026-12-28',
  ],
  2027: [
    '2027-01-01',
    '2027-03-26',
    '2027-03-29',
    '2027-05-03',
    '2027-05-31',
    '2027-08-30',
    '2027-12-27',
    '2027-12-28',
  ],
};

describe('the working-day calendar (England & Wales)', () => {
  it.each(Object.entries(PUBLISHED))('computes every bank holiday of %s as published', (year, days) => {
    expect([...bankHolidays(Number(year))].sort()).toEqual([...days].sort());
  });

  it('computes Easter for years no list covers', () => {
    expect(easterSunday(2038)).toBe('2038-04-25'); // the latest possible
    expect(easterSunday(2285)).toBe('2285-03-22'); // the earliest possible
    expect(easterSunday(2049)).toBe('2049-04-18');
    expect(bankHolidays(2049).has('2049-04-16')).toBe(true); // Good Friday
  });

  it('skips weekends and bank holidays when counting working days', () => {
    expect(addWorkingDays('2026-11-25', 3)).toBe('2026-11-30'); // Wed + 3 → Mon
    expect(addWorkingDays('2026-12-23', 2)).toBe('2026-12-29'); // over Christmas, Boxing Day moved to Mon 28
    expect(addWorkingDays('2026-04-01', 2)).toBe('2026-04-07'); // over Good Friday and Easter Monday
    expect(addWorkingDays('2026-04-07', -2)).toBe('2026-04-01');
    expect(isWorkingDay('2026-08-31')).toBe(false);
    expect(isWorkingDay('2026-09-01')).toBe(true);
  });

  it('counts 15 working days over a bank holiday', () => {
    // From Thu 16 Apr 2026 three weeks of working days, with the early May bank holiday inside.
    expect(addWorkingDays('2026-04-16', 15)).toBe('2026-05-08');
  });

  it('places London wall-clock times in GMT and in BST', () => {
    expect(atLondonTime('2026-01-15', 9).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(atLondonTime('2026-07-15', 9).toISOString()).toBe('2026-07-15T08:00:00.000Z');
    expect(atLondonTime('2026-07-15', 0, 30).toISOString()).toBe('2026-07-14T23:30:00.000Z');
    expect(londonDate(new Date('2026-07-14T23:30:00.000Z'))).toBe('2026-07-15');
    expect(londonDate(new Date('2026-01-14T23:30:00.000Z'))).toBe('2026-01-14');
  });
});

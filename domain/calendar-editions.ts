// The bank holidays of England & Wales that no rule computes: one-off days proclaimed, and fixed
// holidays moved by proclamation. Kept edition by edition, because an open audit's deadlines must never
// move: each audit keeps the edition it started with (its timeline's `calendar`), and its workflow,
// replayed years later, counts working days with that edition.
//
// Append only. A new proclamation is a new edition at the end: everything of the last one, plus what
// was proclaimed. An edition already here is never edited (test/workflows/calendar-pinning.test.ts).

export interface CalendarEdition {
  /** When this edition was made, and why. */
  note: string;
  /** One-off bank holidays, 'YYYY-MM-DD'. */
  oneOff: readonly string[];
  /** Years whose early May bank holiday was moved, to the day it moved to. */
  movedEarlyMay: Readonly<Record<number, string>>;
  /** Years whose spring bank holiday was moved, to the day it moved to. */
  movedSpring: Readonly<Record<number, string>>;
}

export const CALENDAR_EDITIONS: readonly CalendarEdition[] = [
  {
    note: '1 (release 0.1.0): every proclamation up to the coronation of King Charles III',
    oneOff: [
      '1999-12-31', // millennium
      '2002-06-03', // golden jubilee
      '2011-04-29', // royal wedding
      '2012-06-05', // diamond jubilee
      '2022-06-03', // platinum jubilee
      '2022-09-19', // state funeral of Queen Elizabeth II
      '2023-05-08', // coronation of King Charles III
    ],
    movedEarlyMay: { 1995: '1995-05-08', 2020: '2020-05-08' },
    movedSpring: { 2002: '2002-06-04', 2012: '2012-06-04', 2022: '2022-06-02' },
  },
];

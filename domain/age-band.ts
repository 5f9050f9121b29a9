// A child's age band, as the Children in Need census groups ages: what an agency that did not work with a
// child is told instead of the date of birth (PRODUCT.md "Data rules"). Pure.

export const AGE_BANDS = ['Under 1', '1 to 4', '5 to 9', '10 to 15', '16 or over'] as const;
export type AgeBand = (typeof AGE_BANDS)[number] | 'Not recorded';

/** Whole years from `dateOfBirth` (a `@db.Date`, midnight UTC) to `at`, by the calendar. */
export function ageInYears(dateOfBirth: Date, at: Date): number {
  const years = at.getUTCFullYear() - dateOfBirth.getUTCFullYear();
  const birthdayPassed =
    at.getUTCMonth() > dateOfBirth.getUTCMonth() ||
    (at.getUTCMonth() === dateOfBirth.getUTCMonth() && at.getUTCDate() >= dateOfBirth.getUTCDate());
  return birthdayPassed ? years : years - 1;
}

export function ageBand(dateOfBirth: Date | null, at: Date): AgeBand {
  if (!dateOfBirth) return 'Not recorded';
  const age = ageInYears(dateOfBirth, at);
  if (age < 1) return 'Under 1';
  if (age < 5) return '1 to 4';
  if (age < 10) return '5 to 9';
  if (age < 16) return '10 to 15';
  return '16 or over';
}

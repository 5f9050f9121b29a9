// How the console's discussion forms read what a person typed: a UK date and time (GMT or BST as it applies
// that day), a due date, an age band; anything that is not one is passed on as typed, for the schema to refuse.
import { ageBand } from '../../api/views/cohort';
import { asTyped, formDate, formDateTime } from '../../api/views/discussion';

describe('formDateTime', () => {
  it('reads a UK wall-clock time in winter (GMT) and in summer (BST)', () => {
    expect(formDateTime('14/1/2027 10:30')).toBe('2027-01-14T10:30:00.000Z');
    expect(formDateTime(' 14/07/2027 10.30 ')).toBe('2027-07-14T09:30:00.000Z');
    expect(formDateTime('2027-07-14 10:30')).toBe('2027-07-14T09:30:00.000Z');
    expect(formDateTime('2027-01-14T09:05')).toBe('2027-01-14T09:05:00.000Z');
  });

  it('gives back what it shows: a stored instant typed again is the same instant', () => {
    for (const iso of ['2027-03-28T00:59:00.000Z', '2027-03-28T01:00:00.000Z', '2027-10-31T12:00:00.000Z']) {
      expect(formDateTime(asTyped(new Date(iso)))).toBe(iso);
    }
  });

  it('passes on what is no date and time as typed: no rolling 31 February into March', () => {
    for (const text of ['next Tuesday', '31/2/2027 10:30', '14/13/2027 10:30', '14/1/2027 24:00', '14/1/2027']) {
      expect(formDateTime(text)).toBe(text);
    }
    expect(formDateTime('2027-01-14T10:30:00+01:00')).toBe('2027-01-14T10:30:00+01:00');
  });
});

it('formDate reads 31/3/2027 as 2027-03-31 and leaves anything else to the schema', () => {
  expect(formDate('31/3/2027')).toBe('2027-03-31');
  expect(formDate(' 2027-03-31 ')).toBe('2027-03-31');
  expect(formDate('soon')).toBe('soon');
});

it('ageBand counts whole years at the day, and says so when the date of birth has gone', () => {
  const on = new Date('2026-12-06T00:00:00Z');
  expect(ageBand(new Date('2026-01-01'), on)).toBe('Under 1');
  expect(ageBand(new Date('2016-12-06'), on)).toBe('10 to 15');
  expect(ageBand(new Date('2016-12-07'), on)).toBe('5 to 9');
  expect(ageBand(new Date('2009-06-01'), on)).toBe('16 to 17');
  expect(ageBand(new Date('2008-12-06'), on)).toBe('18 or over');
  expect(ageBand(null, on)).toBe('Not known');
});

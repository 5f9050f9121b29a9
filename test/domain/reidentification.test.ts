import {
  checkReport,
  checkReportFields,
  type CohortIdentifiers,
  isValidNhsNumber,
  nameTokens,
  redactIdentifiers,
} from '../../domain/reidentification';

// Invented children; the names are distinctive, one part is a common word, one is short.
const cohort: CohortIdentifiers[] = [
  {
    caseRef: 'NYC-4711',
    childName: 'Zephyrine Quixleworth',
    dateOfBirth: new Date('2015-02-01T00:00:00.000Z'),
    localId: 'LCS900100',
  },
  { caseRef: 'NYC-4712', childName: 'Tobiah Hope Marlowe-Finch', dateOfBirth: '2012-11-23', localId: null },
  { caseRef: 'NYC-4713', childName: 'Al Theodora Caregiver', dateOfBirth: null, localId: 'EH-77' },
  // Purged identifiers (after retention) are skipped, the case reference stays.
  { caseRef: 'NYC-4714', childName: null, dateOfBirth: null, localId: null },
];

const kinds = (text: string) => checkReport(text, cohort).failures.map((f) => [f.kind, f.match]);

describe('the re-identification check', () => {
  it('catches a child’s name in any case, whole or in parts, and in the possessive', () => {
    expect(kinds('We discussed Zephyrine Quixleworth at length.')).toEqual([['name', 'Zephyrine Quixleworth']]);
    expect(kinds('ZEPHYRINE was not seen alone.')).toEqual([['name', 'ZEPHYRINE']]);
    expect(kinds('the quixleworth household')).toEqual([['name', 'quixleworth']]);
    expect(kinds("Quixleworth's mother was not invited.")).toEqual([['name', "Quixleworth's"]]);
    expect(kinds('The Quixleworths’ home')).toEqual([['name', 'Quixleworths’']]);
    expect(kinds('Marlowe-Finch moved school; Finch and Marlowe are both named.')).toEqual([
      ['name', 'Marlowe-Finch'],
      ['name', 'Finch'],
      ['name', 'Marlowe'],
    ]);
  });

  it('flags a name part that is a common word only when it is written as a name', () => {
    expect(kinds('Hope said she felt listened to.')).toEqual([['name', 'Hope']]);
    expect(kinds('There is hope that the plan will work.')).toEqual([]);
  });

  it('never flags common words, or names inside longer words', () => {
    // Name parts of fewer than three letters ("Al") are skipped; "Theodora" and "Caregiver" only match whole.
    const text =
      'Good care was given: the team worked together, all agencies attended, and the theory of change was ' +
      'clear. Care leavers and caregivers were consulted. Practice was good; the plan was reviewed.';
    expect(checkReport(text, cohort).failures).toEqual([]);
    for (const word of ['good', 'care', 'the', 'Good', 'Care', 'The']) expect(kinds(word)).toEqual([]);
    expect(nameTokens('Al Theodora Caregiver')).toEqual(['Al Theodora Caregiver', 'Theodora', 'Caregiver']);
  });

  it('does not flag "good", "care" or "the" in prose even when a child’s name is a common word', () => {
    const named = [...cohort, { caseRef: 'NYC-4715', childName: 'Ellis Good', dateOfBirth: null, localId: null }];
    const prose = 'the care was good; good practice in the care plan, and the child was kept safe.';
    expect(checkReport(prose, named).failures).toEqual([]);
    expect(checkReport('We met Ellis Good at school; Good attended.', named).failures.map((f) => f.match)).toEqual([
      'Ellis Good',
      'Good',
    ]);
  });

  it('catches dates of birth however they are written', () => {
    for (const text of [
      'born 2015-02-01',
      'DOB 1/2/2015',
      'DOB 01/02/2015',
      'DOB 01-02-15',
      'DOB 01.02.2015',
      'born on 1 February 2015',
      'born on 1st February 2015',
      'born on 1 Feb 2015',
      'born February 1, 2015',
      'born Feb 1st 2015',
      'born 23 November 2012',
      'born 23/11/2012',
    ]) {
      expect(kinds(text)).toEqual([['date_of_birth', expect.any(String)]]);
    }
    // Another date of the same year is not a date of birth.
    expect(kinds('The strategy meeting was on 2 February 2015.')).toEqual([]);
  });

  it('catches case references and local IDs, however they are spaced', () => {
    expect(kinds('As seen in NYC-4711,')).toEqual([['case_ref', 'NYC-4711']]);
    expect(kinds('as seen in nyc 4712')).toEqual([['case_ref', 'nyc 4712']]);
    expect(kinds('see NYC4714')).toEqual([['case_ref', 'NYC4714']]);
    expect(kinds('the record LCS900100 shows')).toEqual([['local_id', 'LCS900100']]);
    expect(kinds('the record lcs-900100 shows')).toEqual([['local_id', 'lcs-900100']]);
    expect(kinds('EH-77')).toEqual([['local_id', 'EH-77']]);
    // Not inside a longer reference.
    expect(kinds('NYC-47110 and XNYC-4711')).toEqual([]);
  });

  it('catches NHS numbers with a valid check digit anywhere in the text, and only those', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(kinds('NHS number 943 476 5919 was on the referral.')).toEqual([['nhs_number', '943 476 5919']]);
    expect(kinds('nhs:9434765919.')).toEqual([['nhs_number', '9434765919']]);
    expect(kinds('ref 943-476-5919')).toEqual([['nhs_number', '943-476-5919']]);
    expect(kinds('NHS number 943 476 5918 was on the referral.')).toEqual([]);
    expect(kinds('12345678901234 is not one')).toEqual([]);
  });

  it('catches postcodes, street addresses and telephone numbers of anyone', () => {
    expect(kinds('They live near HG1 2AB.')).toEqual([['postcode', 'HG1 2AB']]);
    expect(kinds('moved to yo307by')).toEqual([['postcode', 'yo307by']]);
    expect(kinds('moved to 14 Acacia Avenue last year')).toEqual([['address', '14 Acacia Avenue']]);
    expect(kinds('call 07700 900123 or')).toEqual([['phone', '07700 900123']]);
    expect(kinds('call +44 7700 900123')).toEqual([['phone', '+44 7700 900123']]);
    expect(kinds('call (01904) 555012')).toEqual([['phone', '(01904) 555012']]);
    expect(kinds('call 0113 496 0000')).toEqual([['phone', '0113 496 0000']]);
  });

  it('warns, without failing, about small numbers', () => {
    const result = checkReport(
      'In one child’s case, and for a single family, only one parent attended; 2 siblings were seen.',
      cohort,
    );
    expect(result.failures).toEqual([]);
    expect(result.warnings.map((w) => w.match)).toEqual([
      'one child',
      'a single family',
      'only one parent',
      '2 siblings',
    ]);
    expect(checkReport('Twelve children were discussed by 4 agencies.', cohort).warnings).toEqual([]);
  });

  it('passes a clean, realistic report', () => {
    const report = {
      workingWell: [
        'Recognition: practitioners across police, health and education identified signs of exploitation early and shared information the same day.',
        'Joint working: strategy discussions were timely and well attended (noted by 3 agencies).',
      ],
      areasForDevelopment: [
        'Assessment: the voice of the child was not consistently recorded or used to shape plans.',
        'Planning and intervention: plans did not always set out who does what by when.',
      ],
      themes: ['Assessment: a recurring area for development, raised by 3 agencies across the cohort.'],
      recommendations: [
        'All agencies to use the partnership’s child exploitation screening tool at first contact (owner: North Yorkshire Police, due 2027-03-31).',
        'Urgent action: review supervision arrangements for practitioners holding complex cases (owner: Harrogate Health Trust, due 2026-12-31).',
      ],
    };
    expect(checkReportFields(report, cohort)).toEqual({ failures: [], warnings: [] });
  });

  it('lists every finding by field and item', () => {
    const result = checkReportFields(
      { workingWell: ['fine', 'Zephyrine did well'], themes: ['NYC-4712 and one child'] },
      cohort,
    );
    expect(result.failures).toEqual([
      { field: 'workingWell', index: 1, kind: 'name', match: 'Zephyrine' },
      { field: 'themes', index: 0, kind: 'case_ref', match: 'NYC-4712' },
    ]);
    expect(result.warnings).toEqual([{ field: 'themes', index: 0, kind: 'small_number', match: 'one child' }]);
  });

  it('redacts what it would refuse', () => {
    expect(redactIdentifiers('Zephyrine Quixleworth (NYC-4711) lives at HG1 2AB.', cohort)).toBe(
      '[redacted] ([redacted]) lives at [redacted].',
    );
  });
});

describe('the re-identification check, as a motivated intruder would try it', () => {
  // Kacper Wojcik (K W, born March 2014); Grace Price (G P, as the GP is written); Isla Tamsin Okafor.
  const intruderCohort: CohortIdentifiers[] = [
    { caseRef: 'NYC-5001', childName: 'Kacper Wojcik', dateOfBirth: '2014-03-17', localId: null },
    { caseRef: 'NYC-5002', childName: 'Grace Price', dateOfBirth: '2011-09-04', localId: null },
    { caseRef: 'NYC-5003', childName: 'Isla Tamsin Okafor', dateOfBirth: null, localId: null },
  ];
  const check = (text: string) => checkReport(text, intruderCohort);
  const failures = (text: string) => check(text).failures.map((f) => [f.kind, f.match]);
  const warnings = (text: string) => check(text).warnings.map((w) => [w.kind, w.match]);

  it.each([
    ['K.W. was seen weekly.', 'K.W.'],
    ['KW was seen weekly.', 'KW'],
    ['K W was seen weekly.', 'K W'],
    ['K. W. was seen weekly.', 'K. W.'],
    ['The school saw K.W on Mondays.', 'K.W'],
    ["KW's mother attended.", 'KW'],
    ['(KW) was not seen alone', 'KW'],
    ['kw was seen weekly', 'kw'],
    ['k.w. was seen weekly', 'k.w.'],
    ['notes on I.T.O. and IO', 'I.T.O.'],
    ['ITO said she felt safe', 'ITO'],
    ['IO missed school', 'IO'],
  ])('refuses a cohort child’s initials: %s', (text, match) => {
    expect(failures(text)[0]).toEqual(['initials', match]);
  });

  it.each([
    'OK, the plan was agreed.',
    'The IT system did not share the referral.',
    'It was agreed; it worked.',
    'The GP was not invited to the strategy meeting.',
    'CAMHS and the NHS trust attended; SW and EH also.',
    'The SW visited weekly.',
    'KWH and AKW are other references; KWs is not initials.',
    'kwashiorkor is not a word here, nor is Kw.',
    'Items 1 to 4 were IT related.',
    'The TAF met in the AM and PM.',
    'The team in Okehampton worked well.',
  ])('does not refuse ordinary words, agency abbreviations or other capitals: %s', (text) => {
    expect(failures(text)).toEqual([]);
  });

  it('warns, without refusing, where a child’s initials are also an abbreviation', () => {
    expect(failures('The GP was not invited.')).toEqual([]);
    expect(warnings('The GP was not invited.')).toEqual([['possible_initials', 'GP']]);
    expect(warnings('G.P. attended with her carer.')).toEqual([['possible_initials', 'G.P.']]);
    // In lower case "gp" is no one's initials.
    expect(warnings('the gp surgery')).toEqual([]);
    // Another cohort's "GP" is no child's initials at all.
    expect(checkReport('The GP was not invited.', cohort).warnings).toEqual([]);
  });

  it.each([
    ['a 12 year old boy born in March 2014', 'March 2014'],
    ['born in march 2014', 'march 2014'],
    ['born Mar 2014', 'Mar 2014'],
    ['born Mar. 2014', 'Mar. 2014'],
    ['born in March of 2014', 'March of 2014'],
    ['born March, 2014', 'March, 2014'],
    ["born March '14", "March '14"],
    ['DOB 03/2014', '03/2014'],
    ['DOB 3/2014', '3/2014'],
    ['DOB 03-2014', '03-2014'],
    ['DOB 2014-03', '2014-03'],
    ['born Sept 2011', 'Sept 2011'],
    ['born in September 2011', 'September 2011'],
    ['DOB 09/2011', '09/2011'],
  ])('refuses a cohort child’s birth month with its year: %s', (text, match) => {
    expect(failures(text)).toEqual([['birth_month', match]]);
  });

  it.each([
    'The plan was reviewed in March.',
    'The review in March 2015 found progress.',
    'born in April 2014',
    'The strategy meeting was on 1 March 2014.',
    'The strategy meeting was on 01/03/2014.',
    'The strategy meeting was on 2014-03-02.',
    'There were 3 referrals in 2014.',
    'Scores rose from 3/20 to 14/20.',
    'We may 2014 be wrong',
  ])('does not refuse other months, months without a year, or other dates: %s', (text) => {
    expect(check(text).failures.filter((f) => f.kind === 'birth_month')).toEqual([]);
  });

  it('keeps the full date of birth one finding, not a birth month as well', () => {
    expect(failures('born 17 March 2014')).toEqual([['date_of_birth', '17 March 2014']]);
    expect(failures('DOB 17/03/2014')).toEqual([['date_of_birth', '17/03/2014']]);
  });

  it.each([
    ['a 12 year old on a child protection plan', '12 year old'],
    ['A 12-year-old boy, child in need, was seen.', '12-year-old'],
    ['The child, aged 12, was looked after.', 'aged 12'],
    ['a twelve year old subject to a CP plan', 'twelve year old'],
    ['Early help was offered to the 9 months old baby.', '9 months old'],
  ])('warns on an exact age beside a service level: %s', (text, match) => {
    expect(check(text).failures).toEqual([]);
    expect(warnings(text)).toContainEqual(['exact_age', match]);
  });

  it.each([
    'a 12 year old was seen weekly.',
    'The cohort spanned child protection and early help.',
    'Children aged 12 to 14 on child protection plans were seen.',
    'The 12-14 year olds in care were seen.',
    'Young people in care (11 year olds and up) were seen.',
    'A 12 year old was seen. Separately, the child protection conference was late.',
  ])('does not warn on an age without a service level beside it, or on an age range: %s', (text) => {
    expect(check(text).warnings.filter((w) => w.kind === 'exact_age')).toEqual([]);
  });

  it('leaves the business unit to judge an age it cannot tell from a child’s (a warning, never a refusal)', () => {
    const text = 'The plan was 12 months old when child protection procedures began.';
    expect(check(text).failures).toEqual([]);
    expect(warnings(text)).toEqual([['exact_age', '12 months old']]);
  });

  it('redacts initials and birth months along with the rest', () => {
    expect(redactIdentifiers('K.W. (born March 2014) and IO were seen.', intruderCohort)).toBe(
      '[redacted] (born [redacted]) and [redacted] were seen.',
    );
  });
});

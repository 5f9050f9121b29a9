// The re-identification check a summary report passes before it leaves the business unit (PRODUCT.md,
// stage 6): no child's name, initials, date of birth, birth month with its year, local ID or case reference
// from the audit's pool, and no NHS number, postcode, street address or telephone number at all. Small
// numbers ("one child", "a single family"), an exact age beside a service level, and initials that are also
// an abbreviation ("GP") are warnings: they may let a reader work out who is meant, but the business unit
// judges that.
// Pure: the caller supplies the cohort's identifiers.

/** A child in the audit's candidate pool (drawn or not), as the database keeps it. */
export interface CohortIdentifiers {
  caseRef: string;
  childName?: string | null;
  /** A Date (as Prisma returns a `@db.Date`) or an ISO date. */
  dateOfBirth?: Date | string | null;
  localId?: string | null;
}

/** A stored case's identifiers (its columns), as the checks take them. */
export const caseIdentifiers = (c: {
  caseRef: string;
  childName: string | null;
  childDob: Date | null;
  childLocalId: string | null;
}): CohortIdentifiers => ({
  caseRef: c.caseRef,
  childName: c.childName,
  dateOfBirth: c.childDob,
  localId: c.childLocalId,
});

export type IdentifierKind =
  | 'name'
  | 'initials'
  | 'date_of_birth'
  | 'birth_month'
  | 'local_id'
  | 'case_ref'
  | 'nhs_number'
  | 'postcode'
  | 'address'
  | 'phone';

/**
 * What the business unit is asked to think about, not refused: a small number; an exact age beside a
 * service level ("a 12 year old on a child protection plan"); a child's initials that are also an
 * ordinary word or an agency's abbreviation ("GP" for a child with those initials).
 */
export type WarningKind = 'small_number' | 'exact_age' | 'possible_initials';

export interface Finding<K extends string = IdentifierKind> {
  kind: K;
  /** The text as it appears in the report. */
  match: string;
  /** Offsets into the checked text: [start, end). */
  start: number;
  end: number;
}

export interface CheckResult {
  failures: Finding[];
  warnings: Finding<WarningKind>[];
}

/**
 * Common English words that are also given names or surnames (and words a report uses all the time, like
 * "good", "care" and "child"). Such a name part is flagged only when it is written as a name (capitalised):
 * "Will" or "Hope", but not "practitioners will", "there is hope" or "good care".
 */
const COMMON_WORDS = new Set([
  'amber',
  'april',
  'august',
  'baker',
  'banks',
  'bell',
  'best',
  'bill',
  'bird',
  'black',
  'bond',
  'brook',
  'brown',
  'care',
  'carter',
  'case',
  'chase',
  'child',
  'cook',
  'daisy',
  'dawn',
  'drew',
  'east',
  'faith',
  'field',
  'ford',
  'fox',
  'frank',
  'friend',
  'gold',
  'good',
  'grace',
  'grant',
  'green',
  'hale',
  'hall',
  'hardy',
  'hill',
  'holly',
  'home',
  'hope',
  'house',
  'hunter',
  'iris',
  'ivy',
  'jade',
  'joy',
  'june',
  'kind',
  'king',
  'lane',
  'law',
  'lily',
  'little',
  'long',
  'love',
  'mark',
  'mason',
  'may',
  'mills',
  'moss',
  'noble',
  'north',
  'page',
  'parker',
  'price',
  'rose',
  'ruby',
  'sandy',
  'sharp',
  'short',
  'small',
  'south',
  'sterling',
  'storm',
  'strong',
  'summer',
  'ward',
  'wells',
  'west',
  'white',
  'will',
  'wise',
  'wood',
  'young',
]);

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Not preceded / followed by a letter or digit: whole identifiers only. */
const B_START = '(?<![\\p{L}\\p{N}])';
const B_END = '(?![\\p{L}\\p{N}])';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Name parts of at least three letters, and the full name; e.g. "Mary-Jane O'Neil" → Mary-Jane, Mary, Jane, O'Neil, Neil. */
export function nameTokens(fullName: string): string[] {
  const name = fullName.trim().replace(/\s+/g, ' ');
  if (!name) return [];
  const tokens = new Set<string>([name]);
  for (const part of name.split(' ')) {
    tokens.add(part);
    for (const sub of part.split(/[-'’]/)) tokens.add(sub);
  }
  return [...tokens].filter((t) => t === name || [...t.replace(/[^\p{L}]/gu, '')].length >= 3);
}

/** A name as a whole word, with the possessive ('s, s') and any run of spaces between its parts. */
function nameRegex(token: string): RegExp {
  const body = token.split(' ').map(escape).join('\\s+');
  const lower = token.toLowerCase();
  if (!token.includes(' ') && COMMON_WORDS.has(lower)) {
    // Capitalised (or all capitals) only: "Hope", "HOPE", not "hope".
    const first = escape(token[0]!.toUpperCase());
    const rest = escape(token.slice(1).toLowerCase());
    const upper = escape(token.toUpperCase());
    return new RegExp(`${B_START}(?:${first}${rest}|${upper})(?:['’]s|s['’])?${B_END}`, 'gu');
  }
  return new RegExp(`${B_START}${body}(?:['’]s|s['’])?${B_END}`, 'giu');
}

/**
 * A reference (case ref, local ID) whole, letting its separators vary: "NYC-4711" also as "NYC 4711" and
 * "NYC4711". References shorter than four characters are matched exactly.
 */
function referenceRegex(ref: string): RegExp | undefined {
  const runs = ref.match(/\p{L}+|\p{N}+/gu) ?? [];
  if (runs.length === 0) return undefined;
  const alnum = runs.join('');
  const body = alnum.length < 4 ? escape(ref.trim()) : runs.map(escape).join('[\\s\\-_/.]*');
  return new RegExp(`${B_START}${body}${B_END}`, 'giu');
}

const ordinal = (n: number) => `0?${n}(?:st|nd|rd|th)?`;
const monthName = (m: number) => {
  const full = MONTHS[m - 1]!;
  const short = full.slice(0, 3);
  return m === 9 ? `(?:${full}|sept|sep)\\.?` : `(?:${full}|${short}\\.?)`;
};

/** A date of birth in the ways people write it: ISO, 1/2/2015, 01-02-15, 1st February 2015, Feb 1, 2015. */
function dateRegex(date: Date | string): RegExp | undefined {
  const iso = typeof date === 'string' ? date.slice(0, 10) : date.toISOString().slice(0, 10);
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!parts) return undefined;
  const [y, m, d] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const yy = String(y).slice(2);
  const num = (n: number) => `0?${n}`;
  const year = `(?:${y}|${yy})`;
  const alternatives = [
    `${y}[-/.]${String(m).padStart(2, '0')}[-/.]${String(d).padStart(2, '0')}`,
    // Day first (UK), and month first (US) to be safe.
    `${num(d)}\\s*[-/.]\\s*${num(m)}\\s*[-/.]\\s*${year}`,
    `${num(m)}\\s*[-/.]\\s*${num(d)}\\s*[-/.]\\s*${year}`,
    `${ordinal(d)}\\s+(?:of\\s+)?${monthName(m)},?\\s+${y}`,
    `${monthName(m)}\\s+${ordinal(d)},?\\s+${y}`,
  ];
  return new RegExp(`${B_START}(?:${alternatives.join('|')})${B_END}`, 'giu');
}

/**
 * A child's birth month and year, which with a service level or a school year narrows a cohort to one:
 * "March 2014", "Mar. 2014", "March of 2014", "March '14", "03/2014", "3-2014", "2014-03". Not when it is
 * part of a whole date ("1 March 2014", "01/03/2014": another day is not a birth date; the day itself is
 * the date of birth's to catch), and not a month without its year ("in March").
 */
function birthMonthRegex(date: Date | string): RegExp | undefined {
  const iso = typeof date === 'string' ? date.slice(0, 10) : date.toISOString().slice(0, 10);
  const parts = /^(\d{4})-(\d{2})-\d{2}$/.exec(iso);
  if (!parts) return undefined;
  const [y, mm] = [parts[1]!, parts[2]!];
  const m = Number(mm);
  const notInADate = `(?<!\\d\\s*[-/.]\\s*)(?<!\\d(?:st|nd|rd|th)?\\s+(?:of\\s+)?)`;
  const alternatives = [
    `${monthName(m)},?\\s+(?:of\\s+)?(?:${y}|['’]${y.slice(2)})`,
    `0?${m}\\s*[-/.]\\s*${y}`,
    `${y}\\s*[-/.]\\s*${mm}(?!\\s*[-/.]\\s*\\d)`,
  ];
  return new RegExp(`${B_START}${notInADate}(?:${alternatives.join('|')})${B_END}`, 'giu');
}

/**
 * Capitals that are an agency's abbreviation or an ordinary word as well as somebody's initials. A child
 * whose initials are one of these gets a warning where they appear, not a refusal: "seen by the GP" is
 * not about Grace Price. Any other pair of capitals that are a cohort child's initials is refused.
 */
const AMBIGUOUS_INITIALS = new Set(
  [
    // Agencies, roles and services
    'AE',
    'BU',
    'CAMHS',
    'CCE',
    'CE',
    'CIN',
    'CLA',
    'CP',
    'CPN',
    'CPS',
    'CQC',
    'CSC',
    'CSE',
    'DA',
    'DBS',
    'DfE',
    'DSL',
    'DV',
    'ED',
    'EH',
    'EHA',
    'EHCP',
    'FGC',
    'GP',
    'HV',
    'ICB',
    'IDVA',
    'IRO',
    'ISVA',
    'LA',
    'LAC',
    'LADO',
    'LIS',
    'MARAC',
    'MASH',
    'MH',
    'NFA',
    'NHS',
    'OT',
    'PC',
    'PCSO',
    'PLO',
    'RAG',
    'SALT',
    'SEN',
    'SENCO',
    'SEND',
    'SN',
    'SW',
    'TAC',
    'TAF',
    'YJS',
    'YOS',
    'YOT',
    // Words and common abbreviations written in capitals
    'AM',
    'AN',
    'AS',
    'AT',
    'BE',
    'BY',
    'DO',
    'EG',
    'GO',
    'HE',
    'ID',
    'IE',
    'IF',
    'IN',
    'IS',
    'IT',
    'ME',
    'MY',
    'NB',
    'NO',
    'OF',
    'OK',
    'ON',
    'OR',
    'PE',
    'PM',
    'PS',
    'RE',
    'SO',
    'TO',
    'TV',
    'UK',
    'UP',
    'US',
    'WE',
  ].map((a) => a.toUpperCase()),
);

/** The capitals a name's initials are written with: first and last, and every part when there are more. */
function initialsOf(fullName: string): string[][] {
  const letters = fullName
    .trim()
    .split(/\s+/)
    .map((part) => [...part.replace(/[^\p{L}]/gu, '')][0]?.toUpperCase())
    .filter((l): l is string => !!l);
  if (letters.length < 2) return [];
  return letters.length > 2 ? [[letters[0]!, letters.at(-1)!], letters] : [letters];
}

/**
 * A child's initials in their usual spellings: "K.W.", "K. W.", "K.W", "KW", "K W", and in lower case
 * ("k.w.", "kw") unless that is a word ("it", "am"). Capitals only otherwise: "kw" in a longer word is
 * no initials. `ambiguous`: the initials are also an abbreviation or a word (AMBIGUOUS_INITIALS).
 */
function initialsRegex(letters: string[]): { regex: RegExp; ambiguous: boolean } {
  const upper = letters.map(escape);
  const lower = letters.map((l) => escape(l.toLowerCase()));
  const spellings = (ls: string[]) => [ls.join('\\.\\s?') + '\\.?', ls.join('')];
  const ambiguous = AMBIGUOUS_INITIALS.has(letters.join(''));
  const alternatives = [...spellings(upper), upper.join(' '), ...(ambiguous ? [] : spellings(lower))];
  return { regex: new RegExp(`${B_START}(?:${alternatives.join('|')})${B_END}`, 'gu'), ambiguous };
}

/** 10 digits, optionally spaced 3-3-4, anywhere: flagged when the NHS mod-11 check digit is right. */
const NHS_NUMBER = /(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)/g;

export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

/** A full UK postcode (outward and inward code), e.g. HG1 2AB, YO30 7BY, hg12ab. */
const POSTCODE =
  /(?<![\p{L}\p{N}])(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y]) ?\d[ABD-HJLNP-UW-Z]{2})(?![\p{L}\p{N}])/giu;

/**
 * A house number and a capitalised street name: "14 Acacia Avenue", "3a Mill Lane". ("Court" is left out:
 * "the 2 Family Court hearings" is not an address.)
 */
const ADDRESS =
  /(?<![\p{L}\p{N}])\d{1,3}[a-zA-Z]?,?\s+(?:[A-Z][\p{L}'’-]+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Place|Terrace|Grove|Gardens|Mews|Square|Walk)\.?(?![\p{L}\p{N}])/gu;

/** UK telephone numbers: 01423 123456, 07700 900123, +44 7700 900123, (01904) 555012, +44 (0)1904 555012. */
const PHONE = /(?<![\p{L}\p{N}+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)/gu;

const isPhone = (match: string) => {
  let digits = match.replace(/\D/g, '');
  if (digits.startsWith('44')) digits = digits.slice(2);
  if (digits.startsWith('0')) digits = digits.slice(1);
  return digits.length === 9 || digits.length === 10;
};

const SMALL_NUMBER =
  /(?<![\p{L}\p{N}])(?:one|two|three|four|[1-4]|a single|only one|the only|a sole|the sole)\s+(?:(?:young|little|older|younger|same|other)\s+)?(?:child|children|young people|young person|person|people|famil(?:y|ies)|sibling|siblings|baby|babies|infant|infants|girl|girls|boy|boys|teenager|teenagers|case|cases|parent|parents|mother|mothers|father|fathers|carer|carers|household|households|pupil|pupils)(?![\p{L}\p{N}])/giu;

const AGE_NUMBER = `(?:\\d{1,2}|${['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen'].join('|')})`;

/**
 * An exact age: "a 12 year old", "12-year-old", "aged 12", "age 12", "nine months old". Not a range
 * ("12-14 year olds", "aged 12 to 14"), whose point is that it names nobody.
 */
const EXACT_AGE = new RegExp(
  `${B_START}(?<![-–]\\s*)(?:(?:aged?|age\\s+of)\\s+${AGE_NUMBER}(?!\\s*(?:[-–]|to|and|or)\\s*\\d)|${AGE_NUMBER}[-\\s]?(?:years?|yrs?|months?)[-\\s]?old)${B_END}`,
  'giu',
);

/** A service level, as a report would write it. */
const SERVICE_LEVEL =
  /(?<![\p{L}\p{N}])(?:child protection|child in need|children in need|looked[- ]after|in care|care leaver|early help|universal services?|CP plan|CIN|CLA|LAC)(?![\p{L}\p{N}])/iu;

/** The sentence around [start, end): from the last full stop (or ! ? ;) before it to the next after it. */
function sentenceAround(text: string, start: number, end: number): string {
  const before = text.slice(0, start);
  const from = Math.max(...['.', '!', '?', ';'].map((p) => before.lastIndexOf(p))) + 1;
  const after = text.slice(end).search(/[.!?;](?:\s|$)/);
  return text.slice(from, after < 0 ? text.length : end + after);
}

/** An exact age in the same sentence as a service level: together they can single a child out. */
function exactAgesBesideServiceLevel(text: string): Finding<'exact_age'>[] {
  return allMatches('exact_age', EXACT_AGE, text, (m) =>
    SERVICE_LEVEL.test(sentenceAround(text, m.index, m.index + m[0].length)),
  );
}

function allMatches<K extends string>(kind: K, regex: RegExp, text: string, keep?: (m: RegExpExecArray) => boolean) {
  const found: Finding<K>[] = [];
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m; m = regex.exec(text)) {
    if (m[0] === '') {
      regex.lastIndex++;
      continue;
    }
    if (!keep || keep(m)) found.push({ kind, match: m[0], start: m.index, end: m.index + m[0].length });
  }
  return found;
}

/** One finding per stretch of text: the earliest, longest wins; what it contains is dropped. */
function dedupe<F extends Finding<string>>(findings: F[]): F[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: F[] = [];
  for (const f of sorted) {
    const last = kept[kept.length - 1];
    if (last && f.start < last.end) continue;
    kept.push(f);
  }
  return kept;
}

/** One of the cohort's identifiers as a pattern; `possible_initials` patterns warn, the others refuse. */
export interface IdentifierPattern {
  kind: IdentifierKind | 'possible_initials';
  regex: RegExp;
}

/** The cohort's patterns, built once for every text of a report. */
export function identifierPatterns(cohort: readonly CohortIdentifiers[]): IdentifierPattern[] {
  const patterns: IdentifierPattern[] = [];
  const seen = new Set<string>();
  const add = (kind: IdentifierPattern['kind'], key: string, regex: RegExp | undefined) => {
    const id = `${kind}:${key.toLowerCase()}`;
    if (!regex || seen.has(id)) return;
    seen.add(id);
    patterns.push({ kind, regex });
  };
  for (const child of cohort) {
    if (child.childName) {
      for (const token of nameTokens(child.childName)) add('name', token, nameRegex(token));
      for (const letters of initialsOf(child.childName)) {
        const { regex, ambiguous } = initialsRegex(letters);
        add(ambiguous ? 'possible_initials' : 'initials', letters.join(''), regex);
      }
    }
    if (child.dateOfBirth) {
      const dob = child.dateOfBirth;
      const key = typeof dob === 'string' ? dob : dob.toISOString();
      add('date_of_birth', key, dateRegex(dob));
      add('birth_month', key.slice(0, 7), birthMonthRegex(dob));
    }
    if (child.localId?.trim()) add('local_id', child.localId, referenceRegex(child.localId));
    if (child.caseRef.trim()) add('case_ref', child.caseRef, referenceRegex(child.caseRef));
  }
  return patterns;
}

const refuses = (p: IdentifierPattern): p is { kind: IdentifierKind; regex: RegExp } => p.kind !== 'possible_initials';

/** `cohortOnly`: the cohort's own identifiers, not every NHS number, postcode, address and phone number. */
function failuresIn(text: string, patterns: IdentifierPattern[], cohortOnly = false): Finding[] {
  const findings: Finding[] = [];
  for (const { kind, regex } of patterns.filter(refuses)) findings.push(...allMatches(kind, regex, text));
  if (cohortOnly) return dedupe(findings);
  findings.push(
    ...allMatches('nhs_number', NHS_NUMBER, text, (m) => isValidNhsNumber(`${m[1]}${m[2]}${m[3]}`)),
    ...allMatches('postcode', POSTCODE, text),
    ...allMatches('address', ADDRESS, text),
    ...allMatches('phone', PHONE, text, (m) => isPhone(m[0])),
  );
  return dedupe(findings);
}

function warningsIn(text: string, patterns: IdentifierPattern[]): Finding<WarningKind>[] {
  const initials = patterns.filter((p) => p.kind === 'possible_initials');
  return dedupe([
    ...allMatches('small_number', SMALL_NUMBER, text),
    ...exactAgesBesideServiceLevel(text),
    ...initials.flatMap(({ regex }) => allMatches('possible_initials' as const, regex, text)),
  ]);
}

/** Checks one text against the cohort's identifiers and the identifier shapes nobody's report may hold. */
export function checkReport(text: string, cohort: readonly CohortIdentifiers[] | IdentifierPattern[]): CheckResult {
  const patterns = isPatterns(cohort) ? cohort : identifierPatterns(cohort);
  return { failures: failuresIn(text, patterns), warnings: warningsIn(text, patterns) };
}

const isPatterns = (value: readonly CohortIdentifiers[] | IdentifierPattern[]): value is IdentifierPattern[] =>
  value.length > 0 && 'regex' in value[0]!;

export interface FieldFinding {
  /** The report's field, e.g. `themes`. */
  field: string;
  /** The item's position in that field. */
  index: number;
  kind: IdentifierKind | WarningKind;
  match: string;
}

/** Checks every item of every field of a report: what must be fixed, and what to think about. */
export function checkReportFields(
  report: Record<string, readonly string[]>,
  cohort: readonly CohortIdentifiers[],
): { failures: FieldFinding[]; warnings: FieldFinding[] } {
  const patterns = identifierPatterns(cohort);
  const failures: FieldFinding[] = [];
  const warnings: FieldFinding[] = [];
  for (const [field, items] of Object.entries(report)) {
    items.forEach((text, index) => {
      const result = checkReport(text, patterns);
      for (const f of result.failures) failures.push({ field, index, kind: f.kind, match: f.match });
      for (const w of result.warnings) warnings.push({ field, index, kind: w.kind, match: w.match });
    });
  }
  return { failures, warnings };
}

/**
 * The text with every identifier the check would refuse replaced by `[redacted]`; with `cohortOnly`, only
 * the cohort's own (names, initials, dates of birth, references): for a reader who may see the rest.
 */
export function redactIdentifiers(
  text: string,
  cohort: readonly CohortIdentifiers[] | IdentifierPattern[],
  { cohortOnly = false } = {},
): string {
  const failures = failuresIn(text, isPatterns(cohort) ? cohort : identifierPatterns(cohort), cohortOnly);
  let out = '';
  let at = 0;
  for (const f of failures) {
    out += `${text.slice(at, f.start)}[redacted]`;
    at = f.end;
  }
  return out + text.slice(at);
}

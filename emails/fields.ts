// The only kinds of value an email may show, each checked as it is turned into text. Template inputs
// are built from these, so an email can carry a link, a date, a number or a short label — never a
// paragraph someone typed.

/** An instant as ISO 8601 (`2026-03-02T17:00:00Z`): what Temporal's JSON carries for a Date. */
export type IsoDateTime = string;

/** An absolute http(s) link, built from PUBLIC_URL by the caller. */
export type Link = string;

/**
 * A short name the partnership chose: an agency's name from the directory, the audit's practice focus
 * (e.g. "Child exploitation"), the discussion's place. One line, at most LABEL_MAX characters.
 */
export type Label = string;

const LABEL_MAX = 120;

/** What most emails to an agency are about: one task of theirs in one audit. */
export interface AgencyTask {
  auditTitle: Label;
  agencyName: Label;
  dueAt: IsoDateTime;
  link: Link;
}

/** Thrown for input a template must not show. Names the field, never the value (it may be the problem). */
export class EmailInputError extends Error {
  override readonly name = 'EmailInputError';
}

export interface DateFormats {
  day: Intl.DateTimeFormat;
  dayAndTime: Intl.DateTimeFormat;
}

/** Built once per renderer: a DateTimeFormat costs more to make than a whole warm render. */
export function dateFormats(timeZone: string): DateFormats {
  return {
    day: new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full' }),
    dayAndTime: new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'short' }),
  };
}

/**
 * Checks and writes values for one rendering. `labels` collects every label shown, so that the caller
 * can check them against the cohort's identifiers (the only field a child's name could slip into).
 */
export class Fields {
  readonly labels: string[] = [];

  constructor(private readonly formats: DateFormats) {}

  label<K extends string>(data: { [P in K]: Label }, field: K): string {
    const value: unknown = data[field];
    const text = typeof value === 'string' ? value.trim() : '';
    // Control characters include line breaks: a label is one line, and a subject must stay one header.
    if (text === '' || text.length > LABEL_MAX || /\p{Cc}/u.test(text)) {
      throw new EmailInputError(`${field} must be one line of 1 to ${LABEL_MAX} characters`);
    }
    this.labels.push(text);
    return text;
  }

  link<K extends string>(data: { [P in K]: Link }, field: K): string {
    let url: URL | undefined;
    try {
      url = new URL(data[field]);
    } catch {
      // not a URL: refused below
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password) {
      throw new EmailInputError(`${field} must be an absolute http(s) link`);
    }
    return url.href;
  }

  /** "Monday, 2 March 2026", in the partnership's time zone. */
  date<K extends string>(data: { [P in K]: IsoDateTime }, field: K): string {
    return this.formats.day.format(instant(data[field], field));
  }

  /** "Monday, 2 March 2026 at 14:30", in the partnership's time zone. */
  dateTime<K extends string>(data: { [P in K]: IsoDateTime }, field: K): string {
    return this.formats.dayAndTime.format(instant(data[field], field));
  }

  /** The sentence for one of a fixed set of keys, e.g. an escalation's reason. */
  choice<K extends string, C extends Record<string, string>>(
    data: { [P in K]: keyof C },
    field: K,
    choices: C,
  ): string {
    const value: unknown = data[field];
    if (typeof value !== 'string' || !Object.hasOwn(choices, value)) {
      throw new EmailInputError(`${field} must be one of ${Object.keys(choices).join(', ')}`);
    }
    return choices[value]!;
  }

  count<K extends string>(data: { [P in K]: number }, field: K): string {
    const value: unknown = data[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new EmailInputError(`${field} must be a whole number ≥ 0`);
    }
    return String(value);
  }
}

function instant(value: unknown, field: string): Date {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new EmailInputError(`${field} must be an ISO 8601 date-time`);
  return date;
}

/** The slots of an AgencyTask: {{audit}}, {{agency}}, {{due}}, {{link}}. */
export function agencyTaskSlots(data: AgencyTask, fields: Fields): Record<string, string> {
  return {
    audit: fields.label(data, 'auditTitle'),
    agency: fields.label(data, 'agencyName'),
    due: fields.date(data, 'dueAt'),
    link: fields.link(data, 'link'),
  };
}

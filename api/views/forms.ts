// Reading a posted form (application/x-www-form-urlencoded, nested by express.urlencoded's `extended`
// parser) into the same shape as the JSON body, so one schema checks both.
import type { Problem } from '../../domain/csv';
import type { Errors, FieldError } from './components';

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A single text field as posted; anything else (a repeated name, a nested object) is no answer. */
export const formText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The posted fields that are single texts, by name; nothing else. */
export function formFields<K extends string>(form: unknown, names: readonly K[]): Partial<Record<K, string>> {
  const posted = isRecord(form) ? form : {};
  const fields: Partial<Record<K, string>> = {};
  for (const name of names) {
    const value = formText(posted[name]);
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

/** What an emailed link's form page is drawn with. */
export interface FormPageOptions<Posted> {
  csrf: string;
  /** Where the form posts: the link's own path. */
  action: string;
  /** The answer has just been saved: thank the person for it. */
  saved?: boolean;
  errors?: Errors;
  /** The form as posted, shown again with its errors. */
  posted?: Posted;
}

/** A problem of the CSV file posted as `field`, where it is: "agencies.csv line 3, column type: …". */
export const fileProblem = (field: string, fileName: string, p: Problem): FieldError => ({
  id: field,
  text: `${fileName}${p.line === undefined ? '' : ` line ${p.line}`}${p.column ? `, column ${p.column}` : ''}: ${p.message}`,
});

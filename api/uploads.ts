// A console form with one CSV file (multipart/form-data): "Start a new audit"'s candidate pool and "Import
// agencies (CSV)". The file is read in memory, at most 2 MB, before the console's CSRF check, which finds the
// form's token in the body; then its text, as the CSV reader takes it.
import type { RequestHandler } from 'express';
import multer from 'multer';
import { CsvInvalid, type Problem } from '../domain/csv';
import { HttpError } from './errors';
import { refuseUnstorableText } from './security';

/** A candidate pool is at most 1,000 cases (POST /api/audits), a directory far fewer: 2 MB holds many more. */
const MAX_CSV_BYTES = 2 * 1024 * 1024;

/**
 * Reads a multipart form whose file is `field` (in memory, as `req.file`); only for someone signed in. Its
 * text is held to what PostgreSQL can store, as every other body is. `what` names the file in the refusal of
 * one too large ("a candidate pool’s CSV").
 */
export function csvUpload(field: string, what: string): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 40, parts: 41, fieldSize: 10_000 },
  }).single(field);
  return (req, res, next) => {
    if (req.method !== 'POST' || !req.staff || !req.is('multipart')) return next();
    upload(req, res, (err?: unknown) => {
      if (err instanceof multer.MulterError) {
        const tooLarge = err.code === 'LIMIT_FILE_SIZE' || err.code === 'LIMIT_FIELD_VALUE';
        return next(
          tooLarge
            ? new HttpError(413, 'body_too_large', `The file is too large: ${what} is under 2 MB.`)
            : new HttpError(400, 'malformed_form', `The form could not be read: ${err.message}.`),
        );
      }
      // busboy's refusal of a body that is not multipart after all.
      if (err) return next(new HttpError(400, 'malformed_form', 'The form could not be read.'));
      refuseUnstorableText(req, res, next);
    });
  };
}

/** The file's rows as `parse` reads its text, or what is wrong with it. */
export function readCsvFile<R>(buffer: Buffer, parse: (text: string) => R[]): { rows: R[]; problems: Problem[] } {
  const text = buffer.toString('utf8');
  // PostgreSQL stores no NUL: a file with one is not the text file it should be.
  if (text.includes('\u0000')) return { rows: [], problems: [{ message: 'this is not a CSV text file' }] };
  try {
    return { rows: parse(text), problems: [] };
  } catch (err) {
    if (err instanceof CsvInvalid) return { rows: [], problems: err.problems };
    throw err;
  }
}

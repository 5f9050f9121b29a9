// The console's report, sign-off, actions and agencies pages: thin adapters over the commands the JSON API
// calls (api/commands/), so both doors validate, record and refuse alike. A refusal is shown on the page it
// came from, in the error summary, with what the person typed kept.
import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { readAgenciesCsv } from '../../domain/agencies-csv';
import { type CreateAgency, REPORT_FIELDS } from '../../domain/schemas';
import type { Db } from '../../infra/db';
import type { Principal } from '../auth';
import { createAgency, importAgencies, listAgencies, planAgencyImport, updateAgency } from '../commands/agencies';
import { closeAction } from '../commands/actions';
import { type AuditDeps, findAudit } from '../commands/deps';
import { checkReportVersion, decideLis, draftReport, submitReportVersion } from '../commands/report';
import { actionsPage, agencyNames, reportVersionsOf } from '../console-reads';
import { HttpError, parse } from '../errors';
import { savedSession } from '../sessions';
import type { SignedIn } from '../sign-in';
import { csvUpload, readCsvFile } from '../uploads';
import { actionsListPage, actionsListPath } from '../views/console-actions';
import {
  AGENCY_FIELDS,
  agenciesPage,
  type AgenciesView,
  agencyEditPage,
  type AgencyForm,
  agencyFormErrors,
  agencyImportCheckPage,
  IMPORT_FIELD,
  importProblemErrors,
} from '../views/console-agencies';
import {
  identifierErrors,
  reportFormErrors,
  reportItems,
  reportPage,
  reportPrintPage,
  reportText,
  type ReportText,
  type ReportView,
  signOffPage,
  type SignOffView,
} from '../views/console-report';
import type { Errors } from '../views/components';
import { formFields } from '../views/forms';
import { sendPage } from '../views/layout';
import { requireStaff } from './console';
import { sendWithLinks } from './console-links';

const READERS = ['business_unit', 'manager', 'lis'] as const;
const LIS_OR_BU = ['lis', 'business_unit'] as const;

/** The person signed in, as the commands record them: their own ID and name, never an API key sent alongside. */
const personOf = (staff: SignedIn): Principal => ({ role: staff.role, actor: `staff:${staff.id}`, name: staff.name });

/** The refusals a page shows in its error summary; any other (404, a failure) is the error handler's. */
const SHOWN = new Set([400, 409, 422]);

/** Runs a command; a refusal the page shows comes back instead of being thrown. */
async function attempt<T>(run: () => Promise<T>): Promise<{ value: T; refusal?: undefined } | { refusal: HttpError }> {
  try {
    return { value: await run() };
  } catch (err) {
    if (err instanceof HttpError && SHOWN.has(err.status)) return { refusal: err };
    throw err;
  }
}

const issuesOf = (err: HttpError) => (Array.isArray(err.details) ? (err.details as z.core.$ZodIssue[]) : []);

const flagQuery = z.literal('1').optional();
const pageQuery = z.object({ page: z.coerce.number().int().min(1).max(1_000_000).default(1), closed: flagQuery });
const closeForm = z.object({
  from: z.union([z.literal('all'), z.uuid()]),
  page: z.coerce.number().int().min(1).max(1_000_000),
});
const count = z.coerce.number().int().min(0).optional();
const importForm = z.object({ key: z.uuid() });
const importedPath = ({ created, updated, unchanged }: ImportedCounts) =>
  `/agencies?created=${created}&updated=${updated}&unchanged=${unchanged}`;
const agenciesQuery = z.object({
  added: flagQuery,
  changed: flagQuery,
  created: count,
  updated: count,
  unchanged: count,
});

/** "Import agencies (CSV)"'s form, its file as `agencies`. */
export const agencyUpload = csvUpload(IMPORT_FIELD, 'an agency CSV');

interface ImportedCounts {
  created: number;
  updated: number;
  unchanged: number;
}

declare module 'express-session' {
  interface SessionData {
    /** "Import agencies (CSV)" between the file and "Import agencies": its agencies, then what importing did. */
    agencyImport?: {
      fileName: string;
      rows: { line: number; agency: CreateAgency }[];
      key: string;
      done?: ImportedCounts;
    };
  }
}

export function consoleReportRouter(deps: AuditDeps): Router {
  const { db } = deps;
  const router = Router();
  const id = (req: Request) => String(req.params.id);

  // --- The report -----------------------------------------------------------------------------------------

  const showReport = async (
    req: Request,
    res: Response,
    status: number,
    view: Partial<Pick<ReportView, 'text' | 'check' | 'errors' | 'submitted'>> = {},
  ) => {
    const audit = await findAudit(db, id(req));
    const [versions, names] = await Promise.all([reportVersionsOf(db, audit.id), agencyNames(db)]);
    const staff = req.staff!;
    // The business unit edits from the latest version, else from the system's draft; the others only read.
    const start =
      view.text ??
      reportText(
        versions[0]
          ? (versions[0].content as Record<string, string[]>)
          : staff.role === 'business_unit'
            ? await draftReport(deps, audit.id)
            : {},
      );
    const page = reportPage({ staff, audit, versions, agencyNames: names, ...view, text: start });
    await sendWithLinks(db, req, res, status, page, { kind: 'approve', auditId: audit.id });
  };

  router.get('/audits/:id/report', requireStaff(...READERS), async (req, res) => {
    const { submitted } = parse(z.object({ submitted: z.coerce.number().int().min(1).optional() }), req.query);
    await showReport(req, res, 200, { submitted });
  });

  router.post('/audits/:id/report', requireStaff('business_unit'), async (req, res) => {
    const posted = formFields(req.body, [...REPORT_FIELDS, 'intent']);
    const text = Object.fromEntries(REPORT_FIELDS.map((f) => [f, posted[f] ?? ''])) as ReportText;
    const body = Object.fromEntries(REPORT_FIELDS.map((f) => [f, reportItems(text[f])]));
    if (posted.intent !== 'submit') {
      const checked = await attempt(() => checkReportVersion(deps, id(req), body));
      if (checked.refusal)
        return showReport(req, res, checked.refusal.status, { text, errors: reportErrors(checked.refusal) });
      return showReport(req, res, 200, {
        text,
        check: checked.value,
        errors: identifierErrors(checked.value.failures),
      });
    }
    const submitted = await attempt(() => submitReportVersion(deps, personOf(req.staff!), id(req), body));
    if (submitted.refusal) {
      const { refusal } = submitted;
      const failures = refusal.code === 'reidentification_failed' ? (refusal.details as never[]) : undefined;
      return showReport(req, res, refusal.status, {
        text,
        check: failures && { failures, warnings: [] },
        errors: failures ? identifierErrors(failures) : reportErrors(refusal),
      });
    }
    res.redirect(303, `/audits/${encodeURIComponent(id(req))}/report?submitted=${submitted.value.version}`);
  });

  router.get('/audits/:id/report/print', requireStaff(...READERS), async (req, res) => {
    const audit = await findAudit(db, id(req));
    const [versions, names] = await Promise.all([reportVersionsOf(db, audit.id), agencyNames(db)]);
    sendPage(res, 200, reportPrintPage({ staff: req.staff!, audit, versions, agencyNames: names }));
  });

  // --- LIS sign-off ---------------------------------------------------------------------------------------

  const showSignOff = async (
    req: Request,
    res: Response,
    status: number,
    view: Partial<Pick<SignOffView, 'comments' | 'errors' | 'decided'>> = {},
  ) => {
    const audit = await findAudit(db, id(req));
    const [versions, names] = await Promise.all([reportVersionsOf(db, audit.id), agencyNames(db)]);
    const version = versions.find((v) => v.circulatedAt);
    sendPage(res, status, signOffPage({ staff: req.staff!, audit, version, agencyNames: names, ...view }));
  };

  router.get('/audits/:id/sign-off', requireStaff(...READERS), async (req, res) => {
    const { decided } = parse(z.object({ decided: z.enum(['approved', 'returned']).optional() }), req.query);
    await showSignOff(req, res, 200, { decided });
  });

  router.post('/audits/:id/sign-off', requireStaff(...LIS_OR_BU), async (req, res) => {
    const { decision, comments = '' } = formFields(req.body, ['decision', 'comments']);
    const body = { decision, ...(comments.trim() ? { comments } : {}) };
    const decided = await attempt(() => decideLis(deps, personOf(req.staff!), id(req), body));
    if (decided.refusal) {
      const { refusal } = decided;
      const issues = issuesOf(refusal);
      const text = issues.some((i) => i.path[0] === 'comments')
        ? 'Enter comments saying what must change before the report can be signed off'
        : issues.length
          ? 'Choose “Approve” or “Return with comments”'
          : refusal.message;
      return showSignOff(req, res, refusal.status, { comments, errors: [{ id: 'comments', text }] });
    }
    res.redirect(303, `/audits/${encodeURIComponent(id(req))}/sign-off?decided=${decided.value.decision}`);
  });

  // --- Actions --------------------------------------------------------------------------------------------

  const showActions = async (
    req: Request,
    res: Response,
    status: number,
    list: { auditId?: string; page: number; closed?: boolean; errors?: Errors },
  ) => {
    const audit = list.auditId ? await findAudit(db, list.auditId) : undefined;
    const [page, names] = await Promise.all([
      actionsPage(db, { auditId: audit?.id, page: list.page }),
      agencyNames(db),
    ]);
    const shown = actionsListPage({
      staff: req.staff!,
      audit,
      list: page,
      agencyNames: names,
      closed: list.closed,
      errors: list.errors,
    });
    await sendWithLinks(db, req, res, status, shown, {
      kind: 'progress',
      actionIds: page.actions.map((a) => a.id),
      from: audit?.id ?? 'all',
      page: list.page,
    });
  };

  router.get('/actions', requireStaff(...READERS), async (req, res) => {
    const { page, closed } = parse(pageQuery, req.query);
    await showActions(req, res, 200, { page, closed: !!closed });
  });

  router.get('/audits/:id/actions', requireStaff(...READERS), async (req, res) => {
    const { page, closed } = parse(pageQuery, req.query);
    await showActions(req, res, 200, { auditId: id(req), page, closed: !!closed });
  });

  router.post('/actions/:actionId/close', requireStaff(...LIS_OR_BU), async (req, res) => {
    const { from, page } = parse(closeForm, req.body);
    const auditId = from === 'all' ? undefined : from;
    const actionId = String(req.params.actionId);
    const closed = await attempt(() => closeAction(deps, personOf(req.staff!), actionId));
    if (closed.refusal) {
      const errors = [{ id: `close-${actionId}`, text: closed.refusal.message }];
      return showActions(req, res, closed.refusal.status, { auditId, page, errors });
    }
    const back = actionsListPath(auditId, page);
    res.redirect(303, `${back}${back.includes('?') ? '&' : '?'}closed=1`);
  });

  // --- Agencies -------------------------------------------------------------------------------------------

  const showAgencies = async (res: Response, status: number, view: Omit<AgenciesView, 'agencies'>) =>
    sendPage(res, status, agenciesPage({ ...view, agencies: await listAgencies({ db }) }));

  router.get('/agencies', requireStaff('business_unit', 'manager'), async (req, res) => {
    const q = parse(agenciesQuery, req.query);
    const done = q.added
      ? 'Agency added'
      : q.changed
        ? 'Agency changed'
        : q.created !== undefined
          ? `Agencies imported: ${q.created} added, ${q.updated ?? 0} changed, ${q.unchanged ?? 0} already as in the file`
          : undefined;
    await showAgencies(res, 200, { staff: req.staff!, done });
  });

  // "Add an agency" and "Import agencies (CSV)" post here, each form saying which it is (as /staff's do).
  router.post('/agencies', requireStaff('business_unit'), async (req, res) => {
    const { action } = formFields(req.body, ['action']);
    if (action === 'import') return readImport(req, res);
    if (action !== 'add') throw new HttpError(400, 'validation_failed', 'Choose what to do: add or import.');
    const form = agencyForm(req.body);
    const added = await attempt(() => createAgency({ db }, personOf(req.staff!), form));
    if (added.refusal) {
      const errors = agencyErrors(added.refusal);
      return showAgencies(res, added.refusal.status, { staff: req.staff!, add: form, errors });
    }
    res.redirect(303, '/agencies?added=1');
  });

  /** The file read and checked as the CLI checks it: every problem listed and nothing kept, or on to the check. */
  const readImport = async (req: Request, res: Response) => {
    const refuse = (errors: Errors) => showAgencies(res, 400, { staff: req.staff!, errors });
    const file = req.file;
    if (!file?.size) return refuse([{ id: IMPORT_FIELD, text: 'Choose a CSV file of agencies' }]);
    const fileName = file.originalname || 'The file';
    const { rows, problems } = readCsvFile(file.buffer, readAgenciesCsv);
    if (problems.length) return refuse(importProblemErrors(fileName, problems));
    req.session.agencyImport = { fileName, rows, key: randomUUID() };
    await savedSession(req);
    res.redirect(303, '/agencies/import/check');
  };

  router.get('/agencies/import/check', requireStaff('business_unit'), async (req, res) => {
    const draft = req.session.agencyImport;
    if (!draft || draft.done) return res.redirect(303, '/agencies');
    // What each row does is worked out now: the directory may have changed since the file was read.
    const agencies = await planAgencyImport({ db }, draft.rows);
    sendPage(
      res,
      200,
      agencyImportCheckPage({ staff: req.staff!, fileName: draft.fileName, agencies, key: draft.key }),
    );
  });

  router.post('/agencies/import/check', requireStaff('business_unit'), async (req, res) => {
    const { key } = parse(importForm, req.body);
    const draft = req.session.agencyImport;
    // A second click after the first was answered: what the first did.
    if (draft?.done && draft.key === key) return res.redirect(303, importedPath(draft.done));
    // A check page from an earlier file, or none: back to the directory.
    if (!draft || draft.done || draft.key !== key) return res.redirect(303, '/agencies');
    const done = await importAgencies({ db }, personOf(req.staff!), { agencies: draft.rows.map((r) => r.agency) });
    // Once imported, only the outcome is kept.
    req.session.agencyImport = { fileName: draft.fileName, rows: [], key, done };
    await savedSession(req);
    res.redirect(303, importedPath(done));
  });

  router.get('/agencies/:id', requireStaff('business_unit'), async (req, res) => {
    const agency = await findAgency(db, id(req));
    sendPage(res, 200, agencyEditPage({ staff: req.staff!, agencyId: agency.id, form: agency }));
  });

  router.post('/agencies/:id', requireStaff('business_unit'), async (req, res) => {
    const agency = await findAgency(db, id(req));
    const form = agencyForm(req.body);
    const changed = await attempt(() => updateAgency({ db }, personOf(req.staff!), agency.id, form));
    if (changed.refusal) {
      const page = agencyEditPage({
        staff: req.staff!,
        agencyId: agency.id,
        form,
        errors: agencyErrors(changed.refusal),
      });
      return sendPage(res, changed.refusal.status, page);
    }
    res.redirect(303, '/agencies?changed=1');
  });

  return router;
}

/** The report's refusals other than the check's: the schema's, per list, or the workflow's (a wrong stage). */
function reportErrors(refusal: HttpError): Errors {
  const issues = issuesOf(refusal);
  return issues.length ? reportFormErrors(issues) : [{ id: 'submit-report', text: refusal.message }];
}

function agencyErrors(refusal: HttpError): Errors {
  if (refusal.code === 'already_exists') return [{ id: 'name', text: refusal.message }];
  return agencyFormErrors(issuesOf(refusal));
}

/** The agency's four fields as posted ('' for one not sent), so the schema names each that is missing. */
function agencyForm(posted: unknown): AgencyForm {
  const fields = formFields(posted, AGENCY_FIELDS);
  return Object.fromEntries(AGENCY_FIELDS.map((f) => [f, fields[f] ?? ''])) as AgencyForm;
}

async function findAgency(db: Db, agencyId: string) {
  const parsed = z.uuid().safeParse(agencyId);
  const agency = parsed.success ? await db.agency.findUnique({ where: { id: parsed.data } }) : null;
  if (!agency) throw new HttpError(404, 'not_found', 'No such agency.');
  return agency;
}

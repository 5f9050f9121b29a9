// The console's audits list and "Start a new audit": thin adapters over the reads (api/audit-reads.ts) and
// the command POST /api/audits runs (api/commands/audits.ts startAudit), so the console starts an audit
// exactly as the API does. The candidate pool, child identifiers and all, is kept between the form and
// "Start audit" in the person's server-side session, never in a page.
import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import {
  candidatePool,
  locateCandidate,
  newProblems,
  parseCandidates,
  sortProblems,
} from '../../domain/candidates-csv';
import { type Problem, zodProblems } from '../../domain/csv';
import { createAuditSchema } from '../../domain/schemas';
import { auditListPage } from '../audit-reads';
import { checkStart, startAudit } from '../commands/audits';
import type { CommandDeps } from '../commands/deps';
import { HttpError, parse } from '../errors';
import { savedSession } from '../sessions';
import { csvUpload, readCsvFile } from '../uploads';
import { AUDITS_PAGE_SIZE, auditsPage, auditsQueryErrors, auditsQuerySchema, type AuditsView } from '../views/audits';
import type { Errors } from '../views/components';
import { sendPage } from '../views/layout';
import {
  bodyErrors,
  checkAuditPage,
  defaultNewAuditForm,
  type KeptPool,
  newAuditBody,
  type NewAuditForm,
  newAuditPage,
  poolProblem,
  readNewAuditForm,
  startAuditFormSchema,
} from '../views/new-audit';
import { EVERYONE, requireStaff } from './console';

/** "Start a new audit" in progress: what was typed, the pool uploaded, the key that makes "Start audit" once. */
interface AuditDraft {
  form: NewAuditForm;
  pool?: KeptPool;
  /** Carried in the check page's form: a second "Start audit" with it answers the audit the first started. */
  key: string;
  /** Once started, only the audit's ID is kept: the pool's identifiers leave the session. */
  startedAuditId?: string;
}

declare module 'express-session' {
  interface SessionData {
    auditDraft?: AuditDraft;
  }
}

/** "Start a new audit"'s form, its CSV as `candidates`. */
export const candidateUpload = csvUpload('candidates', 'a candidate pool’s CSV');

export function consoleAuditsRouter(deps: CommandDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get('/audits', requireStaff(...EVERYONE), async (req, res) => {
    const parsed = auditsQuerySchema.safeParse(req.query);
    const asked = (value: unknown) => (typeof value === 'string' ? value : '');
    const view: Omit<AuditsView, 'page' | 'total' | 'audits'> = {
      staff: req.staff!,
      filters: { stage: asked(req.query.stage), attention: req.query.attention === 'yes' },
    };
    if (!parsed.success) {
      sendPage(
        res,
        400,
        auditsPage({ ...view, page: 1, total: 0, audits: [], errors: auditsQueryErrors(parsed.error.issues) }),
      );
      return;
    }
    const { stage, attention, page = 1 } = parsed.data;
    const list = await auditListPage(db, { stage, attention: !!attention, page, pageSize: AUDITS_PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(list.total / AUDITS_PAGE_SIZE));
    if (page > pages) {
      const errors = [
        {
          id: 'page',
          text: `There is no page ${page}: these filters have ${pages === 1 ? '1 page' : `${pages} pages`}. Go to page 1`,
        },
      ];
      sendPage(res, 400, auditsPage({ ...view, page: 1, total: 0, audits: [], errors }));
      return;
    }
    sendPage(res, 200, auditsPage({ ...view, page, total: list.total, audits: list.audits }));
  });

  const businessUnit = requireStaff('business_unit');

  /** The draft in progress; a new one once the last was started. */
  const draftOf = (req: Request): AuditDraft | undefined => {
    const draft = req.session.auditDraft;
    return draft && !draft.startedAuditId ? draft : undefined;
  };

  const showForm = (req: Request, res: Response, status: number, form: NewAuditForm, errors?: Errors) =>
    sendPage(res, status, newAuditPage({ staff: req.staff!, form, pool: draftOf(req)?.pool, errors }));

  router.get('/audits/new', businessUnit, (req, res) => {
    showForm(req, res, 200, draftOf(req)?.form ?? defaultNewAuditForm());
  });

  router.post('/audits/new', businessUnit, async (req, res) => {
    const form = readNewAuditForm(req.body);
    const kept = draftOf(req);
    const { body, errors } = newAuditBody(form);

    // A new file replaces the pool; without one, the pool uploaded before stands.
    let pool = kept?.pool;
    const fileProblems: Problem[] = [];
    const fileName = req.file?.originalname || 'the file';
    if (req.file?.size) {
      pool = undefined;
      const { rows, problems } = readCsvFile(req.file.buffer, parseCandidates);
      fileProblems.push(...problems);
      if (rows.length) {
        const directory = await db.agency.findMany({ select: { id: true, name: true } });
        const found = candidatePool(rows, directory);
        fileProblems.push(...found.problems);
        pool = {
          fileName,
          candidates: found.candidates,
          lines: rows.map((r) => r.line),
          caseRefs: rows.map((r) => r.cells.caseRef),
        };
      }
    } else if (!pool) {
      errors.push({ id: 'candidates', text: 'Choose a CSV file of candidate cases' });
    }

    const full = { ...body, candidates: pool?.candidates ?? [] };
    const checked = createAuditSchema.safeParse(full);
    if (!checked.success) {
      errors.push(...bodyErrors(checked.error.issues, form, errors));
      if (pool) fileProblems.push(...placedInFile(pool, checked.error.issues, fileProblems));
    }
    errors.push(...sortProblems(fileProblems).map((p) => poolProblem(pool?.fileName ?? fileName, p)));
    // A pool with problems is not kept: nothing is started from it, and the next file replaces it.
    const clean = pool && !errors.some((e) => e.id === 'candidates') ? pool : undefined;
    // Each answer checked gets its own key: "Start audit" sent twice with it starts one audit.
    req.session.auditDraft = { form, pool: clean, key: randomUUID() };
    if (errors.length) return showForm(req, res, 400, form, errors);

    try {
      await checkStart(deps, full);
    } catch (err) {
      const refusal = formRefusal(err, form, clean!);
      if (!refusal) throw err;
      return showForm(req, res, err instanceof HttpError ? err.status : 400, form, refusal);
    }
    await savedSession(req);
    res.redirect(303, '/audits/new/check');
  });

  router.get('/audits/new/check', businessUnit, async (req, res) => {
    const draft = draftOf(req);
    if (!draft?.pool) return res.redirect(303, '/audits/new');
    let body;
    try {
      body = await checkStart(deps, { ...newAuditBody(draft.form).body, candidates: draft.pool.candidates });
    } catch (err) {
      // Something changed since the form was sent (a day passed, an agency left the directory): it says what.
      const refusal = formRefusal(err, draft.form, draft.pool);
      if (!refusal) throw err;
      return showForm(req, res, err instanceof HttpError ? err.status : 400, draft.form, refusal);
    }
    sendPage(
      res,
      200,
      checkAuditPage({ staff: req.staff!, form: draft.form, body, pool: draft.pool, idempotencyKey: draft.key }),
    );
  });

  router.post('/audits/new/check', businessUnit, async (req, res) => {
    const { idempotencyKey } = parse(startAuditFormSchema, req.body);
    const draft = req.session.auditDraft;
    // A second click after the first was answered: the audit it started.
    if (draft?.startedAuditId && draft.key === idempotencyKey) {
      return res.redirect(303, `/audits/${draft.startedAuditId}`);
    }
    // A check page from an earlier draft, or none: back to where the draft stands.
    if (!draft?.pool || draft.key !== idempotencyKey) return res.redirect(303, '/audits/new');

    const body = { ...newAuditBody(draft.form).body, candidates: draft.pool.candidates };
    let started: { id: string };
    try {
      started = await startAudit(deps, req.principal!, body, {
        idempotencyKey: `console:${req.staff!.id}:${idempotencyKey}`,
      });
    } catch (err) {
      const refusal = formRefusal(err, draft.form, draft.pool);
      if (!refusal) throw err;
      return showForm(req, res, err instanceof HttpError ? err.status : 400, draft.form, refusal);
    }
    req.session.auditDraft = { form: draft.form, key: idempotencyKey, startedAuditId: started.id };
    await savedSession(req);
    res.redirect(303, `/audits/${started.id}`);
  });

  return router;
}

/** The issues' problems with the pool's cases, by line and column of the file, less those already said. */
function placedInFile(pool: KeptPool, issues: readonly { path: PropertyKey[]; message: string }[], already: Problem[]) {
  const rows = pool.lines.map((line) => ({ line }));
  const cases = issues.filter((i) => i.path[0] === 'candidates' && i.path.length > 1);
  return newProblems(
    already,
    zodProblems(cases, (path) => locateCandidate(rows, path)),
  );
}

/** A refusal of the command (its details' paths placed on the form's fields and the file's lines), or undefined. */
function formRefusal(err: unknown, form: NewAuditForm, pool: KeptPool): Errors | undefined {
  if (!(err instanceof HttpError) || err.status >= 500) return undefined;
  const issues = Array.isArray(err.details) ? (err.details as { path: PropertyKey[]; message: string }[]) : [];
  const placed = [
    ...bodyErrors(issues, form, []),
    ...sortProblems(placedInFile(pool, issues, [])).map((p) => poolProblem(pool.fileName, p)),
  ];
  // A refusal about the pool as a whole (no candidate active in the window) names no line.
  const whole = issues.some((i) => i.path.length === 1 && i.path[0] === 'candidates')
    ? [{ id: 'candidates', text: `${pool.fileName}: ${err.message}` }]
    : [];
  return [...placed, ...whole].length ? [...placed, ...whole] : [{ id: 'candidates', text: err.message }];
}

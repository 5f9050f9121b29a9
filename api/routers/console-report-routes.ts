// The route table's rows (api/openapi.ts ROUTES) for the pages of ./console-report.ts: who may open each, and
// what its form posts. Next to the router, so the two change together.
import { z } from 'zod';
import { AGENCY_TYPES, lisDecisionSchema } from '../../domain/schemas';
import type { Role } from '../../infra/config';
import type { RouteDoc } from '../openapi';

const READERS: readonly Role[] = ['business_unit', 'manager', 'lis'];
const LIS_OR_BU: readonly Role[] = ['lis', 'business_unit'];
const BU: readonly Role[] = ['business_unit'];

const page = (description: string) => [
  { status: 200 as const, description, html: true },
  { status: 303 as const, description: 'Not signed in: to /sign-in.' },
];
const done = (description: string) => [
  { status: 303 as const, description: `${description} (not signed in: to /sign-in).` },
];
const pageNumber = z.coerce.number().int().min(1).meta({ description: 'The page of the list, 25 a page.' });
const lines = (what: string) =>
  z
    .string()
    .optional()
    .meta({ description: `${what}: one item a line.` });
const agencyForm = z.looseObject({
  _csrf: z.string(),
  name: z.string().optional(),
  type: z.enum(AGENCY_TYPES).optional(),
  contactEmail: z.string().optional(),
  leadEmail: z.string().optional(),
});

export const CONSOLE_REPORT_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/audits/{id}/report',
    operationId: 'consoleReport',
    summary: 'The console: the summary report (the draft to edit, for the business unit) and its versions',
    tag: 'console',
    access: READERS,
    console: true,
    query: z.object({ submitted: z.coerce.number().int().min(1).optional() }),
    success: page('The report.'),
  },
  {
    method: 'post',
    path: '/audits/{id}/report',
    operationId: 'consoleReportSubmit',
    summary: 'The console: "Check for identifying details", or "Submit for approval" (a version)',
    tag: 'console',
    access: BU,
    console: true,
    form: z.looseObject({
      _csrf: z.string(),
      intent: z.enum(['check', 'submit']).optional(),
      workingWell: lines('Areas working well'),
      areasForDevelopment: lines('Areas for development'),
      themes: lines('Themes'),
      recommendations: lines('Recommendations'),
    }),
    success: [
      { status: 200, description: 'The check’s findings beside the text that caused them.', html: true },
      ...done('Submitted: back to the report, which says so'),
    ],
    errors: [409],
  },
  {
    method: 'get',
    path: '/audits/{id}/report/print',
    operationId: 'consoleReportPrint',
    summary: 'The console: the latest version of the report, to print',
    tag: 'console',
    access: READERS,
    console: true,
    success: page('The version alone.'),
  },
  {
    method: 'get',
    path: '/audits/{id}/sign-off',
    operationId: 'consoleSignOff',
    summary: 'The console: the version the practitioners approved, for the LIS to sign off or return',
    tag: 'console',
    access: READERS,
    console: true,
    query: z.object({ decided: z.enum(['approved', 'returned']).optional() }),
    success: page('The version and its approvals.'),
  },
  {
    method: 'post',
    path: '/audits/{id}/sign-off',
    operationId: 'consoleSignOffDecide',
    summary: 'The console: "Approve" or "Return with comments"',
    tag: 'console',
    access: LIS_OR_BU,
    console: true,
    form: z.looseObject({ _csrf: z.string(), ...lisDecisionSchema.shape }),
    success: done('Recorded: back to the sign-off page'),
    errors: [409],
  },
  {
    method: 'get',
    path: '/actions',
    operationId: 'consoleActions',
    summary: 'The console: every action and recommendation, overdue first',
    tag: 'console',
    access: READERS,
    console: true,
    query: z.object({ page: pageNumber.optional(), closed: z.literal('1').optional() }),
    success: page('A page of the list.'),
  },
  {
    method: 'get',
    path: '/audits/{id}/actions',
    operationId: 'consoleAuditActions',
    summary: 'The console: one audit’s actions and recommendations, overdue first',
    tag: 'console',
    access: READERS,
    console: true,
    query: z.object({ page: pageNumber.optional(), closed: z.literal('1').optional() }),
    success: page('A page of the list.'),
  },
  {
    method: 'post',
    path: '/actions/{actionId}/close',
    operationId: 'consoleCloseAction',
    summary: 'The console: "Close action"',
    tag: 'console',
    access: LIS_OR_BU,
    console: true,
    form: z.looseObject({
      _csrf: z.string(),
      from: z.string().meta({ description: '`all`, or the audit’s ID: the list to go back to.' }),
      page: pageNumber,
    }),
    success: done('Closed: back to the list'),
    errors: [409],
  },
  {
    method: 'get',
    path: '/agencies',
    operationId: 'consoleAgencies',
    summary: 'The console: the agency directory',
    tag: 'console',
    access: ['business_unit', 'manager'],
    console: true,
    query: z.object({
      added: z.literal('1').optional(),
      changed: z.literal('1').optional(),
      created: z.coerce.number().int().min(0).optional(),
      updated: z.coerce.number().int().min(0).optional(),
      unchanged: z.coerce.number().int().min(0).optional(),
    }),
    success: page('The directory.'),
  },
  {
    method: 'post',
    path: '/agencies',
    operationId: 'consoleAddOrImportAgencies',
    summary:
      'The console: "Add an agency" (action=add), or "Import agencies (CSV)" (action=import, multipart: the ' +
      'file, read with the columns and checks of `deepdive agencies import`, every problem listed by line and column)',
    tag: 'console',
    access: BU,
    console: true,
    form: agencyForm.extend({ action: z.enum(['add', 'import']) }),
    multipart: z.looseObject({
      _csrf: z.string(),
      action: z.literal('import'),
      agencies: z
        .string()
        .optional()
        .meta({ description: 'The CSV file: name,type,contactEmail,leadEmail, header row first.' }),
    }),
    success: done('Added: back to the directory; or the file read: to check the agencies before importing them'),
    errors: [409, 413],
  },
  {
    method: 'get',
    path: '/agencies/import/check',
    operationId: 'consoleCheckAgencyImport',
    summary: 'The console: the agencies of the file read, and what importing each does, before "Import agencies"',
    tag: 'console',
    access: BU,
    console: true,
    success: [
      { status: 200, description: 'The agencies to add and update.', html: true },
      { status: 303, description: 'No file read: to /agencies (not signed in: to /sign-in).' },
    ],
  },
  {
    method: 'post',
    path: '/agencies/import/check',
    operationId: 'consoleImportAgencies',
    summary: 'The console: "Import agencies" — the file’s agencies upserted by name, all or none; sent twice, once',
    tag: 'console',
    access: BU,
    console: true,
    form: z.looseObject({ _csrf: z.string(), key: z.uuid() }),
    success: done('Imported: to the directory, which says what changed (no file read, or an old page: to /agencies)'),
  },
  {
    method: 'get',
    path: '/agencies/{id}',
    operationId: 'consoleAgency',
    summary: 'The console: change an agency',
    tag: 'console',
    access: BU,
    console: true,
    success: page('The agency’s details in a form.'),
  },
  {
    method: 'post',
    path: '/agencies/{id}',
    operationId: 'consoleChangeAgency',
    summary: 'The console: save an agency’s details',
    tag: 'console',
    access: BU,
    console: true,
    form: agencyForm,
    success: done('Saved: back to the directory'),
    errors: [409],
  },
];

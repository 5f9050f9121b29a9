// The collated pack as a PDF, for participants who read it offline or print it for the discussion. It
// is downloaded through the same link as the page (never attached to an email), so it carries the same
// restriction: a child's identifiers are shown only to an agency that worked with the child.
import PDFDocument from 'pdfkit';
import { AREA_LABELS, GRADE_LABELS } from '../../domain/labels';
import { NOT_YOURS, type PackView } from './pack';
import { formatDate, formatDateTime } from './layout';

const FIELDS = [
  ['goodPractice', 'Good practice'],
  ['areasForDevelopment', 'Areas for development'],
  ['recommendations', 'Recommendations'],
  ['rationale', 'Rationale for the grade'],
] as const;

/** Resolves with the PDF's bytes. `compress: false` keeps the text searchable by tests and by readers' tools. */
export function packPdf(view: PackView, compress = true): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    compress,
    info: { Title: `${view.audit.title}: collated pack` },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (text: string, size: number) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size).text(text);
  const body = (text: string) => doc.font('Helvetica').fontSize(10).text(text);

  heading(`${view.audit.title} deep dive: collated audit tools`, 18);
  body('RESTRICTED: handle in strict confidence, in line with the partnership’s information sharing guidance.');
  const { at, location } = view.audit.discussion;
  if (at) body(`Discussion: ${formatDateTime(at)}${location ? `, ${location}` : ''}`);

  for (const c of view.cases) {
    doc.addPage();
    heading(`Case ${c.caseRef} (${c.serviceLevel.replace(/_/g, ' ')})`, 15);
    body(`Age: ${c.ageBand}`);
    if (c.child) {
      const { name, dateOfBirth, localId } = c.child;
      body(`Child: ${name ?? 'not recorded'}, born ${dateOfBirth ? formatDate(dateOfBirth) : 'not recorded'}`);
      if (localId) body(`Local identifier: ${localId}`);
    } else body(`Child's details: ${NOT_YOURS}`);
    for (const entry of c.agencies) {
      heading(entry.agencyName, 13);
      if (entry.noInvolvement) {
        body('No involvement with this child.');
        continue;
      }
      if (!entry.submittedAt) {
        body('No audit tool submitted.');
        continue;
      }
      body(`Submitted ${formatDateTime(entry.submittedAt)}${entry.late ? ' (LATE)' : ''}`);
      for (const [area, label] of Object.entries(AREA_LABELS) as [keyof typeof AREA_LABELS, string][]) {
        const section = entry.sections[area];
        if (!section) continue;
        heading(`${label}${section.grade ? `: ${GRADE_LABELS[section.grade]}` : ''}`, 11);
        for (const [field, fieldLabel] of FIELDS) if (section[field]) body(`${fieldLabel}: ${section[field]}`);
      }
      for (const [text, label] of [
        [entry.childVoice, 'Voice of the child and family'],
        [entry.familyInformation, 'Family information'],
        [entry.history, 'History'],
      ] as const) {
        if (text) body(`${label}: ${text}`);
      }
    }
  }
  doc.end();
  return done;
}

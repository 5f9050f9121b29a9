// The collated pack as a PDF: one page for the cover and one per child, every submission in it, late
// ones marked — the same content as the page behind the participant's link.
import { packPdf } from '../../api/views/pack-pdf';
import type { PackView } from '../../api/views/pack';
import { pdfText } from '../support/pdf-text';

const VIEW: PackView = {
  audit: { title: 'Child exploitation', discussion: { at: '2026-12-07T10:00:00Z', location: 'Room 4, County Hall' } },
  agency: { name: 'North Yorkshire Police' },
  cases: [
    {
      caseRef: 'NYC-4711',
      serviceLevel: 'child_in_need',
      ageBand: '16 or over',
      child: { name: 'Zephyrine Quixleworth', dateOfBirth: '2010-02-10', localId: 'LCS900100' },
      agencies: [
        {
          agencyName: 'Harrogate Health Trust',
          late: true,
          submittedAt: '2026-12-01T09:00:00Z',
          noInvolvement: false,
          sections: { recognition: { goodPractice: 'Risk recognised at the first visit', grade: 'good' } },
          childVoice: 'Said she felt safe at school',
          familyInformation: null,
          history: null,
        },
        {
          agencyName: 'Riverside Academy Trust',
          late: false,
          submittedAt: null,
          noInvolvement: true,
          sections: {},
          childVoice: null,
          familyInformation: null,
          history: null,
        },
      ],
    },
    {
      caseRef: 'NYC-4712',
      serviceLevel: 'looked_after',
      ageBand: '10 to 15',
      // An agency that did not work with this child: its reference, service level and age band only.
      child: null,
      agencies: [],
    },
  ],
  areas: {} as PackView['areas'],
};

test('renders every case, agency and area of the pack, late submissions marked', async () => {
  const pdf = await packPdf(VIEW, false);
  const source = pdf.toString('latin1');
  expect(source.startsWith('%PDF-1.')).toBe(true);
  expect(source.trimEnd().endsWith('%%EOF')).toBe(true);
  expect(source.match(/\/Type \/Page\b/g)).toHaveLength(3);
  const text = pdfText(pdf);
  for (const expected of [
    'Child exploitation deep dive: collated audit tools',
    'Room 4, County Hall',
    'Case NYC-4711',
    'Zephyrine Quixleworth',
    'Harrogate Health Trust',
    '(LATE)',
    'Recognition: Good',
    'Risk recognised at the first visit',
    'Said she felt safe at school',
    'No involvement with this child.',
    'Local identifier: LCS900100',
    'Case NYC-4712',
    'Age: 10 to 15',
    "Child's details: Shown only to the agencies that worked with this child.",
  ])
    expect(text).toContain(expected);
});

test('compressed by default, for download, with the same text inside', async () => {
  const pdf = await packPdf(VIEW);
  expect(pdf.toString('latin1')).toContain('/FlateDecode');
  // Not readable in the file itself (pdfkit writes text as hex strings)…
  expect(pdf.toString('latin1').toLowerCase()).not.toContain(Buffer.from('Zephyrine').toString('hex'));
  // …but there once inflated.
  expect(pdfText(pdf)).toContain('Zephyrine Quixleworth');
});

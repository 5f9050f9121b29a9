// The collated pack as a PDF: one page for the cover and one per child, every submission in it, late
// ones marked — the same content as the page behind the participant's link.
import { packPdf } from '../../api/views/pack-pdf';
import type { PackView } from '../../api/views/pack';

const VIEW: PackView = {
  audit: { title: 'Child exploitation', discussion: { at: '2026-12-07T10:00:00Z', location: 'Room 4, County Hall' } },
  agency: { name: 'North Yorkshire Police' },
  cases: [
    {
      caseRef: 'NYC-4711',
      serviceLevel: 'child_in_need',
      child: { name: 'Zephyrine Quixleworth', dateOfBirth: '2010-02-10' },
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
      child: { name: 'Tobiah Quixleworth', dateOfBirth: null },
      agencies: [],
    },
  ],
  areas: {} as PackView['areas'],
};

/** The text pdfkit wrote (uncompressed), from its hex-encoded strings. */
function textOf(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  return [...source.matchAll(/<([0-9a-f]+)>/gi)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1')).join('');
}

test('renders every case, agency and area of the pack, late submissions marked', async () => {
  const pdf = await packPdf(VIEW, false);
  const source = pdf.toString('latin1');
  expect(source.startsWith('%PDF-1.')).toBe(true);
  expect(source.trimEnd().endsWith('%%EOF')).toBe(true);
  expect(source.match(/\/Type \/Page\b/g)).toHaveLength(3);
  const text = textOf(pdf);
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
    'Case NYC-4712',
  ])
    expect(text).toContain(expected);
});

test('compressed by default, for download', async () => {
  const pdf = await packPdf(VIEW);
  expect(pdf.toString('latin1')).toContain('/FlateDecode');
  expect(textOf(pdf)).not.toContain('Zephyrine');
});

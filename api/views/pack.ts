// The collated pack as a page: every drawn child (identifiers shown to the link holder only), every
// invited agency's submission section by section, late ones marked, and the self-grades per area.
import { AREA_LABELS, GRADE_LABELS } from '../../domain/labels';
import { AREAS, GRADES } from '../../domain/schemas';
import type { PackAgencyEntry, PackView } from '../routers/pack';
import { prose, SERVICE_LEVEL_LABELS, summaryList, tag } from './components';
import { html } from './html';
import { formatDate, formatDateTime, type PageOptions } from './layout';

function agencyEntry(entry: PackAgencyEntry, caseIndex: number, agencyIndex: number) {
  const status = entry.noInvolvement
    ? tag('No involvement', 'grey')
    : entry.submittedAt
      ? html`${tag('Submitted', 'green')}${entry.late ? html` ${tag('Late', 'late')}` : ''}`
      : tag('Not submitted', 'grey');
  const body = entry.submittedAt
    ? html`${AREAS.map((area) => {
          const s = entry.sections[area];
          return html`<h4>${AREA_LABELS[area]}</h4>
            ${summaryList([
              ['Self-grade', s?.grade ? (GRADE_LABELS[s.grade] ?? s.grade) : null],
              ['Why this grade', s?.rationale && prose(s.rationale)],
              ['Good practice', s?.goodPractice && prose(s.goodPractice)],
              ['Areas for development', s?.areasForDevelopment && prose(s.areasForDevelopment)],
              ['Recommendations', s?.recommendations && prose(s.recommendations)],
            ])}`;
        })}
        <h4>The child and family</h4>
        ${summaryList([
          ["The child's voice", entry.childVoice && prose(entry.childVoice)],
          ['Family information', entry.familyInformation && prose(entry.familyInformation)],
          ['History', entry.history && prose(entry.history)],
        ])}`
    : '';
  return html`<section id="case-${caseIndex + 1}-agency-${agencyIndex + 1}">
    <h3>${entry.agencyName} ${status}</h3>
    ${entry.submittedAt ? html`<p>Submitted ${formatDateTime(entry.submittedAt)}${entry.late ? ' (late: after its deadline or after the pack went out)' : ''}.</p>` : ''}
    ${body}
  </section>`;
}

function selfGrades(view: PackView) {
  return html`<table>
    <caption>
      Self-grades across every submission
    </caption>
    <thead>
      <tr>
        <th scope="col">Area</th>
        ${GRADES.map((g) => html`<th scope="col">${GRADE_LABELS[g]}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${AREAS.map(
        (area) =>
          html`<tr>
            <th scope="row">${AREA_LABELS[area]}</th>
            ${GRADES.map((g) => html`<td>${view.areas[area].selfGrades[g]}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** `pdfHref`: this link's PDF download. */
export function packPage(view: PackView, pdfHref?: string): PageOptions {
  const title = `Collated pack: ${view.audit.title}`;
  const { discussion } = view.audit;
  return {
    title,
    main: html`<span class="caption">${view.agency.name ?? ''}</span>
      <h1>${title}</h1>
      <p>
        Every agency's audit tool for each child, ahead of the multi-agency discussion. The children's details are shown
        to you, through your link, only.
      </p>
      ${pdfHref ? html`<p><a href="${pdfHref}" download>Download the pack as a PDF</a></p>` : ''}
      ${summaryList([
        ['Discussion', discussion.at ? formatDateTime(discussion.at) : 'Not scheduled yet'],
        ['Place', discussion.location],
        ['Children', String(view.cases.length)],
      ])}
      <h2>Contents</h2>
      <ol>
        ${view.cases.map((c, i) => html`<li><a href="#case-${i + 1}">Case ${c.caseRef}</a></li>`)}
        <li><a href="#self-grades">Self-grades per area</a></li>
      </ol>
      ${view.cases.map(
        (c, i) =>
          html`<section id="case-${i + 1}">
            <h2>Case ${c.caseRef}</h2>
            ${summaryList([
              ['Service level', SERVICE_LEVEL_LABELS[c.serviceLevel] ?? c.serviceLevel],
              ["Child's name", c.child.name],
              ['Date of birth', formatDate(c.child.dateOfBirth, true)],
            ])}
            ${c.agencies.map((entry, j) => agencyEntry(entry, i, j))}
          </section>`,
      )}
      <section id="self-grades">
        <h2>Self-grades per area</h2>
        ${selfGrades(view)}
      </section>`,
  };
}

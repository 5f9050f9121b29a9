// The one layout every email shares: the partnership's band, the heading, the body blocks and the
// footer, written as MJML (compiled once per template) and as plain text (filled per email).
import type { Block } from './template';

const MUTED = '#52606d';
const INK = '#1f2933';

const FOOTER =
  'This email holds no case details. A page it links to that holds them shows them only to the person ' +
  'the link was sent to: please do not forward it.';

/** The MJML of a template's wording, with its {{slots}} still in place. */
export function layoutMjml(heading: string, body: readonly Block[], brandColour: string): string {
  const onBrand = readableOn(brandColour);
  return `<mjml lang="en">
  <mj-head>
    <mj-title>{{subject}}</mj-title>
    <mj-attributes>
      <mj-all font-family="Arial, Helvetica, sans-serif" />
      <mj-text font-size="16px" line-height="24px" color="${INK}" />
      <mj-table font-size="16px" line-height="24px" color="${INK}" />
      <mj-button background-color="${brandColour}" color="${onBrand}" font-size="16px" font-weight="bold" align="left" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f2f4f7">
    <mj-section background-color="${brandColour}" padding="12px 0">
      <mj-column>
        <mj-text color="${onBrand}" font-size="18px" font-weight="bold">{{partnership}}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section background-color="#ffffff" padding="8px 0 24px">
      <mj-column>
        <mj-text><h1 style="margin:0;font-size:24px;line-height:32px">${escapeHtml(heading)}</h1></mj-text>
${body.map(blockMjml).join('\n')}
      </mj-column>
    </mj-section>
    <mj-section padding="12px 0">
      <mj-column>
        <mj-text font-size="13px" line-height="20px" color="${MUTED}">${escapeHtml(FOOTER)} Questions to {{partnership}}: <a href="mailto:{{contactEmail}}" style="color:${MUTED}">{{contactEmail}}</a>.</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

function blockMjml(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `        <mj-text>${escapeHtml(block.text)}</mj-text>`;
    case 'button':
      // The address in words too: some mail clients show no buttons, and people check where a link goes.
      return `        <mj-button href="${slot(block.href)}">${escapeHtml(block.label)}</mj-button>
        <mj-text font-size="13px" line-height="20px" color="${MUTED}">Or copy this link into your browser: <a href="${slot(block.href)}" style="color:${MUTED};word-break:break-all">${slot(block.href)}</a></mj-text>`;
    case 'facts':
      return `        <mj-table>\n${block.rows.map(factRow).join('\n')}\n        </mj-table>`;
  }
}

/** Label, then value: the label column as narrow as its words allow. */
function factRow([label, value]: readonly [string, string]): string {
  const th = `padding:4px 16px 4px 0;color:${MUTED};font-weight:normal;white-space:nowrap`;
  return `          <tr><th align="left" valign="top" style="${th}">${escapeHtml(label)}</th><td style="padding:4px 0;width:100%">${escapeHtml(value)}</td></tr>`;
}

/** The plain-text part: the same blocks, slots already filled. */
export function layoutText(
  heading: string,
  body: readonly Block[],
  layout: { partnershipName: string; contactEmail: string },
): string {
  const blocks = body.map((block) => {
    switch (block.kind) {
      case 'paragraph':
        return block.text;
      case 'button':
        return `${block.label}:\n${block.href}`;
      case 'facts':
        return block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
    }
  });
  return (
    [
      layout.partnershipName,
      heading,
      ...blocks,
      `--\n${FOOTER} Questions to ${layout.partnershipName}: ${layout.contactEmail}.`,
    ].join('\n\n') + '\n'
  );
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A link's href must be a slot: links come from the input, checked, never from the wording. */
function slot(href: string): string {
  if (!/^\{\{\w+\}\}$/.test(href)) throw new Error(`a button's href must be a {{slot}}, not "${href}"`);
  return href;
}

/** White or near-black, whichever reads better on the brand colour (WCAG contrast). */
function readableOn(hex: string): string {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05) >= 4.5 ? '#ffffff' : '#111111';
}

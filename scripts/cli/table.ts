// Plain-text tables and key/value summaries for the terminal.

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [
    headers,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `label  value` lines, labels aligned; entries whose value is undefined are left out. */
export function summary(entries: [string, string | number | null | undefined][]): string {
  const shown = entries.filter(([, v]) => v !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === '' ? '-' : String(v)}`).join('\n');
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM` (UTC), or `-`. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An ISO timestamp as `YYYY-MM-DD`, or `-`. */
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '-');

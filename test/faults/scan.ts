// Every log line of the run, searched for what must never be in one: the API keys, LINK_SECRET, every
// link token the emails carried, and every child identifier the audits used.
import fs from 'node:fs';
import path from 'node:path';

export interface LogScan {
  files: string[];
  lines: number;
  needles: number;
  /** `file:line: what` (the value itself is not repeated here). */
  hits: string[];
}

export function scanLogs(dir: string, needles: { what: string; value: string }[]): LogScan {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
  const usable = needles.filter((n) => n.value.length >= 6);
  const scan: LogScan = { files, lines: 0, needles: usable.length, hits: [] };
  for (const file of files) {
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    scan.lines += lines.length;
    lines.forEach((line, i) => {
      for (const n of usable) if (line.includes(n.value)) scan.hits.push(`${file}:${i + 1}: ${n.what}`);
    });
  }
  return scan;
}

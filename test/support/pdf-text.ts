// The text pdfkit wrote into a PDF, compressed or not: every content stream (inflated when it is
// compressed) read for its hex-encoded strings, joined. Lines the PDF wrapped are joined without a space,
// so look for a name by its parts.
import { inflateSync } from 'node:zlib';

const hexStrings = (source: string) =>
  [...source.matchAll(/<([0-9a-f]+)>/gi)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1')).join('');

export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const streams = [...source.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map((m) => {
    const bytes = Buffer.from(m[1]!, 'latin1');
    try {
      return inflateSync(bytes).toString('latin1');
    } catch {
      return m[1]!; // not compressed
    }
  });
  return streams.map(hexStrings).join('');
}

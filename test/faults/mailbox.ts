// What the catcher process caught, read from its JSON-lines file (which outlives the catcher's restarts).
import fs from 'node:fs';

export interface Mail {
  id: string;
  messageId: string | null;
  to: string[];
  subject: string;
  text: string;
  sentAt: string;
  pid: number;
}

export type LinkKind = 'respond' | 'approve' | 'progress' | 'acknowledge' | 'pack' | 'briefings';

const LINK = /\/(respond|approve|progress|acknowledge|pack|briefings)\/([A-Za-z0-9_-]+)/g;

export class Mailbox {
  private offset = 0;
  private partial = '';
  private readonly mails: Mail[] = [];

  constructor(readonly file: string) {}

  /** Every message caught so far, oldest first. */
  all(): Mail[] {
    const fd = fs.openSync(this.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size > this.offset) {
        const buffer = Buffer.alloc(size - this.offset);
        fs.readSync(fd, buffer, 0, buffer.length, this.offset);
        this.offset = size;
        const lines = (this.partial + buffer.toString('utf8')).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.mails.push(JSON.parse(line) as Mail);
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.mails;
  }

  to(addresses: Iterable<string>): Mail[] {
    const wanted = new Set([...addresses].map((a) => a.toLowerCase()));
    return this.all().filter((m) => m.to.some((t) => wanted.has(t.toLowerCase())));
  }

  /** Distinct tokens of one kind of link in the messages to these addresses, in the order first seen. */
  links(kind: LinkKind, addresses: Iterable<string>): string[] {
    const seen = new Set<string>();
    for (const mail of this.to(addresses)) for (const [k, token] of linksIn(mail.text)) if (k === kind) seen.add(token);
    return [...seen];
  }
}

export function linksIn(text: string): [LinkKind, string][] {
  return [...text.matchAll(LINK)].map((m) => [m[1] as LinkKind, m[2]!]);
}

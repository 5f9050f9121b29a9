// `npm run bench -- --only=scale --heap-snapshots`: what an open audit holds in the worker's workflow
// thread, from two V8 heap snapshots of it (one audit open, then all of them): the retained size per audit,
// by kind of object, as docs/BENCHMARKS.md's "Why an audit costs what it costs" reads it.
import fs from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count by kind: an object's constructor, a closure's name, or V8's own type (strings, code…). */
function byKind(file: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const kinds = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const t = types[s.nodes[i + type]!]!;
    const n = s.strings[s.nodes[i + name]!]!.slice(0, 40);
    const kind =
      t === 'object'
        ? n
        : t === 'closure'
          ? `closure ${n || '(anonymous)'}`
          : /string/.test(t)
            ? '(strings)'
            : `(${t})`;
    const k = kinds.get(kind) ?? { bytes: 0, count: 0 };
    k.bytes += s.nodes[i + size]!;
    k.count++;
    kinds.set(kind, k);
  }
  return kinds;
}

export interface HeapGrowth {
  /** Retained bytes per workflow added between the snapshots. */
  perWorkflow: number;
  top: { kind: string; bytes: number; count: number }[];
}

/** (after − before) / `workflows`, in all and for the `top` kinds that grew most. */
export function heapGrowth(before: string, after: string, workflows: number, top = 12): HeapGrowth {
  const [a, b] = [byKind(before), byKind(after)];
  const rows = [...b].map(([kind, { bytes, count }]) => ({
    kind,
    bytes: (bytes - (a.get(kind)?.bytes ?? 0)) / workflows,
    count: (count - (a.get(kind)?.count ?? 0)) / workflows,
  }));
  return {
    perWorkflow: rows.reduce((sum, r) => sum + r.bytes, 0),
    top: rows.sort((x, y) => y.bytes - x.bytes).slice(0, top),
  };
}

export function formatHeapGrowth(title: string, g: HeapGrowth): string {
  return [
    `${title}: ${(g.perWorkflow / 1024).toFixed(1)} KiB retained per workflow in the workflow thread`,
    ...g.top.map(
      (r) => `  ${(r.bytes / 1024).toFixed(1).padStart(6)} KiB  ${r.count.toFixed(1).padStart(6)} ×  ${r.kind}`,
    ),
  ].join('\n');
}

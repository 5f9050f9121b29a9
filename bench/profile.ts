// CPU profiles for `npm run bench -- --profile`: V8's sampling profiler over the measured window (through
// node:inspector, in this process and, over IPC, in the worker's), saved as .cpuprofile files (open them
// in Chrome DevTools or speedscope) and summarised here: self time by package and by function.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Starts V8's profiler in this process; `stop` writes the profile to `file`. */
export async function startProfile(): Promise<{ stop(file: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

/** What a frame's URL says about who runs it: a package, Node itself, our code, or V8's own bookkeeping. */
function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8)';
  if (url.startsWith('node:')) return 'node:internal';
  // The innermost package: a copy nested in another's node_modules is its own owner.
  const pkg = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
  if (pkg) return pkg[1]!;
  if (url.includes('/dist/') || url.includes('/work/')) {
    const rel = url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
    return `project:${rel.split('/')[0]}`;
  }
  if (url.includes('workflow-bundle') || url.includes('.js') === false) return 'workflow bundle';
  return url.split('/').slice(-2).join('/');
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  byOwner: { owner: string; ms: number; share: number }[];
  byFunction: { fn: string; ms: number; share: number }[];
}

export function summarise(file: string, top = 12): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0)));
  } else {
    const perHit = (profile.endTime - profile.startTime) / profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * perHit);
  }
  const owners = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    total += us;
    const owner = ownerOf(node.callFrame);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const where = node.callFrame.url ? `${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : '';
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${where} [${owner}]`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, us]) =>
          ({ [key]: name, ms: us / 1000, share: us / total }) as { [P in K]: string } & { ms: number; share: number },
      );
  return { file, totalMs: total / 1000, byOwner: rank(owners, 'owner'), byFunction: rank(fns, 'fn') };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `${title}: ${s.totalMs.toFixed(0)} ms on CPU (idle excluded) — ${s.file}`,
    '  self time by owner:',
    ...s.byOwner.map((o) => `    ${pct(o.share).padStart(6)}  ${o.ms.toFixed(0).padStart(7)} ms  ${o.owner}`),
    '  self time by function:',
    ...s.byFunction.map((f) => `    ${pct(f.share).padStart(6)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.fn}`),
  ].join('\n');
}

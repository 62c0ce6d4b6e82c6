import path from 'node:path';
import type { CpuProfile } from './profiler';

const REPO = path.resolve(__dirname, '..', '..');

export interface ProfileSummary {
  /** Sampled time, ms. */
  totalMs: number;
  /** Share of samples where the thread was idle (waiting on I/O). */
  idleShare: number;
  /** Self time by area, as shares of the busy (non-idle) time, largest first. */
  areas: { area: string; share: number }[];
  /** The hottest functions by self time, as shares of busy time. */
  functions: { fn: string; share: number }[];
}

/**
 * Where a function's code lives, coarsely: a package (the AWS SDK's many packages as one), a folder of this
 * repository, or a part of Node itself. Self time is what the thread spent in that code, not in callees.
 */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (/^write(v|Buffer|Utf8String|Latin1String|AsciiString)$/.test(functionName))
      return 'socket writes (native)';
    if (functionName === 'runMicrotasks') return 'promise jobs (native)';
    return `native ${functionName || '(anonymous)'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (/^@(aws-sdk|smithy|aws-crypto)\//.test(pkg)) return 'AWS SDK v3 (@aws-sdk, @smithy)';
    return `npm: ${pkg}`;
  }
  if (url.startsWith('node:')) {
    const mod = url.slice('node:'.length);
    if (/^(_http|http|net|stream|internal\/(http|streams|stream_base|net))/.test(mod))
      return 'Node http/net/streams';
    return `Node ${mod.split('/').slice(0, 2).join('/')}`;
  }
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(REPO)) return path.relative(REPO, file).split(path.sep).slice(0, 2).join('/');
  return 'other';
}

export function summarise(profile: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Samples inside the inspector call that starts the profiler are the profiler's own cost, not the thread's.
  const isProfiler = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)?.url === 'node:inspector') return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    if (isProfiler(id)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!;
    const area = areaOf(frame.url, frame.functionName);
    if (area === '(idle)' || frame.functionName === '(program)') {
      idleUs += area === '(idle)' ? us : 0;
      if (area === '(idle)') continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : 'native';
    const key = `${frame.functionName || '(anonymous)'} (${where})`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = Math.max(1, totalUs - idleUs);
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ key: k, share: us / busy }));
  return {
    totalMs: totalUs / 1000,
    idleShare: idleUs / Math.max(1, totalUs),
    areas: rank(areas).map(({ key, share }) => ({ area: key, share })),
    functions: rank(fns).map(({ key, share }) => ({ fn: key, share })),
  };
}

function shortUrl(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const inModules = /node_modules\/(.*)$/.exec(file);
  if (inModules) return inModules[1];
  return file.startsWith(REPO) ? path.relative(REPO, file) : file;
}

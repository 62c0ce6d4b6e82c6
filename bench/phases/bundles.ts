import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { buildBundles, type BuiltBundle } from '../../infra/aws/bundling';
import { functions, type FunctionSpec } from '../../infra/functions';
import { median } from '../lib/stats';
import type { BundleReport } from '../results';

const gzipAsync = promisify(gzip);

type Group = 'own' | 'twilio' | 'awsSdk' | 'other';

/** The group a bundled file belongs to by where it lives; undefined for other npm packages. */
function directGroup(file: string): Group | undefined {
  if (!file.includes('node_modules/')) return 'own';
  if (file.includes('node_modules/twilio/')) return 'twilio';
  if (/node_modules\/@(aws-sdk|smithy|aws-crypto|aws)\//.test(file)) return 'awsSdk';
  return undefined;
}

const pkgOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file;

/**
 * Splits a bundle's bytes into the project's code, twilio, the AWS SDK and other libraries. A library that only
 * twilio pulls in (xmlbuilder, dayjs) counts as twilio, one only the SDK pulls in (bowser, mnemonist) as the
 * SDK; libraries the project imports itself (zod, jose, libphonenumber-js) stay "other".
 */
export function splitBytes(meta: Metafile): {
  split: BundleReport['split'];
  otherTop: BundleReport['otherTop'];
} {
  const outKey = Object.keys(meta.outputs).find((k) => k.endsWith('.js'))!;
  const inputs = meta.outputs[outKey].inputs;
  const importers = new Map<string, string[]>();
  for (const [file, info] of Object.entries(meta.inputs)) {
    for (const imp of info.imports) {
      if (!importers.has(imp.path)) importers.set(imp.path, []);
      importers.get(imp.path)!.push(file);
    }
  }
  const memo = new Map<string, Set<Group>>();
  const rootsOf = (file: string, seen = new Set<string>()): Set<Group> => {
    const direct = directGroup(file);
    if (direct) return new Set([direct]);
    if (memo.has(file)) return memo.get(file)!;
    if (seen.has(file)) return new Set();
    seen.add(file);
    const groups = new Set<Group>();
    for (const by of importers.get(file) ?? []) {
      // Files of the same package lead back to whoever imports that package.
      for (const g of rootsOf(by, seen)) groups.add(g);
    }
    memo.set(file, groups);
    return groups;
  };
  const split = { own: 0, twilio: 0, awsSdk: 0, other: 0 };
  const other = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const roots = rootsOf(file);
    const group: Group =
      directGroup(file) ?? (roots.size === 1 && !roots.has('own') ? [...roots][0] : 'other');
    split[group] += bytesInOutput;
    if (group === 'other') other.set(pkgOf(file), (other.get(pkgOf(file)) ?? 0) + bytesInOutput);
  }
  const otherTop = [...other]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pkg, bytes]) => ({ pkg, bytes }));
  return { split, otherTop };
}

/** Runs node on a script; resolves with its stdout and the wall time from spawn to exit. */
function timeNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`node exited ${code}`));
      else resolve({ wallMs: performance.now() - t0, stdout });
    });
  });
}

// Times require() from inside the fresh process, so node's own start-up is not in the figure.
const REQUIRE_SCRIPT =
  'const t=process.hrtime.bigint();require(process.argv[1]);' +
  'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';

/** A clean environment for a "cold" process: not inside Lambda, no loader hooks from this process. */
function coldEnv(sourceMaps: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AWS_LAMBDA_FUNCTION_NAME;
  delete env.NODE_OPTIONS;
  // As deployed, no NODE_OPTIONS (infra/aws/constructs/house-function.ts): a stack trace is mapped to the sources
  // when one is first printed (shared/runtime/source-maps.ts). With --enable-source-maps, the setting the
  // functions had before, Node reads and parses each bundle's map at load, whether an error comes or not.
  if (sourceMaps) env.NODE_OPTIONS = '--enable-source-maps';
  // Node 20 here vs Node 22 on Lambda: the SDK's one-off version warning is not part of the function's init.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return env;
}

/** Every function's bundle, built once into a temporary directory (remove it with `remove()`). */
export interface BuiltBundles {
  buildSeconds: number;
  items: { spec: FunctionSpec; outfile: string; bundle: BuiltBundle; gzip: number }[];
  remove(): void;
}

/**
 * Builds every function's bundle with the stack's exact esbuild settings, in one esbuild call: the same bytes as
 * one build per function (test/infra/bundles.test.ts checks it), with the AWS SDK parsed once instead of 23 times.
 * CPU-heavy for a few seconds: the benchmark runs it while nothing is measured (its own start-up).
 */
export async function buildAllBundles(): Promise<BuiltBundles> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imsms-bench-bundles-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // esbuild is a Go program: GOGC=400 lets its heap grow to 5× what is live before a collection instead of 2×,
  // which took a third of its CPU off this build (about 7 → 5 s, ~100 MB more at the peak) with the same bytes
  // out (the setting changes when Go collects, not what esbuild writes). Set while its process starts, and only
  // when the caller's shell has not set it.
  const gogc = process.env.GOGC;
  process.env.GOGC ??= '400';
  try {
    const t0 = performance.now();
    const bundles = await buildBundles(functions, dir).finally(() => {
      if (gogc === undefined) delete process.env.GOGC;
    });
    // zlib's thread pool, not this thread: here the driver's event loop runs the start-up's request-count cells.
    const items = await Promise.all(
      functions.map(async (spec) => {
        const outfile = path.join(dir, spec.name, 'index.js');
        const gzip = (await gzipAsync(await readFile(outfile))).length;
        return { spec, outfile, bundle: bundles.get(spec.name)!, gzip };
      }),
    );
    return { buildSeconds: (performance.now() - t0) / 1000, items, remove };
  } catch (err) {
    remove();
    throw err;
  }
}

/**
 * Cold init per function: require() of the bundle in a fresh node process, as deployed (coldEnv), the median of
 * `runs`, round-robin over the functions so that a burst of machine load does not land on one of them. Right
 * before each one an empty node process (`node -e ""`) is timed from spawn to exit, so the comparison is made on
 * the same machine at the same moment: the report's empty start is the median of all of those. Also the whole
 * process's spawn → exit minus the empty one's, and (`withSourceMaps`) require() with --enable-source-maps, the
 * setting the functions had before (docs/deploy.md). Quick runs time the `timeLargest` largest bundles only.
 */
export async function timeColdInit(
  built: BuiltBundles,
  runs: number,
  withSourceMaps: boolean,
  onStep: (done: number, total: number) => void,
  timeLargest?: number,
): Promise<{ emptyScriptMs: number; rows: BundleReport[]; timed: number }> {
  const timings = new Map<string, { require: number[]; wall: number[]; maps: number[] }>();
  for (const b of built.items) timings.set(b.spec.name, { require: [], wall: [], maps: [] });
  // What a bundle loads is what its init costs, so the slowest function is among the largest (full runs time
  // every one and show it).
  const timed = [...built.items]
    .sort((a, b) => b.bundle.bytes - a.bundle.bytes)
    .slice(0, timeLargest ?? built.items.length);
  const empty: number[] = [];
  const total = runs * timed.length * (withSourceMaps ? 3 : 2);
  let done = 0;
  for (let r = 0; r < runs; r++) {
    for (const b of timed) {
      empty.push((await timeNode(['-e', ''], coldEnv(false))).wallMs);
      onStep(++done, total);
      const t = timings.get(b.spec.name)!;
      const run = await timeNode(['-e', REQUIRE_SCRIPT, b.outfile], coldEnv(false));
      t.require.push(Number(run.stdout));
      t.wall.push(run.wallMs);
      onStep(++done, total);
      if (withSourceMaps) {
        t.maps.push(Number((await timeNode(['-e', REQUIRE_SCRIPT, b.outfile], coldEnv(true))).stdout));
        onStep(++done, total);
      }
    }
  }
  const emptyMs = median(empty);
  const rows = built.items.map((b): BundleReport => {
    const t = timings.get(b.spec.name)!;
    return {
      name: b.spec.name,
      bytes: b.bundle.bytes,
      mapBytes: b.bundle.mapBytes,
      gzipBytes: b.gzip,
      ...splitBytes(b.bundle.metafile),
      requireMs: t.require.length ? median(t.require) : NaN,
      spawnMinusEmptyMs: t.wall.length ? median(t.wall) - emptyMs : NaN,
      requireWithSourceMapsMs: t.maps.length ? median(t.maps) : NaN,
    };
  });
  return { emptyScriptMs: emptyMs, rows, timed: timed.length };
}

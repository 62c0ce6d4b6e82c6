/**
 * Bundle sizes, built with exactly the stack's esbuild settings (infra/aws/bundling.ts), one per manifest entry.
 *
 * Budgets (KiB of minified index.js; the .map is separate and only read when a stack trace is printed).
 * Measured 2026-11-26 with the AWS SDK v3 clients bundled (see bundling.ts for why they are not external):
 *   core     no SMS, no Twilio webhook: 645-781 KiB, of which ~500 KiB is the SDK clients; the rest is zod/mini
 *            (~20 KiB), libphonenumber (~120 KiB, auth-verify only) and the project (~20 KiB).
 *   webhook  verifies Twilio signatures only (validator + TwiML builder via deep imports): 709 KiB.
 *   sms      sends SMS (our fetch client of Twilio's Messages REST resource, the SNS client): 810-883 KiB
 *            (850-923 KiB with the twilio SDK's Messages resource, before 2026-11-29).
 * With `@aws-sdk/*` external every bundle is 35-268 KiB. Since 2026-11-30 (the SDK's ES builds, the bundle shims in
 * infra/aws/bundle-shims) every bundle is 480-720 KiB: the budgets below have that much room.
 * Each budget is the largest measured size of its class + ~15%: room for normal growth, while an accidental
 * `import twilio from 'twilio'` (the whole SDK, several MB) or a new heavy dependency fails here first.
 * Set IMSMS_BUNDLE_REPORT=1 to also build with `@aws-sdk/*` external and print both columns (docs/deploy.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  bundlingOptions,
  buildBundle,
  buildBundles,
  esbuildOptions,
  sharedEsbuildOptions,
  type BuiltBundle,
} from '../../infra/aws/bundling';
import { functions, type FunctionSpec } from '../../infra/functions';

const KiB = 1024;
type BudgetClass = 'core' | 'webhook' | 'sms';
// Raised on 2026-11-30 for the TR39 confusables table behind name keys (~96 KB of JSON in every function that
// reads the table): measured core 766-903, webhook 829, sms 933-1004 KiB.
const BUDGET_KIB: Record<BudgetClass, number> = { core: 1040, webhook: 955, sms: 1155 };

function budgetClass(spec: FunctionSpec): BudgetClass {
  if (spec.needs.sendsSms) return 'sms';
  if (spec.needs.twilioWebhook) return 'webhook';
  return 'core';
}

interface Row {
  spec: FunctionSpec;
  bundle: BuiltBundle;
  gzip: number;
  externalSdkBytes?: number;
}

let dir: string;
const rows: Row[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imsms-bundles-'));
  const report = process.env.IMSMS_BUNDLE_REPORT === '1';
  // Every function in one esbuild call (the shared modules are parsed once), as the benchmark builds them.
  const built = await buildBundles(functions, dir);
  for (const spec of functions) {
    const outfile = path.join(dir, spec.name, 'index.js');
    const row: Row = { spec, bundle: built.get(spec.name)!, gzip: gzipSync(fs.readFileSync(outfile)).length };
    if (report) {
      const alt = await buildBundle(spec.entry, path.join(dir, 'external-sdk', spec.name, 'index.js'), {
        external: ['@aws-sdk/*'],
      });
      row.externalSdkBytes = alt.bytes;
    }
    rows.push(row);
  }
  rows.sort((a, b) => functions.indexOf(a.spec) - functions.indexOf(b.spec));
  const kib = (n: number) => (n / KiB).toFixed(0).padStart(6);
  const lines = rows.map(
    (r) =>
      `| ${r.spec.name.padEnd(18)} | ${budgetClass(r.spec).padEnd(7)} | ${kib(r.bundle.bytes)} | ${kib(r.gzip)} | ${kib(r.bundle.mapBytes)} |` +
      (r.externalSdkBytes !== undefined ? ` ${kib(r.externalSdkBytes)} |` : '') +
      ` ${BUDGET_KIB[budgetClass(r.spec)]} |`,
  );
  // The table docs/deploy.md shows.
  console.log(
    [
      '| function | class | KiB | gzip KiB | map KiB |' +
        (report ? ' KiB, SDK external |' : '') +
        ' budget KiB |',
      ...lines,
    ].join('\n'),
  );
  // One esbuild call for all 23 (about 5 s idle); the full suite shares the 2 cores with another worker.
}, 240_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (dir) fs.rmSync(`${dir}-alone`, { recursive: true, force: true });
});

describe('bundles (the stack’s exact esbuild settings)', () => {
  test('one bundle per manifest function', () => {
    expect(rows.map((r) => r.spec.name)).toEqual(functions.map((f) => f.name));
  });

  test.each(functions.map((f) => [f.name, f] as const))('%s stays within its size budget', (_name, spec) => {
    const row = rows.find((r) => r.spec === spec)!;
    const budget = BUDGET_KIB[budgetClass(spec)] * KiB;
    expect(row.bundle.bytes).toBeLessThanOrEqual(budget);
  });

  test('only functions that take Twilio webhooks carry twilio code (sending SMS needs none)', () => {
    const offenders = rows
      .filter((r) => !r.spec.needs.twilioWebhook)
      .map((r) => ({
        name: r.spec.name,
        twilio: r.bundle.inputs.filter((i) => i.includes('node_modules/twilio/')),
      }))
      .filter((o) => o.twilio.length > 0);
    expect(offenders).toEqual([]);
  });

  test('the twilio code in a bundle is the signature validator and TwiML builder, nothing private', () => {
    for (const r of rows) {
      const other = r.bundle.inputs.filter(
        (i) => i.includes('node_modules/twilio/') && !/node_modules\/twilio\/lib\/(webhooks|twiml)\//.test(i),
      );
      expect({ name: r.spec.name, other }).toEqual({ name: r.spec.name, other: [] });
    }
  });

  test('every bundle traces its AWS SDK calls (X-Ray subsegments, shared/adapters/xray.ts), without the X-Ray SDK', () => {
    for (const r of rows) {
      const xray = r.bundle.inputs.filter((i) =>
        /shared\/adapters\/xray\.ts$|node_modules\/aws-xray-sdk-core\//.test(i),
      );
      expect({ name: r.spec.name, xray }).toEqual({ name: r.spec.name, xray: ['shared/adapters/xray.ts'] });
    }
  });

  test('every bundle maps its stack traces itself, lazily (no --enable-source-maps on AWS)', () => {
    for (const r of rows) {
      const mapper = r.bundle.inputs.filter((i) => i === 'shared/runtime/source-maps.ts');
      expect({ name: r.spec.name, mapper }).toEqual({
        name: r.spec.name,
        mapper: ['shared/runtime/source-maps.ts'],
      });
      expect({ name: r.spec.name, map: r.bundle.mapBytes > 0 }).toEqual({ name: r.spec.name, map: true });
    }
  });

  test('no bundle carries the local runtime or test tools (tsx, dynalite, ws, esbuild)', () => {
    for (const r of rows) {
      const local = r.bundle.inputs.filter((i) =>
        /node_modules\/(tsx|dynalite|ws|esbuild|@esbuild|leveldown|classic-level|memdown)\//.test(i),
      );
      expect({ name: r.spec.name, local }).toEqual({ name: r.spec.name, local: [] });
    }
  });

  test('every runtime dependency reaches some Lambda bundle; the local runtime’s are devDependencies', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const unused = Object.keys(pkg.dependencies).filter(
      (dep) => !rows.some((r) => r.bundle.inputs.some((i) => i.includes(`node_modules/${dep}/`))),
    );
    expect(unused).toEqual([]);
    // npm ci installs devDependencies too, so `npm start` (tsx, dynalite, ws) works from a clone.
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['tsx', 'dynalite', 'ws']));
  });

  test('the esbuild options mirror what NodejsFunction passes for bundlingOptions', () => {
    const o = esbuildOptions('functions/ws-ping.ts', '/tmp/x/index.js');
    expect(o).toMatchObject({
      bundle: true,
      platform: 'node',
      target: bundlingOptions.target,
      format: 'cjs',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      external: [],
    });
    expect(bundlingOptions.forceDockerBundling).toBe(false);
    // One function's options are the shared ones (what buildBundles uses for all at once) plus its entry.
    const { entryPoints, outfile, ...rest } = o;
    expect(rest).toEqual(sharedEsbuildOptions());
    expect({ entryPoints, outfile }).toEqual({
      entryPoints: [path.resolve(__dirname, '..', '..', 'functions/ws-ping.ts')],
      outfile: '/tmp/x/index.js',
    });
  });

  test('a function built alone is byte for byte its bundle from the one call for all', async () => {
    const spec = functions.find((f) => f.name === 'twilio-voice-dial-status')!;
    // At the same depth, so that the maps' relative source paths match too.
    const outfile = path.join(`${dir}-alone`, spec.name, 'index.js');
    const alone = await buildBundle(spec.entry, outfile);
    const together = path.join(dir, spec.name, 'index.js');
    expect(fs.readFileSync(outfile).equals(fs.readFileSync(together))).toBe(true);
    expect(fs.readFileSync(`${outfile}.map`).equals(fs.readFileSync(`${together}.map`))).toBe(true);
    const row = rows.find((r) => r.spec === spec)!;
    expect([...row.bundle.inputs].sort()).toEqual([...alone.inputs].sort());
    expect(row.bundle.bytes).toBe(alone.bytes);
  }, 60_000);
});

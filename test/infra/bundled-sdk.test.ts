/**
 * The AWS SDK as the Lambda bundles carry it (infra/aws/bundling.ts): its ES module builds (`mainFields`), the
 * credential chain reduced to the environment (bundle-shims/lambda-credentials.ts) and no event streams
 * (bundle-shims/no-event-streams.ts). A bundle built with the stack's exact settings runs in a fresh node against
 * a real dynalite: the client takes the credentials Lambda puts in the environment, signs, serialises and parses
 * real requests, and says clearly when there are none.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { REPO_ROOT, sharedEsbuildOptions } from '../../infra/aws/bundling';
import { skeleton } from '../../shared/core/provisioning/names';
import { useEmbeddedDynamo } from '../support/embedded-client';

const run = promisify(execFile);
const dynamo = useEmbeddedDynamo();
let dir: string;
let bundle: string;
let inputs: string[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imsms-bundled-sdk-'));
  bundle = path.join(dir, 'index.js');
  const result = await build({
    ...sharedEsbuildOptions(),
    entryPoints: [path.join(REPO_ROOT, 'test/infra/fixtures/sdk-from-bundle.ts')],
    outfile: bundle,
  });
  inputs = Object.keys(result.metafile!.inputs);
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle's `run(endpoint)` in a fresh node with only `env` added; its result or its error message. */
async function inBundle(env: Record<string, string>): Promise<{ ok?: unknown; error?: string }> {
  const base = { ...process.env };
  for (const k of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'NODE_OPTIONS',
  ])
    delete base[k];
  const script =
    'require(process.argv[1]).run(process.argv[2]).then(' +
    '(ok) => process.stdout.write(JSON.stringify({ ok })), ' +
    '(e) => process.stdout.write(JSON.stringify({ error: String(e && e.message) })))';
  const { stdout } = await run(process.execPath, ['-e', script, bundle, dynamo.endpoint()], {
    env: { ...base, ...env },
  });
  return JSON.parse(stdout) as { ok?: unknown; error?: string };
}

test('the bundle carries the ES builds and the shims, not the unused credential providers', () => {
  expect(inputs).toContain('infra/aws/bundle-shims/lambda-credentials.ts');
  expect(inputs.some((i) => /node_modules\/@aws-sdk\/client-dynamodb\/dist-es\//.test(i))).toBe(true);
  const unused = inputs.filter((i) =>
    /@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients|token-providers)\/|@smithy\/core\/dist-[a-z]+\/submodules\/event-streams\//.test(
      i,
    ),
  );
  expect(unused).toEqual([]);
});

test('the bundle computes name skeletons as the sources do (through the lazy confusables shim)', async () => {
  const texts = ['аlice', 'ᏞᎥꓚᎬ', 'bob\u200b', 'plain'];
  const script =
    'const m = require(process.argv[1]);' +
    'process.stdout.write(JSON.stringify(JSON.parse(process.argv[2]).map(m.bundledSkeleton)))';
  const { stdout } = await run(process.execPath, ['-e', script, bundle, JSON.stringify(texts)]);
  expect(JSON.parse(stdout)).toEqual(texts.map(skeleton));
  expect(inputs).toContain('infra/aws/bundle-shims/lazy-confusables.ts');
}, 60_000);

test('a bundled client takes Lambda’s environment credentials and makes real requests', async () => {
  const out = await inBundle({
    AWS_ACCESS_KEY_ID: 'AKIDBUNDLED',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
  });
  expect(out).toEqual({ ok: { accessKeyId: 'AKIDBUNDLED', item: { pk: 'a', n: 1, tags: ['x'] } } });
}, 60_000);

test('without credentials in the environment it fails with the SDK’s message, and names AWS_PROFILE', async () => {
  const none = await inBundle({});
  expect(none.error).toMatch(/Unable to find environment variable credentials/);
  const profile = await inBundle({
    AWS_PROFILE: 'dev',
    AWS_ACCESS_KEY_ID: 'AKIDBUNDLED',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
  expect(profile.error).toMatch(
    /AWS_PROFILE is set, but a Lambda bundle takes its credentials from the environment only/,
  );
}, 60_000);

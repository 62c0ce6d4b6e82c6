/**
 * Stack traces of a bundle built with the stack's esbuild settings are mapped to the TypeScript sources by
 * shared/runtime/source-maps.ts, without NODE_OPTIONS=--enable-source-maps, and the map is read only when a
 * stack is first printed (not at load: that is what the flag cost every cold start).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, sharedEsbuildOptions } from '../../infra/aws/bundling';

let dir: string;
let bundle: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imsms-source-maps-'));
  bundle = path.join(dir, 'index.js');
  await build({
    ...sharedEsbuildOptions(),
    entryPoints: [path.join(REPO_ROOT, 'test/infra/fixtures/throws-from-bundle.ts')],
    outfile: bundle,
  });
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Loads the bundle in a fresh node, counts reads of .map files before and after the first stack is printed. */
function run(nodeOptions?: string): { before: number; after: number; stack: string } {
  const script = `
    const fs = require('node:fs');
    let maps = 0;
    const read = fs.readFileSync;
    fs.readFileSync = function (file, ...rest) {
      if (String(file).endsWith('.map')) maps++;
      return read.call(this, file, ...rest);
    };
    const m = require(process.argv[1]);
    const before = maps;
    let stack = '';
    try { m.failHere(); } catch (err) { stack = err.stack; }
    process.stdout.write(JSON.stringify({ before, after: maps, stack }));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, bundle], { env }).toString());
}

describe('lazy source maps (no --enable-source-maps)', () => {
  test('a stack from the bundle points at the TypeScript source', () => {
    const lines = run().stack.split('\n');
    expect(lines[0]).toBe('Error: boom from the fixture');
    // The map's paths are relative to it (from /tmp here, from cdk.out/asset.… on AWS): the leading ../ go.
    expect(lines[1]).toMatch(
      /^ {4}at \S+ \((?:[\w.-]+\/)*test\/infra\/fixtures\/throws-from-bundle\.ts:5:9\)$/,
    );
    expect(lines[1]).not.toMatch(/index\.js|\.\.\//);
    // A frame outside the bundle stays as Node prints it.
    expect(lines[2]).toMatch(/^ {4}at \[eval\]:\d+:\d+$/);
  });

  test('the map is read when the first stack is printed, not when the bundle loads', () => {
    const { before, after } = run();
    expect(before).toBe(0);
    expect(after).toBe(1);
  });

  test('with --enable-source-maps Node maps the stack itself (the bundle installs nothing)', () => {
    const { stack } = run('--enable-source-maps');
    // Node's own format: an absolute path.
    expect(stack.split('\n')[1]).toMatch(/\(\/\S*\/test\/infra\/fixtures\/throws-from-bundle\.ts:5:9\)$/);
  });
});

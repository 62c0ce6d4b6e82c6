import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { useLocalStack } from '../support/e2e-stack';
import { signUp } from '../support/e2e-client';

/**
 * The reference-client example in docs/protocol.md runs as documented: saved at the repository's root as a
 * `.ts` file and run with `node --import tsx` (where a top-level `await` is a syntax error, the project being
 * CommonJS), it type-checks under the project's settings and talks to the local stack.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const e2e = useLocalStack('snippet');

/** The first ```ts block under "### Reference client". */
function snippet(): string {
  const doc = readFileSync(path.join(ROOT, 'docs', 'protocol.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Reference client'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('docs/protocol.md has no ts example under "### Reference client"');
  return block[1];
}

const file = path.join(ROOT, `.protocol-example-${process.pid}.ts`);
const tsconfig = path.join(ROOT, `.protocol-example-${process.pid}.tsconfig.json`);
afterAll(() => {
  rmSync(file, { force: true });
  rmSync(tsconfig, { force: true });
});

jest.setTimeout(180_000);

it('has no top-level await (a .ts file under tsx is CommonJS here)', () => {
  const outside = snippet().replace(/async function main[\s\S]*?\n}\n/, '');
  expect(outside).not.toMatch(/\bawait\b/);
});

it('type-checks with the project’s compiler settings', async () => {
  writeFileSync(file, snippet());
  writeFileSync(tsconfig, JSON.stringify({ extends: './tsconfig.json', include: [], files: [path.basename(file)] }));
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  await expect(run(tsc, ['-p', tsconfig], { cwd: ROOT })).resolves.toBeDefined();
});

it('runs with node --import tsx against the local stack: connects, reads contacts, sends, invites', async () => {
  const alice = await signUp(e2e.base, '+14155550191', 'snip');
  const bob = await signUp(e2e.base, '+14155550192');
  writeFileSync(file, snippet());
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.basename(file)], {
    cwd: ROOT,
    env: { ...process.env, IMSMS_URL: e2e.base, IMSMS_TOKEN: alice.token, IMSMS_TO: bob.imNumber },
  });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('0 contacts');
  expect(lines[1]).toBe('accepted');
  // The invite either went (no line) or was refused with the error frame's code.
  expect(lines.slice(2).every((l) => /^[a-z_]+$/.test(l))).toBe(true);
});

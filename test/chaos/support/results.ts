import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Writes a suite's figures to test/chaos/results/<name>.json, formatted by the repository's prettier (the files
 * are committed with docs/reliability.md, and `npm run lint` checks them). Prettier runs as its CLI: its API
 * loads plugins with dynamic imports, which jest's VM does not allow.
 */
export function writeResults(name: string, data: unknown): void {
  const dir = path.join(ROOT, 'test', 'chaos', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--write', file],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
}

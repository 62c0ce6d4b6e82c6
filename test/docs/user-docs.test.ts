import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The user docs are read by someone who has only the repository: no words of the project's internal process
 * (issue numbers, "the issues"), and every Markdown file they cite exists in the repository.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const readmes = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? readmes(path.join(dir, e.name))
      : e.name === 'README.md'
        ? [path.join(dir, e.name)]
        : [],
  );
const docs = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
  ...readmes(path.join('infra', 'local')),
];

const INTERNAL = /\bissues? \d+\b|\btesters?\b|\bthe issues\b|\b(IVR|invitations) issue\b|\bnext issues\b/i;

describe.each(docs)('%s', (doc) => {
  const text = readFileSync(path.join(ROOT, doc), 'utf8');

  it('speaks without the project’s internal terms', () => {
    const lines = text.split('\n').filter((line) => INTERNAL.test(line));
    expect(lines).toEqual([]);
  });

  it('cites only Markdown files that are in the repository', () => {
    const cited = [...text.matchAll(/[\w./-]*\b[\w-]+\.md\b/g)].map((m) => m[0].replace(/^\.\//, ''));
    // A name is looked up from the repository root, the doc's folder, and docs/ (README's layout lists names).
    const missing = cited.filter(
      (ref) => ![ROOT, path.join(ROOT, path.dirname(doc)), path.join(ROOT, 'docs')].some((dir) => existsSync(path.join(dir, ref))),
    );
    expect(missing).toEqual([]);
  });
});
